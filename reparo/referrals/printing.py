"""A referral's packet as a PDF (reportlab), for a partner that does not use Reparo: the sending team downloads it
and passes it on. It holds exactly what the partner would see on screen, and says how long it may be kept."""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _

from reparo.referrals.models import Referral
from reparo.referrals.packet import Section


def packet_pdf(referral: Referral, sections: list[Section], *, retention_days: int) -> bytes:
    from xml.sax.saxutils import escape

    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=_("Referral"),
        author="Reparo",
    )
    styles = getSampleStyleSheet()
    body = styles["BodyText"]
    story: list[object] = [
        Paragraph(escape(_("Referral %(code)s") % {"code": referral.code}), styles["Title"]),
        Paragraph(
            escape(
                _("From %(sender)s to %(partner)s · %(service)s · %(urgency)s")
                % {
                    "sender": referral.organisation.name,
                    "partner": referral.partner.name,
                    "service": referral.get_service_display(),
                    "urgency": referral.get_urgency_display(),
                }
            ),
            body,
        ),
        Paragraph(
            escape(
                _(
                    "Confidential. Shared with the person's agreement, for this referral only. Keep it no longer than "
                    "%(days)s days after the referral ends, then destroy it."
                )
                % {"days": retention_days}
            ),
            body,
        ),
    ]
    if referral.sent_at:
        sent_on = timezone.localtime(referral.sent_at).date().isoformat()
        story.append(Paragraph(escape(_("Sent on %(date)s") % {"date": sent_on}), body))
    for section in sections:
        story += [Spacer(1, 5 * mm), Paragraph(escape(section.label), styles["Heading2"])]
        rows = [
            [Paragraph(escape(label), body), Paragraph(escape(value).replace("\n", "<br/>"), body)]
            for label, value in section.rows
        ] or [[Paragraph(escape(_("Nothing recorded.")), body), ""]]
        table = Table(rows, colWidths=[55 * mm, None])
        table.setStyle(
            TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LINEBELOW", (0, 0), (-1, -1), 0.25, "#c9d1d3")])
        )
        story.append(table)
    doc.build(story)
    return buffer.getvalue()
