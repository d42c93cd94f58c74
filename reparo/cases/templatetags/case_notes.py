"""A case's notes, rendered in one pass (the same markup as the template loop it replaces).

Each note has a date, its author, who may read it, an edit link and its text with line breaks; through the
template language a busy case's notes cost more to render than to fetch and decrypt (bench/cases.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django import template
from django.template.defaultfilters import linebreaksbr
from django.utils import timezone
from django.utils.translation import gettext

from reparo.cases.models import NoteConfidentiality
from reparo.core.dates import Writer
from reparo.core.html import HtmlTemplate, SafeString, html_join, text
from reparo.core.row_urls import row_url

register = template.Library()

NOTE = HtmlTemplate('<article class="note">\n    <p class="muted">{} · {} · {}{}</p>\n    <p>{}</p>\n  </article>')
EDIT = HtmlTemplate(' · <a href="{}{}{}">{}</a>')


@register.simple_tag
def note_items(notes: Iterable[Any], case: Any, can_edit: bool) -> SafeString:
    """One ``<article class="note">`` per note, newest first as given; an edit link when ``can_edit``."""
    prefix, suffix = row_url("cases:note_edit", uuid.UUID(int=0), before=[case.pk])
    edit = text(gettext("Edit"))
    who_reads = {value: text(label) for value, label in NoteConfidentiality.choices}
    write = Writer()
    items = []
    for note in notes:
        at = timezone.localtime(note.created_at) if timezone.is_aware(note.created_at) else note.created_at
        author = note.author.display_name if note.author_id and note.author else "—"
        link = EDIT.format(prefix, note.pk, suffix, edit) if can_edit else ""
        who = who_reads.get(note.confidentiality, note.confidentiality)
        items.append(NOTE.format(write.moment(at), author, who, link, linebreaksbr(note.body, autoescape=True)))
    return html_join(items, "\n  ")
