"""Survey schedules, the daily sweep (no consent, no survey), staff interviews, re-offending and feedback."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from reparo.audit.models import AuditEvent
from reparo.consent.services import consent_withdraw
from reparo.evaluation import services
from reparo.evaluation.models import AssignmentStatus, CancelReason, SurveyAssignment, SurveyResponse
from reparo.processes import services as process_services
from reparo.processes.models import Session, SessionInvitation, SessionStatus
from tests.cases.factories import alice_case
from tests.evaluation.factories import agree_to_evaluation, full, responsible_of, schedule, survivor_of
from tests.processes.factories import ready_process

TODAY = datetime.date(2026, 11, 25)


@pytest.fixture
def case(world):
    return alice_case(world)


def test_it_assigns_no_survey_to_a_person_without_evaluation_consent(world, case):
    schedule(world)
    agree_to_evaluation(world, survivor_of(case))
    assert services.surveys_assign_due() == 1
    assignment = SurveyAssignment.objects.get()
    assert assignment.person == survivor_of(case)
    assert not SurveyAssignment.objects.filter(person=responsible_of(case)).exists()


def test_it_assigns_no_survey_when_nobody_consented(world, case):
    schedule(world)
    assert services.surveys_assign_due() == 0
    assert not SurveyAssignment.objects.exists()


def test_it_assigns_once_however_often_it_runs(world, case):
    schedule(world)
    agree_to_evaluation(world, survivor_of(case))
    services.surveys_assign_due()
    assert services.surveys_assign_due() == 0
    assert SurveyAssignment.objects.count() == 1
    assert AuditEvent.objects.filter(action="evaluation.survey_assigned").count() == 1


def test_it_respects_the_audience(world, case):
    schedule(world, audience="responsible")
    agree_to_evaluation(world, survivor_of(case))
    agree_to_evaluation(world, responsible_of(case))
    services.surveys_assign_due()
    assert list(SurveyAssignment.objects.values_list("participant_role", flat=True)) == ["responsible"]


def test_a_withdrawn_consent_stops_the_next_assignment_and_cancels_open_ones(world, case):
    process = ready_process(world)
    case = process.case
    survivor = survivor_of(case)
    consent = agree_to_evaluation(world, survivor)
    schedule(world)
    schedule(world, timepoint="end_of_process", audience="survivors")
    services.surveys_assign_due()
    baseline = SurveyAssignment.objects.get(person=survivor)
    consent_withdraw(actor=world["coordinator"], consent=consent)
    process_services.process_end_early(actor=world["facilitator"], process=process, reason="other")

    assert services.surveys_assign_due() == 0
    baseline.refresh_from_db()
    assert baseline.status == AssignmentStatus.CANCELLED
    assert baseline.cancel_reason == CancelReason.CONSENT
    assert not SurveyAssignment.objects.filter(timepoint="end_of_process").exists()


def test_it_assigns_end_of_process_and_follow_ups_when_they_fall_due(world):
    process = ready_process(world)
    survivor = survivor_of(process.case)
    agree_to_evaluation(world, survivor, days_ago=400)
    for timepoint in ("end_of_process", "months_3", "months_12"):
        schedule(world, timepoint=timepoint, audience="survivors")
    process_services.process_end_early(actor=world["facilitator"], process=process, reason="other")
    ended = timezone.localdate()

    services.surveys_assign_due(today=ended)
    assert list(SurveyAssignment.objects.values_list("timepoint", "due_on")) == [("end_of_process", ended)]
    services.surveys_assign_due(today=ended + datetime.timedelta(days=200))
    three = SurveyAssignment.objects.get(timepoint="months_3")
    assert (three.due_on - ended).days in range(89, 93)
    assert three.overdue_on == three.due_on + datetime.timedelta(days=14)
    assert not SurveyAssignment.objects.filter(timepoint="months_12").exists()


def test_it_assigns_after_each_held_session_to_those_who_attended(world):
    process = ready_process(world)
    agree_to_evaluation(world, survivor_of(process.case))
    agree_to_evaluation(world, responsible_of(process.case))
    schedule(world, timepoint="after_session")
    held = Session.objects.create(process=process, starts_at=timezone.now() - datetime.timedelta(days=1),
                                  mode="in_person", status=SessionStatus.HELD)  # fmt: skip
    planned = Session.objects.create(process=process, starts_at=timezone.now() + datetime.timedelta(days=3),
                                     mode="in_person")  # fmt: skip
    for participant in process.participants.all():
        SessionInvitation.objects.create(session=held, participant=participant,
                                         attended=participant.role == "survivor")  # fmt: skip
        SessionInvitation.objects.create(session=planned, participant=participant)

    services.surveys_assign_due()
    assignment = SurveyAssignment.objects.get()
    assert assignment.session == held
    assert assignment.person == survivor_of(process.case)


def test_the_management_command_runs_the_sweep(world, case, capsys):
    schedule(world)
    agree_to_evaluation(world, survivor_of(case))
    call_command("assign_due_surveys")
    assert "Surveys created: 1" in capsys.readouterr().out


# --- interviews ----------------------------------------------------------------------------------------------


@pytest.fixture
def assignment(world, case):
    schedule(world, instrument="pcl5")
    agree_to_evaluation(world, survivor_of(case))
    services.surveys_assign_due()
    return SurveyAssignment.objects.get()


def test_it_stores_encrypted_answers_and_the_score_from_score(world, assignment):
    answers = full("pcl5", 2, 20)
    response = services.survey_complete(actor=world["case_worker"], assignment=assignment, answers=answers,
                                        collected_on=timezone.localdate(), language="es")  # fmt: skip
    response.refresh_from_db()
    assert response.answers == answers
    assert response.total == 40
    assert response.subscales == {"B": 10, "C": 4, "D": 14, "E": 12}
    assert response.extra["provisional_ptsd"] is True
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.COMPLETED
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT answers FROM evaluation_surveyresponse")
        raw = cursor.fetchone()[0]
    assert "pcl5_1" not in str(raw)
    assert AuditEvent.objects.filter(action="evaluation.survey_completed", actor=world["case_worker"]).exists()


def test_it_refuses_invalid_answers_with_the_item_and_saves_nothing(world, assignment):
    answers = {**full("pcl5", 2, 20), "pcl5_7": 9}
    with pytest.raises(ValidationError, match="pcl5_7"):
        services.survey_complete(actor=world["case_worker"], assignment=assignment, answers=answers,
                                 collected_on=timezone.localdate(), language="en")  # fmt: skip
    assert not SurveyResponse.objects.exists()


def test_it_refuses_an_interview_once_consent_is_withdrawn(world, assignment):
    consent = assignment.person.consents.get()
    consent_withdraw(actor=world["coordinator"], consent=consent)
    with pytest.raises(ValidationError, match="withdrew"):
        services.survey_complete(actor=world["case_worker"], assignment=assignment, answers=full("pcl5", 1, 20),
                                 collected_on=timezone.localdate(), language="en")  # fmt: skip
    assert not SurveyResponse.objects.exists()


def test_only_people_who_see_the_survivor_side_can_interview_the_survivor(world, assignment):
    for actor in (world.charlie, world["cosa_volunteer"], world["evaluator"]):
        with pytest.raises(PermissionDenied):
            services.survey_complete(actor=actor, assignment=assignment, answers=full("pcl5", 1, 20),
                                     collected_on=timezone.localdate(), language="en")  # fmt: skip


def test_it_refuses_a_second_completion(world, assignment):
    kwargs = {"assignment": assignment, "answers": full("pcl5", 1, 20), "collected_on": timezone.localdate(),
              "language": "en"}  # fmt: skip
    services.survey_complete(actor=world["case_worker"], **kwargs)
    with pytest.raises(ValidationError, match="no longer open"):
        services.survey_complete(actor=world["case_worker"], **kwargs)


def test_the_satisfaction_questionnaire_is_stored_unscored(world, case):
    schedule(world, instrument="satisfaction")
    agree_to_evaluation(world, survivor_of(case))
    services.surveys_assign_due()
    assignment = SurveyAssignment.objects.get()
    response = services.survey_complete(
        actor=world["coordinator"], assignment=assignment, answers={"satisfaction_1": 5, "satisfaction_2": None},
        collected_on=timezone.localdate(), language="en", comment="Thank you",
    )  # fmt: skip
    response.refresh_from_db()
    assert response.total is None
    assert response.answers["satisfaction_1"] == 5
    assert response.comment == "Thank you"


# --- schedule, feedback, re-offending --------------------------------------------------------------------------


def test_only_program_evaluators_manage_the_schedule(world):
    for actor in (world.charlie, world["facilitator"], world["case_worker"]):
        with pytest.raises(PermissionDenied):
            services.schedule_line_add(actor=actor, program=world.program, instrument="who5", timepoint="baseline",
                                       audience="both")  # fmt: skip
    line = services.schedule_line_add(actor=world["evaluator"], program=world.program, instrument="who5",
                                      timepoint="baseline", audience="both")  # fmt: skip
    with pytest.raises(ValidationError):
        schedule(world)
    services.schedule_line_remove(actor=world["evaluator"], line=line)
    assert AuditEvent.objects.filter(action__startswith="evaluation.schedule_").count() == 2


def test_it_records_stakeholder_feedback(world):
    feedback = services.stakeholder_feedback_record(
        actor=world["evaluator"], program=world.program, stakeholder_kind="court", received_on=TODAY,
        answers={"stakeholder_1": 4}, comment="Useful reports",
    )  # fmt: skip
    feedback.refresh_from_db()
    assert feedback.answers["stakeholder_1"] == 4
    with pytest.raises(ValidationError):
        services.stakeholder_feedback_record(actor=world["evaluator"], program=world.program,
                                             stakeholder_kind="court", received_on=TODAY,
                                             answers={"stakeholder_1": 6})  # fmt: skip


def test_it_records_reoffending_only_for_the_responsible_person(world, case):
    event = services.reoffending_record(actor=world["case_worker"], case=case, person=responsible_of(case),
                                        occurred_on=TODAY, source="court_record", type="conviction")  # fmt: skip
    assert event.person == responsible_of(case)
    with pytest.raises(ValidationError):
        services.reoffending_record(actor=world["case_worker"], case=case, person=survivor_of(case),
                                    occurred_on=TODAY, source="court_record", type="conviction")  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.reoffending_record(actor=world.charlie, case=case, person=responsible_of(case),
                                    occurred_on=TODAY, source="court_record", type="conviction")  # fmt: skip
    assert AuditEvent.objects.filter(action="evaluation.reoffending_recorded").count() == 1


def _stand_in(world, process, *, case_role: str, process_role: str):
    from reparo.cases import services as case_services

    person = case_services.participant_add(actor=world["coordinator"], case=process.case, role=case_role,
                                           given_name="Sam", family_name="Standin").person  # fmt: skip
    participant = process_services.participant_add(
        actor=world["facilitator"], process=process,
        case_participant=process.case.participants.get(person=person), role=process_role,
    )  # fmt: skip
    agree_to_evaluation(world, person, days_ago=400)
    return participant


@pytest.mark.parametrize(
    ("process_type", "case_role", "process_role"),
    [("direct_mediation", "surrogate", "surrogate"), ("cosa", "community", "core_member")],
)
def test_only_the_survivor_and_the_responsible_person_get_outcome_surveys(world, process_type, case_role,
                                                                          process_role):  # fmt: skip
    process = ready_process(world, type=process_type)
    stand_in = _stand_in(world, process, case_role=case_role, process_role=process_role)
    for person in (survivor_of(process.case), responsible_of(process.case)):
        agree_to_evaluation(world, person, days_ago=400)
    schedule(world, timepoint="end_of_process")
    schedule(world, instrument="k10", timepoint="after_session")
    held = Session.objects.create(process=process, starts_at=timezone.now() - datetime.timedelta(days=1),
                                  mode="in_person", status=SessionStatus.HELD)  # fmt: skip
    for participant in process.participants.all():
        SessionInvitation.objects.create(session=held, participant=participant, attended=True)
    process_services.process_end_early(actor=world["facilitator"], process=process, reason="other")

    services.surveys_assign_due()
    assert not SurveyAssignment.objects.filter(person=stand_in.person).exists()
    roles = {(a.person_id, a.participant_role) for a in SurveyAssignment.objects.all()}
    assert roles <= {(survivor_of(process.case).pk, "survivor"), (responsible_of(process.case).pk, "responsible")}


def test_a_survivor_who_withdrew_gets_no_follow_up_surveys(world):
    process = ready_process(world)
    survivor, responsible = survivor_of(process.case), responsible_of(process.case)
    for person in (survivor, responsible):
        agree_to_evaluation(world, person, days_ago=400)
    for timepoint in ("end_of_process", "months_3", "months_12"):
        schedule(world, timepoint=timepoint)
    schedule(world, instrument="k10", timepoint="after_session")
    held = Session.objects.create(process=process, starts_at=timezone.now() - datetime.timedelta(days=1),
                                  mode="in_person", status=SessionStatus.HELD)  # fmt: skip
    for participant in process.participants.all():
        SessionInvitation.objects.create(session=held, participant=participant, attended=True)
    process_services.participant_withdraw(
        actor=world["facilitator"], participant=process.participants.get(role="survivor")
    )
    process.refresh_from_db()
    assert process.stage == "ended_early"

    services.surveys_assign_due(today=timezone.localdate() + datetime.timedelta(days=400))
    assert not SurveyAssignment.objects.filter(person=survivor).exists()
    assert set(SurveyAssignment.objects.filter(person=responsible).values_list("timepoint", flat=True)) == {
        "end_of_process", "months_3", "months_12", "after_session"
    }  # fmt: skip


def test_it_cancels_the_open_surveys_of_someone_who_then_stops(world):
    process = ready_process(world)
    survivor, responsible = survivor_of(process.case), responsible_of(process.case)
    for person in (survivor, responsible):
        agree_to_evaluation(world, person, days_ago=400)
    schedule(world, instrument="k10", timepoint="after_session")
    held = Session.objects.create(process=process, starts_at=timezone.now() - datetime.timedelta(days=1),
                                  mode="in_person", status=SessionStatus.HELD)  # fmt: skip
    for participant in process.participants.all():
        SessionInvitation.objects.create(session=held, participant=participant, attended=True)
    services.surveys_assign_due()
    assert SurveyAssignment.objects.filter(person=survivor, status="open").exists()

    process_services.participant_withdraw(
        actor=world["facilitator"], participant=process.participants.get(role="survivor")
    )
    services.surveys_assign_due()
    mine = SurveyAssignment.objects.get(person=survivor)
    assert mine.status == "cancelled" and mine.cancel_reason == "withdrew"
    assert SurveyAssignment.objects.filter(person=responsible, status="open").exists()  # the other side: unchanged
