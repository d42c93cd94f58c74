"""The dashboard's charts and tables, built once from :class:`reparo.analytics.selectors.Dashboard` and used by
both the page (SVG) and the funders' report (PDF), so that both show exactly the same numbers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from reparo.accounts import access_cache
from reparo.agreements.models import ObligationStatus
from reparo.analytics.charts import Bar, BarChart, Interval, IntervalChart, LineChart, Series
from reparo.analytics.selectors import CountPanel, Dashboard, OutcomeChange, keep_with
from reparo.analytics.suppression import THRESHOLD, Cell, CellState
from reparo.cases.models import OPEN_STATUSES
from reparo.core.html import SafeString


def cell_text(cell: Cell) -> str:
    """How a count reads: the number, "fewer than 11", or "not shown"."""
    if cell.state == CellState.SMALL:
        return _("fewer than 11")
    if cell.state == CellState.HIDDEN:
        return _("not shown")
    return str(cell.value)


def _num(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _p(value: float | None) -> str:
    if value is None:
        return "—"
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def wilcoxon_text(change: Any) -> str:
    """The Wilcoxon p-value with the method that produced it, e.g. "0.008 (exact)"."""
    method = {
        "exact": _("exact"),
        "normal": _("normal approximation"),
        "none": _("no change to rank"),
    }.get(change.wilcoxon_method, change.wilcoxon_method)
    return f"{_p(change.wilcoxon_p_value)} ({method})"


@dataclass(frozen=True)
class Figure:
    """A chart with the table of its numbers: ``header`` and ``rows`` of plain strings."""

    key: str
    title: str
    chart: Any
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    note: str = ""

    @property
    def wide(self) -> bool:
        """A table of many columns: its panel takes the dashboard's whole width."""
        return len(self.header) > 4


@dataclass(frozen=True)
class SummaryFigure:
    """One of the figures at the top of the dashboard: what it counts, its value in words, and what it rests on."""

    key: str
    label: str
    value: str
    detail: str = ""


def _subtotal(panel: CountPanel, keys: Any) -> tuple[str, str]:
    """The sum of some of a panel's counts (those whose key ``keys`` accepts), as far as the panel's own shown
    numbers give it, so that it tells nothing the table does not: exact when each of them is shown, or when the
    total and each of the others are; else "at least" the sum of those shown (when that is 11 or more); else "not
    shown". With what it rests on, in words."""
    parts = [e.cell for e in panel.entries if keys(e.key)]
    rest = [e.cell for e in panel.entries if not keys(e.key)]
    if all(c.state == CellState.SHOWN for c in parts):
        return str(sum(c.value for c in parts)), ""
    if panel.total.state == CellState.SHOWN and all(c.state == CellState.SHOWN for c in rest):
        return str(panel.total.value - sum(c.value for c in rest)), ""
    shown = sum(c.value for c in parts if c.state == CellState.SHOWN)
    if shown >= THRESHOLD:
        return _("at least %(count)s") % {"count": shown}, _("some of the counts it adds up are below 11, not shown")
    return _("not shown"), _("it would give away a count below 11")


def summary(board: Dashboard) -> list[SummaryFigure]:
    """The dashboard's headline figures, from the same suppressed numbers as its panels: cases open, processes
    completed, obligations met, and the mean change in well-being (WHO-5) with its 95% interval."""
    open_statuses = {str(s) for s in OPEN_STATUSES}
    met = board.obligations_met
    met_cell = next((e.cell for e in board.obligations.entries if e.key == ObligationStatus.MET), None)
    wellbeing = next((o for o in board.outcomes if o.instrument == "who5"), None)
    if wellbeing is not None and wellbeing.change is not None:
        c = wellbeing.change
        change = f"{c.mean_difference:+.1f}"
        interval = _("95%% interval %(low)s to %(high)s, %(people)s people") % {
            "low": f"{c.ci_low:+.1f}",
            "high": f"{c.ci_high:+.1f}",
            "people": cell_text(wellbeing.n),
        }
    else:
        change, interval = _("too few answers"), _("shown once at least 11 people answered before and after")
    return [
        SummaryFigure("open", _("Cases open"), *_subtotal(board.funnel, lambda key: key in open_statuses)),
        SummaryFigure(
            "completed",
            _("Processes completed"),
            *_subtotal(board.processes, lambda key: str(key).endswith(":completed")),
        ),
        SummaryFigure(
            "met",
            _("Obligations met"),
            "—" if met is None else f"{met}%",
            _("%(met)s met, of those due or met (waived and varied ones aside)") % {"met": cell_text(met_cell)}
            if met_cell is not None and met is not None
            else _("shown once every count it rests on is shown"),
        ),
        SummaryFigure("wellbeing", _("Change in well-being (WHO-5)"), change, interval),
    ]


