"""The true numbers behind a release: each person at most once in each table, and only people who agreed to be
counted in reports that do not identify anyone."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from reparo.agreements.models import ObligationStatus
from reparo.cases.models import CaseParticipant, CaseStatus, ParticipantRole
from reparo.evaluation.models import ReoffendingEvent
from reparo.people.models import PersonKind
from reparo.processes.models import Process, ProcessParticipant, ProcessRole, ProcessStage, ProcessType
from reparo.releases import selectors
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
