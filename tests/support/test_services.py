from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from reparo.accounts.models import Membership, Role
from reparo.audit.models import AuditEvent
from reparo.cases.models import CaseTeamMember, Task, TeamRole
from reparo.consent.models import Consent, ConsentPurpose
from reparo.consent.policy import may
from reparo.consent.services import consent_record, consent_withdraw
from reparo.evaluation import services as evaluation_services
from reparo.evaluation.models import SurveyAssignment
from reparo.processes import services as process_services
from reparo.processes.models import ProcessStage
from reparo.processes.selectors import processes_visible_to
from reparo.support import services
from reparo.support.models import ProgressStatus, SupportCircle, SupportLateMinutesFlag
from tests.evaluation.factories import agree_to_evaluation
from tests.support.factories import (
    SCREENED,
    circle,
    meeting,
    open_circle,
    support_process,
    support_volunteer,
    survivor_of,
    trained,
)

pytestmark = pytest.mark.django_db


# --- one survivor, with their agreement, and nobody from the other side -------------------------------------------


def test_it_forms_a_circle_around_a_survivor_with_their_recorded_agreement(world):
    process = support_process(world)
    c = open_circle(world, process)
    survivor = survivor_of(process)
    assert c.survivor == survivor and c.coordinator == world["coordinator"]
    assert list(process.participants.values_list("person", "role")) == [(survivor.pk, "survivor")]
    assert may(person=survivor, purpose=ConsentPurpose.SUPPORT_CIRCLE, process_ref=str(process.pk))
    consent = Consent.objects.get(person=survivor, purpose=ConsentPurpose.SUPPORT_CIRCLE)
    assert consent.case == process.case and consent.recorded_by == world["coordinator"]
    assert AuditEvent.objects.filter(action="support.circle_opened", object_id=str(c.pk)).exists()


def test_only_a_survivor_can_be_the_circles_focus(world):
    process = support_process(world)
    responsible = process.case.participants.get(role="responsible").person
    with pytest.raises(ValidationError, match="Only a survivor"):
        services.support_circle_open(
            actor=world["coordinator"], process=process, survivor=responsible, known_as="Rex",
            consent_method="written", consent_given_at=timezone.now(),
        )  # fmt: skip
    assert not SupportCircle.objects.exists()


def test_a_circle_needs_the_survivors_agreement(world):
    process = support_process(world)
    with pytest.raises(ValidationError, match="agreed to have a support circle"):
        services.support_circle_open(
            actor=world["coordinator"], process=process, survivor=survivor_of(process), known_as="Sunny"
        )
    assert not SupportCircle.objects.exists()


def test_a_circle_forms_only_on_a_support_circle_process(world):
    process = support_process(world)
    mediation = process_services.process_open(actor=world["coordinator"], case=process.case, type="direct_mediation")
    with pytest.raises(ValidationError, match="support-circle process"):
        open_circle(world, mediation)


@pytest.mark.parametrize("role", ["responsible", "core_member", "supporter", "survivor"])
def test_no_responsible_side_participant_can_join(world, role):
    process = support_process(world)
    responsible = process.case.participants.get(role="responsible")
    with pytest.raises(ValidationError):
        process_services.participant_add(
            actor=world["coordinator"], process=process, case_participant=responsible, role=role
        )
    assert not process.participants.exists()


def test_nobody_joins_beside_the_survivor(world):
    process = support_process(world)
    open_circle(world, process)
    survivor_row = process.case.participants.get(role="survivor")
    responsible = process.case.participants.get(role="responsible")
    for who, role in ((responsible, "responsible"), (survivor_row, "supporter")):
        with pytest.raises(ValidationError):
            process_services.participant_add(actor=world["coordinator"], process=process, case_participant=who,
                                              role=role)  # fmt: skip
    assert process.participants.count() == 1


def test_a_volunteer_of_the_responsible_side_cannot_join(world):
    c = open_circle(world)
    cosa_volunteer = world["cosa_volunteer"]  # on this case's team for the responsible person
    Membership.objects.create(user=cosa_volunteer, organisation=world.alice_org, role=Role.SUPPORT_VOLUNTEER)
    trained(world, cosa_volunteer)
    assert CaseTeamMember.objects.filter(case=c.process.case, user=cosa_volunteer, role=TeamRole.COSA_VOLUNTEER)
    with pytest.raises(ValidationError, match="supports the responsible person"):
        services.volunteer_add(actor=world["coordinator"], circle=c, user=cosa_volunteer, screening_done_on=SCREENED,
                               training_hours="30")  # fmt: skip


def test_the_responsible_side_never_sees_the_circles_process(world):
    c = circle(world)
    assert c.process not in processes_visible_to(world["cosa_volunteer"])  # sees this case's responsible side
    assert c.process in processes_visible_to(world["facilitator"])
    assert c.process in processes_visible_to(world["coordinator"])


def test_the_name_the_volunteers_use_is_never_a_surname(world):
    process = support_process(world)
    family = survivor_of(process).family_name
    with pytest.raises(ValidationError, match="never a surname"):
        open_circle(world, process, known_as=f"Sofi {family}")


