"""Support circles in the synthetic data (``seed_synthetic``): about one survivor in twenty whose case reached
preparation has a support circle, with its goals (some confirmed met) and, where the survivor agreed to evaluation,
self-esteem (RSES) and social support (MSPSS) at the circle's start and 3, 6 and 12 months on, scored like real
answers (``scoring.score``). Seeded per case and repeatable; written with the cases' own rows, so the outcome
tallies are rebuilt over them at the end."""

from __future__ import annotations

import datetime
import random
import uuid
from typing import Any, cast

from django.db.models import Max
from django.utils import timezone

from reparo.analytics.synthetic import PARTICIPANTS_PER_CASE, answers_for
from reparo.cases.models import CaseStatus, ParticipantRole
from reparo.cases.synthetic import CaseDraft, Rows, SyntheticExtension
from reparo.consent.models import Consent, ConsentMethod, ConsentPurpose
from reparo.evaluation.catalogue import instrument
from reparo.evaluation.models import AssignmentStatus, CollectionMode, SurveyAssignment, SurveyResponse
from reparo.evaluation.scoring import score
from reparo.processes.models import Process, ProcessParticipant, ProcessRole, ProcessStage, ProcessType
from reparo.support.models import (
    FOLLOW_UP_MONTHS,
    OUTCOME_INSTRUMENTS,
    Goal,
    GoalArea,
    Progress,
    ProgressKind,
    ProgressStatus,
    RecordedVia,
    SupportCircle,
    follow_up_timepoint,
    occasion_code,
)
from reparo.support.services import _add_months

