"""Base models shared by every app."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import models
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _


def _choice_labels(field: Any) -> dict[Any, Any]:
    """A field's choices as {value: label}, built once per field (the labels stay lazy, so translated per call)."""
    labels = field.__dict__.get("_reparo_choice_labels")
    if labels is None:
        labels = field.__dict__["_reparo_choice_labels"] = dict(field.flatchoices)
    return labels  # type: ignore[no-any-return]


class ChoiceLabelsModel(models.Model):
    """``get_<field>_display()`` without rebuilding the field's choices on each call.

    Django's own version builds a dict of every choice, hashing (and so translating) every lazy label, each
    time it is called: on a page listing people, tasks and notes, that is hundreds of translations for a few
    dozen labels. Same answers (tests/core/test_models.py compares them for every choice of every model)."""

    class Meta:
        abstract = True

    def _get_FIELD_display(self, field: Any) -> str:
        value = getattr(self, field.attname)
        try:
            label = _choice_labels(field).get(value, value)
        except TypeError:  # unhashable choices or value: Django's own way
            return super()._get_FIELD_display(field)  # type: ignore[misc,no-any-return]
        return force_str(label, strings_only=True)  # type: ignore[no-any-return]


class UUIDModel(ChoiceLabelsModel):
    """A random UUID primary key, known before the first save (encrypted fields bind it in)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)

    class Meta:
        abstract = True


class TimeStampedModel(ChoiceLabelsModel):
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True
