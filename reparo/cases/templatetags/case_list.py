"""The case list's rows, rendered in one pass.

The list is the page people open most, at tens of thousands of cases; rendering its rows cell by cell in the
template language cost more than fetching them (measured with bench/cases.py). The markup is the same as a
template loop would give, with every value escaped (by the standard library's ``html.escape``, which Django's
own ``escape`` wraps)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from html import escape
from typing import Any

from django import template
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from reparo.cases.models import CaseStatus
from reparo.core.row_urls import row_url

register = template.Library()

NONE = "—"


@register.simple_tag
def case_rows(cases: Iterable[Any]) -> SafeString:
    """One ``<tr>`` per case of :func:`reparo.cases.selectors.case_list`, given as rows (``as_rows=True``:
    ``ROW_FIELDS``): reference (linked), status, program, the survivor's code, the lead facilitator and
    the next task due (marked when overdue)."""
    overdue = f' <strong class="overdue">{escape(gettext("overdue"))}</strong>'
    # Model.get_status_display() rebuilds and hashes every translated label on each call; once per list will do.
    status_labels = {value: escape(str(label)) for value, label in CaseStatus.choices}
    prefix, suffix = row_url("cases:detail", uuid.UUID(int=0))
    today = timezone.localdate()
    rows = []
    for case in cases:
        due = NONE
        if case["next_due"]:
            due = case["next_due"].isoformat() + (overdue if case["next_due"] < today else "")
        status = escape(case["status"])
        pk, ref, prog = case["id"], escape(case["reference"]), escape(case["program__name"])
        code, lead = escape(case["survivor_code"] or NONE), escape(case["lead_email"] or NONE)
        label = status_labels.get(case["status"], status)
        rows.append(
            f'<tr><td><a href="{prefix}{pk}{suffix}">{ref}</a></td>'
            f'<td><span class="status status--{status}">{label}</span></td>'
            f"<td>{prog}</td><td><code>{code}</code></td><td>{lead}</td><td>{due}</td></tr>"
        )
    return mark_safe("\n".join(rows))  # every value above is escaped
