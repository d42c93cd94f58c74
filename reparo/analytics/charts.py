"""Charts described once, drawn twice: as accessible SVG for the page and as a reportlab drawing for the PDF.

The SVG carries a ``<title>`` and ``<desc>`` (named by ``aria-labelledby``) and is drawn with presentation
attributes and classes only: the Content-Security-Policy forbids ``style=`` attributes and ``<style>``
elements. Every chart is shown next to a table of the same numbers (the template does that), so nothing is
only in the picture. A suppressed value is never drawn; its row says "fewer than 11" or "not shown".
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

INK = "#1f2933"
MUTED = "#616e7c"
BAR = "#2f6f8f"
BAR_2 = "#b35c1e"
GRID = "#cbd2d9"
FONT = "sans-serif"

_ids = itertools.count(1)


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # None: suppressed
    text: str  # what the value reads as ("42", "fewer than 11", "not shown", "3.4 days")


@dataclass(frozen=True)
class BarChart:
    title: str
    description: str
    bars: tuple[Bar, ...]

    width = 600
    label_width = 300
    row = 26

    @property
    def height(self) -> int:
        return 16 + self.row * max(1, len(self.bars))

    def _max(self) -> float:
        values = [b.value for b in self.bars if b.value is not None]
        return max(values) if values and max(values) > 0 else 1.0

    def svg(self) -> SafeString:
        head, tail = _frame(self.title, self.description, self.width, self.height, "chart chart--bars")
        area = self.width - self.label_width - 100
        parts = [head]
        for i, bar in enumerate(self.bars):
            y = 8 + i * self.row
            parts.append(
                f'<text x="{self.label_width - 8}" y="{y + 16}" text-anchor="end" fill="{INK}" '
                f'font-family="{FONT}" font-size="13">{escape(_clip(bar.label))}</text>'
            )
            if bar.value is not None:
                width = round(area * bar.value / self._max(), 1)
                parts.append(
                    f'<rect class="chart__bar" x="{self.label_width}" y="{y + 4}" width="{width}" height="16" '
                    f'fill="{BAR}"></rect>'
                )
                x_text = self.label_width + width + 6
            else:
                x_text = self.label_width + 6
            parts.append(
                f'<text x="{x_text}" y="{y + 16}" fill="{MUTED if bar.value is None else INK}" '
                f'font-family="{FONT}" font-size="13">{escape(bar.text)}</text>'
            )
        parts.append(tail)
        return mark_safe("".join(parts))

    def drawing(self) -> object:
        from reportlab.graphics.shapes import Drawing, Rect, String

        scale = 0.75
        drawing = Drawing(self.width * scale, self.height * scale)
        area = self.width - self.label_width - 100
        for i, bar in enumerate(self.bars):
            y = (self.height - 8 - (i + 1) * self.row) * scale
            drawing.add(String((self.label_width - 8) * scale, y + 6, _clip(bar.label), fontSize=8, textAnchor="end"))
            x_text: float = self.label_width + 6
            if bar.value is not None:
                width = area * bar.value / self._max()
                drawing.add(
                    Rect(self.label_width * scale, y + 3, width * scale, 12, fillColor=_rgb(BAR), strokeWidth=0)
                )
                x_text = self.label_width + width + 6
            drawing.add(String(x_text * scale, y + 6, bar.text, fontSize=8))
        return drawing


@dataclass(frozen=True)
class Interval:
    label: str
    estimate: float | None
    low: float | None
    high: float | None
    text: str


@dataclass(frozen=True)
class IntervalChart:
    """A dot for each estimate with its 95% interval, around a line at zero (no change)."""

    title: str
    description: str
    rows: tuple[Interval, ...]

    width = 600
    label_width = 250
    row = 28

    @property
    def height(self) -> int:
        return 30 + self.row * max(1, len(self.rows))

    def _span(self) -> float:
        values = [abs(v) for r in self.rows for v in (r.low, r.high, r.estimate) if v is not None]
        return max(values) * 1.1 if values and max(values) > 0 else 1.0

    def _x(self, value: float) -> float:
        area = self.width - self.label_width - 150
        return self.label_width + area / 2 + (area / 2) * value / self._span()

    def svg(self) -> SafeString:
        head, tail = _frame(self.title, self.description, self.width, self.height, "chart chart--intervals")
        zero = self._x(0)
        parts = [
            head,
            f'<line x1="{zero:.1f}" y1="4" x2="{zero:.1f}" y2="{self.height - 18}" stroke="{GRID}"></line>',
            f'<text x="{zero:.1f}" y="{self.height - 4}" text-anchor="middle" fill="{MUTED}" '
            f'font-family="{FONT}" font-size="11">0</text>',
        ]
        for i, r in enumerate(self.rows):
            y = 8 + i * self.row
            parts.append(
                f'<text x="{self.label_width - 8}" y="{y + 14}" text-anchor="end" fill="{INK}" '
                f'font-family="{FONT}" font-size="13">{escape(_clip(r.label))}</text>'
            )
            if r.estimate is not None and r.low is not None and r.high is not None:
                parts.append(
                    f'<line x1="{self._x(r.low):.1f}" y1="{y + 10}" x2="{self._x(r.high):.1f}" y2="{y + 10}" '
                    f'stroke="{BAR}" stroke-width="2"></line>'
                    f'<circle cx="{self._x(r.estimate):.1f}" cy="{y + 10}" r="5" fill="{BAR}"></circle>'
                )
            parts.append(
                f'<text x="{self.width - 140}" y="{y + 14}" fill="{INK}" font-family="{FONT}" '
                f'font-size="13">{escape(r.text)}</text>'
            )
        parts.append(tail)
        return mark_safe("".join(parts))

    def drawing(self) -> object:
        from reportlab.graphics.shapes import Circle, Drawing, Line, String

        scale = 0.75
        drawing = Drawing(self.width * scale, self.height * scale)
        zero = self._x(0) * scale
        drawing.add(Line(zero, 14, zero, self.height * scale, strokeColor=_rgb(GRID)))
        for i, r in enumerate(self.rows):
            y = (self.height - 8 - (i + 1) * self.row) * scale + 8
            drawing.add(String((self.label_width - 8) * scale, y, _clip(r.label), fontSize=8, textAnchor="end"))
            if r.estimate is not None and r.low is not None and r.high is not None:
                drawing.add(Line(self._x(r.low) * scale, y + 3, self._x(r.high) * scale, y + 3, strokeColor=_rgb(BAR)))
                drawing.add(Circle(self._x(r.estimate) * scale, y + 3, 3, fillColor=_rgb(BAR), strokeWidth=0))
            drawing.add(String((self.width - 140) * scale, y, r.text, fontSize=8))
        return drawing


@dataclass(frozen=True)
class Series:
    label: str
    points: tuple[tuple[float, float | None], ...]  # (x, y); y None = not shown


@dataclass(frozen=True)
class LineChart:
    """Shares (0 to 1) at a few x positions, one line per series; missing points are not drawn."""

    title: str
    description: str
    x_label: str
    series: tuple[Series, ...]

    width = 600
    height = 240
    left = 50
    bottom = 40

    def _xs(self) -> list[float]:
        return sorted({x for s in self.series for x, _y in s.points}) or [0.0, 1.0]

    def _px(self, x: float) -> float:
        xs = self._xs()
        span = (xs[-1] - xs[0]) or 1.0
        return self.left + (self.width - self.left - 160) * (x - xs[0]) / span

    def _py(self, y: float) -> float:
        return 10 + (self.height - self.bottom - 10) * (1 - y)

    def svg(self) -> SafeString:
        head, tail = _frame(self.title, self.description, self.width, self.height, "chart chart--lines")
        parts = [head]
        for tick in (0.0, 0.5, 1.0):
            y = self._py(tick)
            parts.append(
                f'<line x1="{self.left}" y1="{y:.1f}" x2="{self.width - 160}" y2="{y:.1f}" stroke="{GRID}"></line>'
                f'<text x="{self.left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{MUTED}" font-family="{FONT}" '
                f'font-size="11">{round(tick * 100)}%</text>'
            )
        for x in self._xs():
            parts.append(
                f'<text x="{self._px(x):.1f}" y="{self.height - 22}" text-anchor="middle" fill="{MUTED}" '
                f'font-family="{FONT}" font-size="11">{escape(_number(x))}</text>'
            )
        parts.append(
            f'<text x="{(self.width - 160 + self.left) / 2:.1f}" y="{self.height - 4}" text-anchor="middle" '
            f'fill="{MUTED}" font-family="{FONT}" font-size="11">{escape(self.x_label)}</text>'
        )
        for k, s in enumerate(self.series):
            colour = (BAR, BAR_2)[k % 2]
            shown = [(x, y) for x, y in s.points if y is not None]
            if len(shown) > 1:
                points = " ".join(f"{self._px(x):.1f},{self._py(y):.1f}" for x, y in shown)
                parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"></polyline>')
            for x, y in shown:
                parts.append(f'<circle cx="{self._px(x):.1f}" cy="{self._py(y):.1f}" r="4" fill="{colour}"></circle>')
            parts.append(
                f'<rect x="{self.width - 150}" y="{14 + 20 * k}" width="12" height="12" fill="{colour}"></rect>'
                f'<text x="{self.width - 132}" y="{24 + 20 * k}" fill="{INK}" font-family="{FONT}" '
                f'font-size="13">{escape(_clip(s.label, 20))}</text>'
            )
        parts.append(tail)
        return mark_safe("".join(parts))

    def drawing(self) -> object:
        from reportlab.graphics.shapes import Circle, Drawing, Line, PolyLine, Rect, String

        scale = 0.75
        drawing = Drawing(self.width * scale, self.height * scale)

        def flip(y: float) -> float:
            return (self.height - y) * scale

        for tick in (0.0, 0.5, 1.0):
            y = flip(self._py(tick))
            drawing.add(Line(self.left * scale, y, (self.width - 160) * scale, y, strokeColor=_rgb(GRID)))
            drawing.add(String((self.left - 6) * scale, y - 3, f"{round(tick * 100)}%", fontSize=7, textAnchor="end"))
        for x in self._xs():
            drawing.add(
                String(self._px(x) * scale, flip(self.height - 22), _number(x), fontSize=7, textAnchor="middle")
            )
        drawing.add(
            String((self.width - 160 + self.left) / 2 * scale, 2, self.x_label, fontSize=7, textAnchor="middle")
        )
        for k, s in enumerate(self.series):
            colour = _rgb((BAR, BAR_2)[k % 2])
            shown = [(x, y) for x, y in s.points if y is not None]
            if len(shown) > 1:
                flat: list[float] = []
                for x, y in shown:
                    flat += [self._px(x) * scale, flip(self._py(y))]
                drawing.add(PolyLine(flat, strokeColor=colour, strokeWidth=1.5))
            for x, y in shown:
                drawing.add(Circle(self._px(x) * scale, flip(self._py(y)), 2.5, fillColor=colour, strokeWidth=0))
            drawing.add(Rect((self.width - 150) * scale, flip(26 + 20 * k), 8, 8, fillColor=colour, strokeWidth=0))
            drawing.add(String((self.width - 136) * scale, flip(24 + 20 * k), _clip(s.label, 20), fontSize=8))
        return drawing  # fmt: skip


def _frame(title: str, description: str, width: int, height: int, css: str) -> tuple[str, str]:
    n = next(_ids)
    head = (
        f'<svg class="{css}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-labelledby="chart-{n}-title chart-{n}-desc" focusable="false">'
        f'<title id="chart-{n}-title">{escape(title)}</title><desc id="chart-{n}-desc">{escape(description)}</desc>'
    )
    return head, "</svg>"


def _clip(text: str, limit: int = 44) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _rgb(hex_colour: str) -> object:
    from reportlab.lib import colors

    return colors.HexColor(hex_colour)


def bars(title: str, description: str, rows: Sequence[tuple[str, float | None, str]]) -> BarChart:
    return BarChart(title=title, description=description, bars=tuple(Bar(*r) for r in rows))
