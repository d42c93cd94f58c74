"""A case's timeline entries, rendered in one pass (the same markup a template loop gave).

A busy case has dozens of entries, each with two formatted dates; through the template language the timeline
cost more to render than the rest of the case page (measured with bench/cases.py)."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from typing import Any

from django import template
from django.utils import timezone
from django.utils.safestring import SafeData, SafeString, mark_safe
from django.utils.translation import gettext

register = template.Library()


def _text(value: Any) -> str:
    return str(value) if isinstance(value, SafeData) else escape(str(value))


@register.simple_tag
def timeline_items(entries: Iterable[Any]) -> SafeString:
    """One ``<li>`` per :class:`reparo.cases.selectors.TimelineEntry`, newest first as given."""
    status, note, task = escape(gettext("Status")), escape(gettext("Note added")), escape(gettext("Task added"))
    done, joined = escape(gettext("Task done")), escape(gettext("Joined the case"))
    says = {
        "status": status + ": <strong>{}</strong>",
        "note": note + " ({})",
        "task": task + ": {}",
        "task_done": done + ": {}",
        "event": "{}",  # a whole sentence from an app above cases (a referral's move, say)
    }
    joined += ": {}"
    items = []
    for entry in entries:
        at = timezone.localtime(entry.at) if timezone.is_aware(entry.at) else entry.at
        line = f'<li><time datetime="{at.isoformat()}">{at:%Y-%m-%d %H:%M}</time>\n    '
        line += says.get(entry.kind, joined).format(_text(entry.text))
        if entry.actor_label:
            line += f'\n    <span class="muted"> · {_text(entry.actor_label)}</span>'
        if entry.detail:
            line += f'\n    <br><span class="muted">{_text(entry.detail)}</span>'
        items.append(line + "\n  </li>")
    return mark_safe("\n".join(items))  # every value above is escaped
