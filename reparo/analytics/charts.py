"""Charts described once, drawn twice: as accessible SVG for the page and as a reportlab drawing for the PDF.

The SVG carries a ``<title>`` and ``<desc>`` (named by ``aria-labelledby``) and is drawn with presentation
attributes and classes only: the Content-Security-Policy forbids ``style=`` attributes and ``<style>``
elements. Every chart is shown next to a table of the same numbers (the template does that), so nothing is
only in the picture. A suppressed value is never drawn; its row says "fewer than 11" or "not shown".

On the page a chart is drawn narrow (``SVG_WIDTH``) and shown at most a little larger (the stylesheet caps its width),
so that its text, 14 units high, is never below 12 pixels even on a phone 390 pixels wide; every label sits on its
own lines above its bar or interval, wrapped at word boundaries and never cut. The PDF keeps its own wider layout.
"""

from __future__ import annotations

import itertools
import os
import secrets
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from reparo.core.html import HtmlTemplate, SafeString, html_join

INK = "#1f2933"
MUTED = "#616e7c"
BAR = "#2f6f8f"
BAR_2 = "#b35c1e"
GRID = "#cbd2d9"
FONT = "sans-serif"

_ids = itertools.count(1)
_prefix = ""


def _new_prefix() -> None:
    """A chart's ids: a random prefix per process (a new one in each forked worker), then a count. A page may hold
    charts drawn by several processes (the figures kept in a shared cache, a support circle figure drawn now), and
    no two may share an id."""
    global _prefix
    _prefix = secrets.token_hex(4)


_new_prefix()
os.register_at_fork(after_in_child=_new_prefix)

# The page's drawing (the PDF's is set on each chart class): a narrow view box, every text 14 units high, labels
# wrapped at LABEL_CHARS characters (a 14-unit sans-serif letter is at most about 8 units wide on average).
SVG_WIDTH = 360
SVG_FONT = 14
LINE = 18
LABEL_CHARS = 40