def _count_figure(panel: CountPanel, *, skip_empty: bool = False) -> Figure:
    entries = [e for e in panel.entries if not (skip_empty and e.cell.state == CellState.SHOWN and e.cell.value == 0)]
    chart = BarChart(
        title=panel.title,
        description=panel.description,
        bars=tuple(Bar(e.label, float(e.cell.shown) if e.cell.shown is not None else None, cell_text(e.cell))
                   for e in entries),
    )  # fmt: skip
    rows = (*tuple((e.label, cell_text(e.cell)) for e in entries), (_("Total"), cell_text(panel.total)))
    return Figure(panel.key, panel.title, chart, (_("Category"), _("Count")), rows, panel.description)


def _outcome_row(o: OutcomeChange) -> tuple[str, ...]:
    c = o.change
    if c is None:
        return (o.label, cell_text(o.n), "—", "—", "—", "—", "—", "—")
    return (
        o.label,
        cell_text(o.n),
        _num(o.mean_before),
        _num(o.mean_after),
        f"{c.mean_difference:+.2f} ({c.ci_low:+.2f} {_('to')} {c.ci_high:+.2f})",
        _p(c.t_p_value),
        wilcoxon_text(c),
        _num(c.hedges_g, 2),
    )


def figures(board: Dashboard) -> list[Figure]:
    """Every figure of the page and the report: the dashboard's own, then those other apps add."""
    return [*own_figures(board), *board.extra]


