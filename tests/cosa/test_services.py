from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from reparo.audit.models import AuditEvent
from reparo.cases.models import Task
from reparo.consent.services import consent_withdraw
from reparo.cosa import selectors, services
from reparo.cosa.models import Circle, Concern
from reparo.organisations.models import HTCDSOrganisationType, Organisation, OrganisationKind
from tests.consent.conftest import record
from tests.cosa.factories import circle, cosa_process, meeting, volunteer

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


# Late minutes ------------------------------------------------------------------------------------------------


def test_it_knows_when_minutes_are_due(world):
    c = circle(world)
    m = meeting(world, c)
    assert m.minutes_due_at == m.held_at + 48 * HOUR


def test_it_flags_minutes_overdue_after_48_hours(world):
    c = circle(world)
    held = timezone.now() - 72 * HOUR
    m = meeting(world, c, held_at=held)
    tasks = services.flag_late_minutes(now=held + 48 * HOUR + datetime.timedelta(minutes=1))
    assert len(tasks) == 1
    task = tasks[0]
    assert task.owner == world["coordinator"]
    assert task.case == c.process.case
    assert task.done_at is None
    assert "late" in task.title
    assert m.late_flags.get().task == task
    assert list(selectors.overdue_minutes(actor=world["coordinator"], now=held + 49 * HOUR)) == [m]


def test_it_does_not_flag_minutes_before_48_hours(world):
    c = circle(world)
    held = timezone.now() - 47 * HOUR
    meeting(world, c, held_at=held)
    assert services.flag_late_minutes(now=held + 48 * HOUR - datetime.timedelta(minutes=1)) == []
    assert services.flag_late_minutes(now=held + 48 * HOUR) == []
    assert not Task.objects.exists()
    assert list(selectors.overdue_minutes(organisation=world.alice_org, now=held + 47 * HOUR)) == []


def test_it_flags_late_minutes_only_once(world):
    c = circle(world)
    held = timezone.now() - 72 * HOUR
    meeting(world, c, held_at=held)
    assert len(services.flag_late_minutes()) == 1
    assert services.flag_late_minutes() == []
    assert Task.objects.count() == 1


def test_it_does_not_flag_minutes_handed_in(world):
    c = circle(world)
    m = meeting(world, c, held_at=timezone.now() - 72 * HOUR)
    services.minutes_submit(actor=world["cosa_volunteer"], meeting=m, minutes="We talked about work.")
    assert services.flag_late_minutes() == []
    assert list(selectors.overdue_minutes(organisation=world.alice_org)) == []


def test_it_closes_the_coordinators_task_when_late_minutes_arrive(world):
    c = circle(world)
    m = meeting(world, c, held_at=timezone.now() - 72 * HOUR)
    [task] = services.flag_late_minutes()
    m = services.minutes_submit(actor=world["cosa_volunteer"], meeting=m, minutes="Late, but here.")
    task.refresh_from_db()
    assert task.done_at is not None
    assert m.minutes_late(timezone.now())
    assert AuditEvent.objects.filter(action="cosa.minutes_submitted", detail__late=True).exists()


def test_it_flags_late_minutes_from_the_command(world):
    c = circle(world)
    meeting(world, c, held_at=timezone.now() - 50 * HOUR)
    out = StringIO()
    call_command("flag_late_cosa_minutes", stdout=out)
    assert "1 task(s)" in out.getvalue()
    assert Task.objects.filter(owner=world["coordinator"]).count() == 1
    event = AuditEvent.objects.get(action="cosa.minutes_flagged_late")
    assert event.actor is None and event.actor_label == "system"


# Concern escalation and consent -------------------------------------------------------------------------------


def _concern(world, c: Circle, risk: str = "high") -> Concern:
    return services.concern_raise(
        actor=world["cosa_volunteer"], circle=c, risk_level=risk, description="Talked about meeting old contacts."
    )


def test_it_refuses_to_escalate_a_concern_without_consent(world):
    c = circle(world)
    concern = _concern(world, c)
    with pytest.raises(ValidationError) as exc:
        services.concern_escalate(actor=world["facilitator"], concern=concern, organisation=world.partner)
    assert "has not agreed" in " ".join(exc.value.messages)
    concern.refresh_from_db()
    assert concern.escalated_at is None and concern.escalated_to is None
    assert not AuditEvent.objects.filter(action="cosa.concern_escalated").exists()


def test_it_refuses_to_escalate_when_consent_does_not_cover_safety(world):
    c = circle(world)
    record(world, c.core_member, "share", recipient=world.partner, data_categories=["contact"])
    concern = _concern(world, c)
    with pytest.raises(ValidationError):
        services.concern_escalate(actor=world["facilitator"], concern=concern, organisation=world.partner)
    concern.refresh_from_db()
    assert concern.escalated_at is None


