"""Certifications: issued by an assessor only when the program's requirements are met; two-year expiry,
renewal, suspension with a reason; the coordinator's 90-day view; reminders as a background task."""

from __future__ import annotations

import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from reparo.audit.models import AuditEvent
from reparo.core.dates import day
from reparo.training import services
from reparo.training.models import Certification, CourseSession
from reparo.training.tasks import send_expiry_reminders_task
from tests.conftest import CsrfClient, sign_in
from tests.training.factories import certify

pytestmark = pytest.mark.django_db

LEVELS = {"trauma_informed": 2, "mediation": 2, "safeguarding": 2, "cultural": 2, "trafficking_law": 2}


def attend_course(world, user, hours="12"):
    course = services.course_create(
        actor=world["coordinator"],
        organisation=world.alice_org,
        title="Trauma-informed practice",
        competencies=[],
    )
    session = services.course_session_add(
        actor=world["coordinator"], course=course, starts_at=timezone.now() - datetime.timedelta(days=3), hours=hours
    )
    services.enrol(actor=user, course=course, user=user)
    services.attendance_record(actor=world["coordinator"], session=session, attended=[user])
    return course


def pass_scenarios(world, user, ids=("pressured-to-forgive", "interpreter-new-disclosure")):
    from reparo.training.scenarios import scenario_get
    from tests.training.test_scenarios import _best_path

    for scenario_id in ids:
        attempt = services.attempt_start(actor=user, organisation=world.alice_org, scenario_id=scenario_id)
        for choice in _best_path(scenario_get(scenario_id)):
            attempt = services.attempt_choose(actor=user, attempt=attempt, choice_id=choice)
        assert attempt.passed


def observe(world, user, rating=3):
    return services.observation_record(
        actor=world["supervisor"],
        organisation=world.alice_org,
        facilitator=user,
        observer_role="supervisor",
        observed_on=timezone.localdate(),
        ratings={"mediation": rating, "trauma_informed": rating},
        feedback="Calm and clear pacing.",
    )


def issue(world, user):
    return services.certification_issue(actor=world["supervisor"], user=user, program=world.program, levels=LEVELS)


def test_it_issues_only_when_every_requirement_is_met(world):
    user = world["facilitator"]
    with pytest.raises(ValidationError) as exc:
        issue(world, user)
    text = " ".join(exc.value.messages)
    assert "Course hours attended: 0 of 12" in text
    assert "Practice scenarios passed: 0 of 2" in text
    assert "Observed sessions rated satisfactory: 0 of 1" in text
    attend_course(world, user)
    pass_scenarios(world, user)
    observe(world, user, rating=2)  # not satisfactory
    with pytest.raises(ValidationError) as exc:
        issue(world, user)
    assert exc.value.messages[1:] == ["Observed sessions rated satisfactory: 0 of 1."]
    assert not Certification.objects.filter(user=user).exists()
    observe(world, user, rating=4)
    certification = issue(world, user)
    assert certification.levels == LEVELS and certification.assessor == world["supervisor"]
    today = timezone.localdate()
    assert certification.issued_on == today
    leap_day = (today.month, today.day) == (2, 29)  # two years on from 29 February is 28 February
    assert certification.expires_on == datetime.date(today.year + 2, today.month, 28 if leap_day else today.day)
    assert AuditEvent.objects.filter(action="training.certification_issued").count() == 1


def test_it_needs_the_course_hours_passed_scenarios_and_observations_separately(world):
    user = world["facilitator"]
    attend_course(world, user, hours="11.5")
    pass_scenarios(world, user, ids=("pressured-to-forgive",))
    observe(world, user)
    with pytest.raises(ValidationError) as exc:
        issue(world, user)
    assert exc.value.messages[1:] == ["Course hours attended: 11.5 of 12.", "Practice scenarios passed: 1 of 2."]


def test_only_an_assessor_issues_and_nobody_certifies_themselves(world):
    for actor in (world["facilitator"], world["coordinator"], world.charlie):
        with pytest.raises(PermissionDenied):
            services.certification_issue(actor=actor, user=world["case_worker"], program=world.program, levels=LEVELS)
    with pytest.raises(ValidationError, match="Nobody certifies themselves"):
        services.certification_issue(
            actor=world["supervisor"], user=world["supervisor"], program=world.program, levels=LEVELS
        )


