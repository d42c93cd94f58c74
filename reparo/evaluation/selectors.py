"""Reads for evaluation, limited to what the actor may see; "not yours" and "not there" are both 404.

For the analytics engineer (outcome dashboards) — every function takes the actor first and counts ONLY people
whose evaluation consent is in force at ``at`` (default now), asked of the consent policy in one query
(:func:`reparo.consent.policy.people_who_may`). Programs outside the actor's evaluation reach are silently
dropped (pass ``programs_for_evaluation(actor)`` or a subset of it).

``programs_for_evaluation(actor) -> QuerySet[Program]``
    Programs of organisations where the actor holds ``Capability.VIEW_EVALUATION``.
``program_get_for(actor, pk, need=Capability.VIEW_EVALUATION) -> Program``
    One of those, or Http404 (the one program lookup, ``reparo.organisations.selectors``).
``score_rows(actor, *, programs, instrument, at=None) -> list[ScoreRow]``
    Every stored score of ``instrument`` (``who5``, ``rses``, ``mspss``, ``pcl5``, ``k10``, ``k6``):
    program id, person id, participant role, timepoint, date, total, band, subscales, extra. 1 query.
``paired_scores(actor, *, programs, instrument, before="baseline", after="end_of_process", at=None)
-> list[PairedScore]``
    One pair per person and program: the earliest score at ``before`` and the latest score at ``after``
    (collected on or after the ``before`` one); people with only one of the two are left out. ``before`` and
    ``after`` are :class:`reparo.evaluation.models.Timepoint` values. 1 query.
``satisfaction_summary(actor, *, programs, timepoint=None, at=None) -> QuestionnaireSummary``
    Answers to the program's satisfaction / procedural-justice questionnaire (NOT validated: report item
    distributions, never a summed scale): ``n`` responses and, per item id, a count per response value.
    Comments are not included. 1 query (answers are decrypted in Python).
``stakeholder_summary(actor, *, programs) -> QuestionnaireSummary``
    The same for the stakeholder feedback form (organisations, not people: no consent filter). 1 query.
``reoffending_followup(actor, *, programs, today=None, at=None) -> Durations``
    Program participants: responsible persons (responsible or core member in a process on a case of the
    program) whose process has ended (completed or ended early). Follow-up starts on the day the process
    ended (their latest ended process) and runs to ``today``; ``event`` is True when a re-offending event was
    recorded on or after the start, and ``durations`` then counts days to the first such event (else days to
    ``today``, censored). Lists are parallel, ready for Kaplan-Meier / log-rank. 2 queries.
``comparison_followup(actor, *, programs) -> Durations``
    The same for the imported comparison cohorts of ``programs`` (days from ``followup_start`` to
    ``reoffended_on`` or ``followup_end``). 1 query.
``reoffending_event_counts(actor, *, programs, at=None) -> dict[str, int]``
    Re-offending events of consenting program participants by type. 1 query.

The screens use the rest: schedules, assignments visible to the actor, the assignment and re-offending
getters.
"""

from __future__ import annotations

import datetime
import functools
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from reparo.access.actors import organisation_ids_where
from reparo.access.capabilities import Capability
from reparo.access.lookup import lookup, one_or_404
from reparo.cases.models import Case, CaseTeamMember, ParticipantRole
from reparo.cases.selectors import WORKER_TEAM_ROLES, cases_visible_to
from reparo.consent.models import ConsentPurpose
from reparo.consent.policy import people_who_may
from reparo.core.prepared import Param, Prepared
from reparo.evaluation.catalogue import instrument as get_instrument
from reparo.evaluation.models import (
    AssignmentStatus,
    ComparisonCohort,
    ComparisonMember,
    ReoffendingEvent,
    StakeholderFeedback,
    SurveyAssignment,
    SurveyResponse,
    SurveySchedule,
    Timepoint,
)
from reparo.organisations.models import Organisation, Program
from reparo.organisations.selectors import programs_of_organisations, programs_where
from reparo.people.models import Person
from reparo.processes.models import Process, ProcessRole, ProcessStage

ENDED_STAGES = (ProcessStage.COMPLETED, ProcessStage.ENDED_EARLY)


def _active(actor: Any) -> bool:
    return bool(getattr(actor, "is_authenticated", False) and actor.is_active)


