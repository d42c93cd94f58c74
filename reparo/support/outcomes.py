"""The support circles on the outcome dashboards (beside CoSA and the other processes), with the same small-count
protection: self-esteem (RSES) and social support (MSPSS) from the circle's start to 3, 6 and 12 months after it,
goals met, and the time to the first goal met.

Only survivors whose evaluation consent is in force are counted (asked of the consent policy in one query). Every
count is one cell of a programs-by-measures table suppressed with :func:`suppress_table`; a statistic is shown
only where the count it rests on is shown and is at least 11. Registered with ``reparo.analytics.extensions``, so
the page and the funders' report show the same figures.
"""

from __future__ import annotations

import statistics as pystats
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Min, Q
from django.utils.translation import gettext as _

from reparo.analytics import stats
from reparo.analytics.charts import Bar, BarChart, Interval, IntervalChart
from reparo.analytics.presentation import Figure, cell_text
from reparo.analytics.suppression import THRESHOLD, Cell, CellState, suppress_table
from reparo.consent.models import ConsentPurpose
from reparo.consent.policy import people_who_may
from reparo.evaluation.catalogue import instrument as get_instrument
from reparo.evaluation.models import SurveyResponse
from reparo.processes.models import Process, ProcessType
from reparo.support.models import FOLLOW_UP_MONTHS, OUTCOME_INSTRUMENTS, SupportCircle, follow_up_timepoint

START = "circle_start"


@dataclass(frozen=True)
class Pair:
    program_id: int
    before: float
    after: float


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


def _consenting(scope: Any) -> Any:
    return people_who_may(purpose=ConsentPurpose.EVALUATION, at=scope.at, organisation=scope.organisation).values("pk")


def score_pairs(scope: Any) -> dict[tuple[str, int], list[Pair]]:
    """For each (instrument, months): one pair per circle and survivor, the first score at the circle's start and
    the last at that follow-up (collected on or after the start). 1 query."""
    rows = (
        SurveyResponse.objects.filter(
            program_id__in=scope.program_ids,
            instrument__in=OUTCOME_INSTRUMENTS,
            total__isnull=False,
            person_id__in=_consenting(scope),
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
    pairs: dict[tuple[str, int], list[Pair]] = defaultdict(list)
    for (program_id, process_id, person_id, code, months), (on, after) in thens.items():
        start = starts.get((program_id, process_id, person_id, code))
        if start is not None and on >= start[0]:
            pairs[(code, months)].append(Pair(program_id, start[1], after))
    return pairs


def any_circle(scope: Any) -> bool:
    """Whether the scope's programs have ever had a support circle process (1 small query). Without one there are
    no scores or goals to read, and the figures are the same tables of zeros without the two larger queries."""
    return Process.objects.filter(case__program_id__in=scope.program_ids, type=ProcessType.SUPPORT_CIRCLE).exists()


def circle_changes(scope: Any, *, present: bool = True) -> list[CircleChange]:
    """``present=False``: the scope has no support circle process (:func:`any_circle`), so no scores are read."""
    pairs = score_pairs(scope) if present else defaultdict(list)
    columns = [(code, months) for code in OUTCOME_INSTRUMENTS for months in FOLLOW_UP_MONTHS]
    grid = [[sum(1 for p in pairs[col] if p.program_id == pk) for col in columns] for pk in scope.program_ids]
    table = suppress_table(
        grid, rows=[str(pk) for pk in scope.program_ids], columns=[f"{c}:{m}" for c, m in columns], rows_add_up=False
    )
    cells = table.row(str(scope.program.pk)) if scope.program is not None else table.column_totals
    out = []
    for (code, months), cell in zip(columns, cells, strict=True):
        wanted = [p for p in pairs[(code, months)] if scope.program is None or p.program_id == scope.program.pk]
        change = mean_start = mean_then = None
        if cell.state == CellState.SHOWN and len(wanted) >= THRESHOLD:
            before, after = [p.before for p in wanted], [p.after for p in wanted]
            change = stats.paired_change(before, after)
            mean_start, mean_then = pystats.fmean(before), pystats.fmean(after)
        out.append(CircleChange(code, get_instrument(code).name(), months, cell, mean_start, mean_then, change))
    return out


GOAL_COUNTS = ("circles", "goals", "met", "circles_met")


@dataclass(frozen=True)
class GoalOutcomes:
    cells: dict[str, Cell]
    median_days_to_first_goal: float | None  # None: fewer than 11 circles have met a goal (or their count is hidden)


def _goal_rows(scope: Any) -> Any:
    """Each circle of a consenting survivor: its program, start, goals set and met, and the first goal met."""
    circles = SupportCircle.objects.filter(
        process__case__program_id__in=scope.program_ids, survivor_id__in=_consenting(scope)
    )
    return (
        circles.annotate(
            goals_set=Count("goals"),
            goals_met=Count("goals", filter=Q(goals__met_on__isnull=False)),
            first_met=Min("goals__met_on"),
        )
        .values_list("process__case__program_id", "opened_on", "goals_set", "goals_met", "first_met")
        .order_by()
    )


def goal_outcomes(scope: Any, *, present: bool = True) -> GoalOutcomes:
    """Circles, goals set, goals the survivor confirmed met, circles with at least one goal met, and the median days
    from a circle's start to its first goal met. 1 query; none with ``present=False`` (see :func:`circle_changes`)."""
    rows = _goal_rows(scope) if present else []
    counts: dict[tuple[int, str], int] = defaultdict(int)
    days: dict[int, list[int]] = defaultdict(list)
    for program_id, opened_on, goals_set, goals_met, first_met in rows:
        counts[(program_id, "circles")] += 1
        counts[(program_id, "goals")] += goals_set
        counts[(program_id, "met")] += goals_met
        if first_met is not None:
            counts[(program_id, "circles_met")] += 1
            days[program_id].append(max(0, (first_met - opened_on).days))
    grid = [[counts[(pk, c)] for c in GOAL_COUNTS] for pk in scope.program_ids]
    table = suppress_table(grid, rows=[str(pk) for pk in scope.program_ids], columns=list(GOAL_COUNTS),
                           rows_add_up=False)  # fmt: skip
    cells = table.row(str(scope.program.pk)) if scope.program is not None else table.column_totals
    by_key = dict(zip(GOAL_COUNTS, cells, strict=True))
    wanted = [scope.program.pk] if scope.program is not None else scope.program_ids
    spans = [d for pk in wanted for d in days.get(pk, [])]
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


def figures(scope: Any) -> list[Figure]:
    """The support circles' two figures for the dashboard and the report."""
    present = any_circle(scope)
    changes = circle_changes(scope, present=present)
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
    goals = goal_outcomes(scope, present=present)
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