def test_it_renews_and_suspends_with_a_reason(world):
    user = world["facilitator"]
    attend_course(world, user)
    pass_scenarios(world, user)
    observe(world, user)
    first = issue(world, user)
    renewed = services.certification_renew(actor=world["supervisor"], certification=first)
    first.refresh_from_db()
    assert first.status == "renewed" and renewed.renewal_of == first
    assert renewed.expires_on == first.expires_on.replace(year=first.expires_on.year + 2)
    with pytest.raises(ValidationError):
        services.certification_suspend(actor=world["supervisor"], certification=renewed, reason="  ")
    services.certification_suspend(actor=world["supervisor"], certification=renewed, reason="Complaint under review")
    renewed.refresh_from_db()
    assert renewed.status == "suspended" and renewed.suspended_reason == "Complaint under review"
    assert not renewed.valid_on(timezone.localdate())


def test_it_renews_a_certification_once_even_from_a_page_opened_before_the_first_renewal(world):
    user = world["facilitator"]
    attend_course(world, user)
    pass_scenarios(world, user)
    observe(world, user)
    first = issue(world, user)
    stale = Certification.objects.get(pk=first.pk)  # what a second assessor's page still holds
    services.certification_renew(actor=world["supervisor"], certification=first)
    with pytest.raises(ValidationError, match="already been renewed"):
        services.certification_renew(actor=world["org_admin"], certification=stale)
    assert Certification.objects.filter(user=user, renewal_of=first).count() == 1


def test_the_coordinator_sees_who_expires_in_the_next_90_days(world):
    today = timezone.localdate()
    soon = certify(world["facilitator"], world.program, expires_on=today + datetime.timedelta(days=60))
    certify(world["supervisor"], world.program, expires_on=today + datetime.timedelta(days=200))
    client = sign_in(CsrfClient(), world["coordinator"])
    page = client.get(reverse("training:expiring")).content.decode()
    assert world["facilitator"].display_name in page and day(soon.expires_on) in page
    assert world["supervisor"].email not in page
    assert sign_in(CsrfClient(), world["facilitator"]).get(reverse("training:expiring")).status_code == 404
    assert sign_in(CsrfClient(), world.charlie).get(reverse("training:expiring")).status_code == 200
    assert (
        world["facilitator"].email
        not in sign_in(CsrfClient(), world.charlie).get(reverse("training:expiring")).content.decode()
    )


def test_it_reminds_once_through_the_task_and_the_command(world, django_capture_on_commit_callbacks):
    today = timezone.localdate()
    certify(world["facilitator"], world.program, expires_on=today + datetime.timedelta(days=30))
    certify(world["supervisor"], world.program, expires_on=today + datetime.timedelta(days=120))
    with django_capture_on_commit_callbacks(execute=True):
        result = send_expiry_reminders_task.enqueue(today.isoformat())
    assert str(result.status).upper().endswith("SUCCESSFUL") and result.return_value == 1
    assert [m.to for m in mail.outbox] == [[world["facilitator"].email]]
    assert "certif" not in mail.outbox[0].body.lower() and "expire" not in mail.outbox[0].subject.lower()
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_certification_reminders", "--today", today.isoformat(), stdout=out)
    assert "Reminders: 0" in out.getvalue() and len(mail.outbox) == 1
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "send_certification_reminders", "--today", (today + datetime.timedelta(days=40)).isoformat(), stdout=out
        )
    assert len(mail.outbox) == 2


def test_the_assessor_issues_through_the_page(world):
    user = world["facilitator"]
    attend_course(world, user)
    pass_scenarios(world, user)
    observe(world, user)
    client = sign_in(CsrfClient(), world["supervisor"])
    data = {"program": world.program.pk, **{f"level_{k}": v for k, v in LEVELS.items()}}
    response = client.post_form(reverse("training:certify", args=[user.pk]), data, follow=True)
    assert "Certification issued." in response.content.decode()
    assert Certification.objects.get(user=user).levels == LEVELS
    assert CourseSession.objects.count() == 1 and Decimal("12") == CourseSession.objects.get().hours


