"""Reads for the outcome dashboards and the improvement log.

Who sees what: organisation admins, coordinators and evaluators of an organisation see its dashboards (the
programs of :func:`reparo.evaluation.selectors.programs_for_evaluation`); anyone else gets 404.

What is counted: only people whose evaluation consent is in force, as the consent policy says
(:func:`reparo.consent.policy.people_who_may`). A case — and its processes, agreements and obligations — counts
only when every survivor on it has such consent (cases with no survivor recorded are left out).

Where the numbers come from: the organisation's tallies (:mod:`reparo.analytics.evidence`, decision 0070), kept
by database triggers and the refresh as cases, responses, status changes and consents are written. A view first
takes what changed since the last one for its organisation (so a withdrawn consent leaves the person out of every
figure at once), then reads the tallies whose consent window holds the moment of the view: one query, a few
hundred rows per program, whatever the number of responses. Figures computed from one version of the tallies are
kept (in the cache) until the tallies move, a consent window opens or closes, or the day changes.

How counts are shown: every panel is one table of counts, programs by categories, suppressed once with
:func:`reparo.analytics.suppression.suppress_table`. A program's page shows its row, the organisation's page
the column totals; both come from the same suppressed table, so one page cannot be subtracted from the other.
Statistics (means, medians, changes, survival) are shown only where the count they rest on is shown.
"""

from __future__ import annotations

import dataclasses
import datetime
import statistics as pystats
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

import numpy as np
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import Case as DbCase
from django.db.models import IntegerField, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from reparo.access.actors import organisation_ids_where, users_with
from reparo.access.capabilities import Capability
from reparo.access.lookup import lookup, one_or_404
from reparo.accounts import access_cache
from reparo.agreements.models import ItemKind, ObligationStatus
from reparo.analytics import evidence, extensions, stats
from reparo.analytics.models import ActionStatus, ImprovementAction
from reparo.analytics.suppression import THRESHOLD, Cell, CellState, SafeTable, suppress_table
from reparo.cases.models import CaseStatus
from reparo.evaluation import selectors as evaluation
from reparo.evaluation.catalogue import instrument as get_instrument
from reparo.organisations.models import Organisation, Program
from reparo.organisations.selectors import organisation_get_for
from reparo.processes.models import ProcessStage, ProcessType

T = TypeVar("T")

OUTCOME_INSTRUMENTS = evidence.OUTCOME_INSTRUMENTS
FOLLOW_UP_DAYS = (90, 180, 365, 730)


# --- scope and access -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """What a dashboard covers: one program (``program``) or the whole organisation (``program`` is None).
    ``programs`` are all the organisation's programs within the actor's reach: the rows of every table."""

    actor: Any
    organisation: Organisation
    programs: tuple[Program, ...]
    program: Program | None = None
    at: datetime.datetime = field(default_factory=timezone.now)
    today: datetime.date = field(default_factory=timezone.localdate)

    @property
    def program_ids(self) -> list[int]:
        return [p.pk for p in self.programs]

    @property
    def row_key(self) -> str | None:
        return str(self.program.pk) if self.program else None


def organisations_for_outcomes(actor: Any) -> list[tuple[Organisation, list[Program]]]:
    """Each organisation whose outcomes the actor may see, with its programs (one query)."""
    grouped: dict[int, tuple[Organisation, list[Program]]] = {}
    for program in evaluation.programs_for_evaluation(actor).order_by("organisation__name", "name"):
        grouped.setdefault(program.organisation_id, (program.organisation, []))[1].append(program)
    return list(grouped.values())


def scope_for(
    actor: Any,
    *,
    organisation_pk: Any,
    program_pk: Any = None,
    at: datetime.datetime | None = None,
    today: datetime.date | None = None,
) -> Scope:
    """The dashboard scope, or Http404 when the organisation or program is not within the actor's reach."""
    organisation = organisation_get_for(actor, organisation_pk, need=Capability.VIEW_EVALUATION)
    programs = tuple(evaluation.programs_for_evaluation_of(actor, organisation))
    if not programs:
        raise Http404
    program = None
    if program_pk is not None:
        program = next((p for p in programs if str(p.pk) == str(program_pk)), None)
        if program is None:
            raise Http404
    return Scope(
        actor=actor,
        organisation=programs[0].organisation,
        programs=programs,
        program=program,
        at=at or timezone.now(),
        today=today or timezone.localdate(),
    )