def test_it_refuses_to_escalate_when_consent_names_another_recipient(world):
    c = circle(world)
    other = Organisation.objects.create(
        name="Northside Probation", kind=OrganisationKind.PARTNER, htcds_type=HTCDSOrganisationType.LOCAL_GOVERNMENT
    )
    services.outer_member_add(actor=world["facilitator"], circle=c, organisation=other, role_description="Probation")
    record(world, c.core_member, "share", recipient=world.partner, data_categories=["safety"])
    concern = _concern(world, c)
    with pytest.raises(ValidationError):
        services.concern_escalate(actor=world["facilitator"], concern=concern, organisation=other)
    concern.refresh_from_db()
    assert concern.escalated_at is None


def test_it_escalates_with_consent_and_refuses_once_withdrawn(world):
    c = circle(world)
    consent = record(world, c.core_member, "share", recipient=world.partner, data_categories=["safety"])
    first = _concern(world, c)
    escalated = services.concern_escalate(actor=world["facilitator"], concern=first, organisation=world.partner)
    assert escalated.escalated_to == world.partner and escalated.escalated_at is not None
    event = AuditEvent.objects.get(action="cosa.concern_escalated")
    assert event.detail["recipient"] == world.partner.pk
    assert event.detail["consents"] == [str(consent.pk)]
    assert "Talked" not in str(event.detail)

    consent_withdraw(actor=world["coordinator"], consent=consent)
    second = _concern(world, c, "urgent")
    with pytest.raises(ValidationError):
        services.concern_escalate(actor=world["facilitator"], concern=second, organisation=world.partner)
    second.refresh_from_db()
    assert second.escalated_at is None


def test_it_escalates_only_to_the_outer_circle(world):
    c = circle(world, outer=False)
    record(world, c.core_member, "share", recipient=world.partner, data_categories=["safety"])
    concern = _concern(world, c)
    with pytest.raises(ValidationError):
        services.concern_escalate(actor=world["facilitator"], concern=concern, organisation=world.partner)


def test_it_does_not_let_volunteers_escalate(world):
    c = circle(world)
    record(world, c.core_member, "share", recipient=world.partner, data_categories=["safety"])
    concern = _concern(world, c)
    with pytest.raises(PermissionDenied):
        services.concern_escalate(actor=world["cosa_volunteer"], concern=concern, organisation=world.partner)


# Inner circle --------------------------------------------------------------------------------------------------


def test_it_needs_four_active_volunteers_before_meetings(world):
    c = circle(world, volunteers=3)
    with pytest.raises(ValidationError) as exc:
        meeting(world, c)
    assert "4 to 6 active volunteers" in " ".join(exc.value.messages)
    assert "It has 3" in " ".join(exc.value.messages)
    services.inner_member_add(
        actor=world["facilitator"], circle=c, user=volunteer(world, 9, case=c.process.case),
        screening_done_on=datetime.date(2026, 1, 10), training_hours="24",
    )  # fmt: skip
    assert meeting(world, c).attendance.count() == 4


def test_it_counts_only_active_volunteers(world):
    c = circle(world)
    member = c.inner_members.last()
    services.inner_member_update(
        actor=world["facilitator"], member=member, screening_done_on=None, training_hours=0, active=False
    )
    with pytest.raises(ValidationError):
        meeting(world, c)


def test_it_keeps_the_inner_circle_to_six(world):
    c = circle(world, volunteers=6)
    with pytest.raises(ValidationError) as exc:
        services.inner_member_add(actor=world["facilitator"], circle=c, user=volunteer(world, 7, case=c.process.case))
    assert "6" in " ".join(exc.value.messages)


def test_it_requires_an_active_cosa_volunteer_membership(world):
    c = circle(world, volunteers=0)
    for user in (world["case_worker"], world.charlie):
        with pytest.raises(ValidationError):
            services.inner_member_add(actor=world["facilitator"], circle=c, user=user)
    user = volunteer(world, 5)
    user.memberships.update(is_active=False)
    with pytest.raises(ValidationError):
        services.inner_member_add(actor=world["facilitator"], circle=c, user=user)
    assert not c.inner_members.exists()


def test_it_shows_screening_and_training(world):
    c = circle(world)
    member = c.inner_members.first()
    assert member.screened and member.training_hours == 24


# Circle and rights ---------------------------------------------------------------------------------------------


