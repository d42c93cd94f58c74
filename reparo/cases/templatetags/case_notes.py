"""A case's notes, rendered in one pass (the same markup as the template loop it replaces).

Each note has a date, its author, who may read it, an edit link and its text with line breaks; through the
template language a busy case's notes cost more to render than to fetch and decrypt (bench/cases.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from html import escape
from typing import Any

from django import template
from django.template.defaultfilters import linebreaksbr
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from reparo.cases.models import NoteConfidentiality
from reparo.core.row_urls import row_url

register = template.Library()


@register.simple_tag
def note_items(notes: Iterable[Any], case: Any, can_edit: bool) -> SafeString:
    """One ``<article class="note">`` per note, newest first as given; an edit link when ``can_edit``."""
    prefix, suffix = row_url("cases:note_edit", uuid.UUID(int=0), before=[case.pk])
    edit = escape(gettext("Edit"))
    who_reads = {value: escape(str(label)) for value, label in NoteConfidentiality.choices}
    items = []
    for note in notes:
        at = timezone.localtime(note.created_at) if timezone.is_aware(note.created_at) else note.created_at
        author = escape(note.author.email) if note.author_id and note.author else "—"
        link = f' · <a href="{prefix}{note.pk}{suffix}">{edit}</a>' if can_edit else ""
        items.append(
            f'<article class="note">\n    <p class="muted">{at:%Y-%m-%d %H:%M} · {author} · '
            f"{who_reads.get(note.confidentiality, escape(note.confidentiality))}{link}</p>\n"
            f"    <p>{linebreaksbr(note.body, autoescape=True)}</p>\n  </article>"
        )
    return mark_safe("\n  ".join(items))  # every value above is escaped