def test_no_joint_meeting_ever_happens_in_a_support_circle(world):
    from reparo.processes.gate import joint_meeting_gate

    c = circle(world)
    gate = joint_meeting_gate(c.process)
    assert not gate.open and "process_type" in gate.codes


# --- volunteers -----------------------------------------------------------------------------------------------


def test_volunteers_are_screened_trained_and_took_a_survivor_support_course(world):
    c = open_circle(world)
    untrained = support_volunteer(world, train=False)
    with pytest.raises(ValidationError) as info:
        services.volunteer_add(actor=world["coordinator"], circle=c, user=untrained, screening_done_on=None,
                               training_hours="2")  # fmt: skip
    text = " ".join(info.value.messages)
    assert "screening is not done" in text and "training hours" in text
    assert "Supporting survivors in the community" in text
    trained(world, untrained)
    member = services.volunteer_add(actor=world["coordinator"], circle=c, user=untrained, screening_done_on=SCREENED,
                                    training_hours="20")  # fmt: skip
    assert member.active


def test_only_support_volunteers_of_the_organisation_can_join(world):
    c = open_circle(world)
    with pytest.raises(ValidationError, match="support-circle volunteer role"):
        services.volunteer_add(actor=world["coordinator"], circle=c, user=world["case_worker"],
                               screening_done_on=SCREENED, training_hours="30")  # fmt: skip


def test_the_inner_circle_has_3_to_6_volunteers(world):
    c = circle(world, volunteers=2)
    with pytest.raises(ValidationError, match="3 to 6"):
        meeting(world, c)
    more = [support_volunteer(world) for _ in range(5)]
    for user in more[:4]:
        services.volunteer_add(actor=world["coordinator"], circle=c, user=user, screening_done_on=SCREENED,
                               training_hours="30")  # fmt: skip
    with pytest.raises(ValidationError, match="most it can have"):
        services.volunteer_add(actor=world["coordinator"], circle=c, user=more[4], screening_done_on=SCREENED,
                               training_hours="30")  # fmt: skip
    assert meeting(world, c).attendance.count() == 6


def test_a_volunteer_cannot_manage_the_circle(world):
    c = circle(world)
    with pytest.raises(PermissionDenied):
        services.goal_set(actor=world["support_volunteer"], circle=c, area="housing", words="A flat")
    with pytest.raises(PermissionDenied):
        services.volunteer_add(actor=world["support_volunteer"], circle=c, user=support_volunteer(world),
                               screening_done_on=SCREENED, training_hours="30")  # fmt: skip


# --- partners ---------------------------------------------------------------------------------------------------


def test_a_partner_joins_only_with_the_survivors_agreement_to_share_their_needs(world):
    c = circle(world)
    with pytest.raises(ValidationError, match="has not agreed"):
        services.partner_add(actor=world["coordinator"], circle=c, organisation=world.partner, kind="legal_aid",
                             role_description="Residence papers")  # fmt: skip
    consent_record(
        actor=world["coordinator"], person=c.survivor, purpose="share", method="written", recipient=world.partner,
        data_categories=["needs"], given_at=timezone.now() - datetime.timedelta(minutes=1),
    )  # fmt: skip
    partner = services.partner_add(actor=world["coordinator"], circle=c, organisation=world.partner,
                                   kind="legal_aid", role_description="Residence papers")  # fmt: skip
    assert partner.role_description == "Residence papers"


# --- goals and the survivor's confirmation ------------------------------------------------------------------------


def test_goal_progress_needs_the_survivors_confirmation(world):
    c = circle(world)
    goal = services.goal_set(actor=world["coordinator"], circle=c, area="housing", words="A flat near my sister")
    step = services.step_add(actor=world["coordinator"], goal=goal, words="Visit the housing office",
                             helper=c.volunteers.get(user=world["support_volunteer"]))  # fmt: skip
    volunteer = world["support_volunteer"]
    done = services.progress_propose(actor=volunteer, goal=goal, kind="step_done", step=step)
    met = services.progress_propose(actor=volunteer, goal=goal, kind="goal_met", words="She got the keys!")
    goal.refresh_from_db()
    step.refresh_from_db()
    assert goal.met_on is None and step.done_on is None
    assert {done.status, met.status} == {ProgressStatus.AWAITING}
    with pytest.raises(PermissionDenied):  # a volunteer never answers for the survivor
        services.progress_answer(actor=volunteer, progress=met, confirmed=True)
    services.progress_answer(actor=world["coordinator"], progress=done, confirmed=False)
    services.progress_answer(actor=world["coordinator"], progress=met, confirmed=True)
    goal.refresh_from_db()
    step.refresh_from_db()
    assert goal.met_on == timezone.localdate() and step.done_on is None
    with pytest.raises(ValidationError, match="already answered"):
        services.progress_answer(actor=world["coordinator"], progress=met, confirmed=True)


def test_a_volunteer_proposes_nothing_on_a_goal_the_survivor_keeps_from_them(world):
    c = circle(world)
    goal = services.goal_set(actor=world["coordinator"], circle=c, area="legal_status", words="Papers",
                             shared_with_volunteers=False)  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.progress_propose(actor=world["support_volunteer"], goal=goal, kind="note", words="x")


