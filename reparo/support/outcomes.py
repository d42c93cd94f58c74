"""The support circles on the outcome dashboards (beside CoSA and the other processes), with the same small-count
protection: self-esteem (RSES) and social support (MSPSS) from the circle's start to 3, 6 and 12 months after it,
goals met, and the time to the first goal met.

Kept like the dashboards' own figures (decision 0094): :func:`facts` says what each survivor contributes, while
their evaluation consent is in force, and the outcome tallies sum it (registered with
``reparo.analytics.extensions``; migration ``support.0003`` adds the triggers on circles and goals that put their
survivor on the list of changes, and survey responses are watched already). A view reads no score and no goal:
:func:`figures` works from the tallies the dashboard read. Every count is one cell of a programs-by-measures table
suppressed with :func:`suppress_table`; a statistic is shown only where the count it rests on is shown and is at
least 11. The page and the funders' report show the same figures.

Facts (see :mod:`reparo.analytics.evidence`):

- ``circle_pair``: ``k1`` instrument, ``k2`` months of the follow-up, ``x1`` the first score at the circle's start,
  ``x2`` the last at that follow-up (collected on or after the start); ``n`` 1 for each circle and survivor.
- ``circle_goal``: ``x1`` days from the circle's start to its first goal met (0 when none is met); ``n`` 1 circle,
  ``m1`` goals set, ``m2`` goals met (confirmed by the survivor), ``s1`` 1 when at least one is met.
"""

from __future__ import annotations

import statistics as pystats
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Min, Q
from django.utils.translation import gettext as _

from reparo.analytics import stats
from reparo.analytics.charts import Bar, BarChart, Interval, IntervalChart
from reparo.analytics.presentation import Figure, cell_text
from reparo.analytics.selectors import Evidence, paired_scores, programs_counted
from reparo.analytics.suppression import THRESHOLD, Cell, CellState, suppress_table
from reparo.evaluation.catalogue import instrument as get_instrument
from reparo.evaluation.models import SurveyResponse
from reparo.processes.models import ProcessType
from reparo.support.models import FOLLOW_UP_MONTHS, OUTCOME_INSTRUMENTS, SupportCircle, follow_up_timepoint

START = "circle_start"
CIRCLE_PAIR = "circle_pair"
CIRCLE_GOAL = "circle_goal"


# --- facts ------------------------------------------------------------------------------------------------------


def facts(person_ids: Sequence[Any], add: Callable[..., None]) -> None:
    """What these people (whose evaluation consent is in force) contribute to the support circles' figures. 2
    queries for any number of people."""
    rows = (
        SurveyResponse.objects.filter(
            person_id__in=list(person_ids),
            instrument__in=OUTCOME_INSTRUMENTS,
            total__isnull=False,
            assignment__process__type=ProcessType.SUPPORT_CIRCLE,
        )
        .order_by("collected_on", "created_at")
        .values_list("program_id", "assignment__process_id", "person_id", "instrument", "timepoint", "collected_on",
                     "total")
    )  # fmt: skip
    months_of = {follow_up_timepoint(m): m for m in FOLLOW_UP_MONTHS}
    starts: dict[tuple[Any, ...], tuple[Any, float]] = {}
    thens: dict[tuple[Any, ...], tuple[Any, float]] = {}
    for program_id, process_id, person_id, code, timepoint, on, total in rows:
        key = (program_id, process_id, person_id, code)
        if total is None:  # pragma: no cover - filtered out above
            continue
        if timepoint == START and key not in starts:
            starts[key] = (on, float(total))
        elif timepoint in months_of:
            thens[(*key, months_of[timepoint])] = (on, float(total))  # in date order: the last one wins
    for (program_id, process_id, person_id, code, months), (on, after) in thens.items():
        start = starts.get((program_id, process_id, person_id, code))
        if start is not None and on >= start[0]:
            add(person_id, program_id, CIRCLE_PAIR, k1=code, k2=str(months), x1=start[1], x2=after, n=1)

    circles = (
        SupportCircle.objects.filter(survivor_id__in=list(person_ids))
        .annotate(
            goals_set=Count("goals"),
            goals_met=Count("goals", filter=Q(goals__met_on__isnull=False)),
            first_met=Min("goals__met_on"),
        )
        .values_list("survivor_id", "process__case__program_id", "opened_on", "goals_set", "goals_met", "first_met")
        .order_by()
    )
    for person_id, program_id, opened_on, goals_set, goals_met, first_met in circles:
        days = float(max(0, (first_met - opened_on).days)) if first_met is not None else 0.0
        add(person_id, program_id, CIRCLE_GOAL, x1=days, n=1, m1=goals_set, m2=goals_met,
            s1=int(first_met is not None))  # fmt: skip


