"""The support circles' outcome figures computed directly from the records, as they were computed before they were
tallied (decision 0094): the definition the tallies are tested against. Reads the scores and goals afresh and asks
the consent policy (``people_who_may``) at the scope's moment."""

from __future__ import annotations

import statistics as pystats
from collections import defaultdict
from typing import Any

from django.db.models import Count, Min, Q

from reparo.analytics import stats
from reparo.analytics.suppression import THRESHOLD, CellState, suppress_table
from reparo.consent.models import ConsentPurpose
from reparo.consent.policy import people_who_may
from reparo.evaluation.catalogue import instrument as get_instrument
from reparo.evaluation.models import SurveyResponse
from reparo.processes.models import ProcessType
from reparo.support.models import FOLLOW_UP_MONTHS, OUTCOME_INSTRUMENTS, SupportCircle, follow_up_timepoint
from reparo.support.outcomes import GOAL_COUNTS, START, CircleChange, GoalOutcomes


def _consenting(scope: Any) -> Any:
    return people_who_may(purpose=ConsentPurpose.EVALUATION, at=scope.at, organisation=scope.organisation).values("pk")


def _score_pairs(scope: Any) -> dict[tuple[str, int], list[tuple[int, float, float]]]:
    rows = (
        SurveyResponse.objects.filter(
            program_id__in=scope.program_ids, instrument__in=OUTCOME_INSTRUMENTS, total__isnull=False,
            person_id__in=_consenting(scope), assignment__process__type=ProcessType.SUPPORT_CIRCLE,
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
        if timepoint == START and key not in starts:
            starts[key] = (on, float(total))
        elif timepoint in months_of:
            thens[(*key, months_of[timepoint])] = (on, float(total))
    pairs: dict[tuple[str, int], list[tuple[int, float, float]]] = defaultdict(list)
    for (program_id, process_id, person_id, code, months), (on, after) in thens.items():
        start = starts.get((program_id, process_id, person_id, code))
        if start is not None and on >= start[0]:
            pairs[(code, months)].append((program_id, start[1], after))
    return pairs


def circle_changes(scope: Any) -> list[CircleChange]:
    pairs = _score_pairs(scope)
    columns = [(code, months) for code in OUTCOME_INSTRUMENTS for months in FOLLOW_UP_MONTHS]
    grid = [[sum(1 for p in pairs[col] if p[0] == pk) for col in columns] for pk in scope.program_ids]
    table = suppress_table(
        grid, rows=[str(pk) for pk in scope.program_ids], columns=[f"{c}:{m}" for c, m in columns], rows_add_up=False
    )
    cells = table.row(str(scope.program.pk)) if scope.program is not None else table.column_totals
    out = []
    for (code, months), cell in zip(columns, cells, strict=True):
        wanted = [p for p in pairs[(code, months)] if scope.program is None or p[0] == scope.program.pk]
        change = mean_start = mean_then = None
        if cell.state == CellState.SHOWN and len(wanted) >= THRESHOLD:
            before, after = [p[1] for p in wanted], [p[2] for p in wanted]
            change = stats.paired_change(before, after)
            mean_start, mean_then = pystats.fmean(before), pystats.fmean(after)
        out.append(CircleChange(code, get_instrument(code).name(), months, cell, mean_start, mean_then, change))
    return out


def goal_outcomes(scope: Any) -> GoalOutcomes:
    circles = SupportCircle.objects.filter(
        process__case__program_id__in=scope.program_ids, survivor_id__in=_consenting(scope)
    )
    rows = (
        circles.annotate(goals_set=Count("goals"), goals_met=Count("goals", filter=Q(goals__met_on__isnull=False)),
                  first_met=Min("goals__met_on"))
        .values_list("process__case__program_id", "opened_on", "goals_set", "goals_met", "first_met")
        .order_by()
    )  # fmt: skip
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