# --- the tallies ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    """The organisation's tallies that count at the moment of the view, for the scope's programs, by figure."""

    scope: Scope
    version: int
    rows: dict[str, list[evidence.TallyRow]]

    def of(self, figure: str) -> list[evidence.TallyRow]:
        return self.rows.get(figure, [])

    def counts(self, figure: str, key: Any = None) -> dict[tuple[int, str], int]:
        """{(program id, key of the row): n}; the key is ``k1`` unless another is given."""
        out: dict[tuple[int, str], int] = defaultdict(int)
        for row in self.of(figure):
            out[(row.program_id, key(row) if key else row.k1)] += row.n
        return out


def evidence_for(scope: Scope, *, version: int | None = None) -> Evidence:
    """Take the organisation's pending changes (unless that was just done and gave ``version``), then read its
    tallies for the scope (2 queries when nothing is pending)."""
    rows: dict[str, list[evidence.TallyRow]] = defaultdict(list)
    if version is None:
        version = evidence.catch_up(scope.organisation.pk, at=scope.at)
        with evidence.reading(scope.organisation.pk, version):
            found = evidence.tallies(scope.organisation.pk, scope.program_ids, at=scope.at)
    else:  # the caller took the changes and reads inside evidence.reading
        found = evidence.tallies(scope.organisation.pk, scope.program_ids, at=scope.at)
    for row in found:
        rows[row.figure].append(row)
    return Evidence(scope=scope, version=version, rows=dict(rows))


def _data(scope: Scope, data: Evidence | None) -> Evidence:
    return data if data is not None and data.scope is scope else evidence_for(scope)


# --- panels -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One shown number: its label and its (possibly suppressed) cell."""

    key: str
    label: str
    cell: Cell


@dataclass(frozen=True)
class CountPanel:
    """A breakdown of counts for the scope (its program's row, or the organisation's column totals)."""

    key: str
    title: str
    description: str
    entries: tuple[Entry, ...]
    total: Cell
    table: SafeTable

    @property
    def has_data(self) -> bool:
        return self.total.value > 0


def _count_panel(
    scope: Scope,
    *,
    key: str,
    title: str,
    description: str,
    categories: Sequence[tuple[str, Any]],
    counts: dict[tuple[int, str], int],
) -> CountPanel:
    rows = [str(pk) for pk in scope.program_ids]
    grid = [[counts.get((pk, c), 0) for c, _label in categories] for pk in scope.program_ids]
    table = suppress_table(grid, rows=rows, columns=[c for c, _label in categories])
    if scope.program is not None:
        cells = table.row(str(scope.program.pk))
        total = table.row_total(str(scope.program.pk))
    else:
        cells, total = table.column_totals, table.total
    entries = tuple(
        Entry(key=c, label=str(label), cell=cell) for (c, label), cell in zip(categories, cells, strict=True)
    )
    return CountPanel(key=key, title=title, description=description, entries=entries, total=total, table=table)


def case_funnel(scope: Scope, data: Evidence | None = None) -> CountPanel:
    """Cases by where they are now, from referral to closed (completed) or withdrawn."""
    return _count_panel(
        scope,
        key="funnel",
        title=_("Cases by stage"),
        description=_(
            "Cases in each stage now, from referral to closed (completed) or withdrawn. "
            "Only cases whose survivors agreed to the use of their information for evaluation are counted."
        ),
        categories=[(s, label) for s, label in CaseStatus.choices],
        counts=_data(scope, data).counts(evidence.CASE),
    )


@dataclass(frozen=True)
class StageTime:
    stage: str
    label: str
    median_days: float | None  # None: fewer than 11 cases have left this stage