def survivors_of_cases(case_ids: Sequence[Any], db: str) -> Any:
    """The survivors of these cases' support circles: a circle's goals count under its case's program, so a change
    of the case (another program) moves them."""
    return (
        SupportCircle.objects.using(db)
        .filter(process__case_id__in=list(case_ids))
        .values_list("survivor_id", flat=True)
    )


# --- figures ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CircleChange:
    """One measure at one follow-up: how many circles have both scores, and the change when at least 11 do."""

    instrument: str
    label: str
    months: int
    n: Cell
    mean_start: float | None
    mean_then: float | None
    change: stats.PairedChange | None


def circle_changes(data: Evidence) -> list[CircleChange]:
    """From the tallies the dashboard read: no query."""
    scope = data.scope
    columns = [(code, months) for code in OUTCOME_INSTRUMENTS for months in FOLLOW_UP_MONTHS]
    by: dict[tuple[str, int], dict[int, list[Any]]] = {col: defaultdict(list) for col in columns}
    for row in data.of(CIRCLE_PAIR):
        col = (row.k1, int(row.k2)) if row.k2.isdigit() else None
        if col in by:
            by[col][row.program_id].append(row)
    grid = [[sum(r.n for r in by[col].get(pk, [])) for col in columns] for pk in scope.program_ids]
    table = suppress_table(
        grid, rows=[str(pk) for pk in scope.program_ids], columns=[f"{c}:{m}" for c, m in columns], rows_add_up=False
    )
    cells = table.row(str(scope.program.pk)) if scope.program is not None else table.column_totals
    out = []
    for (code, months), cell in zip(columns, cells, strict=True):
        before, after = paired_scores(r for pk in programs_counted(scope) for r in by[(code, months)].get(pk, []))
        change = mean_start = mean_then = None
        if cell.state == CellState.SHOWN and len(before) >= THRESHOLD:
            change = stats.paired_change(before, after)
            mean_start, mean_then = pystats.fmean(before.tolist()), pystats.fmean(after.tolist())
        out.append(CircleChange(code, get_instrument(code).name(), months, cell, mean_start, mean_then, change))
    return out


GOAL_COUNTS = ("circles", "goals", "met", "circles_met")


@dataclass(frozen=True)
class GoalOutcomes:
    cells: dict[str, Cell]
    median_days_to_first_goal: float | None  # None: fewer than 11 circles have met a goal (or their count is hidden)


def goal_outcomes(data: Evidence) -> GoalOutcomes:
    """Circles, goals set, goals the survivor confirmed met, circles with at least one goal met, and the median days
    from a circle's start to its first goal met. From the tallies the dashboard read: no query."""
    scope = data.scope
    counts: dict[tuple[int, str], int] = defaultdict(int)
    days: dict[int, list[tuple[float, int]]] = defaultdict(list)
    for row in data.of(CIRCLE_GOAL):
        counts[(row.program_id, "circles")] += row.n
        counts[(row.program_id, "goals")] += row.m1
        counts[(row.program_id, "met")] += row.m2
        counts[(row.program_id, "circles_met")] += row.s1
        if row.s1:
            days[row.program_id].append((row.x1, row.s1))
    grid = [[counts[(pk, c)] for c in GOAL_COUNTS] for pk in scope.program_ids]
    table = suppress_table(grid, rows=[str(pk) for pk in scope.program_ids], columns=list(GOAL_COUNTS),
                           rows_add_up=False)  # fmt: skip
    cells = table.row(str(scope.program.pk)) if scope.program is not None else table.column_totals
    by_key = dict(zip(GOAL_COUNTS, cells, strict=True))
    spans = [d for pk in programs_counted(scope) for d, times in days.get(pk, []) for _i in range(times)]
    median = None
    if by_key["circles_met"].state == CellState.SHOWN and len(spans) >= THRESHOLD:
        median = float(pystats.median(spans))
    return GoalOutcomes(cells=by_key, median_days_to_first_goal=median)


