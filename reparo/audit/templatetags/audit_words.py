"""The activity log in words: ``{{ e.action|action_words }}`` and ``{{ e.object_type|record_words }}``."""

from __future__ import annotations

from django import template
from django.apps import apps
from django.utils.text import capfirst

from reparo.audit.words import action_words as _action_words

register = template.Library()


@register.filter
def action_words(action: str) -> str:
    return _action_words(action)


@register.filter
def record_words(object_type: str) -> str:
    """What kind of record an entry is about ("Case", "Process"), from its model; the label itself otherwise."""
    if not object_type:
        return ""
    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        return object_type
    return str(capfirst(model._meta.verbose_name))
