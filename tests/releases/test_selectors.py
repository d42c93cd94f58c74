"""The true numbers behind a release: each person at most once in each table, and only people who agreed to be
counted in reports that do not identify anyone."""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from reparo.agreements.models import ObligationStatus
from reparo.cases.models import Case, CaseParticipant, CaseStatus, ParticipantRole
from reparo.consent.models import Consent, ConsentPurpose, WithdrawalVia
from reparo.evaluation.models import ReoffendingEvent
from reparo.people.models import Person, PersonKind
from reparo.processes.models import Process, ProcessParticipant, ProcessRole, ProcessStage, ProcessType
from reparo.releases import selectors, tables
from tests.analytics import factories as f
from tests.releases import factories as rf

pytestmark = pytest.mark.django_db


def _scope(world: Any) -> selectors.ReleaseScope:
    program_ids = (world.program.pk,)
    return selectors.ReleaseScope(actor=world["evaluator"], organisation=world.alice_org, program_ids=program_ids)


def test_a_survivor_with_two_cases_counts_once_with_the_latest(world: Any) -> None:
    rec = world["coordinator"]
    first = rf.counted_case(world.program, recorder=rec, status=CaseStatus.CLOSED)
    second = rf.counted_case(world.program, recorder=rec, status=CaseStatus.INTAKE)
    survivor = first.participants.get(role=ParticipantRole.SURVIVOR).person
    CaseParticipant.objects.filter(case=second).delete()
    CaseParticipant.objects.create(case=second, person=survivor, role=ParticipantRole.SURVIVOR)
    type(second).objects.filter(pk=second.pk).update(referral_date=datetime.date(2026, 2, 1))
    counts = selectors.cases_by_status(_scope(world))
    assert sum(counts.values()) == 1 and counts["intake"] == 1


def test_cases_of_survivors_without_consent_to_be_counted_are_left_out(world: Any) -> None:
    rec = world["coordinator"]
    rf.counted_case(world.program, recorder=rec, status=CaseStatus.CLOSED, reporting=False)
    withdrawn = rf.counted_case(world.program, recorder=rec, status=CaseStatus.CLOSED, reporting=False)
    rf.reporting_consent(withdrawn.participants.get().person, recorder=rec, withdrawn=True)
    rf.counted_case(world.program, recorder=rec, status=CaseStatus.ASSESSMENT)
    assert sum(selectors.cases_by_status(_scope(world)).values()) == 1


def test_each_survivor_is_in_one_cell_of_exploitation_and_gender(world: Any) -> None:
    rec = world["coordinator"]
    rf.counted_case(world.program, recorder=rec, gender="Feminine", exploitation=["ForcedLabour", "ForcedBegging"])
    rf.counted_case(world.program, recorder=rec, gender="Masculine", exploitation=["ForcedLabour"])
    rf.counted_case(world.program, recorder=rec, gender="", exploitation=None)
    counts = selectors.survivors_by_exploitation(_scope(world))
    assert {k: v for k, v in counts.items() if v} == {
        "multiple:Feminine": 1,
        "ForcedLabour:Masculine": 1,
        "not_recorded:not_recorded": 1,
    }


def test_processes_and_agreements_count_each_survivor_once(world: Any) -> None:
    rec = world["coordinator"]
    c = rf.counted_case(world.program, recorder=rec)
    f.process_with_agreement(c, obligation=ObligationStatus.MET)
    Process.objects.create(case=c, type=ProcessType.CIRCLE, stage=ProcessStage.MEETINGS)  # later, no agreement
    other = rf.counted_case(world.program, recorder=rec)
    f.process_with_agreement(other, obligation=ObligationStatus.LATE)
    processes = selectors.processes_by_type(_scope(world))
    assert {k: v for k, v in processes.items() if v} == {"circle:open": 1, "direct_mediation:completed": 1}
    agreements = selectors.agreements(_scope(world))
    assert agreements == {"completed": 1, "in_progress": 1, "not_reached": 0}