def programs_counted(scope: Scope) -> list[int]:
    """The programs whose counts make the scope's figures: its program's, or every program of the organisation."""
    return [scope.program.pk] if scope.program is not None else list(scope.program_ids)


def time_in_stage(scope: Scope, data: Evidence | None = None) -> list[StageTime]:
    """Median days spent in each stage by the cases that have moved on from it. A median rests on at least 11 cases
    or is not shown; the number of cases itself is not shown (differences between stages would give small counts
    away). Read from the tallies' whole-day buckets, then from the exact times in the one or two buckets the median
    falls in (1 query)."""
    data = _data(scope, data)
    wanted = set(programs_counted(scope))
    buckets: dict[str, dict[float, int]] = defaultdict(lambda: defaultdict(int))
    for row in data.of(evidence.STAGE):
        if row.program_id in wanted:
            buckets[row.k1][row.x1] += row.n
    ranks: dict[str, list[tuple[float, int]]] = {}
    for stage, _label in CaseStatus.choices:
        counts = buckets.get(stage, {})
        n = sum(counts.values())
        if stage in evidence.HIDDEN_STAGES or n < THRESHOLD:
            continue
        places = []
        for rank in sorted({(n - 1) // 2, n // 2}):
            seen = 0
            for bucket in sorted(counts):
                if rank < seen + counts[bucket]:
                    places.append((bucket, rank - seen))
                    break
                seen += counts[bucket]
        ranks[stage] = places
    values = evidence.stage_values(
        scope.organisation.pk, sorted(wanted), {(s, b) for s, places in ranks.items() for b, _i in places}, at=scope.at
    )
    out = []
    for stage, label in CaseStatus.choices:
        if stage in evidence.HIDDEN_STAGES:
            continue
        median = None
        if stage in ranks:
            middle = [max(0.0, values[(stage, b)][i] / evidence.SECONDS_PER_DAY) for b, i in ranks[stage]]
            median = round(middle[0] if len(middle) == 1 else (middle[0] + middle[1]) / 2, 1)
        out.append(StageTime(stage=stage, label=str(label), median_days=median))
    return out


PROCESS_OUTCOMES = (
    ("ongoing", gettext_lazy("ongoing")),
    (ProcessStage.COMPLETED, gettext_lazy("completed")),
    (ProcessStage.ENDED_EARLY, gettext_lazy("ended early")),
)


def processes_by_type(scope: Scope, data: Evidence | None = None) -> CountPanel:
    """Processes by type and outcome (ongoing, completed, ended early)."""
    counts = _data(scope, data).counts(evidence.PROCESS, key=lambda row: f"{row.k1}:{row.k2}")
    categories = [
        (f"{t}:{o}", f"{t_label} · {o_label}") for t, t_label in ProcessType.choices for o, o_label in PROCESS_OUTCOMES
    ]
    return _count_panel(
        scope,
        key="processes",
        title=_("Processes by type and outcome"),
        description=_("Restorative processes on the counted cases, by type, and whether they are ongoing, "
                      "completed or ended early."),
        categories=categories,
        counts=counts,
    )  # fmt: skip


def agreement_items(scope: Scope, data: Evidence | None = None) -> CountPanel:
    """Items of agreements in force, by kind."""
    return _count_panel(
        scope,
        key="items",
        title=_("Agreement items"),
        description=_("What the agreements in force contain, by kind."),
        categories=list(ItemKind.choices),
        counts=_data(scope, data).counts(evidence.ITEM),
    )


def obligations(scope: Scope, data: Evidence | None = None) -> CountPanel:
    """Obligations of agreements in force, by status."""
    return _count_panel(
        scope,
        key="obligations",
        title=_("Obligations"),
        description=_(
            "Obligations of the agreements in force, by status. Those the survivor let go and those replaced by a "
            "later version count neither for nor against."
        ),
        categories=list(ObligationStatus.choices),
        counts=_data(scope, data).counts(evidence.OBLIGATION),
    )


def obligations_met_percent(panel: CountPanel) -> int | None:
    """Met ÷ (all but waived and varied), when every number it rests on is shown."""
    cells = {e.key: e.cell for e in panel.entries}
    parts = [cells[s] for s in (ObligationStatus.MET, ObligationStatus.LATE, ObligationStatus.PENDING)]
    if any(c.state != CellState.SHOWN for c in parts):
        return None
    counted = sum(c.value for c in parts)
    return round(100 * cells[ObligationStatus.MET].value / counted) if counted else None


@dataclass(frozen=True)
class Restitution:
    currency: str
    owed: Decimal | None  # None: rests on fewer than 11 obligations (or hidden so that it cannot be subtracted)
    paid: Decimal | None

    @property
    def percent(self) -> int | None:
        if self.owed is None or self.paid is None or not self.owed:
            return None
        return round(100 * self.paid / self.owed)


def restitution(scope: Scope, data: Evidence | None = None) -> list[Restitution]:
    """Restitution owed and paid, per currency (waived and replaced obligations left out).

    An amount is shown only when it rests on at least 11 obligations; when exactly one program's amount is
    hidden, the next smallest is hidden too, so the organisation's total cannot be used to work it out."""
    by_currency: dict[str, dict[int, tuple[Decimal, Decimal, int]]] = defaultdict(dict)
    for row in _data(scope, data).of(evidence.RESTITUTION):
        if row.n:
            by_currency[row.k1][row.program_id] = (Decimal(row.s1).scaleb(-2), Decimal(row.s2).scaleb(-2), row.n)
    out = []
    for currency in sorted(by_currency):
        programs = by_currency[currency]
        hidden = {pk for pk, (_o, _p, n) in programs.items() if n < THRESHOLD}
        total_n = sum(n for _o, _p, n in programs.values())
        if len(hidden) == 1 and total_n >= THRESHOLD:
            others = sorted((n, pk) for pk, (_o, _p, n) in programs.items() if pk not in hidden)
            if others:
                hidden.add(others[0][1])
        if scope.program is not None:
            line = programs.get(scope.program.pk)
            if line is None:
                continue
            shown = scope.program.pk not in hidden
            out.append(Restitution(currency, line[0] if shown else None, line[1] if shown else None))
        else:
            shown = total_n >= THRESHOLD
            owed = sum((o for o, _p, _n in programs.values()), Decimal(0))
            paid = sum((p for _o, p, _n in programs.values()), Decimal(0))
            out.append(Restitution(currency, owed if shown else None, paid if shown else None))
    return out


# --- outcomes (instruments) -------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutcomeChange:
    instrument: str
    label: str
    n: Cell
    mean_before: float | None
    mean_after: float | None
    change: stats.PairedChange | None  # None unless at least 11 people have both a before and an after score
    lower_is_better: bool


def paired_scores(rows: Iterable[evidence.TallyRow]) -> tuple[np.ndarray, np.ndarray]:
    """Before and after scores, one per person, from the tallies' (before, after, how many) rows."""
    rows = list(rows)
    counts = np.array([r.n for r in rows], dtype=np.int64)
    before = np.repeat(np.array([r.x1 for r in rows], dtype=float), counts)
    after = np.repeat(np.array([r.x2 for r in rows], dtype=float), counts)
    return before, after


def outcome_changes(scope: Scope, data: Evidence | None = None) -> list[OutcomeChange]:
    """Before (baseline) and after (end of process) scores of each instrument, for the people who have both,
    with the change and its uncertainty (:func:`reparo.analytics.stats.paired_change`)."""
    by: dict[str, dict[int, list[evidence.TallyRow]]] = {code: defaultdict(list) for code in OUTCOME_INSTRUMENTS}
    for row in _data(scope, data).of(evidence.PAIR):
        if row.k1 in by:
            by[row.k1][row.program_id].append(row)
    grid = [[sum(r.n for r in by[code].get(pk, [])) for code in OUTCOME_INSTRUMENTS] for pk in scope.program_ids]
    table = suppress_table(
        grid, rows=[str(pk) for pk in scope.program_ids], columns=list(OUTCOME_INSTRUMENTS), rows_add_up=False
    )
    out = []
    for j, code in enumerate(OUTCOME_INSTRUMENTS):
        cell = table.row(str(scope.program.pk))[j] if scope.program is not None else table.column_totals[j]
        before, after = paired_scores(r for pk in programs_counted(scope) for r in by[code].get(pk, []))
        spec = get_instrument(code)
        change = mean_before = mean_after = None
        if cell.state == CellState.SHOWN and len(before) >= THRESHOLD:
            change = stats.paired_change(before, after)
            mean_before, mean_after = pystats.fmean(before.tolist()), pystats.fmean(after.tolist())
        out.append(
            OutcomeChange(
                instrument=code,
                label=spec.name(),
                n=cell,
                mean_before=mean_before,
                mean_after=mean_after,
                change=change,
                lower_is_better=code == "pcl5",
            )
        )
    return out


SATISFACTION_GROUPS = (
    ("disagree", gettext_lazy("Disagree"), (1, 2)),
    ("neutral", gettext_lazy("Neither"), (3,)),
    ("agree", gettext_lazy("Agree"), (4, 5)),
)


@dataclass(frozen=True)
class SatisfactionItem:
    item_id: str
    text: str
    entries: tuple[Entry, ...]
    total: Cell


def satisfaction(scope: Scope, data: Evidence | None = None) -> list[SatisfactionItem]:
    """The program's own satisfaction and procedural-justice questionnaire (not validated: item by item, never
    a summed score): how many disagreed, neither, agreed."""
    spec = get_instrument("satisfaction")
    answers: dict[tuple[int, str], tuple[int, int, int]] = {}
    for row in _data(scope, data).of(evidence.SATISFACTION):
        before = answers.get((row.program_id, row.k1), (0, 0, 0))
        answers[(row.program_id, row.k1)] = (before[0] + row.n, before[1] + row.m1, before[2] + row.m2)
    out = []
    for item in spec.items:
        grid = []
        for pk in scope.program_ids:
            grid.append(list(answers.get((pk, item.id), (0, 0, 0))))
        table = suppress_table(
            grid, rows=[str(pk) for pk in scope.program_ids], columns=[k for k, _l, _v in SATISFACTION_GROUPS]
        )
        if scope.program is not None:
            cells, total = table.row(str(scope.program.pk)), table.row_total(str(scope.program.pk))
        else:
            cells, total = table.column_totals, table.total
        entries = tuple(
            Entry(key=k, label=str(label), cell=c) for (k, label, _v), c in zip(SATISFACTION_GROUPS, cells, strict=True)
        )
        out.append(SatisfactionItem(item_id=item.id, text=item.label(), entries=entries, total=total))
    return out  # fmt: skip


@dataclass(frozen=True)
class FollowUpPoint:
    days: int
    program: float | None  # share without re-offending, when it rests on at least 11 at risk and 11 events
    comparison: float | None


@dataclass(frozen=True)
class Reoffending:
    program_n: Cell
    comparison_n: Cell
    program_curve: stats.SurvivalCurve | None
    comparison_curve: stats.SurvivalCurve | None
    points: tuple[FollowUpPoint, ...]
    logrank: stats.LogRank | None


def _safe_point(durations: np.ndarray, events: np.ndarray, curve: stats.SurvivalCurve, days: int) -> float | None:
    """The curve at ``days``, only when at least 11 people are still followed then and at least 11 events and
    11 non-events lie behind it (so no small count can be read off the step)."""
    at_risk = int(np.count_nonzero(durations >= days))
    happened = int(np.count_nonzero(events & (durations <= days)))
    if at_risk < THRESHOLD or happened < THRESHOLD:
        return None
    value = None
    for t, s in zip(curve.times, curve.survival, strict=True):
        if t <= days:
            value = s
    return value  # fmt: skip


@dataclass(frozen=True)
class _FollowUp:
    durations: np.ndarray
    events: np.ndarray

    @property
    def n(self) -> int:
        return len(self.durations)


def _follow_up(rows: Iterable[evidence.TallyRow], today: datetime.date) -> _FollowUp:
    """Days of follow-up and whether it ended in an event, one per person, from the tallies: an event at a known
    number of days, or follow-up from a start day until ``today``."""
    days: list[float] = []
    flags: list[bool] = []
    counts: list[int] = []
    for row in rows:
        event = row.k1 == "event"
        days.append(row.x1 if event or row.figure == evidence.COMPARISON else float((today - row.d1).days))
        flags.append(event)
        counts.append(row.n)
    n = np.array(counts, dtype=np.int64)
    return _FollowUp(np.repeat(np.array(days, dtype=float), n), np.repeat(np.array(flags, dtype=bool), n))


def reoffending(scope: Scope, data: Evidence | None = None) -> Reoffending:
    """Re-offending of the program's responsible persons (with evaluation consent) against the comparison
    cohort: Kaplan-Meier curves, the share without re-offending at fixed follow-up times, and a log-rank test.
    Shown only where at least 11 people (and 11 events) stand behind a number."""
    data = _data(scope, data)
    mine_by: dict[int, list[evidence.TallyRow]] = defaultdict(list)
    theirs_by: dict[int, list[evidence.TallyRow]] = defaultdict(list)
    for row in data.of(evidence.REOFFENDING):
        mine_by[row.program_id].append(row)
    for row in data.of(evidence.COMPARISON):
        theirs_by[row.program_id].append(row)
    # One table for every program, so the organisation's numbers and a program's cannot be subtracted.
    table = suppress_table(
        [[sum(r.n for r in mine_by[pk]), sum(r.n for r in theirs_by[pk])] for pk in scope.program_ids],
        rows=[str(pk) for pk in scope.program_ids],
        columns=["program", "comparison"],
        rows_add_up=False,
    )
    if scope.program is not None:
        program_n, comparison_n = table.row(str(scope.program.pk))
    else:
        program_n, comparison_n = table.column_totals
    wanted = programs_counted(scope)
    mine = _follow_up((r for pk in wanted for r in mine_by[pk]), scope.today)
    theirs = _follow_up((r for pk in wanted for r in theirs_by[pk]), scope.today)
    curves = []
    for group, cell in ((mine, program_n), (theirs, comparison_n)):
        events = int(np.count_nonzero(group.events))
        ok = cell.state == CellState.SHOWN and events >= THRESHOLD and group.n - events >= THRESHOLD
        curves.append(stats.kaplan_meier(group.durations, group.events.astype(int)) if ok else None)
    points = []
    for days in FOLLOW_UP_DAYS:
        points.append(
            FollowUpPoint(
                days=days,
                program=_safe_point(mine.durations, mine.events, curves[0], days) if curves[0] else None,
                comparison=_safe_point(theirs.durations, theirs.events, curves[1], days) if curves[1] else None,
            )
        )
    test = None
    if curves[0] is not None and curves[1] is not None:
        test = stats.logrank(mine.durations, mine.events.astype(int), theirs.durations, theirs.events.astype(int))
    return Reoffending(
        program_n=program_n,
        comparison_n=comparison_n,
        program_curve=curves[0],
        comparison_curve=curves[1],
        points=tuple(points),
        logrank=test,
    )


# --- distress check-ins -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DistressMonth:
    month: datetime.date
    checkins: Cell
    mean_rating: float | None  # 0-10; shown when the month's number of check-ins is shown
    share_at_threshold: float | None  # shown when at least 11 were at or above the threshold and 11 below


def _month_starts(today: datetime.date, count: int) -> list[datetime.date]:
    months = []
    year, month = today.year, today.month
    for _step in range(count):
        months.append(datetime.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def distress_trends(scope: Scope, *, months: int = 6, data: Evidence | None = None) -> list[DistressMonth]:
    """Distress check-ins (0-10, around sessions and preparation meetings) by month over the last ``months``
    months: how many, the mean rating, and the share at or above the program's threshold. Only check-ins of
    people with evaluation consent, on counted cases."""
    starts = _month_starts(scope.today, months)
    cells: dict[tuple[int, datetime.date], tuple[int, int, int]] = {}
    for row in _data(scope, data).of(evidence.DISTRESS):
        if row.d1 >= starts[0]:
            n, high, total = cells.get((row.program_id, row.d1), (0, 0, 0))
            cells[(row.program_id, row.d1)] = (n + row.n, high + row.m1, total + row.m2)
    grid = [[cells.get((pk, m), (0, 0, 0))[0] for m in starts] for pk in scope.program_ids]
    table = suppress_table(
        grid, rows=[str(pk) for pk in scope.program_ids], columns=[m.isoformat() for m in starts], rows_add_up=False
    )
    wanted = programs_counted(scope)
    shown = table.row(str(scope.program.pk)) if scope.program else table.column_totals
    out = []
    for j, month in enumerate(starts):
        n = sum(cells.get((pk, month), (0, 0, 0))[0] for pk in wanted)
        high = sum(cells.get((pk, month), (0, 0, 0))[1] for pk in wanted)
        total = sum(cells.get((pk, month), (0, 0, 0))[2] for pk in wanted)
        ok = shown[j].state == CellState.SHOWN and n >= THRESHOLD
        out.append(
            DistressMonth(
                month=month,
                checkins=shown[j],
                mean_rating=round(total / n, 1) if ok else None,
                share_at_threshold=high / n if ok and high >= THRESHOLD and n - high >= THRESHOLD else None,
            )
        )
    return out


# --- the improvement log ----------------------------------------------------------------------------------


def improvement_log(scope: Scope, *, page: Any = 1, per_page: int = 20) -> Page:
    """The organisation's improvement actions (a program's page: that program's and the organisation-wide
    ones), open ones first by due date; paginated."""
    qs = ImprovementAction.objects.filter(organisation=scope.organisation).select_related("owner", "program")
    if scope.program is not None:
        qs = qs.filter(Q(program=scope.program) | Q(program__isnull=True))
    closed = DbCase(
        When(status__in=[ActionStatus.DONE, ActionStatus.DROPPED], then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    qs = qs.annotate(closed=closed).order_by("closed", "due_on", "created_at")
    return Paginator(qs, per_page).get_page(page)


@lookup("analytics.improvementaction")
def improvement_get_for(actor: Any, pk: Any) -> ImprovementAction:
    """An improvement-log entry of an organisation whose outcomes the actor sees."""
    organisations = organisation_ids_where(actor, Capability.VIEW_EVALUATION)
    return one_or_404(ImprovementAction.objects.select_related("organisation"), pk, organisation_id__in=organisations)


def programs_of(scope: Scope) -> QuerySet[Program]:
    return Program.objects.filter(pk__in=scope.program_ids).order_by("name")


def owners_for(scope: Scope) -> QuerySet[Any]:
    return users_with(scope.organisation, Capability.WORK_IN_PROGRAM).order_by("email")


def owner_choices(scope: Scope) -> tuple[tuple[Any, str], ...]:
    """(id, name) of :func:`owners_for`, in its order, for the improvement form's list: kept by the process while
    the access stamp is unchanged (:mod:`reparo.accounts.access_cache`), so the names are not read and decrypted on
    every view of the dashboard. The form still checks a chosen owner against :func:`owners_for`."""

    def build() -> tuple[tuple[Any, str], ...]:
        return tuple((user.pk, user.display_name) for user in owners_for(scope).only("id", "email", "full_name"))

    return access_cache.shared(scope.actor, ("outcome_owners", scope.organisation.pk), build)


# --- everything for one page ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dashboard:
    scope: Scope
    funnel: CountPanel
    stage_times: list[StageTime]
    processes: CountPanel
    items: CountPanel
    obligations: CountPanel
    obligations_met: int | None
    restitution: list[Restitution]
    outcomes: list[OutcomeChange]
    satisfaction: list[SatisfactionItem]
    reoffending: Reoffending
    distress: list[DistressMonth]
    # The figures other apps add (reparo.analytics.extensions), drawn from the same tallies.
    extra: tuple[Any, ...] = ()
    as_of: datetime.datetime | None = None  # when these figures were computed; nothing they rest on changed since
    # Where these figures are kept and until when (None: not kept): what is drawn from them alone may be kept with them.
    kept: tuple[str, datetime.datetime] | None = None


KEPT_FOR = 3600  # seconds a computed dashboard is kept at most (it is dropped sooner when anything changes)


# Moved whenever what is kept changes shape (a field of Dashboard), so that processes of two releases running side by
# side during a deploy never read each other's entries.
KEPT_FORMAT = 2


def _kept_key(scope: Scope, version: int) -> str:
    programs = ",".join(str(pk) for pk in scope.program_ids)
    program = scope.program.pk if scope.program is not None else ""
    return (
        f"reparo:outcomes:{KEPT_FORMAT}:{scope.organisation.pk}:{version}:{program}:{programs}:"
        f"{scope.today.isoformat()}:{get_language() or ''}"
    )


def dashboard(scope: Scope) -> Dashboard:
    """Every panel of the scope's page. Computed from the tallies, and kept (in the cache, under the version of
    the tallies) until something it rests on is written, a consent window opens or closes, or the day changes."""
    version = evidence.catch_up(scope.organisation.pk, at=scope.at)
    key = _kept_key(scope, version)
    kept = cache.get(key)
    if kept is not None and kept[0] > scope.at:
        return Dashboard(scope=scope, **kept[1], kept=(key, kept[0]))
    # The changes were taken on the primary; the figures are read where they are at least as new (the replica, when
    # the view asked for it and it has caught up).
    with evidence.reading(scope.organisation.pk, version):
        data = evidence_for(scope, version=version)
        obligation_panel = obligations(scope, data)
        board = Dashboard(
            scope=scope,
            funnel=case_funnel(scope, data),
            stage_times=time_in_stage(scope, data),
            processes=processes_by_type(scope, data),
            items=agreement_items(scope, data),
            obligations=obligation_panel,
            obligations_met=obligations_met_percent(obligation_panel),
            restitution=restitution(scope, data),
            outcomes=outcome_changes(scope, data),
            satisfaction=satisfaction(scope, data),
            reoffending=reoffending(scope, data),
            distress=distress_trends(scope, data=data),
            extra=tuple(extensions.extra_figures(data)),
            as_of=scope.at,
        )
        valid_until = evidence.next_change(scope.organisation.pk, at=scope.at)
    seconds = min(KEPT_FOR, (valid_until - scope.at).total_seconds())
    if seconds > 0:
        fields = {f.name: getattr(board, f.name) for f in dataclasses.fields(board) if f.name not in ("scope", "kept")}
        cache.set(key, (valid_until, fields), timeout=seconds)
        board = dataclasses.replace(board, kept=(key, valid_until))
    return board


def keep_with(board: Dashboard, part: str, compute: Callable[[], T]) -> T:
    """``compute()``, kept with the board's figures (under the same key and for as long) when they are kept: for what
    is drawn from the figures alone, the same for everyone who may see them (the page's charts and tables)."""
    if board.kept is None:
        return compute()
    key, valid_until = board.kept
    key = f"{key}:{part}"
    found = cache.get(key)
    if found is not None and found[0] == valid_until:
        return found[1]  # type: ignore[no-any-return]
    value = compute()
    # No longer than the figures themselves are kept: counted from when they were computed, not from this view.
    computed = board.as_of or board.scope.at
    seconds = min(
        KEPT_FOR - (board.scope.at - computed).total_seconds(), (valid_until - board.scope.at).total_seconds()
    )
    if seconds > 0:
        cache.set(key, (valid_until, value), timeout=seconds)
    return value
