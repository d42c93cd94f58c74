"""The funders' report: the dashboard's figures — the same charts and the same tables — as a PDF (reportlab).

It is built from :func:`reparo.analytics.presentation.figures`, exactly like the page, so it shows no number the
page does not, and every count in it has been through small-count suppression."""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _

from reparo.analytics.presentation import Figure
from reparo.analytics.selectors import Dashboard


def report_pdf(board: Dashboard, figures: list[Figure]) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    buffer = io.BytesIO()
    scope = board.scope
    title = scope.program.name if scope.program else scope.organisation.name
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=_("Outcome report"),
        author="Reparo",
    )
    styles = getSampleStyleSheet()
    story: list[object] = [
        Paragraph(_("Outcome report"), styles["Title"]),
        Paragraph(title, styles["Heading2"]),
        Paragraph(
            _("Prepared on %(date)s. Only people who agreed to the use of their information for evaluation are "
              "counted. Every count below 11 is shown as \"fewer than 11\", and further counts are \"not shown\" "
              "so that no small count can be worked out from the totals.") % {"date": timezone.localdate().isoformat()},
            styles["Normal"],
        ),
        Spacer(1, 6 * mm),
    ]  # fmt: skip
    for figure in figures:
        table = Table([list(figure.header), *[list(r) for r in figure.rows]], repeatRows=1)
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
        block: list[object] = [Paragraph(figure.title, styles["Heading3"]), figure.chart.drawing()]
        if figure.note:
            block.append(Paragraph(figure.note, styles["Italic"]))
        block += [Spacer(1, 2 * mm), table, Spacer(1, 6 * mm)]
        story.append(KeepTogether(block))
    doc.build(story)
    return buffer.getvalue()
