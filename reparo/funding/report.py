"""The funder report of one grant for a period: the grant, budget against actual, the burn rate, and the cost per
completed process and per survivor supported, as a PDF (reportlab, like the outcome report) and as CSV.

Both are built from :func:`sections`, which is built from the same selectors as the grant page, so they show no
number the page does not. Every count of people or processes in them has been through the outcome dashboards'
small-count suppression (:func:`reparo.funding.selectors.outputs`): "fewer than 11" or "not shown", never a number
below 11, and no cost that would let a hidden count be worked back from the spending.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from reparo.analytics.presentation import cell_text
from reparo.funding import selectors
from reparo.funding.charts import BudgetBar, BudgetChart
from reparo.funding.models import Grant
from reparo.funding.money import Money, format_amount


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    note: str = ""


def _m(money: Money | None) -> str:
    return "—" if money is None else format_amount(money)


def _pct(value: Any) -> str:
    return "—" if value is None else f"{value}%"


def budget_rows(budget: selectors.Budget) -> tuple[tuple[str, ...], ...]:
    rows = [
        (line.program.name if line.program else "", line.category_label, _m(line.budget), _m(line.spent),
         _m(line.spent_to_date), _m(line.remaining), _pct(line.used_percent))
        for line in budget.lines
    ]  # fmt: skip
    t = budget.total
    rows.append((_("Total"), "", _m(t.budget), _m(t.spent), _m(t.spent_to_date), _m(t.remaining), _pct(t.used_percent)))
    return tuple(rows)


def budget_header(currency: str) -> tuple[str, ...]:
    return (
        _("Program"),
        _("Category"),
        _("Budget (%(currency)s)") % {"currency": currency},
        _("Spent in the period"),
        _("Spent to the period's end"),
        _("Remaining"),
        _("Used"),
    )


def output_rows(result: selectors.Outputs) -> tuple[tuple[str, ...], ...]:
    rows = [
        (line.program.name if line.program else "", cell_text(line.completed), cell_text(line.survivors),
         _m(line.spent), _m(line.per_process), _m(line.per_survivor))
        for line in result.lines
    ]  # fmt: skip
    t = result.total
    rows.append((_("All programs"), cell_text(t.completed), cell_text(t.survivors), _m(t.spent), _m(t.per_process),
                 _m(t.per_survivor)))  # fmt: skip
    return tuple(rows)


def output_header(currency: str) -> tuple[str, ...]:
    return (
        _("Program"),
        _("Processes completed"),
        _("Survivors supported"),
        _("Spent in the period (%(currency)s)") % {"currency": currency},
        _("Cost per completed process"),
        _("Cost per survivor supported"),
    )


def outputs_note() -> str:
    return _(
        "Only cases on which every survivor agreed to be counted in reports are counted. Every count below 11 is "
        "shown as “fewer than 11”, and further counts are “not shown” so that no small count can be worked out from "
        "the totals; a cost is shown only where the count it divides by is shown."
    )


def budget_chart(budget: selectors.Budget) -> BudgetChart:
    return BudgetChart(
        title=_("Budget against spending"),
        description=_("For each program and category of the grant: the budget allocated and what was spent to the "
                      "end of the period, in %(currency)s. The same numbers are in the table.")
        % {"currency": budget.grant.currency},
        bars=tuple(
            BudgetBar(line.category_label, line.program.name if line.program else "", line.budget, line.spent_to_date)
            for line in budget.lines
        ),
    )  # fmt: skip


def sections(grant: Grant, window: selectors.Window) -> list[Section]:
    budget = selectors.budget(grant, window)
    rate = selectors.burn(grant, as_of=window.end)
    result = selectors.outputs(grant, window)
    currency = grant.currency
    monthly = "—" if rate.monthly is None else f"{format_amount(rate.monthly)} {currency}"
    months_left = "—" if rate.months_left is None else str(rate.months_left)
    period = _("%(start)s to %(end)s") % {"start": grant.starts_on.isoformat(), "end": grant.ends_on.isoformat()}
    return [
        Section(
            "grant",
            _("Grant"),
            (_("Item"), _("Value")),
            (
                (_("Funder"), grant.funder.name),
                (_("Reference"), grant.reference),
                (_("Amount"), f"{format_amount(grant.amount)} {currency}"),
                (_("Kind"), _("Restricted") if grant.restricted else _("Unrestricted")),
                (_("Grant period"), period),
                (_("Purpose"), grant.purpose or "—"),
                (_("Not yet allocated"), f"{format_amount(budget.unallocated)} {currency}"),
            ),
        ),
        Section("budget", _("Budget against spending"), budget_header(currency), budget_rows(budget)),
        Section(
            "burn",
            _("Rate of spending"),
            (_("Item"), _("Value")),
            (
                (_("Spent to the period's end"), f"{format_amount(rate.spent)} {currency}"),
                (_("Remaining"), f"{format_amount(rate.remaining)} {currency}"),
                (_("Average spending a month"), monthly),
                (_("Months the remaining money lasts at that rate"), months_left),
                (_("Months left in the grant period"), str(rate.period_months_left)),
            ),
        ),
        Section(
            "outputs",
            _("Cost per completed process and per survivor supported"),
            output_header(currency),
            output_rows(result),
            outputs_note(),
        ),
    ]  # fmt: skip


def _title(grant: Grant, window: selectors.Window) -> tuple[str, str]:
    return (
        _("Funder report"),
        _("%(funder)s · %(reference)s · %(start)s to %(end)s")
        % {"funder": grant.funder.name, "reference": grant.reference, "start": window.start.isoformat(),
           "end": window.end.isoformat()},
    )  # fmt: skip


def report_csv(grant: Grant, window: selectors.Window) -> bytes:
    """The report as CSV: one block per section (its title, its header, its rows), blank lines between. No cell
    starts as a spreadsheet formula (names and purposes are typed by people)."""
    out = io.StringIO()
    writer = csv.writer(out)

    def row(cells: Any) -> None:
        writer.writerow([_safe_cell(str(c)) for c in cells])

    title, subtitle = _title(grant, window)
    row([title])
    row([subtitle])
    row([_("Prepared on %(date)s") % {"date": timezone.localdate().isoformat()}])
    for section in sections(grant, window):
        row([])
        row([section.title])
        row(section.header)
        for values in section.rows:
            row(values)
        if section.note:
            row([section.note])
    return out.getvalue().encode("utf-8-sig")


def _safe_cell(value: str) -> str:
    """A cell a spreadsheet will not run as a formula (names and purposes are typed by people)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") and not _is_number(value) else value


