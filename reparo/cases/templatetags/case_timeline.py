"""A case's timeline entries, rendered in one pass (the same markup a template loop gave).

A busy case has dozens of entries, each with two formatted dates; through the template language the timeline
cost more to render than the rest of the case page (measured with bench/cases.py)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.utils import timezone
from django.utils.translation import gettext

from reparo.core.dates import Writer
from reparo.core.html import HtmlTemplate, SafeString, html_join, text

register = template.Library()

ENTRY = HtmlTemplate('<li><time datetime="{}">{}</time>\n    {}{}{}\n  </li>')
SAYS = {
    "status": HtmlTemplate("{}: <strong>{}</strong>"),
    "note": HtmlTemplate("{} ({})"),
    "task": HtmlTemplate("{}: {}"),
    "task_done": HtmlTemplate("{}: {}"),
}
JOINED = HtmlTemplate("{}: {}")
ACTOR = HtmlTemplate('\n    <span class="muted"> · {}</span>')
DETAIL = HtmlTemplate('\n    <br><span class="muted">{}</span>')


@register.simple_tag
def timeline_items(entries: Iterable[Any]) -> SafeString:
    """One ``<li>`` per :class:`reparo.cases.selectors.TimelineEntry`, newest first as given. An entry's text
    already marked as HTML is kept as it is, as the template loop this replaced kept it."""
    labels = {
        "status": text(gettext("Status")),
        "note": text(gettext("Note added")),
        "task": text(gettext("Task added")),
        "task_done": text(gettext("Task done")),
    }
    joined = text(gettext("Joined the case"))
    write = Writer()
    items = []
    for entry in entries:
        at = timezone.localtime(entry.at) if timezone.is_aware(entry.at) else entry.at
        if entry.kind == "event":  # a whole sentence from an app above cases (a referral's move, say)
            said = text(entry.text)
        else:
            said = SAYS.get(entry.kind, JOINED).format(labels.get(entry.kind, joined), entry.text)
        actor = ACTOR.format(entry.actor_label) if entry.actor_label else ""
        detail = DETAIL.format(entry.detail) if entry.detail else ""
        items.append(ENTRY.format(at.isoformat(), write.moment(at), said, actor, detail))
    return html_join(items, "\n")
