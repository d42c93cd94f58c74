"""Budget against actual as a chart, drawn twice like the outcome charts (:mod:`reparo.analytics.charts`): accessible
SVG for the page (``<title>`` and ``<desc>``, presentation attributes only: the Content-Security-Policy forbids
``style``) and a reportlab drawing for the funder report. The page and the report always show the same numbers in
a table next to it. Bar lengths are worked out in ``Decimal`` from whole minor units: no float touches money."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from reparo.analytics.charts import BAR, BAR_2, FONT, GRID, INK, MUTED
from reparo.funding.money import Money, format_amount

_ids = itertools.count(1)


@dataclass(frozen=True)
class BudgetBar:
    label: str  # the category
    group: str  # the program, written small above it
    budget: Money
    spent: Money


def _clip(text: str, limit: int = 34) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class BudgetChart:
    """Two bars a row: the budget, and what has been spent, on one scale (one currency)."""

    title: str
    description: str
    bars: tuple[BudgetBar, ...]

    width = 600
    label_width = 220
    row = 44
    top = 28

    @property
    def height(self) -> int:
        return self.top + 8 + self.row * max(1, len(self.bars))

    @property
    def area(self) -> int:
        return self.width - self.label_width - 150

    def _length(self, money: Money) -> Decimal:
        largest = max([max(b.budget.minor, b.spent.minor) for b in self.bars] + [1])
        length = Decimal(self.area) * Decimal(max(money.minor, 0)) / Decimal(largest)
        return length.quantize(Decimal("0.1"))

    def _legend(self) -> list[tuple[str, str]]:
        return [(BAR, _("Budget")), (BAR_2, _("Spent"))]

    def svg(self) -> SafeString:
        n = next(_ids)
        parts = [
            f'<svg class="chart chart--budget" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {self.width} '
            f'{self.height}" width="100%" role="img" aria-labelledby="budget-{n}-title budget-{n}-desc" '
            f'focusable="false"><title id="budget-{n}-title">{escape(self.title)}</title>'
            f'<desc id="budget-{n}-desc">{escape(self.description)}</desc>'
        ]
        for k, (colour, label) in enumerate(self._legend()):
            x = self.label_width + k * 110
            parts.append(
                f'<rect x="{x}" y="6" width="12" height="12" fill="{colour}"></rect>'
                f'<text x="{x + 18}" y="16" fill="{INK}" font-family="{FONT}" font-size="12">{escape(label)}</text>'
            )
        for i, bar in enumerate(self.bars):
            y = self.top + i * self.row
            parts.append(
                f'<text x="{self.label_width - 8}" y="{y + 15}" text-anchor="end" fill="{MUTED}" font-family="{FONT}" '
                f'font-size="11">{escape(_clip(bar.group, 38))}</text>'
                f'<text x="{self.label_width - 8}" y="{y + 32}" text-anchor="end" fill="{INK}" font-family="{FONT}" '
                f'font-size="13">{escape(_clip(bar.label, 30))}</text>'
                f'<line x1="{self.label_width}" y1="{y + 2}" x2="{self.label_width}" y2="{y + self.row - 4}" '
                f'stroke="{GRID}"></line>'
            )
            for k, (money, colour) in enumerate(((bar.budget, BAR), (bar.spent, BAR_2))):
                top = y + 4 + k * 18
                length = self._length(money)
                parts.append(
                    f'<rect class="chart__bar" x="{self.label_width}" y="{top}" width="{length}" height="14" '
                    f'fill="{colour}"></rect>'
                    f'<text x="{Decimal(self.label_width) + length + 6}" y="{top + 12}" fill="'
                    f'{MUTED if k == 0 else INK}" font-family="{FONT}" font-size="12">'
                    f"{escape(format_amount(money))}</text>"
                )
        parts.append("</svg>")
        return mark_safe("".join(parts))  # every text above is escaped

    def drawing(self) -> object:
        from reportlab.graphics.shapes import Drawing, Line, Rect, String
        from reportlab.lib import colors

        scale = Decimal("0.75")
        drawing = Drawing(float(self.width * scale), float(self.height * scale))

        def at(value: Decimal | int) -> float:  # drawing coordinates only: never money
            return float(Decimal(value) * scale)

        def flip(y: Decimal | int) -> float:
            return at(self.height - Decimal(y))

        for k, (colour, label) in enumerate(self._legend()):
            x = self.label_width + k * 110
            drawing.add(Rect(at(x), flip(18), 8, 8, fillColor=colors.HexColor(colour), strokeWidth=0))
            drawing.add(String(at(x + 14), flip(16), label, fontSize=8))
        for i, bar in enumerate(self.bars):
            y = self.top + i * self.row
            right = at(self.label_width - 8)
            drawing.add(String(right, flip(y + 15), _clip(bar.group, 38), fontSize=6, textAnchor="end"))
            drawing.add(String(right, flip(y + 32), _clip(bar.label, 30), fontSize=8, textAnchor="end"))
            drawing.add(
                Line(at(self.label_width), flip(y + 2), at(self.label_width), flip(y + self.row - 4),
                     strokeColor=colors.HexColor(GRID))
            )  # fmt: skip
            for k, (money, colour) in enumerate(((bar.budget, BAR), (bar.spent, BAR_2))):
                top = y + 4 + k * 18
                length = self._length(money)
                drawing.add(
                    Rect(at(self.label_width), flip(top + 14), at(length), at(14),
                         fillColor=colors.HexColor(colour), strokeWidth=0)
                )  # fmt: skip
                drawing.add(String(at(self.label_width + length + 6), flip(top + 12), format_amount(money), fontSize=7))
        return drawing
