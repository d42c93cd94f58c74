"""The case list's rows, rendered in one pass.

The list is the page people open most, at tens of thousands of cases; rendering its rows cell by cell in the
template language cost more than fetching them (measured with bench/cases.py). The markup is the same as a
template loop would give, with every value escaped."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from reparo.cases.models import CaseStatus

register = template.Library()

ROW = (
    '<tr><td><a href="{}">{}</a></td><td><span class="status status--{}">{}</span></td><td>{}</td>'
    "<td><code>{}</code></td><td>{}</td><td>{}</td></tr>"
)
NONE = "—"


@register.simple_tag
def case_rows(cases: Iterable[Any]) -> SafeString:
    """One ``<tr>`` per case of :func:`reparo.cases.selectors.case_list`: reference (linked), status, program,
    the survivor's code, the lead facilitator and the next task due (marked when overdue)."""
    overdue = format_html(' <strong class="overdue">{}</strong>', gettext("overdue"))
    # Model.get_status_display() rebuilds and hashes every translated label on each call; once per list will do.
    status_labels = {value: str(label) for value, label in CaseStatus.choices}
    rows = []
    for case in cases:
        if case.next_due:
            due = format_html("{}{}", case.next_due.isoformat(), overdue if case.has_overdue else "")
        else:
            due = NONE
        rows.append(
            format_html(
                ROW,
                reverse("cases:detail", args=[case.pk]),
                case.reference,
                case.status,
                status_labels.get(case.status, case.status),
                case.program.name,
                case.survivor_code or NONE,
                case.lead_email or NONE,
                due,
            )
        )
    return mark_safe("\n".join(rows))  # every value above went through format_html
