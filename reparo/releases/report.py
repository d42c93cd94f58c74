"""A published release as CSV and as PDF: the same tables, the same words, as the page."""

from __future__ import annotations

import csv
import io

from django.utils import timezone
from django.utils.translation import gettext as _

from reparo.releases.models import Release
from reparo.releases.tables import TABLES, present


def release_csv(release: Release) -> bytes:
    """One line per released number: the table, the cell, the ε the table was made with, its 95 % margin, the raw
    noisy number (unbiased; it can be negative) and the number as shown (never below zero)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["table", "cell", "epsilon", "margin_95", "noisy_value", "shown_value"])
    for table in release.tables:
        spec = TABLES[table["key"]]
        if spec.kind == "counts":
            for cell, value in table["cells"].items():
                writer.writerow([spec.key, cell, table["epsilon"], table["margin"], value, max(0, value)])
            continue
        for item in table["instruments"]:
            people, total = f"{item['code']}:people", f"{item['code']}:total_change_hundredths"
            writer.writerow([spec.key, people, table["epsilon"], item["margin_n"], item["n"], max(0, item["n"])])
            writer.writerow([spec.key, total, table["epsilon"], item["margin_sum"], item["sum"], item["sum"]])
    return out.getvalue().encode("utf-8")


def release_pdf(release: Release) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm, bottomMargin=15 * mm,
        title=release.title, author="Reparo",
    )  # fmt: skip
    styles = getSampleStyleSheet()
    scope = release.program.name if release.program else release.organisation.name
    story: list[object] = [
        Paragraph(release.title, styles["Title"]),
        Paragraph(scope, styles["Heading2"]),
        Paragraph(
            _("Published on %(date)s. Privacy spent: ε %(epsilon)s, shared equally between the tables. Only people "
              "who agreed to be counted in reports that do not identify anyone are counted, each person at most "
              "once in each table, and random noise was added to every number (differential privacy), so that no "
              "one can be picked out.")
            % {"date": timezone.localdate(release.published_at).isoformat(), "epsilon": release.epsilon},
            styles["Normal"],
        ),
        Spacer(1, 6 * mm),
    ]  # fmt: skip
    for shown in present(release.tables):
        grid = Table([list(shown.header), *[list(r) for r in shown.rows]], repeatRows=1)
        grid.setStyle(
            TableStyle(
                [
                    ("FONTSIZE", (0, 0), (-1, -1), 7),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e4e7eb")),
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#cbd2d9")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        parts: list[object] = [
            Paragraph(shown.title, styles["Heading3"]),
            Paragraph(shown.unit, styles["Normal"]),
            Spacer(1, 2 * mm),
            grid,
            Spacer(1, 2 * mm),
            Paragraph(shown.accuracy, styles["Normal"]),
        ]
        if shown.note:
            parts.append(Paragraph(shown.note, styles["Normal"]))
        story.append(KeepTogether(parts))
        story.append(Spacer(1, 6 * mm))
    doc.build(story)
    return buffer.getvalue()