def _is_number(value: str) -> bool:
    return value.lstrip("-").replace(",", "").replace(".", "", 1).isdigit()


def report_pdf(grant: Grant, window: selectors.Window) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
    from reportlab.platypus.flowables import Flowable

    buffer = io.BytesIO()
    title, subtitle = _title(grant, window)
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm, bottomMargin=15 * mm,
        title=title, author="Reparo",
    )  # fmt: skip
    styles = getSampleStyleSheet()
    story: list[Flowable] = [
        Paragraph(title, styles["Title"]),
        Paragraph(_escape(subtitle), styles["Heading2"]),
        Paragraph(_("Prepared on %(date)s.") % {"date": timezone.localdate().isoformat()}, styles["Normal"]),
        Spacer(1, 6 * mm),
    ]
    chart = budget_chart(selectors.budget(grant, window))
    for section in sections(grant, window):
        table = Table(
            [[Paragraph(_escape(h), styles["BodyText"]) for h in section.header],
             *[[Paragraph(_escape(v), styles["BodyText"]) for v in row] for row in section.rows]],
            repeatRows=1,
        )  # fmt: skip
        table.setStyle(
            TableStyle(
                [
                    ("FONTSIZE", (0, 0), (-1, -1), 7),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e4e7eb")),
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#cbd2d9")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        block: list[Flowable] = [Paragraph(section.title, styles["Heading3"])]
        if section.key == "budget" and chart.bars:
            block.append(chart.drawing())  # type: ignore[arg-type]
        if section.note:
            block.append(Paragraph(_escape(section.note), styles["Italic"]))
        block += [Spacer(1, 2 * mm), table, Spacer(1, 6 * mm)]
        story.append(KeepTogether(block))
    doc.build(story)
    return buffer.getvalue()


def _escape(text: str) -> str:
    """reportlab's Paragraph reads a little markup: names typed by people are shown as they are."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