# --- meetings, minutes and worries --------------------------------------------------------------------------------


def test_late_minutes_are_flagged_once(world):
    c = circle(world)
    held = timezone.now() - datetime.timedelta(hours=50)
    late = meeting(world, c, held_at=held)
    meeting(world, c, held_at=timezone.now() - datetime.timedelta(hours=10))  # not late yet
    tasks = services.flag_late_minutes()
    assert {t.owner for t in tasks} == {world["coordinator"]}
    assert SupportLateMinutesFlag.objects.filter(meeting=late).count() == 1
    assert services.flag_late_minutes() == []
    assert services.flag_late_minutes(now=timezone.now() + datetime.timedelta(hours=1)) == []
    services.minutes_submit(actor=world["support_volunteer"], meeting=late, what_was_done="We met at the library")
    assert Task.objects.get(pk=tasks[0].pk).done_at is not None
    late.refresh_from_db()
    assert late.minutes_late(timezone.now())


def test_the_survivor_chooses_whether_to_come_to_meetings(world):
    c = circle(world, survivor_joins_meetings=False)
    with pytest.raises(ValidationError, match="chose not to come"):
        meeting(world, c, survivor_came=True)
    services.circle_settings_update(actor=world["coordinator"], circle=c, known_as="Sunny",
                                    survivor_joins_meetings=True, next_meeting_at=None)  # fmt: skip
    c.refresh_from_db()
    assert meeting(world, c, survivor_came=True).survivor_came


def test_a_worry_goes_straight_to_the_coordinator_and_never_into_the_minutes(world):
    c = circle(world)
    m = meeting(world, c, what_was_done="Coffee and the bus timetable")
    worry = services.worry_raise(actor=world["support_volunteer"], circle=c, level="today",
                                 words="Someone was waiting outside her building")  # fmt: skip
    assert worry.task.owner == world["coordinator"]
    assert "waiting" not in worry.task.title
    m.refresh_from_db()
    assert "waiting" not in (m.what_was_done or "")
    event = AuditEvent.objects.get(action="support.worry_raised")
    assert "waiting" not in str(event.detail)
    services.worry_seen(actor=world["coordinator"], worry=worry)
    assert Task.objects.get(pk=worry.task_id).done_at is not None


# --- the right to stop and consent --------------------------------------------------------------------------------


def test_consent_withdrawal_ends_the_volunteers_access_at_once(world):
    c = circle(world)
    volunteer = world["support_volunteer"]
    assert services.is_circle_volunteer(volunteer, c)
    consent = Consent.objects.get(person=c.survivor, purpose=ConsentPurpose.SUPPORT_CIRCLE)
    consent_withdraw(actor=world["coordinator"], consent=consent)
    assert not services.is_circle_volunteer(volunteer, c)
    with pytest.raises(PermissionDenied):
        meeting(world, c)
    assert services.is_staff_for(world["coordinator"], c)


def test_the_survivor_can_end_the_circle_at_any_time_without_a_reason(world):
    c = circle(world)
    services.support_circle_end(actor=world["coordinator"], circle=c)
    c.refresh_from_db()
    assert c.process.stage == ProcessStage.ENDED_EARLY and c.process.end_reason == "withdrawal"
    assert not services.is_circle_volunteer(world["support_volunteer"], c)
    with pytest.raises(ValidationError, match="has ended"):
        services.goal_set(actor=world["coordinator"], circle=c, area="housing", words="x")
    services.closing_review_record(actor=world["coordinator"], circle=c, held_on=timezone.localdate(),
                                   survivor_took_part=False)  # fmt: skip


# --- surveys ----------------------------------------------------------------------------------------------------


def test_it_asks_rses_and_mspss_at_the_start_and_after_3_6_and_12_months(world):
    c = circle(world)
    agree_to_evaluation(world, c.survivor)
    start = c.opened_on
    assert evaluation_services.surveys_assign_due(today=start) == 2
    assert evaluation_services.surveys_assign_due(today=start) == 0
    evaluation_services.surveys_assign_due(today=start + datetime.timedelta(days=370))
    rows = SurveyAssignment.objects.filter(process=c.process).values_list("instrument", "timepoint")
    assert sorted(rows) == sorted(
        (code, tp) for code in ("rses", "mspss") for tp in ("circle_start", "months_3", "months_6", "months_12")
    )
    assert set(SurveyAssignment.objects.filter(process=c.process).values_list("participant_role", flat=True)) == {
        "survivor"
    }


def test_no_survey_without_evaluation_consent_or_after_the_survivor_ended_the_circle(world):
    c = circle(world)
    evaluation_services.surveys_assign_due(today=c.opened_on)
    assert not SurveyAssignment.objects.filter(process=c.process).exists()
    agree_to_evaluation(world, c.survivor)
    services.support_circle_end(actor=world["coordinator"], circle=c)
    evaluation_services.surveys_assign_due(today=c.opened_on + datetime.timedelta(days=200))
    assert not SurveyAssignment.objects.filter(process=c.process).exists()
