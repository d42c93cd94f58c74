"""What the dashboards read: only people whose evaluation consent is current, only programs in reach, few
queries."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from reparo.consent.policy import may, people_who_may
from reparo.consent.services import consent_withdraw
from reparo.evaluation import selectors, services
from reparo.evaluation.models import SurveyAssignment
from reparo.people.models import Person
from reparo.processes import services as process_services
from tests.cases.factories import alice_case
from tests.evaluation.factories import agree_to_evaluation, full, responsible_of, schedule, survivor_of
from tests.processes.factories import ready_process

TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def _today():
    """Today as each test starts (not when the module was imported: a run that crosses midnight would
    otherwise measure from yesterday)."""
    global TODAY
    TODAY = timezone.localdate()


def interview(world, assignment, value):
    return services.survey_complete(actor=world["coordinator"], assignment=assignment,
                                    answers=full("who5", value, 5), collected_on=TODAY, language="en")  # fmt: skip


@pytest.fixture
def paired(world):
    """Three survivors with WHO-5 at baseline and end of process; the third withdraws evaluation consent."""
    schedule(world)
    schedule(world, timepoint="end_of_process", audience="survivors")
    consents = []
    for _ in range(3):
        process = ready_process(world)
        consents.append(agree_to_evaluation(world, survivor_of(process.case)))
        process_services.process_end_early(actor=world["facilitator"], process=process, reason="other")
    services.surveys_assign_due()
    index = {c.person_id: i for i, c in enumerate(consents)}
    for assignment in SurveyAssignment.objects.filter(timepoint="baseline"):
        interview(world, assignment, 1 + index[assignment.person_id])
    for assignment in SurveyAssignment.objects.filter(timepoint="end_of_process"):
        interview(world, assignment, 3 + index[assignment.person_id])
    consent_withdraw(actor=world["coordinator"], consent=consents[2])
    return consents


def test_paired_scores_count_only_people_whose_consent_is_current(world, paired):
    pairs = selectors.paired_scores(world["evaluator"], programs=[world.program], instrument="who5")
    assert sorted((p.before, p.after) for p in pairs) == [(5, 15), (10, 20)]
    assert {p.person_id for p in pairs} == {c.person_id for c in paired[:2]}


def test_paired_scores_before_the_withdrawal_counted_everyone(world, paired):
    consent = paired[2]
    consent.refresh_from_db()
    pairs = selectors.paired_scores(world["evaluator"], programs=[world.program], instrument="who5",
                                    at=consent.withdrawn_at - datetime.timedelta(microseconds=1))  # fmt: skip
    assert len(pairs) == 3


def test_outsiders_get_nothing(world, paired):
    assert selectors.paired_scores(world.charlie, programs=[world.program], instrument="who5") == []
    assert selectors.score_rows(world["facilitator"], programs=[world.program], instrument="who5") == []
    assert selectors.satisfaction_summary(world.charlie, programs=[world.program]).n == 0
    assert selectors.comparison_followup(world.charlie, programs=[world.program]).n == 0
    assert selectors.reoffending_followup(world.charlie, programs=[world.program]).n == 0


def test_paired_scores_take_a_fixed_number_of_queries(world, paired):
    with CaptureQueriesContext(connection) as few:
        selectors.paired_scores(world["evaluator"], programs=[world.program], instrument="who5")
    assert len(few) <= 3


def test_score_rows_carry_subscales_and_bands(world, paired):
    rows = selectors.score_rows(world["coordinator"], programs=selectors.programs_for_evaluation(world["coordinator"]),
                                instrument="who5")  # fmt: skip
    assert {r.timepoint for r in rows} == {"baseline", "end_of_process"}
    assert {r.band for r in rows} == {"likely_depression", "poor_wellbeing", "adequate"}


def test_satisfaction_summary_counts_answers_per_item(world):
    schedule(world, instrument="satisfaction")
    for _ in range(3):
        case = alice_case(world)
        agree_to_evaluation(world, survivor_of(case))
    services.surveys_assign_due()
    for assignment, value in zip(SurveyAssignment.objects.order_by("created_at"), (5, 4, 5), strict=True):
        services.survey_complete(actor=world["coordinator"], assignment=assignment,
                                 answers={"satisfaction_1": value}, collected_on=TODAY, language="en")  # fmt: skip
    summary = selectors.satisfaction_summary(world["evaluator"], programs=[world.program])
    assert summary.n == 3
    assert summary.counts["satisfaction_1"] == {5: 2, 4: 1}
    assert summary.counts["satisfaction_2"] == {}


def test_reoffending_followup_starts_when_the_process_ended(world):
    today = TODAY + datetime.timedelta(days=100)
    people = []
    for _ in range(3):
        process = ready_process(world)
        person = responsible_of(process.case)
        agree_to_evaluation(world, person)
        process_services.process_end_early(actor=world["facilitator"], process=process, reason="other")
        people.append((process.case, person))
    services.reoffending_record(actor=world["case_worker"], case=people[0][0], person=people[0][1],
                                occurred_on=TODAY, source="police_record", type="arrest")  # fmt: skip
    services.reoffending_record(
        actor=world["case_worker"],
        case=people[0][0],
        person=people[0][1],
        occurred_on=TODAY - datetime.timedelta(days=1),
        source="police_record",
        type="arrest",
    )  # fmt: skip  (before follow-up started: not counted)
    consent_withdraw(actor=world["coordinator"], consent=people[2][1].consents.get())
    result = selectors.reoffending_followup(world["evaluator"], programs=[world.program], today=today)
    assert sorted(zip(result.durations, result.events, strict=True)) == [(0, True), (100, False)]
    assert selectors.reoffending_event_counts(world["evaluator"], programs=[world.program]) == {"arrest": 2}


def test_comparison_followup_reads_the_imported_cohort(world):
    services.cohort_import(
        actor=world["evaluator"], program=world.program, name="Sample",
        content=b"reference,followup_start,followup_end,reoffended_on,event_type\n"
        b"A,2024-01-01,2024-12-31,,\nB,2024-01-01,2024-12-31,2024-01-31,charge\n",
    )  # fmt: skip
    result = selectors.comparison_followup(world["evaluator"], programs=[world.program])
    assert sorted(zip(result.durations, result.events, strict=True)) == [(30, True), (365, False)]


def test_people_who_may_agrees_with_may(world):
    cases = [alice_case(world) for _ in range(3)]
    now = timezone.now()
    current = agree_to_evaluation(world, survivor_of(cases[0]))
    withdrawn = agree_to_evaluation(world, survivor_of(cases[1]))
    consent_withdraw(actor=world["coordinator"], consent=withdrawn)
    later = timezone.now()
    chosen = set(people_who_may(purpose="evaluation", at=later).values_list("pk", flat=True))
    for person in Person.objects.all():
        assert (person.pk in chosen) is bool(may(person=person, purpose="evaluation", at=later))
    assert chosen == {current.person_id}
    assert survivor_of(cases[1]).pk in set(people_who_may(purpose="evaluation", at=now).values_list("pk", flat=True))
    with pytest.raises(ValueError):
        people_who_may(purpose="share")


def test_stakeholder_summary_counts_answers_per_item_for_programs_in_reach(world):
    for value in (2, 4, 4):
        services.stakeholder_feedback_record(actor=world["evaluator"], program=world.program,
                                             stakeholder_kind="court", received_on=TODAY,
                                             answers={"stakeholder_6": value})  # fmt: skip
    summary = selectors.stakeholder_summary(world["evaluator"], programs=[world.program])
    assert summary.n == 3 and summary.counts["stakeholder_6"] == {2: 1, 4: 2}
    assert selectors.stakeholder_summary(world.charlie, programs=[world.program]).n == 0


def test_reoffending_followup_counts_the_responsible_person_not_a_core_member(world):
    from reparo.cases import services as case_services

    process = ready_process(world, type="cosa")
    member = case_services.participant_add(actor=world["coordinator"], case=process.case, role="community",
                                           given_name="Cora", family_name="Member")  # fmt: skip
    process_services.participant_add(actor=world["facilitator"], process=process, case_participant=member,
                                     role="core_member")  # fmt: skip
    agree_to_evaluation(world, member.person)
    agree_to_evaluation(world, responsible_of(process.case))
    process_services.process_end_early(actor=world["facilitator"], process=process, reason="other")
    result = selectors.reoffending_followup(world["evaluator"], programs=[world.program],
                                            today=TODAY + datetime.timedelta(days=100))  # fmt: skip
    assert result.n == 1
