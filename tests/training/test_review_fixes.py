"""Review fixes: only a session's co-facilitator or a supervisor certifies by observation; a practice partner
does not pass; only organisation admins change the requirements (audited old -> new); the gate checks
co-facilitators; suspended people are not certified anew; future course hours do not count; reminders."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from reparo.audit.models import AuditEvent
from reparo.processes import services as process_services
from reparo.processes.gate import joint_meeting_gate
from reparo.training import selectors, services
from reparo.training.models import Certification, Observation
from reparo.training.scenarios import scenario_get
from tests.conftest import CsrfClient, sign_in
from tests.processes.factories import ready_process, tomorrow
from tests.training.factories import certify
from tests.training.test_certification import attend_course, issue, observe, pass_scenarios
from tests.training.test_scenarios import _best_path

pytestmark = pytest.mark.django_db

RATINGS = {"mediation": 4, "trauma_informed": 4}


def _observe(world, actor, *, role="co_facilitator", session=None, facilitator=None):
    return services.observation_record(
        actor=actor,
        organisation=world.alice_org,
        facilitator=facilitator or world["facilitator"],
        observer_role=role,
        observed_on=timezone.localdate(),
        ratings=RATINGS,
        session=session,
    )


def _shared_session(world, co_facilitator):
    certify(co_facilitator, world.program)
    process = ready_process(world)
    return process_services.session_schedule(
        actor=world["facilitator"],
        process=process,
        starts_at=tomorrow(),
        duration_minutes=60,
        mode="in_person",
        invited=list(process.participants.filter(role="survivor")),
        co_facilitator=co_facilitator,
    )


# 1. Peer observations -------------------------------------------------------------------------------------------


def test_a_colleague_cannot_certify_by_observation_without_a_shared_session(world):
    with pytest.raises(ValidationError):
        _observe(world, world["case_worker"])
    session = _shared_session(world, world["supervisor"])
    with pytest.raises(ValidationError):  # a session the observer did not facilitate
        _observe(world, world["case_worker"], session=session)
    assert not Observation.objects.exists()
    assert selectors.satisfactory_observations(world["facilitator"], world.alice_org) == 0


def test_a_colleague_observation_without_a_session_does_not_count(world):
    # Such rows may exist from before the fix; they never count.
    Observation.objects.create(
        organisation=world.alice_org,
        facilitator=world["facilitator"],
        observer=world["case_worker"],
        observer_role="co_facilitator",
        observed_on=timezone.localdate(),
        ratings=RATINGS,
    )
    assert selectors.satisfactory_observations(world["facilitator"], world.alice_org) == 0


def test_the_sessions_co_facilitator_and_a_supervisor_count(world):
    session = _shared_session(world, world["supervisor"])
    _observe(world, world["supervisor"], session=session)
    assert selectors.satisfactory_observations(world["facilitator"], world.alice_org) == 1
    _observe(world, world["supervisor"], role="supervisor")
    assert selectors.satisfactory_observations(world["facilitator"], world.alice_org) == 2


def test_a_coordinator_cannot_observe_as_a_supervisor(world):
    for actor in (world["coordinator"], world["org_admin"]):
        with pytest.raises(PermissionDenied):
            _observe(world, actor, role="supervisor")
    assert not Observation.objects.exists()


def test_the_colleague_form_asks_for_the_shared_session(world):
    client = sign_in(CsrfClient(), world["case_worker"])
    data = {
        "facilitator": world["facilitator"].pk,
        "observer_role": "co_facilitator",
        "observed_on": timezone.localdate().isoformat(),
        "rating_mediation": "4",
    }
    client.post_form(reverse("training:observe"), data, follow=True)
    assert not Observation.objects.exists()


# 2. Practice partners -------------------------------------------------------------------------------------------


def test_a_practice_partner_does_not_pass_the_scenario(world):
    scenario = scenario_get("pressured-to-forgive")
    attempt = services.attempt_start(
        actor=world["case_worker"], organisation=world.alice_org, scenario_id=scenario.id, partner=world["facilitator"]
    )
    for choice in _best_path(scenario):
        attempt = services.attempt_choose(actor=world["facilitator"], attempt=attempt, choice_id=choice)
    assert attempt.passed
    assert selectors.passed_scenarios(world["case_worker"], world.alice_org) == {scenario.id}
    assert selectors.passed_scenarios(world["facilitator"], world.alice_org) == set()


# 3. Program settings --------------------------------------------------------------------------------------------


def test_only_an_organisation_admin_changes_the_requirements_and_the_audit_keeps_old_and_new(world):
    for actor in (world["coordinator"], world["supervisor"], world["facilitator"], world.charlie):
        with pytest.raises(PermissionDenied):
            services.program_settings_update(actor=actor, program=world.program, certification_observations=0)
    services.program_settings_update(actor=world["org_admin"], program=world.program, certification_observations=3)
    event = AuditEvent.objects.get(action="training.program_settings_updated")
    assert event.detail["changes"] == {"certification_observations": ["1", "3"]}


def test_the_framework_page_shows_the_requirements_form_to_admins_only(world):
    url = reverse("training:program_settings", args=[world.program.pk])
    page = sign_in(CsrfClient(), world["coordinator"]).get(reverse("training:framework")).content.decode()
    assert url not in page and "Satisfactory observed sessions" in page
    page = sign_in(CsrfClient(), world["org_admin"]).get(reverse("training:framework")).content.decode()
    assert url in page


# 4. Gate --------------------------------------------------------------------------------------------------------


def test_the_gate_checks_the_co_facilitator_too(world):
    process = ready_process(world)
    certify(world["supervisor"], world.program)
    process_services.facilitator_assign(
        actor=world["coordinator"], process=process, user=world["supervisor"], role="co_facilitator"
    )
    assert joint_meeting_gate(process).open
    Certification.objects.filter(user=world["supervisor"]).update(status="suspended")
    gate = joint_meeting_gate(process)
    assert not gate.open and gate.codes == ["facilitator_certified"]


# 6. Suspension --------------------------------------------------------------------------------------------------


def test_a_suspended_person_is_not_certified_anew(world):
    user = world["facilitator"]
    attend_course(world, user)
    pass_scenarios(world, user)
    observe(world, user)
    first = issue(world, user)
    services.certification_suspend(actor=world["supervisor"], certification=first, reason="Complaint under review")
    with pytest.raises(ValidationError, match="suspended certification"):
        issue(world, user)
    assert list(Certification.objects.filter(user=user)) == [first]


# 7. Course hours ------------------------------------------------------------------------------------------------


def test_attendance_for_a_session_not_started_yet_is_refused(world):
    user = world["facilitator"]
    course = services.course_create(
        actor=world["coordinator"], organisation=world.alice_org, title="Law update", competencies=[]
    )
    later = timezone.now() + datetime.timedelta(days=5)
    session = services.course_session_add(actor=world["coordinator"], course=course, starts_at=later, hours=12)
    services.enrol(actor=user, course=course, user=user)
    with pytest.raises(ValidationError, match="once the session has started"):
        services.attendance_record(actor=world["coordinator"], session=session, attended=[user])
    assert selectors.course_hours(user, world.alice_org) == Decimal("0")
    services.attendance_record(
        actor=world["coordinator"], session=session, attended=[user], at=later + datetime.timedelta(hours=1)
    )
    assert selectors.course_hours(user, world.alice_org) == Decimal("12")


# 8. Reminders ---------------------------------------------------------------------------------------------------


def test_reminders_go_after_commit_to_active_users_once(world, django_capture_on_commit_callbacks):
    today = timezone.localdate()
    certify(world["facilitator"], world.program, expires_on=today + datetime.timedelta(days=30))
    certify(world["supervisor"], world.program, expires_on=today + datetime.timedelta(days=30))
    world["supervisor"].is_active = False
    world["supervisor"].save(update_fields=["is_active"])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert services.send_expiry_reminders(today=today) == 1
        assert mail.outbox == []  # nothing leaves before the reminder is recorded
    for callback in callbacks:
        callback()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_expiry_reminders(today=today) == 0
    assert [m.to for m in mail.outbox] == [[world["facilitator"].email]]


# 10. Spanish ----------------------------------------------------------------------------------------------------


def test_the_gate_and_expiry_reasons_read_in_spanish(world):
    from django.utils import translation

    from reparo.training.eligibility import certification_problem

    process = ready_process(world)
    today = timezone.localdate()
    Certification.objects.filter(user=world["facilitator"]).update(expires_on=today + datetime.timedelta(days=3))
    with translation.override("es"):
        problem = certification_problem(world["facilitator"], process, [today + datetime.timedelta(days=10)])
        assert problem.startswith("La certificación caduca el")
        Certification.objects.filter(user=world["facilitator"]).update(expires_on=today)
        assert "no está certificada para este proceso" in joint_meeting_gate(process).reasons[0]
