"""The case page's people, team and task lists, rendered in one pass (the same markup as the template loops they
replace, compared in tests/cases/test_panels_render.py).

A busy case has a handful of each; through the template language every row costs a dozen node renders, a URL
reversal and several translations, more than reading it (bench/run.py instructions)."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable
from html import escape
from typing import Any

from django import template
from django.template.defaulttags import CsrfTokenNode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from reparo.core.row_urls import row_url

register = template.Library()


def _inline_form(action: str, csrf: str, label: str) -> str:
    return (
        f'<form class="inline" method="post" action="{action}">{csrf}<button class="button button--small '
        f'button--secondary" type="submit">{label}</button></form>'
    )


def _list(items: list[str], empty: str) -> SafeString:
    if not items:
        return mark_safe(f'<li class="empty">{escape(empty)}</li>')
    return mark_safe("\n  ".join(items))  # every value in the items is escaped


@register.simple_tag
def participant_items(participants: Iterable[Any]) -> SafeString:
    """One ``<li>`` per person in the case: their code (linked), role, and whether their details were erased."""
    before, after = row_url("people:detail", uuid.UUID(int=0))
    erased = f' <span class="muted">({escape(gettext("details erased on request"))})</span>'
    items = [
        f'<li><a href="{before}{p.person.pk}{after}"><code>{escape(p.person.display_code)}</code>'
        f"</a> · {escape(str(p.get_role_display()))}{erased if p.person.erased_at else ''}</li>"
        for p in participants
    ]
    return _list(items, gettext("Nobody yet."))


@register.simple_tag(takes_context=True)
def team_items(context: Any, team: Iterable[Any], case: Any, can_manage: bool) -> SafeString:
    """One ``<li>`` per team member: e-mail and role, and a remove button for who manages the team."""
    before, after = row_url("cases:team_remove", 2147483647, before=[case.pk])
    remove = escape(gettext("Remove"))
    csrf = CsrfTokenNode().render(context) if can_manage else ""
    items = []
    for m in team:
        form = _inline_form(f"{before}{m.pk}{after}", csrf, remove) if can_manage else ""
        items.append(f"<li>{escape(m.user.email)} · {escape(str(m.get_role_display()))}\n    {form}</li>")
    return _list(items, gettext("Nobody is on the team yet."))


@register.simple_tag(takes_context=True)
def task_items(context: Any, tasks: Iterable[Any], case: Any, can_work: bool, today: datetime.date) -> SafeString:
    """One ``<li>`` per task: done mark, title, owner, due date (marked when overdue), and a done button."""
    before, after = row_url("cases:task_complete", uuid.UUID(int=0), before=[case.pk])
    due, overdue, done = escape(gettext("due")), escape(gettext("overdue")), escape(gettext("Done"))
    csrf = CsrfTokenNode().render(context) if can_work else ""
    items = []
    for t in tasks:
        text = ("✓ " if t.done_at else "") + escape(t.title)
        if t.owner:
            text += f" · {escape(t.owner.email)}"
        if t.due_date:
            text += f" · {due} {t.due_date:%Y-%m-%d}"
            if not t.done_at and t.due_date < today:
                text += f' <strong class="overdue">{overdue}</strong>'
        form = _inline_form(f"{before}{t.pk}{after}", csrf, done) if not t.done_at and can_work else ""
        items.append(f'<li class="{"done" if t.done_at else ""}">{text}\n    {form}</li>')
    return _list(items, gettext("No tasks yet."))