def test_reoffending_counts_each_responsible_person_once_after_their_process(world: Any) -> None:
    rec = world["coordinator"]
    c = rf.counted_case(world.program, recorder=rec)
    ended = timezone.now() - datetime.timedelta(days=100)
    people = []
    for consent in (True, True, False):
        person = f.person(world.program, PersonKind.RESPONSIBLE, recorder=rec)
        if consent:
            rf.reporting_consent(person, recorder=rec)
        for _ in range(2):  # two ended processes: still one person
            process = Process.objects.create(case=c, type=ProcessType.CONFERENCE, stage=ProcessStage.COMPLETED,
                                             ended_at=ended)  # fmt: skip
            ProcessParticipant.objects.create(process=process, person=person, role=ProcessRole.RESPONSIBLE)
        people.append(person)
    for person in (people[0], people[2]):
        ReoffendingEvent.objects.create(case=c, person=person, occurred_on=timezone.localdate(), source="police_record",
                                        type="other")  # fmt: skip
    assert selectors.reoffending(_scope(world)) == {"reoffended": 1, "not_reoffended": 1}


def test_score_changes_need_both_consents_and_count_each_person_once(world: Any) -> None:
    rec = world["coordinator"]
    counted = rf.counted_case(world.program, recorder=rec)
    f.scores(counted, "who5", 10, 15, recorder=rec)
    not_reporting = rf.counted_case(world.program, recorder=rec, reporting=False)
    f.scores(not_reporting, "who5", 10, 25, recorder=rec)
    changes = selectors.score_changes(_scope(world))
    assert changes["who5"] == [500]  # hundredths of a point
    assert changes["rses"] == []


# --- one person moves each table by at most 1 (what noisy_counts assumes) ----------------------------------------


@dataclass
class _Shared:
    """Survivor A on two cases (C1, her latest, shared with B, recorded after her; and C2), B without consent to be
    counted, and a responsible person R whose process on C1 has ended."""

    a: Any
    b: Any
    c1: Any
    c2: Any
    r: Any


def _shared(world: Any) -> _Shared:
    rec = world["coordinator"]
    c1 = rf.counted_case(world.program, recorder=rec, status=CaseStatus.CLOSED, exploitation=["ForcedLabour"])
    a = c1.participants.get(role=ParticipantRole.SURVIVOR).person
    f.scores(c1, "who5", 10, 15, recorder=rec)
    c2 = rf.counted_case(
        world.program, recorder=rec, status=CaseStatus.ASSESSMENT, exploitation=["SexualExploitation"], reporting=False
    )
    CaseParticipant.objects.filter(case=c2).delete()
    CaseParticipant.objects.create(case=c2, person=a, role=ParticipantRole.SURVIVOR)
    Case.objects.filter(pk=c1.pk).update(referral_date=datetime.date(2026, 3, 1))  # C1 is A's most recent case
    circle = Process.objects.create(case=c2, type=ProcessType.CIRCLE, stage=ProcessStage.MEETINGS)
    mediation = f.process_with_agreement(c1, obligation=ObligationStatus.MET)
    Process.objects.filter(pk=circle.pk).update(created_at=f.START)
    Process.objects.filter(pk=mediation.pk).update(
        created_at=f.START + datetime.timedelta(days=10), ended_at=timezone.now() - datetime.timedelta(days=50)
    )
    b = f.person(world.program, PersonKind.SURVIVOR, recorder=rec)
    Person.objects.filter(pk=b.pk).update(gender="Masculine")
    CaseParticipant.objects.create(case=c1, person=b, role=ParticipantRole.SURVIVOR)
    r = f.person(world.program, PersonKind.RESPONSIBLE, recorder=rec)
    rf.reporting_consent(r, recorder=rec)
    ProcessParticipant.objects.create(process=mediation, person=r, role=ProcessRole.RESPONSIBLE)
    return _Shared(a=a, b=b, c1=c1, c2=c2, r=r)


def _withdraw(person: Any) -> None:
    for consent in Consent.objects.filter(person=person, purpose=ConsentPurpose.REPORTING):
        consent.withdrawn_at, consent.withdrawal_recorded_via = f.START, WithdrawalVia.STAFF
        consent.save()