# --- programs ---------------------------------------------------------------------------------------------


def programs_for_evaluation(actor: Any) -> QuerySet[Program]:
    if not _active(actor):
        return Program.objects.none()
    return programs_where(actor, Capability.VIEW_EVALUATION)


def programs_for_evaluation_of(actor: Any, organisation: Any) -> list[Program]:
    """:func:`programs_for_evaluation` of one organisation, by name, with the organisation (read on every dashboard
    view: compiled once a process and set of organisations)."""
    ids = organisation_ids_where(actor, Capability.VIEW_EVALUATION) if _active(actor) else []
    if not ids:
        return []
    return _evaluated_programs(tuple(ids))(organisation=organisation)


@functools.lru_cache(maxsize=256)
def _evaluated_programs(ids: tuple[int, ...]) -> Prepared[Program]:
    return Prepared(
        lambda: (
            programs_of_organisations(list(ids))
            .filter(organisation_id=Param("organisation", Organisation))
            .order_by("name")
        )
    )


def programs_for_evaluation_in_order(actor: Any) -> list[Program]:
    """The programs the actor evaluates, by organisation and then by name."""
    return list(programs_for_evaluation(actor).order_by("organisation__name", "name"))


def schedule_of(program: Program) -> QuerySet[SurveySchedule]:
    return SurveySchedule.objects.filter(program=program, is_active=True).order_by("timepoint", "instrument")


def schedule_line_in(program: Program, pk: Any) -> SurveySchedule:
    return one_or_404(SurveySchedule.objects.filter(program=program), pk)


def _program_ids(actor: Any, programs: Iterable[Any] | QuerySet[Program]) -> list[int]:
    wanted = [p.pk if isinstance(p, Program) else p for p in programs]
    return list(programs_for_evaluation(actor).filter(pk__in=wanted).values_list("pk", flat=True))


def _consenting(at: datetime.datetime | None) -> QuerySet[Any]:
    return people_who_may(purpose=ConsentPurpose.EVALUATION, at=at).values("pk")


# --- assignments (the interview screens) -----------------------------------------------------------------


def _assignment_condition(actor: Any) -> Q:
    """Assignments on cases the actor sees the whole of; on cases where the actor supports only the
    responsible person (a CoSA volunteer), only that side's assignments."""
    visible = cases_visible_to(actor)
    org_ids = organisation_ids_where(actor, Capability.SEE_ALL_ORG_CASES)
    worker_cases = CaseTeamMember.objects.filter(user=actor, role__in=WORKER_TEAM_ROLES).values("case_id")
    full = Q(case__organisation_id__in=org_ids) | Q(case_id__in=worker_cases)
    return Q(case__in=visible) & (full | Q(participant_role=ParticipantRole.RESPONSIBLE))


def assignments_visible_to(actor: Any) -> QuerySet[SurveyAssignment]:
    if not _active(actor):
        return SurveyAssignment.objects.none()
    return SurveyAssignment.objects.filter(_assignment_condition(actor)).select_related("person", "case", "program")


def assignments_open_for(
    actor: Any, *, program: Program | None = None, overdue_only: bool = False, today: datetime.date | None = None
) -> QuerySet[SurveyAssignment]:
    """Open assignments the actor can complete, the most overdue first; ``due_on`` today or earlier."""
    today = today or timezone.localdate()
    qs = assignments_visible_to(actor).filter(status=AssignmentStatus.OPEN, due_on__lte=today)
    if program is not None:
        qs = qs.filter(program=program)
    if overdue_only:
        qs = qs.filter(overdue_on__lt=today)
    return qs.order_by("overdue_on", "due_on", "created_at")


@lookup("evaluation.surveyassignment")
def assignment_get_for(actor: Any, pk: Any) -> SurveyAssignment:
    """A survey assignment on a case the actor sees (only the responsible side's for a CoSA volunteer)."""
    return one_or_404(assignments_visible_to(actor), pk)


def assignments_of_program(program: Program, *, today: datetime.date | None = None) -> dict[str, int]:
    """Counts for the schedule page: open, overdue, completed, cancelled (no people shown)."""
    today = today or timezone.localdate()
    qs = SurveyAssignment.objects.filter(program=program)
    counts = Counter(qs.values_list("status", flat=True))
    return {
        "open": counts.get(AssignmentStatus.OPEN, 0),
        "overdue": qs.filter(status=AssignmentStatus.OPEN, overdue_on__lt=today).count(),
        "completed": counts.get(AssignmentStatus.COMPLETED, 0),
        "cancelled": counts.get(AssignmentStatus.CANCELLED, 0),
    }