def _num(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _p(value: float | None) -> str:
    if value is None:
        return "—"
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def _shown(cell: Cell) -> float | None:
    value = cell.shown
    return None if value is None else float(value)


def _months(months: int) -> str:
    return _("%(months)d months") % {"months": months}


def figures(data: Evidence) -> list[Figure]:
    """The support circles' two figures for the dashboard and the report, from the tallies the dashboard read."""
    changes = circle_changes(data)
    header = (
        _("Measure"), _("People"), _("Mean at the start"), _("Mean then"), _("Change (95% CI)"), _("t-test p"),
        _("Wilcoxon p"), _("Hedges' g"),
    )  # fmt: skip
    rows = []
    intervals = []
    for o in changes:
        label = f"{o.label} · {_months(o.months)}"
        c = o.change
        if c is None:
            rows.append((label, cell_text(o.n), "—", "—", "—", "—", "—", "—"))
        else:
            rows.append((
                label, cell_text(o.n), _num(o.mean_start), _num(o.mean_then),
                f"{c.mean_difference:+.2f} ({c.ci_low:+.2f} {_('to')} {c.ci_high:+.2f})", _p(c.t_p_value),
                _p(c.wilcoxon_p_value), _num(c.hedges_g, 2),
            ))  # fmt: skip
        text = f"{c.mean_difference:+.2f}" if c else (cell_text(o.n) if o.n.state != CellState.SHOWN else _("too few"))
        intervals.append(Interval(label, c.mean_difference if c else None, c.ci_low if c else None,
                                  c.ci_high if c else None, text))  # fmt: skip
    outcomes = Figure(
        "support_outcomes",
        _("Support circles: self-esteem and social support"),
        IntervalChart(
            title=_("Change since the start of the support circle"),
            description=_("Mean change in self-esteem (Rosenberg) and perceived social support (MSPSS) from the start "
                          "of each survivor's support circle to 3, 6 and 12 months, for the survivors who answered "
                          "both times, with its confidence interval (95 percent). Shown only when at least 11 "
                          "survivors answered both times."),
            rows=tuple(intervals),
        ),
        header,
        tuple(rows),
    )  # fmt: skip
    goals = goal_outcomes(data)
    labels = {
        "circles": _("Support circles"),
        "goals": _("Goals the survivors set"),
        "met": _("Goals met (confirmed by the survivor)"),
        "circles_met": _("Circles with at least one goal met"),
    }
    median = goals.median_days_to_first_goal
    goal_rows = (
        *tuple((labels[k], cell_text(goals.cells[k])) for k in GOAL_COUNTS),
        (_("Median days to the first goal met"), _num(median) if median is not None else _("fewer than 11 circles")),
    )
    goal_figure = Figure(
        "support_goals",
        _("Support circles: goals"),
        BarChart(
            title=_("Support circle goals"),
            description=_("Goals survivors set in their support circles and how many they confirmed as met. "
                          "The median time to a circle's first goal met is shown only when at least 11 circles "
                          "have met one."),
            bars=tuple(Bar(labels[k], _shown(goals.cells[k]), cell_text(goals.cells[k])) for k in GOAL_COUNTS),
        ),
        (_("Category"), _("Count")),
        goal_rows,
    )  # fmt: skip
    return [outcomes, goal_figure]
