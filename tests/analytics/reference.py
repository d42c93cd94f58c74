"""The outcome dashboards computed directly from the records, as they were computed before the tallies (decision
0070): the definition the tallies are tested against. Each panel reads the cases, responses, consents and the rest
afresh and asks the consent policy (``people_who_may``) at the scope's moment."""

from __future__ import annotations

import datetime
import statistics as pystats
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from reparo.agreements.models import AgreementItem, AgreementStatus, Instalment, ItemKind, Obligation, ObligationStatus
from reparo.analytics import stats
from reparo.analytics.selectors import (
    FOLLOW_UP_DAYS,
    OUTCOME_INSTRUMENTS,
    PROCESS_OUTCOMES,
    SATISFACTION_GROUPS,
    CountPanel,
    Dashboard,
    DistressMonth,
    Entry,
    FollowUpPoint,
    OutcomeChange,
    Reoffending,
    Restitution,
    SatisfactionItem,
    Scope,
    StageTime,
)
from reparo.analytics.suppression import THRESHOLD, CellState, suppress_table
from reparo.cases.models import Case, CaseParticipant, CaseStatus, CaseStatusChange, ParticipantRole
from reparo.consent.models import ConsentPurpose
from reparo.consent.policy import people_who_may
from reparo.evaluation import selectors as evaluation
from reparo.evaluation.catalogue import instrument as get_instrument
from reparo.processes.models import Process, ProcessStage, ProcessType
from reparo.safety.models import DistressCheckIn

# --- consent ----------------------------------------------------------------------------------------------


def _consenting(scope: Scope) -> QuerySet[Any]:
    return people_who_may(purpose=ConsentPurpose.EVALUATION, at=scope.at).values("pk")


def counted_cases(scope: Scope) -> QuerySet[Case]:
    """Cases of the scope's programs on which every survivor has evaluation consent in force."""
    survivors = CaseParticipant.objects.filter(case=OuterRef("pk"), role=ParticipantRole.SURVIVOR)
    consenting = _consenting(scope)
    return Case.objects.filter(program_id__in=scope.program_ids).filter(
        Exists(survivors.filter(person_id__in=consenting)), ~Exists(survivors.exclude(person_id__in=consenting))
    )


# --- panels -----------------------------------------------------------------------------------------------


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


def _counts_by_program(rows: QuerySet[Any], program: str, field: str) -> dict[tuple[int, str], int]:
    """{(program id, value of ``field``): how many ``rows``}, in one grouped query."""
    grouped = rows.values(program, field).annotate(n=Count("pk")).order_by()
    return {(row[program], row[field]): row["n"] for row in grouped}


def case_funnel(scope: Scope) -> CountPanel:
    """Cases by where they are now, from referral to closed (completed) or withdrawn. 1 query."""
    counts = _counts_by_program(counted_cases(scope), "program_id", "status")
    return _count_panel(
        scope,
        key="funnel",
        title=_("Cases by stage"),
        description=_(
            "Cases in each stage now, from referral to closed (completed) or withdrawn. "
            "Only cases whose survivors agreed to the use of their information for evaluation are counted."
        ),
        categories=[(s, label) for s, label in CaseStatus.choices],
        counts=counts,
    )


def time_in_stage(scope: Scope) -> list[StageTime]:
    """Median days spent in each stage by the cases that have moved on from it (1 query). A median rests on at
    least 11 cases or is not shown; the number of cases itself is not shown (differences between stages
    would give small counts away)."""
    cases = counted_cases(scope)
    if scope.program is not None:
        cases = cases.filter(program=scope.program)
    changes = (
        CaseStatusChange.objects.filter(case__in=cases)
        .values_list("case_id", "to_status", "at", "case__created_at")
        .order_by("case_id", "at", "id")
    )
    spent: dict[str, list[float]] = defaultdict(list)
    current: dict[Any, tuple[str, datetime.datetime]] = {}
    for case_id, to_status, at, created in changes:
        stage, since = current.get(case_id, (CaseStatus.REFERRED, created))
        spent[stage].append(max(0.0, (at - since).total_seconds() / 86400))
        current[case_id] = (to_status, at)
    out = []
    for stage, label in CaseStatus.choices:
        if stage in (CaseStatus.CLOSED, CaseStatus.WITHDRAWN):
            continue
        values = spent.get(stage, [])
        median = round(pystats.median(values), 1) if len(values) >= THRESHOLD else None
        out.append(StageTime(stage=stage, label=str(label), median_days=median))
    return out