# --- re-offending (case screens) ------------------------------------------------------------------------


def responsible_people_of(case: Case) -> list[Any]:
    return list(
        Person.objects.filter(participations__case=case, participations__role=ParticipantRole.RESPONSIBLE)
        .distinct()
        .order_by("display_code")
    )


def reoffending_events_of(case: Case) -> QuerySet[ReoffendingEvent]:
    return ReoffendingEvent.objects.filter(case=case).select_related("person").order_by("-occurred_on")


def cohorts_of(program: Program) -> QuerySet[ComparisonCohort]:
    return ComparisonCohort.objects.filter(program=program).order_by("-created_at")


# --- analytics -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreRow:
    program_id: int
    person_id: Any
    participant_role: str
    timepoint: str
    collected_on: datetime.date
    total: float
    band: str
    subscales: dict[str, float]
    extra: dict[str, Any]


@dataclass(frozen=True)
class PairedScore:
    program_id: int
    person_id: Any
    participant_role: str
    before: float
    after: float
    before_on: datetime.date
    after_on: datetime.date
    before_subscales: dict[str, float] = field(default_factory=dict)
    after_subscales: dict[str, float] = field(default_factory=dict)


def _scored_responses(
    actor: Any, programs: Iterable[Any], instrument: str, at: datetime.datetime | None
) -> QuerySet[SurveyResponse]:
    if not get_instrument(instrument).scored:
        raise ValueError(f"{instrument!r} is not a scored instrument.")
    return SurveyResponse.objects.filter(
        program_id__in=_program_ids(actor, programs),
        instrument=instrument,
        total__isnull=False,
        person_id__in=_consenting(at),
    )


_SCORE_FIELDS = (
    "program_id", "person_id", "assignment__participant_role", "timepoint", "collected_on", "total", "band",
    "subscales", "extra",
)  # fmt: skip


def score_rows(
    actor: Any, *, programs: Iterable[Any], instrument: str, at: datetime.datetime | None = None
) -> list[ScoreRow]:
    rows = _scored_responses(actor, programs, instrument, at).order_by("collected_on", "created_at")
    return [
        ScoreRow(
            program_id=r["program_id"],
            person_id=r["person_id"],
            participant_role=r["assignment__participant_role"],
            timepoint=r["timepoint"],
            collected_on=r["collected_on"],
            total=r["total"],
            band=r["band"],
            subscales=r["subscales"],
            extra=r["extra"],
        )
        for r in rows.values(*_SCORE_FIELDS)
    ]


def paired_scores(
    actor: Any,
    *,
    programs: Iterable[Any],
    instrument: str,
    before: str = Timepoint.BASELINE,
    after: str = Timepoint.END_OF_PROCESS,
    at: datetime.datetime | None = None,
) -> list[PairedScore]:
    if before == after or before not in Timepoint.values or after not in Timepoint.values:
        raise ValueError("before and after must be two different timepoints.")
    firsts: dict[tuple[int, Any], ScoreRow] = {}
    lasts: dict[tuple[int, Any], ScoreRow] = {}
    for row in score_rows(actor, programs=programs, instrument=instrument, at=at):
        key = (row.program_id, row.person_id)
        if row.timepoint == before and key not in firsts:
            firsts[key] = row
        elif row.timepoint == after:
            lasts[key] = row  # rows are in date order: the last one wins
    pairs = []
    for key, first in firsts.items():
        last = lasts.get(key)
        if last is None or last.collected_on < first.collected_on:
            continue
        pairs.append(
            PairedScore(
                program_id=first.program_id,
                person_id=first.person_id,
                participant_role=first.participant_role,
                before=first.total,
                after=last.total,
                before_on=first.collected_on,
                after_on=last.collected_on,
                before_subscales=first.subscales,
                after_subscales=last.subscales,
            )
        )
    return pairs


@dataclass(frozen=True)
class QuestionnaireSummary:
    """``n`` responses; ``counts[item_id][value]`` = how many chose ``value`` (unanswered items not counted)."""

    instrument: str
    n: int
    counts: dict[str, dict[int, int]]