def _b_agrees(world: Any, s: _Shared) -> None:
    rf.reporting_consent(s.b, recorder=world["coordinator"])


def _a_withdraws(world: Any, s: _Shared) -> None:
    _withdraw(s.a)


def _r_withdraws(world: Any, s: _Shared) -> None:
    _withdraw(s.r)


def _joins(case_attr: str, *, consent: bool) -> Any:
    def change(world: Any, s: _Shared) -> None:
        rec = world["coordinator"]
        newcomer = f.person(world.program, PersonKind.SURVIVOR, recorder=rec)
        if consent:
            rf.reporting_consent(newcomer, recorder=rec)
        CaseParticipant.objects.create(case=getattr(s, case_attr), person=newcomer, role=ParticipantRole.SURVIVOR)

    return change


def _newcomer_with_own_case(world: Any, s: _Shared) -> None:
    rec = world["coordinator"]
    c = rf.counted_case(world.program, recorder=rec, status=CaseStatus.CLOSED, exploitation=["ForcedLabour"])
    f.process_with_agreement(c, obligation=ObligationStatus.LATE)
    f.scores(c, "who5", 12, 20, recorder=rec)


def _true_tables(world: Any) -> dict[str, dict[str, int]]:
    scope = _scope(world)
    return {key: count(scope) for key, count in selectors.COUNTS.items()}


NEIGHBOURS = {
    "a co-survivor's consent given": ([], _b_agrees),
    "a person on two cases withdraws": ([], _a_withdraws),
    "the same, with the co-survivor counted": ([_b_agrees], _a_withdraws),
    "the co-survivor withdraws": ([_b_agrees], lambda world, s: _withdraw(s.b)),
    "a counted survivor joins a shared case": ([], _joins("c1", consent=True)),
    "an uncounted survivor joins a counted case": ([_b_agrees], _joins("c1", consent=False)),
    "a counted survivor joins a case of someone on two cases": ([], _joins("c2", consent=True)),
    "a new person with a case of their own": ([], _newcomer_with_own_case),
    "a responsible person withdraws": ([], _r_withdraws),
}


@pytest.mark.parametrize("name", list(NEIGHBOURS))
def test_it_moves_each_table_by_at_most_one_when_one_person_changes(world: Any, name: str) -> None:
    setup, change = NEIGHBOURS[name]
    shared = _shared(world)
    for step in setup:
        step(world, shared)
    before = _true_tables(world)
    changes_before = selectors.score_changes(_scope(world))
    change(world, shared)
    after = _true_tables(world)
    changes_after = selectors.score_changes(_scope(world))
    for key in selectors.COUNTS:
        assert set(before[key]) == set(after[key]) == set(tables.cell_keys(key))
        l1 = sum(abs(before[key][cell] - after[key][cell]) for cell in before[key])
        assert l1 <= 1, (key, before[key], after[key])
    for code in tables.SCORE_INSTRUMENTS:  # one value per person: at most one added or taken away
        was, now = Counter(changes_before[code]), Counter(changes_after[code])
        assert sum(((was - now) + (now - was)).values()) <= 1, (code, was, now)


def test_it_counts_a_survivor_whatever_the_others_on_her_case_agreed_to(world: Any) -> None:
    shared = _shared(world)  # B, on A's most recent case, did not agree to be counted
    scope = _scope(world)
    assert {k: v for k, v in selectors.cases_by_status(scope).items() if v} == {"closed": 1}
    assert {k: v for k, v in selectors.processes_by_type(scope).items() if v} == {"direct_mediation:completed": 1}
    assert {k: v for k, v in selectors.survivors_by_exploitation(scope).items() if v} == {"multiple:Feminine": 1}
    assert selectors.agreements(scope) == {"completed": 1, "in_progress": 0, "not_reached": 0}
    _b_agrees(world, shared)  # now both survivors of C1 count, each once
    assert {k: v for k, v in selectors.cases_by_status(scope).items() if v} == {"closed": 2}
    assert {k: v for k, v in selectors.survivors_by_exploitation(scope).items() if v} == {
        "multiple:Feminine": 1,
        "ForcedLabour:Masculine": 1,
    }
