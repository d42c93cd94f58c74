"""The gate covers every person who would meet, holds on the day of the meeting (not only today), and a case
that ends or a process that pauses calls off the joint meetings already booked."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from reparo.cases import services as case_services
from reparo.processes import services as process_services
from reparo.processes.gate import joint_meeting_gate
from reparo.processes.models import Session, SessionStatus
from reparo.safety import services
from tests.processes.factories import both, ready_process, tomorrow

pytestmark = pytest.mark.django_db


def schedule(world, process, invited, *, starts_at=None):
    return process_services.session_schedule(
        actor=world["facilitator"], process=process, starts_at=starts_at or tomorrow(),
        duration_minutes=90, mode="in_person", invited=invited, venue="Room 4",
    )  # fmt: skip


def second_responsible(world, process):
    """A second responsible person in the process, prepared like the first (the preparation condition holds), with
    no screening of their own."""
    from reparo.processes.content import checklist_for

    case_participant = case_services.participant_add(
        actor=world["coordinator"], case=process.case, role="responsible", given_name="Second", family_name="Person"
    )
    participant = process_services.participant_add(
        actor=world["facilitator"], process=process, case_participant=case_participant, role="responsible"
    )
    process_services.preparation_record(
        actor=world["facilitator"], process=process, participant=participant, held_on=timezone.localdate(),
        covered=[key for key, _label in checklist_for(process.type)],
    )  # fmt: skip
    return participant


def test_it_checks_every_responsible_person_invited_not_only_the_first(world):
    process = ready_process(world)
    other = second_responsible(world, process)
    survivor = process.participants.get(role="survivor")
    with pytest.raises(ValidationError) as info:
        schedule(world, process, [survivor, other])
    assert "suitability screening has not been done" in " ".join(info.value.messages)
    assert info.value.codes == ["responsible_readiness"]
    # The first responsible person, screened, may still meet the survivor.
    first = process.participants.filter(role="responsible").exclude(pk=other.pk).get()
    assert schedule(world, process, [survivor, first]).is_joint


def test_it_checks_a_contact_restriction_with_any_invited_responsible_person(world):
    process = ready_process(world)
    other = second_responsible(world, process)
    survivor = process.participants.get(role="survivor")
    from tests.safety.factories import screen

    screen(world, process, "responsible_suitability", person=other.person)
    services.restriction_record(
        actor=world["facilitator"], case=process.case, person_a=survivor.person, person_b=other.person,
        kind="no_contact_order", valid_from=timezone.localdate(),
    )  # fmt: skip
    with pytest.raises(ValidationError) as info:
        schedule(world, process, [survivor, other])
    assert "contact_restriction" in info.value.codes
    assert not joint_meeting_gate(process).open  # the process as a whole shows it too


def test_it_refuses_a_session_after_a_screening_expires(world):
    process = ready_process(world)
    later = timezone.now() + datetime.timedelta(days=120)  # screenings last 90 days, the risk assessment 60
    with pytest.raises(ValidationError) as info:
        schedule(world, process, both(process), starts_at=later)
    text = " ".join(info.value.messages)
    assert "By the time of the session" in text and "expired" in text
    assert {"survivor_readiness", "responsible_readiness", "risk"} <= set(info.value.codes)
    assert not Session.objects.filter(process=process).exists()


def test_it_refuses_a_session_on_a_day_a_restriction_begins(world):
    process = ready_process(world)
    survivor, responsible = process.participants.get(role="survivor"), process.participants.get(role="responsible")
    starts = tomorrow() + datetime.timedelta(days=5)
    services.restriction_record(
        actor=world["facilitator"], case=process.case, person_a=survivor.person, person_b=responsible.person,
        kind="court_condition", valid_from=timezone.localdate(starts) - datetime.timedelta(days=1),
    )  # fmt: skip
    assert joint_meeting_gate(process).open  # not in force today
    with pytest.raises(ValidationError) as info:
        schedule(world, process, both(process), starts_at=starts)
    assert info.value.codes == ["contact_restriction"]


def test_it_calls_off_booked_joint_sessions_when_the_process_pauses(world):
    process = ready_process(world)
    joint = schedule(world, process, both(process))
    alone = schedule(world, process, [process.participants.get(role="survivor")])
    process_services.process_pause(actor=None, process=process, why="distress_threshold")
    joint.refresh_from_db()
    alone.refresh_from_db()
    assert joint.status == SessionStatus.CANCELLED
    assert alone.status == SessionStatus.SCHEDULED  # a meeting with one side only is not a joint meeting


@pytest.mark.parametrize("to_status", ["withdrawn", "closed"])
def test_it_ends_the_processes_and_sessions_of_a_case_that_ends(world, to_status):
    process = ready_process(world)
    session = schedule(world, process, both(process))
    case = process.case
    if to_status == "closed":
        from reparo.cases.models import Case

        Case.objects.filter(pk=case.pk).update(status="follow_up")
        case.refresh_from_db()
    case_services.case_transition(actor=world["coordinator"], case=case, to_status=to_status)
    session.refresh_from_db()
    process.refresh_from_db()
    assert session.status == SessionStatus.CANCELLED
    assert process.stage == "ended_early"
    assert process.end_reason == ("withdrawal" if to_status == "withdrawn" else "case_closed")
    gate = joint_meeting_gate(process)
    assert "case_open" in gate.codes


def test_it_refuses_any_session_led_by_a_facilitator_whose_certification_has_lapsed(world):
    from reparo.training.models import Certification

    process = ready_process(world)
    Certification.objects.filter(user=world["facilitator"]).update(status="suspended")
    survivor_only = [process.participants.get(role="survivor")]
    with pytest.raises(ValidationError) as info:
        schedule(world, process, survivor_only)  # not a joint meeting, and still refused
    assert "cannot lead a session on that day" in " ".join(info.value.messages)
    assert not Session.objects.filter(process=process).exists()