def own_figures(board: Dashboard) -> list[Figure]:
    """The figures drawn from the board alone (so they may be kept with it)."""
    out = [_count_figure(board.funnel)]

    stage_rows = tuple(
        (s.label, _("fewer than 11 cases") if s.median_days is None else _num(s.median_days)) for s in board.stage_times
    )
    out.append(
        Figure(
            "stage_times",
            _("Time in each stage"),
            BarChart(
                title=_("Time in each stage"),
                description=_("Median days a case spent in each stage before moving on. A median is shown only when "
                              "at least 11 cases have left that stage."),
                bars=tuple(
                    Bar(s.label, s.median_days, r[1]) for s, r in zip(board.stage_times, stage_rows, strict=True)
                ),
            ),
            (_("Stage"), _("Median days")),
            stage_rows,
        )
    )  # fmt: skip
    out.append(_count_figure(board.processes, skip_empty=True))
    out.append(_count_figure(board.items))
    obligations = _count_figure(board.obligations)
    met = board.obligations_met
    out.append(
        Figure(
            obligations.key,
            obligations.title,
            obligations.chart,
            obligations.header,
            (*obligations.rows, (_("Share met"), "—" if met is None else f"{met}%")),
            obligations.note,
        )
    )

    rest_rows = tuple(
        (x.currency, "—" if x.owed is None else f"{x.owed:,.2f}", "—" if x.paid is None else f"{x.paid:,.2f}",
         "—" if x.percent is None else f"{x.percent}%")
        for x in board.restitution
    )  # fmt: skip
    out.append(
        Figure(
            "restitution",
            _("Restitution"),
            BarChart(
                title=_("Restitution paid"),
                description=_("Share of the restitution owed that has been paid, per currency. An amount is shown only "
                              "when it rests on at least 11 obligations."),
                bars=tuple(Bar(x.currency, float(x.percent) if x.percent is not None else None,
                               "—" if x.percent is None else f"{x.percent}%") for x in board.restitution),
            ),
            (_("Currency"), _("Owed"), _("Paid"), _("Share paid")),
            rest_rows,
        )
    )  # fmt: skip

    outcome_header = (
        _("Measure"), _("People"), _("Mean before"), _("Mean after"), _("Change (95% CI)"), _("t-test p"),
        _("Wilcoxon p"), _("Hedges' g"),
    )  # fmt: skip
    out.append(
        Figure(
            "outcomes",
            _("Well-being, self-esteem, social support and trauma symptoms"),
            IntervalChart(
                title=_("Change from the start to the end of the process"),
                description=_("Mean change in each score for the people who answered both times, with its confidence "
                              "interval (95 percent). Shown only when at least 11 people answered both times. "
                              "For trauma symptoms (PCL-5) a fall is an improvement."),
                rows=tuple(
                    Interval(o.label, o.change.mean_difference if o.change else None,
                             o.change.ci_low if o.change else None, o.change.ci_high if o.change else None,
                             f"{o.change.mean_difference:+.2f}" if o.change else cell_text(o.n)
                             if o.n.state != CellState.SHOWN else _("too few"))
                    for o in board.outcomes
                ),
            ),
            outcome_header,
            tuple(_outcome_row(o) for o in board.outcomes),
        )
    )  # fmt: skip

    sat_rows = tuple(
        (item.text, *[cell_text(e.cell) for e in item.entries], cell_text(item.total)) for item in board.satisfaction
    )
    agree = [
        Bar(item.text, float(item.entries[-1].cell.shown) if item.entries[-1].cell.shown is not None else None,
            cell_text(item.entries[-1].cell))
        for item in board.satisfaction
    ]  # fmt: skip
    out.append(
        Figure(
            "satisfaction",
            _("Satisfaction and fairness"),
            BarChart(
                title=_("How many agreed"),
                description=_("The program's own questionnaire (not a validated scale): for each statement, how many "
                              "agreed or strongly agreed."),
                bars=tuple(agree),
            ),
            (_("Statement"), *[e.label for e in (board.satisfaction[0].entries if board.satisfaction else ())],
             _("Answered")),
            sat_rows,
            _("Not a validated scale: shown item by item, never as a total score."),
        )
    )  # fmt: skip

    r = board.reoffending
    re_rows = (
        *tuple((str(p.days), _share(p.program), _share(p.comparison)) for p in r.points),
        (_("People followed"), cell_text(r.program_n), cell_text(r.comparison_n)),
    )
    note = ""
    if r.logrank is not None:
        note = _("Log-rank test: chi-squared %(chi2)s, p = %(p)s.") % {
            "chi2": _num(r.logrank.chi2, 2),
            "p": _p(r.logrank.p_value),
        }
    out.append(
        Figure(
            "reoffending",
            _("Re-offending"),
            LineChart(
                title=_("Share not re-offending over time"),
                description=_("Kaplan-Meier estimate of the share of responsible persons with no new offence, by days "
                              "since their process ended, for the program and the comparison group. A point is shown "
                              "only when at least 11 people are still followed and 11 offences lie behind it."),
                x_label=_("days since the process ended"),
                series=(
                    Series(_("Program"), tuple((float(p.days), p.program) for p in r.points)),
                    Series(_("Comparison group"), tuple((float(p.days), p.comparison) for p in r.points)),
                ),
            ),
            (_("Days"), _("Program"), _("Comparison group")),
            re_rows,
            note,
        )
    )  # fmt: skip
    months = board.distress
    out.append(
        Figure(
            "distress",
            _("Distress check-ins"),
            BarChart(
                title=_("Mean distress rating by month"),
                description=_("Mean of the 0-10 distress ratings given before, during and after sessions and "
                              "preparation meetings, by month. Shown only for months with at least 11 check-ins."),
                bars=tuple(Bar(m.month.strftime("%Y-%m"), m.mean_rating,
                               _num(m.mean_rating) if m.mean_rating is not None else cell_text(m.checkins))
                           for m in months),
            ),
            (_("Month"), _("Check-ins"), _("Mean distress (0-10)"), _("At or above the threshold")),
            tuple((m.month.strftime("%Y-%m"), cell_text(m.checkins), _num(m.mean_rating), _share(m.share_at_threshold))
                  for m in months),
            _("The share at or above the program's distress threshold is shown only when at least 11 check-ins "
              "were at or above it and 11 below."),
        )
    )  # fmt: skip
    return out


def page_parts(board: Dashboard) -> dict[str, SafeString]:
    """The summary and every figure (the dashboard's own and those other apps add, all drawn from the same tallies)
    as the page shows them, kept with the figures: they are the same for everyone who may see the figures, and
    drawing them costs more than reading the kept figures."""

    def draw() -> dict[str, SafeString]:
        return {
            "summary": render_to_string("analytics/_summary.html", {"summary": summary(board)}),
            "figures": render_to_string("analytics/_figures.html", {"figures": figures(board)}),
        }

    return keep_with(board, "page", draw)  # the key holds the language already


def _share(value: float | None) -> str:
    return "—" if value is None else f"{round(100 * value)}%"


def improvement_fields(scope: Any, form: Any) -> SafeString:
    """The fields of an unbound improvement form as the page shows them. They are the same for everyone who sees this
    dashboard (the organisation's owners, the scope's programs, the language), so the process keeps them while the
    access stamp is unchanged, under the programs' names too: drawing a form of six fields costs about as much as the
    rest of a kept dashboard page."""
    key = (
        "improvement_fields", scope.organisation.pk, scope.program.pk if scope.program is not None else None,
        tuple((p.pk, p.name) for p in scope.programs), get_language() or "",
    )  # fmt: skip
    return access_cache.shared(
        scope.actor, key, lambda: render_to_string("analytics/_improvement_fields.html", {"form": form})
    )