def _summarise(code: str, answer_sets: Iterable[dict[str, Any]]) -> QuestionnaireSummary:
    spec = get_instrument(code)
    counts: dict[str, dict[int, int]] = {item_id: defaultdict(int) for item_id in spec.item_ids}
    n = 0
    for answers in answer_sets:
        n += 1
        for item_id, value in (answers or {}).items():
            if item_id in counts and isinstance(value, int) and not isinstance(value, bool):
                counts[item_id][value] += 1
    return QuestionnaireSummary(instrument=code, n=n, counts={k: dict(v) for k, v in counts.items()})


def satisfaction_summary(
    actor: Any, *, programs: Iterable[Any], timepoint: str | None = None, at: datetime.datetime | None = None
) -> QuestionnaireSummary:
    qs = SurveyResponse.objects.filter(
        program_id__in=_program_ids(actor, programs), instrument="satisfaction", person_id__in=_consenting(at)
    )
    if timepoint:
        qs = qs.filter(timepoint=timepoint)
    return _summarise("satisfaction", (r.answers for r in qs.only("id", "answers")))


def stakeholder_summary(actor: Any, *, programs: Iterable[Any]) -> QuestionnaireSummary:
    qs = StakeholderFeedback.objects.filter(program_id__in=_program_ids(actor, programs))
    return _summarise("stakeholder", (r.answers for r in qs.only("id", "answers")))


@dataclass(frozen=True)
class Durations:
    """Parallel lists: days of follow-up, and whether it ended in a re-offending event (else censored)."""

    durations: list[int]
    events: list[bool]

    @property
    def n(self) -> int:
        return len(self.durations)


def process_end_date(process: Process) -> datetime.date | None:
    """The day a process ended: ``ended_at``, or for a completed process without it, its last update."""
    if process.stage not in ENDED_STAGES:
        return None
    moment = process.ended_at or process.updated_at
    return timezone.localdate(moment) if moment else None


def reoffending_followup(
    actor: Any,
    *,
    programs: Iterable[Any],
    today: datetime.date | None = None,
    at: datetime.datetime | None = None,
) -> Durations:
    today = today or timezone.localdate()
    ended = (
        Process.objects.filter(
            case__program_id__in=_program_ids(actor, programs),
            stage__in=ENDED_STAGES,
            participants__role=ProcessRole.RESPONSIBLE,  # a core member's follow-up is not an outcome
            participants__person_id__in=_consenting(at),
        )
        .values("participants__person_id", "ended_at", "updated_at")
        .order_by()
    )
    starts: dict[Any, datetime.date] = {}
    for row in ended:
        moment = row["ended_at"] or row["updated_at"]
        start = timezone.localdate(moment)
        person = row["participants__person_id"]
        if start <= today and (person not in starts or start > starts[person]):
            starts[person] = start
    first_event: dict[Any, datetime.date] = {}
    events = ReoffendingEvent.objects.filter(person_id__in=list(starts), occurred_on__lte=today).values_list(
        "person_id", "occurred_on"
    )
    for person, occurred in events:
        if occurred >= starts[person] and (person not in first_event or occurred < first_event[person]):
            first_event[person] = occurred
    durations, flags = [], []
    for person, start in starts.items():
        end = first_event.get(person)
        durations.append(((end or today) - start).days)
        flags.append(end is not None)
    return Durations(durations=durations, events=flags)


def comparison_followup(actor: Any, *, programs: Iterable[Any]) -> Durations:
    rows = ComparisonMember.objects.filter(cohort__program_id__in=_program_ids(actor, programs)).values_list(
        "followup_start", "followup_end", "reoffended_on"
    )
    durations, flags = [], []
    for start, end, reoffended in rows:
        durations.append(((reoffended or end) - start).days)
        flags.append(reoffended is not None)
    return Durations(durations=durations, events=flags)


def reoffending_event_counts(
    actor: Any, *, programs: Iterable[Any], at: datetime.datetime | None = None
) -> dict[str, int]:
    rows = (
        ReoffendingEvent.objects.filter(
            case__program_id__in=_program_ids(actor, programs), person_id__in=_consenting(at)
        )
        .values("type")
        .annotate(n=Count("pk"))
        .order_by("type")
    )
    return {row["type"]: row["n"] for row in rows}
