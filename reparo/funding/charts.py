"""Budget against actual as a chart, drawn twice like the outcome charts (:mod:`reparo.analytics.charts`): accessible
SVG for the page (``<title>`` and ``<desc>``, presentation attributes only: the Content-Security-Policy forbids
``style``) and a reportlab drawing for the funder report. The page and the report always show the same numbers in
a table next to it. Bar lengths are worked out in ``Decimal`` from whole minor units: no float touches money."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from reparo.analytics.charts import BAR, BAR_2, FONT, GRID, INK, MUTED
from reparo.core.html import HtmlTemplate, SafeString, html_join
from reparo.funding.money import Money, format_amount

_ids = itertools.count(1)
_HEAD = HtmlTemplate(
    '<svg class="chart chart--budget" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" width="100%" '
    'role="img" aria-labelledby="budget-{}-title budget-{}-desc" focusable="false">'
    '<title id="budget-{}-title">{}</title><desc id="budget-{}-desc">{}</desc>'
)
_TAIL = HtmlTemplate("</svg>")
_KEY = HtmlTemplate(
    '<rect x="{}" y="6" width="12" height="12" fill="{}"></rect>'
    '<text x="{}" y="16" fill="{}" font-family="{}" font-size="12">{}</text>'
)
_LABEL = HtmlTemplate('<text x="{}" y="{}" text-anchor="end" fill="{}" font-family="{}" font-size="{}">{}</text>')
_AXIS = HtmlTemplate('<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}"></line>')
_BAR = HtmlTemplate('<rect class="chart__bar" x="{}" y="{}" width="{}" height="14" fill="{}"></rect>')
_VALUE = HtmlTemplate('<text x="{}" y="{}" fill="{}" font-family="{}" font-size="12">{}</text>')


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
        parts = [_HEAD.format(self.width, self.height, n, n, n, self.title, n, self.description)]
        for k, (colour, label) in enumerate(self._legend()):
            x = self.label_width + k * 110
            parts.append(_KEY.format(x, colour, x + 18, INK, FONT, label))
        for i, bar in enumerate(self.bars):
            y = self.top + i * self.row
            right = self.label_width - 8
            parts.append(_LABEL.format(right, y + 15, MUTED, FONT, 11, _clip(bar.group, 38)))
            parts.append(_LABEL.format(right, y + 32, INK, FONT, 13, _clip(bar.label, 30)))
            parts.append(_AXIS.format(self.label_width, y + 2, self.label_width, y + self.row - 4, GRID))
            for k, (money, colour) in enumerate(((bar.budget, BAR), (bar.spent, BAR_2))):
                top = y + 4 + k * 18
                length = self._length(money)
                parts.append(_BAR.format(self.label_width, top, str(length), colour))
                x_text = str(Decimal(self.label_width) + length + 6)
                parts.append(_VALUE.format(x_text, top + 12, MUTED if k == 0 else INK, FONT, format_amount(money)))
        parts.append(_TAIL.format())
        return html_join(parts)

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
