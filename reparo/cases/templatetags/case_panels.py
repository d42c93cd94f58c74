"""The case page's people, team and task lists, rendered in one pass (the same markup as the template loops they
replace, compared in tests/cases/test_panels_render.py).

A busy case has a handful of each; through the template language every row costs a dozen node renders, a URL
reversal and several translations, more than reading it (bench/run.py instructions)."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable
from typing import Any

from django import template
from django.template.defaulttags import CsrfTokenNode
from django.utils.translation import gettext

from reparo.core.dates import day
from reparo.core.html import HtmlTemplate, SafeString, html_join, text
from reparo.core.row_urls import row_url

register = template.Library()

INLINE_FORM = HtmlTemplate(
    '<form class="inline" method="post" action="{}{}{}">{}<button class="button button--small '
    'button--secondary" type="submit">{}</button></form>'
)
EMPTY = HtmlTemplate('<li class="empty">{}</li>')
PERSON = HtmlTemplate('<li><a href="{}{}{}"><code>{}</code></a> · {}{}</li>')
ERASED = HtmlTemplate(' <span class="muted">({})</span>')
MEMBER = HtmlTemplate("<li>{} · {}\n    {}</li>")
TASK = HtmlTemplate('<li class="{}">{}{}{}{}\n    {}</li>')
OWNER = HtmlTemplate(" · {}")
DUE = HtmlTemplate(" · {} {}{}")
OVERDUE = HtmlTemplate(' <strong class="overdue">{}</strong>')


def _list(items: list[SafeString], empty: str) -> SafeString:
    return html_join(items, "\n  ") if items else EMPTY.format(empty)


@register.simple_tag
def participant_items(participants: Iterable[Any]) -> SafeString:
    """One ``<li>`` per person in the case: their code (linked), role, and whether their details were erased."""
    before, after = row_url("people:detail", uuid.UUID(int=0))
    erased = ERASED.format(gettext("details erased on request"))
    items = [
        PERSON.format(
            before,
            p.person.pk,
            after,
            p.person.display_code,
            p.get_role_display(),
            erased if p.person.erased_at else "",
        )
        for p in participants
    ]
    return _list(items, gettext("Nobody yet."))


@register.simple_tag(takes_context=True)
def team_items(context: Any, team: Iterable[Any], case: Any, can_manage: bool) -> SafeString:
    """One ``<li>`` per team member: e-mail and role, and a remove button for who manages the team."""
    before, after = row_url("cases:team_remove", 2147483647, before=[case.pk])
    remove = text(gettext("Remove"))
    csrf = CsrfTokenNode().render(context) if can_manage else ""
    items = []
    for m in team:
        form = INLINE_FORM.format(before, m.pk, after, csrf, remove) if can_manage else ""
        items.append(MEMBER.format(m.user.display_name, m.get_role_display(), form))
    return _list(items, gettext("Nobody is on the team yet."))


@register.simple_tag(takes_context=True)
def task_items(context: Any, tasks: Iterable[Any], case: Any, can_work: bool, today: datetime.date) -> SafeString:
    """One ``<li>`` per task: done mark, title, owner, due date (marked when overdue), and a done button."""
    before, after = row_url("cases:task_complete", uuid.UUID(int=0), before=[case.pk])
    due, overdue = text(gettext("due")), OVERDUE.format(gettext("overdue"))
    done = text(gettext("Done"))
    csrf = CsrfTokenNode().render(context) if can_work else ""
    items = []
    for t in tasks:
        owner = OWNER.format(t.owner.display_name) if t.owner else ""
        when = ""
        if t.due_date:
            when = DUE.format(due, day(t.due_date), overdue if not t.done_at and t.due_date < today else "")
        form = INLINE_FORM.format(before, t.pk, after, csrf, done) if not t.done_at and can_work else ""
        mark = "✓ " if t.done_at else ""
        items.append(TASK.format("done" if t.done_at else "", mark, t.display_title, owner, when, form))
    return _list(items, gettext("No tasks yet."))