def test_a_supervisor_observes_a_session_through_the_page(world):
    from reparo.processes import services as process_services
    from reparo.training.models import Observation
    from tests.processes.factories import one_side, ready_process, tomorrow

    process = ready_process(world)
    session = process_services.session_schedule(
        actor=world["facilitator"],
        process=process,
        starts_at=tomorrow(),
        duration_minutes=60,
        mode="in_person",
        invited=one_side(process, "survivor"),
    )
    client = sign_in(CsrfClient(), world["supervisor"])
    page = client.get(reverse("training:person", args=[world["facilitator"].pk])).content.decode()
    assert process.case.reference in page
    data = {
        "session": session.pk,
        "observer_role": "supervisor",
        "observed_on": timezone.localdate().isoformat(),
        "rating_mediation": "3",
        "rating_trauma_informed": "4",
        "feedback": "Good pacing",
    }
    client.post_form(reverse("training:observation_add", args=[world["facilitator"].pk]), data)
    observation = Observation.objects.get()
    assert observation.session == session and observation.satisfactory and observation.feedback == "Good pacing"
    with pytest.raises(ValidationError):
        services.observation_record(
            actor=world["supervisor"],
            organisation=world.alice_org,
            facilitator=world["case_worker"],
            observer_role="supervisor",
            observed_on=timezone.localdate(),
            ratings={"mediation": 3},
            session=session,
        )
    # A co-facilitator may observe; only supervisors observe as supervisors; nobody observes themselves.
    with pytest.raises(PermissionDenied):
        services.observation_record(
            actor=world["case_worker"],
            organisation=world.alice_org,
            facilitator=world["facilitator"],
            observer_role="supervisor",
            observed_on=timezone.localdate(),
            ratings={"mediation": 3},
        )
    with pytest.raises(ValidationError):
        services.observation_record(
            actor=world["facilitator"],
            organisation=world.alice_org,
            facilitator=world["facilitator"],
            observer_role="co_facilitator",
            observed_on=timezone.localdate(),
            ratings={"mediation": 3},
        )


def test_supervision_and_reflection_are_recorded(world):
    services.supervision_log(
        actor=world["supervisor"],
        organisation=world.alice_org,
        facilitator=world["facilitator"],
        held_on=timezone.localdate(),
        notes="Discussed the shuttle dialogue",
        actions="Read X",
    )
    with pytest.raises(PermissionDenied):
        services.supervision_log(
            actor=world["facilitator"],
            organisation=world.alice_org,
            facilitator=world["case_worker"],
            held_on=timezone.localdate(),
        )
    page = sign_in(CsrfClient(), world["facilitator"]).get(reverse("training:mine")).content.decode()
    assert "Discussed the shuttle dialogue" in page


def test_a_co_facilitator_observes_a_shared_session_from_their_own_page(world):
    from reparo.processes import services as process_services
    from reparo.training.models import Observation
    from tests.processes.factories import one_side, ready_process, tomorrow

    process = ready_process(world)
    session = process_services.session_schedule(
        actor=world["facilitator"],
        process=process,
        starts_at=tomorrow(),
        duration_minutes=60,
        mode="in_person",
        invited=one_side(process, "survivor"),
        co_facilitator=world["supervisor"],
    )
    # The supervisor co-facilitated; here they observe as a co-facilitator, from their own page.
    client = sign_in(CsrfClient(), world["supervisor"])
    assert "Observe a colleague" in client.get(reverse("training:mine")).content.decode()
    data = {
        "facilitator": world["facilitator"].pk,
        "session": session.pk,
        "observer_role": "co_facilitator",
        "observed_on": timezone.localdate().isoformat(),
        "rating_mediation": "2",
        "feedback": "Rushed the close",
    }
    client.post_form(reverse("training:observe"), data)
    observation = Observation.objects.get()
    assert observation.observer == world["supervisor"] and observation.facilitator == world["facilitator"]
    assert observation.session == session and not observation.satisfactory
    page = sign_in(CsrfClient(), world["facilitator"]).get(reverse("training:mine")).content.decode()
    assert "Rushed the close" in page and "not yet satisfactory" in page


def test_the_assessor_sees_what_is_still_missing(world):
    client = sign_in(CsrfClient(), world["supervisor"])
    page = client.get(reverse("training:person", args=[world["facilitator"].pk])).content.decode()
    assert "Practice scenarios passed: 0 of 2." in page
