"""The case list's rows, rendered in one pass.

The list is the page people open most, at tens of thousands of cases; rendering its rows cell by cell in the
template language cost more than fetching them (measured with bench/cases.py). The markup is the same as a
template loop would give, with every value escaped (by :mod:`reparo.core.html`)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django import template
from django.utils import timezone
from django.utils.translation import gettext

from reparo.cases.models import CaseStatus
from reparo.core.dates import Writer
from reparo.core.html import HtmlTemplate, SafeString, html_join, text
from reparo.core.row_urls import row_url

register = template.Library()

NONE = text("—")
ROW = HtmlTemplate(
    '<tr><td><a href="{}{}{}">{}</a></td><td><span class="status status--{}">{}</span></td>'
    "<td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>"
)
OVERDUE = HtmlTemplate('{} <strong class="overdue">{}</strong>')


@register.simple_tag
def case_rows(cases: Iterable[Any], lead_names: dict[Any, str] | None = None) -> SafeString:
    """One ``<tr>`` per case of :func:`reparo.cases.selectors.case_list`, given as rows (``as_rows=True``:
    ``ROW_FIELDS``): reference (linked), status, program, the survivor's code, the lead facilitator (by name:
    ``lead_names``, from :func:`reparo.cases.selectors.user_names`) and the next task due (marked when overdue)."""
    names = lead_names or {}
    overdue = text(gettext("overdue"))
    # Model.get_status_display() rebuilds and hashes every translated label on each call; once per list will do.
    status_labels = {value: text(label) for value, label in CaseStatus.choices}
    prefix, suffix = row_url("cases:detail", uuid.UUID(int=0))
    today = timezone.localdate()
    write = Writer()
    rows = []
    for case in cases:
        next_due = case["next_due"]
        shown = write.day(next_due) if next_due else ""
        due = NONE if not next_due else OVERDUE.format(shown, overdue) if next_due < today else shown
        status = case["status"]
        rows.append(
            ROW.format(
                prefix, case["id"], suffix, case["reference"], status, status_labels.get(status, status),
                case["program__name"], case["survivor_code"] or NONE, names.get(case["lead_id"]) or NONE, due,
            )
        )  # fmt: skip
    return html_join(rows, "\n")