SHARE = 0.05  # of the cases that reached preparation
NAMES = ("Ana", "Mira", "Sol", "Lina", "Noor", "Tess", "Yara", "Ines")
# The last keys of the range the evidence seed gives each case's process participants (it uses the first few).
KEY_OFFSET = PARTICIPANTS_PER_CASE - 1


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class SupportSeed(SyntheticExtension):
    models = [
        (Process, "processes"),
        (ProcessParticipant, "process participants"),
        (SupportCircle, "support circles"),
        (Goal, "support circle goals"),
        (Progress, "support goal progress"),
        (SurveyAssignment, "survey assignments"),
        (SurveyResponse, "survey responses"),
    ]
    responses_per_case = 0.2  # about 5% of cases x 6 answered
    version = 2  # 2: agreement to the circle, confirmed goals, answers only under consent

    def __init__(self) -> None:
        self.first_participant_key = 1

    def prepare(self, gen: Any) -> None:
        # The same first key as the evidence seed's (both before any case is written): each case's range of keys
        # for process participants starts there, and this takes the last of its range.
        self.first_participant_key = (ProcessParticipant.objects.aggregate(top=Max("pk"))["top"] or 0) + 1

    def case(self, gen: Any, draft: CaseDraft, out: Rows) -> None:
        rng = random.Random(f"{gen.seed}/{draft.index}/support")  # noqa: S311 - synthetic data
        prepared = draft.reached.get(CaseStatus.PREPARATION)
        if prepared is None or rng.random() >= SHARE:
            return
        survivor = next(p for p, role, _joined in draft.participants if role == ParticipantRole.SURVIVOR)
        staff = draft.workers or draft.org.case_workers
        coordinator = rng.choice(staff)
        now, today = gen.now, gen.today
        opened_at = min(now, prepared + datetime.timedelta(days=rng.randrange(5, 60)))
        opened_on = timezone.localdate(opened_at)
        closing = draft.reached.get(CaseStatus.CLOSED) or draft.reached.get(CaseStatus.WITHDRAWN)
        if closing is not None and closing <= opened_at:
            return  # a circle is opened on an open case only
        stage = ProcessStage.MEETINGS if closing is None else ProcessStage.COMPLETED
        ended_at = max(opened_at, closing) if closing is not None else None
        process = Process(
            id=_uuid(rng), case=draft.case, type=ProcessType.SUPPORT_CIRCLE, stage=stage, ended_at=ended_at,
            created_by=coordinator, created_at=opened_at, updated_at=ended_at or opened_at,
        )  # fmt: skip
        out[Process].append(process)
        key = self.first_participant_key + draft.index * PARTICIPANTS_PER_CASE + KEY_OFFSET
        out[ProcessParticipant].append(
            ProcessParticipant(id=key, process=process, person=survivor, role=ProcessRole.SURVIVOR,
                               created_at=opened_at, updated_at=opened_at)
        )  # fmt: skip
        circle = SupportCircle(
            id=_uuid(rng), process=process, survivor=survivor, known_as=rng.choice(NAMES), coordinator=coordinator,
            opened_on=opened_on, created_at=opened_at, updated_at=opened_at,
        )  # fmt: skip
        out[SupportCircle].append(circle)
        # The survivor's agreement to the circle, as support_circle_open records it (asked before it opens).
        out[Consent].append(
            Consent(
                id=_uuid(rng), person=survivor, purpose=ConsentPurpose.SUPPORT_CIRCLE, case=draft.case,
                process_ref=str(process.id), method=ConsentMethod.WRITTEN,
                given_at=opened_at - datetime.timedelta(days=rng.randrange(1, 5)), recorded_by=coordinator,
                recorded_at=opened_at,
            )
        )  # fmt: skip
        for _n in range(rng.choices([1, 2, 3, 4], weights=[25, 35, 25, 15])[0]):
            met_on = None
            if rng.random() < 0.55:
                day = opened_on + datetime.timedelta(days=int(rng.expovariate(1 / 75)))
                met_on = day if day <= today else None
            goal = Goal(id=_uuid(rng), circle=circle, area=rng.choice(GoalArea.values), words="A goal in their words",
                        met_on=met_on, set_by=coordinator, created_at=opened_at, updated_at=opened_at)  # fmt: skip
            out[Goal].append(goal)
            if met_on is not None:  # met once the survivor confirmed it (goal_progress_answer)
                proposed = max(opened_at, _midnight(met_on) - datetime.timedelta(days=rng.randrange(0, 3)))
                answered = _midnight(met_on) + datetime.timedelta(hours=rng.randrange(9, 18))
                out[Progress].append(
                    Progress(id=_uuid(rng), goal=goal, kind=ProgressKind.GOAL_MET, proposed_by=coordinator,
                             proposed_at=proposed, status=ProgressStatus.CONFIRMED, answered_at=answered,
                             answered_via=RecordedVia.STAFF, answered_by=coordinator, created_at=proposed,
                             updated_at=answered)
                )  # fmt: skip
        consent = next(
            (c for c in cast(list[Consent], out.get(Consent, []))
             if c.person_id == survivor.pk and c.purpose == ConsentPurpose.EVALUATION),
            None,
        )  # fmt: skip
        if consent is None:
            return
        level = min(0.85, max(0.1, rng.gauss(0.38, 0.12)))
        for months in (0, *FOLLOW_UP_MONTHS):
            due = _add_months(opened_on, months)
            due_at = _midnight(due)
            if due_at > now or (closing is not None and due_at > closing + datetime.timedelta(days=400)):
                break
            ends = min((d for d in (consent.withdrawn_at, consent.expires_at) if d), default=None)
            if due_at < consent.given_at or (ends is not None and ends <= due_at):
                continue
            timepoint = "circle_start" if months == 0 else follow_up_timepoint(months)
            for code in OUTCOME_INSTRUMENTS:
                collected_at = due_at + datetime.timedelta(days=rng.randrange(0, 20), hours=rng.randrange(9, 18))
                # Answered by most, and only while the consent is in force (the sweep cancels the rest).
                taken = rng.random() < 0.8 and consent.given_at <= collected_at <= now
                taken = taken and (ends is None or collected_at < ends)
                assignment = SurveyAssignment(
                    id=_uuid(rng), program=draft.program, case=draft.case, person=survivor,
                    participant_role=ParticipantRole.SURVIVOR, process=process, instrument=code, timepoint=timepoint,
                    occasion=occasion_code(circle, months), due_on=due, overdue_on=due + datetime.timedelta(days=14),
                    created_at=due_at, updated_at=due_at,
                )  # fmt: skip
                out[SurveyAssignment].append(assignment)
                if not taken:
                    continue
                gain = 0.0 if months == 0 else min(0.25, 0.05 * months**0.5)
                answers = answers_for(rng, code, min(1.0, level + gain + rng.gauss(0, 0.05)))
                result = score(code, answers)
                out[SurveyResponse].append(
                    SurveyResponse(
                        id=_uuid(rng), assignment=assignment, program=draft.program, person=survivor, instrument=code,
                        instrument_version=instrument(code).version, timepoint=timepoint,
                        collected_on=timezone.localdate(collected_at), mode=CollectionMode.STAFF_INTERVIEW,
                        language="en", answers=cast(Any, answers), comment=None, total=result.total,
                        subscales=result.subscales, band=result.band or "", extra=result.extra,
                        collected_by=rng.choice(staff), created_at=collected_at, updated_at=collected_at,
                    )
                )  # fmt: skip
                assignment.status = AssignmentStatus.COMPLETED
                assignment.closed_at = assignment.updated_at = collected_at