def processes_by_type(scope: Scope) -> CountPanel:
    """Processes by type and outcome (ongoing, completed, ended early). 1 query."""
    counts: dict[tuple[int, str], int] = defaultdict(int)
    rows = (
        Process.objects.filter(case__in=counted_cases(scope))
        .values("case__program_id", "type", "stage")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        outcome = row["stage"] if row["stage"] in (ProcessStage.COMPLETED, ProcessStage.ENDED_EARLY) else "ongoing"
        counts[(row["case__program_id"], f"{row['type']}:{outcome}")] += row["n"]
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


def _binding_items(scope: Scope) -> QuerySet[AgreementItem]:
    return AgreementItem.objects.filter(
        agreement__status=AgreementStatus.BINDING, agreement__process__case__in=counted_cases(scope)
    )


def agreement_items(scope: Scope) -> CountPanel:
    """Items of agreements in force, by kind. 1 query."""
    counts = _counts_by_program(_binding_items(scope), "agreement__process__case__program_id", "kind")
    return _count_panel(
        scope,
        key="items",
        title=_("Agreement items"),
        description=_("What the agreements in force contain, by kind."),
        categories=list(ItemKind.choices),
        counts=counts,
    )


def obligations(scope: Scope) -> CountPanel:
    """Obligations of agreements in force, by status. 1 query."""
    obligations_in_force = Obligation.objects.filter(item__in=_binding_items(scope))
    counts = _counts_by_program(obligations_in_force, "item__agreement__process__case__program_id", "status")
    return _count_panel(
        scope,
        key="obligations",
        title=_("Obligations"),
        description=_(
            "Obligations of the agreements in force, by status. Those the survivor let go and those replaced by a "
            "later version count neither for nor against."
        ),
        categories=list(ObligationStatus.choices),
        counts=counts,
    )


def obligations_met_percent(panel: CountPanel) -> int | None:
    """Met ÷ (all but waived and varied), when every number it rests on is shown."""
    cells = {e.key: e.cell for e in panel.entries}
    parts = [cells[s] for s in (ObligationStatus.MET, ObligationStatus.LATE, ObligationStatus.PENDING)]
    if any(c.state != CellState.SHOWN for c in parts):
        return None
    counted = sum(c.value for c in parts)
    return round(100 * cells[ObligationStatus.MET].value / counted) if counted else None


def restitution(scope: Scope) -> list[Restitution]:
    """Restitution owed and paid, per currency (waived and replaced obligations left out). 1 query.

    An amount is shown only when it rests on at least 11 obligations; when exactly one program's amount is
    hidden, the next smallest is hidden too, so the organisation's total cannot be used to work it out."""
    rows = (
        Instalment.objects.filter(
            obligation__item__in=_binding_items(scope).filter(kind=ItemKind.RESTITUTION),
        )
        .exclude(obligation__status__in=[ObligationStatus.WAIVED, ObligationStatus.VARIED])
        .values("obligation__item__agreement__process__case__program_id", "obligation__item__currency")
        .annotate(owed=Sum("amount"), paid=Sum("paid_amount"), n=Count("obligation_id", distinct=True))
        .order_by()
    )
    by_currency: dict[str, dict[int, tuple[Decimal, Decimal, int]]] = defaultdict(dict)
    for row in rows:
        program = row["obligation__item__agreement__process__case__program_id"]
        by_currency[row["obligation__item__currency"]][program] = (
            row["owed"] or Decimal(0),
            row["paid"] or Decimal(0),
            row["n"],
        )
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


def outcome_changes(scope: Scope) -> list[OutcomeChange]:
    """Before (baseline) and after (end of process) scores of each instrument, for the people who have both,
    with the change and its uncertainty (:func:`reparo.analytics.stats.paired_change`). 2 queries each."""
    pairs_by: dict[str, dict[int, list[Any]]] = {}
    for code in OUTCOME_INSTRUMENTS:
        grouped: dict[int, list[Any]] = defaultdict(list)
        for pair in evaluation.paired_scores(scope.actor, programs=scope.programs, instrument=code, at=scope.at):
            grouped[pair.program_id].append(pair)
        pairs_by[code] = grouped
    grid = [[len(pairs_by[code].get(pk, [])) for code in OUTCOME_INSTRUMENTS] for pk in scope.program_ids]
    table = suppress_table(
        grid, rows=[str(pk) for pk in scope.program_ids], columns=list(OUTCOME_INSTRUMENTS), rows_add_up=False
    )
    out = []
    for j, code in enumerate(OUTCOME_INSTRUMENTS):
        if scope.program is not None:
            cell = table.row(str(scope.program.pk))[j]
            pairs = pairs_by[code].get(scope.program.pk, [])
        else:
            cell = table.column_totals[j]
            pairs = [p for ps in pairs_by[code].values() for p in ps]
        spec = get_instrument(code)
        change = mean_before = mean_after = None
        if cell.state == CellState.SHOWN and len(pairs) >= THRESHOLD:
            before = [float(p.before) for p in pairs]
            after = [float(p.after) for p in pairs]
            change = stats.paired_change(before, after)
            mean_before, mean_after = pystats.fmean(before), pystats.fmean(after)
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


def satisfaction(scope: Scope) -> list[SatisfactionItem]:
    """The program's own satisfaction and procedural-justice questionnaire (not validated: item by item, never
    a summed score): how many disagreed, neither, agreed. One read per program."""
    spec = get_instrument("satisfaction")
    summaries = {
        pk: evaluation.satisfaction_summary(scope.actor, programs=[pk], at=scope.at) for pk in scope.program_ids
    }
    out = []
    for item in spec.items:
        grid = []
        for pk in scope.program_ids:
            counts = summaries[pk].counts.get(item.id, {})
            grid.append([sum(counts.get(v, 0) for v in values) for _k, _l, values in SATISFACTION_GROUPS])
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


def _safe_point(
    durations: Sequence[int], events: Sequence[bool], curve: stats.SurvivalCurve, days: int
) -> float | None:
    """The curve at ``days``, only when at least 11 people are still followed then and at least 11 events and
    11 non-events lie behind it (so no small count can be read off the step)."""
    at_risk = sum(1 for d in durations if d >= days)
    happened = sum(1 for d, e in zip(durations, events, strict=True) if e and d <= days)
    if at_risk < THRESHOLD or happened < THRESHOLD:
        return None
    value = None
    for t, s in zip(curve.times, curve.survival, strict=True):
        if t <= days:
            value = s
    return value  # fmt: skip


def reoffending(scope: Scope) -> Reoffending:
    """Re-offending of the program's responsible persons (with evaluation consent) against the comparison
    cohort: Kaplan-Meier curves, the share without re-offending at fixed follow-up times, and a log-rank test.
    Shown only where at least 11 people (and 11 events) stand behind a number."""
    # Per program (a few reads per program, none per person), in one table, so the organisation's numbers and a
    # program's cannot be subtracted from each other.
    per_program = {
        pk: (
            evaluation.reoffending_followup(scope.actor, programs=[pk], today=scope.today, at=scope.at),
            evaluation.comparison_followup(scope.actor, programs=[pk]),
        )
        for pk in scope.program_ids
    }
    table = suppress_table(
        [[per_program[pk][0].n, per_program[pk][1].n] for pk in scope.program_ids],
        rows=[str(pk) for pk in scope.program_ids],
        columns=["program", "comparison"],
        rows_add_up=False,
    )
    if scope.program is not None:
        program_n, comparison_n = table.row(str(scope.program.pk))
        wanted = [scope.program.pk]
    else:
        program_n, comparison_n = table.column_totals
        wanted = scope.program_ids
    mine = evaluation.Durations(
        durations=[d for pk in wanted for d in per_program[pk][0].durations],
        events=[e for pk in wanted for e in per_program[pk][0].events],
    )
    theirs = evaluation.Durations(
        durations=[d for pk in wanted for d in per_program[pk][1].durations],
        events=[e for pk in wanted for e in per_program[pk][1].events],
    )
    curves = []
    for group, cell in ((mine, program_n), (theirs, comparison_n)):
        events = sum(group.events)
        ok = cell.state == CellState.SHOWN and events >= THRESHOLD and group.n - events >= THRESHOLD
        curves.append(stats.kaplan_meier(group.durations, [int(e) for e in group.events]) if ok else None)
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
        test = stats.logrank(
            mine.durations, [int(e) for e in mine.events], theirs.durations, [int(e) for e in theirs.events]
        )
    return Reoffending(
        program_n=program_n,
        comparison_n=comparison_n,
        program_curve=curves[0],
        comparison_curve=curves[1],
        points=tuple(points),
        logrank=test,
    )


# --- distress check-ins -----------------------------------------------------------------------------------


def _month_starts(today: datetime.date, count: int) -> list[datetime.date]:
    months = []
    year, month = today.year, today.month
    for _step in range(count):
        months.append(datetime.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def distress_trends(scope: Scope, *, months: int = 6) -> list[DistressMonth]:
    """Distress check-ins (0-10, around sessions and preparation meetings) by month over the last ``months``
    months: how many, the mean rating, and the share at or above the program's threshold. Only check-ins of
    people with evaluation consent, on counted cases. 1 query."""
    starts = _month_starts(scope.today, months)
    since = timezone.make_aware(datetime.datetime.combine(starts[0], datetime.time.min))
    rows = (
        DistressCheckIn.objects.filter(
            process__case__in=counted_cases(scope), person_id__in=_consenting(scope), recorded_at__gte=since
        )
        .annotate(month=TruncMonth("recorded_at"))
        .values("process__case__program_id", "month")
        .annotate(n=Count("pk"), high=Count("pk", filter=Q(rating__gte=F("threshold"))), total=Sum("rating"))
        .order_by()
    )
    cells: dict[tuple[int, datetime.date], tuple[int, int, int]] = {}
    for row in rows:
        month = row["month"]
        month = (month.date() if isinstance(month, datetime.datetime) else month).replace(day=1)
        key = (row["process__case__program_id"], month)
        n, high, total = cells.get(key, (0, 0, 0))
        cells[key] = (n + row["n"], high + row["high"], total + (row["total"] or 0))
    grid = [[cells.get((pk, m), (0, 0, 0))[0] for m in starts] for pk in scope.program_ids]
    table = suppress_table(
        grid, rows=[str(pk) for pk in scope.program_ids], columns=[m.isoformat() for m in starts], rows_add_up=False
    )
    wanted = [scope.program.pk] if scope.program else scope.program_ids
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


def dashboard(scope: Scope) -> Dashboard:
    obligation_panel = obligations(scope)
    return Dashboard(
        scope=scope,
        funnel=case_funnel(scope),
        stage_times=time_in_stage(scope),
        processes=processes_by_type(scope),
        items=agreement_items(scope),
        obligations=obligation_panel,
        obligations_met=obligations_met_percent(obligation_panel),
        restitution=restitution(scope),
        outcomes=outcome_changes(scope),
        satisfaction=satisfaction(scope),
        reoffending=reoffending(scope),
        distress=distress_trends(scope),
    )
