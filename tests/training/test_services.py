"""Training writes: who may observe and certify, who changes the requirements (audited old -> new), course
attendance only once a session has started, expiry reminders after commit."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from reparo.audit.models import AuditEvent
from reparo.training import selectors, services
from reparo.training.models import Certification, Observation
from tests.training.factories import certify, observe_as, shared_session
from tests.training.test_certification import attend_course, issue, observe, pass_scenarios

pytestmark = pytest.mark.django_db


def test_a_colleague_cannot_certify_by_observation_without_a_shared_session(world):
    with pytest.raises(ValidationError):
        observe_as(world, world["case_worker"])
    session = shared_session(world, world["supervisor"])
    with pytest.raises(ValidationError):  # a session the observer did not facilitate
        observe_as(world, world["case_worker"], session=session)
    assert not Observation.objects.exists()
    assert selectors.satisfactory_observations(world["facilitator"], world.alice_org) == 0


def test_a_coordinator_cannot_observe_as_a_supervisor(world):
    for actor in (world["coordinator"], world["org_admin"]):
        with pytest.raises(PermissionDenied):
            observe_as(world, actor, role="supervisor")
    assert not Observation.objects.exists()


def test_only_an_organisation_admin_changes_the_requirements_and_the_audit_keeps_old_and_new(world):
    for actor in (world["coordinator"], world["supervisor"], world["facilitator"], world.charlie):
        with pytest.raises(PermissionDenied):
            services.program_settings_update(actor=actor, program=world.program, certification_observations=0)
    services.program_settings_update(actor=world["org_admin"], program=world.program, certification_observations=3)
    event = AuditEvent.objects.get(action="training.program_settings_updated")
    assert event.detail["changes"] == {"certification_observations": ["1", "3"]}


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