_HEAD = HtmlTemplate(
    '<svg class="{}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" width="100%" role="img" '
    'aria-labelledby="chart-{}-title chart-{}-desc" focusable="false"><title id="chart-{}-title">{}</title>'
    '<desc id="chart-{}-desc">{}</desc>'
)
_TAIL = HtmlTemplate("</svg>")
_LINE_TEXT = HtmlTemplate('<text x="{}" y="{}" fill="{}" font-family="{}" font-size="14">{}</text>')
_END_TEXT = HtmlTemplate('<text x="{}" y="{}" text-anchor="end" fill="{}" font-family="{}" font-size="14">{}</text>')
_MIDDLE_TEXT = HtmlTemplate(
    '<text x="{:.1f}" y="{}" text-anchor="middle" fill="{}" font-family="{}" font-size="14">{}</text>'
)
_BAR_14 = HtmlTemplate('<rect class="chart__bar" x="0" y="{}" width="{}" height="14" fill="{}"></rect>')
_VLINE = HtmlTemplate('<line x1="{0:.1f}" y1="{1}" x2="{0:.1f}" y2="{2}" stroke="{3}"></line>')
_HLINE = HtmlTemplate('<line x1="{}" y1="{:.1f}" x2="{}" y2="{:.1f}" stroke="{}"></line>')
_SWATCH = HtmlTemplate('<rect x="0" y="{}" width="14" height="14" fill="{}"></rect>')
_INTERVAL = HtmlTemplate(
    '<line x1="{0:.1f}" y1="{1}" x2="{2:.1f}" y2="{1}" stroke="{3}" stroke-width="2"></line>'
    '<circle cx="{4:.1f}" cy="{1}" r="5" fill="{5}"></circle>'
)
_POLYLINE = HtmlTemplate('<polyline points="{}" fill="none" stroke="{}" stroke-width="2"></polyline>')
_DOT = HtmlTemplate('<circle cx="{:.1f}" cy="{:.1f}" r="4" fill="{}"></circle>')


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
        """Each bar under its label (wrapped, never cut), its value in words at its end."""
        area = SVG_WIDTH - 120  # room for the longest value text ("fewer than 11") after the longest bar
        parts, y = [], 0
        for bar in self.bars:
            for line in _wrap(bar.label):
                y += LINE
                parts.append(_LINE_TEXT.format(1, y, INK, FONT, line))
            y += 6
            x_text: float = 0
            if bar.value is not None:
                width = round(area * bar.value / self._max(), 1)
                parts.append(_BAR_14.format(y, width, BAR))
                x_text = round(width + 6, 1)
            parts.append(_LINE_TEXT.format(x_text, y + 12, MUTED if bar.value is None else INK, FONT, bar.text))
            y += 14 + 14
        height = max(y, LINE) + 4
        head, tail = _frame(self.title, self.description, SVG_WIDTH, height, "chart chart--bars")
        return html_join([head, *parts, tail])

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

    def _svg_x(self, value: float) -> float:
        half = SVG_WIDTH / 2 - 12
        return SVG_WIDTH / 2 + half * value / self._span()

    def svg(self) -> SafeString:
        """Each measure's label (wrapped) and its change in words, then its interval across a mark at zero (no
        change); the axis with its ends and zero below."""
        parts, y = [], 0
        for r in self.rows:
            for line in _wrap(r.label):
                y += LINE
                parts.append(_LINE_TEXT.format(1, y, INK, FONT, line))
            y += LINE
            parts.append(_LINE_TEXT.format(1, y, MUTED, FONT, r.text))
            y += 14
            if r.estimate is not None and r.low is not None and r.high is not None:
                parts.append(_VLINE.format(self._svg_x(0), y - 9, y + 9, GRID))  # no change, under the interval
                parts.append(
                    _INTERVAL.format(self._svg_x(r.low), y, self._svg_x(r.high), BAR, self._svg_x(r.estimate), BAR)
                )
            y += 12
        axis = y + 4
        zero = self._svg_x(0)
        span = self._span()
        head, tail = _frame(self.title, self.description, SVG_WIDTH, axis + LINE + 4, "chart chart--intervals")
        return html_join(
            [
                head,
                *parts,
                _HLINE.format(0, axis, SVG_WIDTH, axis, GRID),
                _LINE_TEXT.format(1, axis + LINE, MUTED, FONT, f"\u2212{_number(round(span, 1))}"),
                _MIDDLE_TEXT.format(zero, axis + LINE, MUTED, FONT, "0"),
                _END_TEXT.format(SVG_WIDTH, axis + LINE, MUTED, FONT, f"+{_number(round(span, 1))}"),
                tail,
            ]
        )

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

    def _svg_px(self, x: float) -> float:
        xs = self._xs()
        span = (xs[-1] - xs[0]) or 1.0
        left, right = 50, SVG_WIDTH - 20
        return left + (right - left) * (x - xs[0]) / span

    @staticmethod
    def _svg_py(y: float) -> float:
        return 10 + 170 * (1 - y)

    def svg(self) -> SafeString:
        """The plot across the whole width (shares on the left, days below), its key under it, wrapped."""
        parts = []
        for tick in (0.0, 0.5, 1.0):
            y = self._svg_py(tick)
            parts.append(_HLINE.format(50, y, SVG_WIDTH - 20, y, GRID))
            parts.append(_END_TEXT.format(44, round(y + 5, 1), MUTED, FONT, f"{round(tick * 100)}%"))
        for x in self._xs():
            parts.append(_MIDDLE_TEXT.format(self._svg_px(x), 200, MUTED, FONT, _number(x)))
        y = 200
        for line in _wrap(self.x_label):
            y += LINE
            parts.append(_MIDDLE_TEXT.format((50 + SVG_WIDTH - 20) / 2, y, MUTED, FONT, line))
        y += 10
        for k, s in enumerate(self.series):
            colour = (BAR, BAR_2)[k % 2]
            shown = [(x, v) for x, v in s.points if v is not None]
            if len(shown) > 1:
                points = " ".join(f"{self._svg_px(x):.1f},{self._svg_py(v):.1f}" for x, v in shown)
                parts.append(_POLYLINE.format(points, colour))
            for x, v in shown:
                parts.append(_DOT.format(self._svg_px(x), self._svg_py(v), colour))
            lines = _wrap(s.label, LABEL_CHARS - 3)
            parts.append(_SWATCH.format(y + 5, colour))
            for line in lines:
                y += LINE
                parts.append(_LINE_TEXT.format(22, y, INK, FONT, line))
            y += 6
        head, tail = _frame(self.title, self.description, SVG_WIDTH, y + 4, "chart chart--lines")
        return html_join([head, *parts, tail])

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


def _frame(title: str, description: str, width: int, height: int, css: str) -> tuple[SafeString, SafeString]:
    n = f"{_prefix}-{next(_ids)}"
    return _HEAD.format(css, width, height, n, n, n, title, n, description), _TAIL.format()


def _wrap(text: str, limit: int = LABEL_CHARS) -> list[str]:
    """``text`` in lines of at most ``limit`` characters, broken between words (a longer word on its own lines)."""
    return textwrap.wrap(str(text), limit, break_on_hyphens=False) or [""]


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