def test_it_opens_a_circle_only_on_a_cosa_process_with_a_core_member(world):
    from tests.processes.factories import ready_process

    with pytest.raises(ValidationError):
        services.circle_open(actor=world["facilitator"], process=ready_process(world))
    from reparo.processes import services as process_services
    from tests.cases.factories import alice_case

    bare = process_services.process_open(actor=world["facilitator"], case=alice_case(world), type="cosa")
    with pytest.raises(ValidationError) as exc:
        services.circle_open(actor=world["facilitator"], process=bare)
    assert "core member" in " ".join(exc.value.messages)


def test_it_opens_a_circle_around_the_core_member(world):
    process = cosa_process(world)
    c = services.circle_open(actor=world["facilitator"], process=process)
    assert c.core_member == process.case.participants.get(role="responsible").person
    event = AuditEvent.objects.get(action="cosa.circle_opened")
    assert event.detail["core_member"] == c.core_member.display_code
    with pytest.raises(ValidationError):
        services.circle_open(actor=world["facilitator"], process=process)


def test_it_refuses_outsiders_and_volunteers_staff_work(world):
    process = cosa_process(world)
    for actor in (world.charlie, world["cosa_volunteer"]):
        with pytest.raises(PermissionDenied):
            services.circle_open(actor=actor, process=process)
    c = circle(world)
    with pytest.raises(PermissionDenied):
        meeting_as(world.charlie, c)
    with pytest.raises(PermissionDenied):
        services.review_add(actor=world["cosa_volunteer"], circle=c, review_date=timezone.localdate(), summary="x")


def meeting_as(actor, c):
    return services.meeting_record(actor=actor, circle=c, held_at=timezone.now() - HOUR)


def test_it_lets_a_volunteer_outside_the_circle_record_nothing(world):
    c = circle(world)
    outsider_volunteer = volunteer(world, 8, case=c.process.case)
    with pytest.raises(PermissionDenied):
        meeting_as(outsider_volunteer, c)


def test_it_only_accepts_outer_members_from_partners(world):
    c = circle(world, outer=False)
    with pytest.raises(ValidationError):
        services.outer_member_add(
            actor=world["facilitator"], circle=c, organisation=world.charlie_org, role_description="x"
        )


def test_it_records_reviews_and_the_closing_questionnaire(world):
    c = circle(world)
    review = services.review_add(
        actor=world["facilitator"], circle=c, review_date=datetime.date(2026, 4, 1), summary="Going well."
    )
    assert review.next_review_due == datetime.date(2026, 7, 1)
    with pytest.raises(ValidationError):
        services.questionnaire_complete(actor=world["facilitator"], circle=c, ratings={"supported": 5})
    q = services.questionnaire_complete(
        actor=world["facilitator"], circle=c,
        ratings={"supported": "5", "accountable": 4, "safer": 4, "prepared": 3}, comment="Thank you.",
    )  # fmt: skip
    assert q.ratings == {"supported": 5, "accountable": 4, "safer": 4, "prepared": 3}
    assert q.comment == "Thank you."
    with pytest.raises(ValidationError):
        services.questionnaire_complete(
            actor=world["facilitator"], circle=c, ratings={"supported": 5, "accountable": 4, "safer": 4, "prepared": 3}
        )


def test_it_writes_audit_rows_without_personal_data(world):
    c = circle(world)
    m = meeting(world, c)
    services.minutes_submit(actor=world["cosa_volunteer"], meeting=m, minutes="Secret minutes text")
    _concern(world, c)
    actions = set(AuditEvent.objects.filter(action__startswith="cosa.").values_list("action", flat=True))
    assert actions >= {
        "cosa.circle_opened", "cosa.inner_member_added", "cosa.outer_member_added", "cosa.meeting_recorded",
        "cosa.minutes_submitted", "cosa.concern_raised",
    }  # fmt: skip
    details = " ".join(str(e.detail) for e in AuditEvent.objects.filter(action__startswith="cosa."))
    assert "Secret" not in details and "old contacts" not in details and "Rex" not in details


def test_a_screening_dated_in_the_future_is_not_done(world):
    c = circle(world, volunteers=3)
    user = volunteer(world, 9, case=c.process.case)
    with pytest.raises(ValidationError) as exc:
        services.inner_member_add(
            actor=world["facilitator"], circle=c, user=user,
            screening_done_on=timezone.localdate() + datetime.timedelta(days=7), training_hours="24",
        )  # fmt: skip
    assert "screening is not done yet" in " ".join(exc.value.messages)
    assert not c.inner_members.filter(user=user).exists()
    services.inner_member_add(
        actor=world["facilitator"], circle=c, user=user, screening_done_on=timezone.localdate(), training_hours="24"
    )
    assert c.inner_members.filter(user=user).exists()
