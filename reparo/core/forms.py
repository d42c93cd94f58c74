"""Form fields that validate ids and numbers at the edge.

Django's model choice fields pass the submitted keys to the database as they are. An integer key beyond
what a database column holds (``2**128``) then fails inside the query (SQLite raises ``OverflowError``,
PostgreSQL a ``DataError``) and the page answers 500. :class:`BoundedModelChoiceField` and
:class:`BoundedModelMultipleChoiceField` check each key first and answer with the field's ordinary form
error instead. Every model choice field in Reparo's forms is one of them (tests/core/test_edge_input.py
checks it), and every integer or decimal form field has an upper bound.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

from reparo.core.converters import MAX_ID, id_in_range

__all__ = ["MAX_ID", "BoundedModelChoiceField", "BoundedModelMultipleChoiceField", "key_fits"]


def _key_field(field: forms.ModelChoiceField[Any]) -> models.Field[Any, Any]:
    """The model field a choice's key is compared with (through relations, down to the column's own type)."""
    opts = field.queryset.model._meta  # type: ignore[union-attr]
    target: Any = opts.get_field(field.to_field_name) if field.to_field_name else opts.pk
    while target.is_relation:
        target = target.target_field
    return target  # type: ignore[no-any-return]


def key_fits(field: forms.ModelChoiceField[Any], value: Any) -> bool:
    """Whether ``value`` can be compared with the field's key column without the database failing.

    Keys of integer columns must be whole numbers within the 64-bit signed range; other keys (UUIDs,
    text) are left to the field's own validation, which already turns a malformed value into a form error.
    """
    if not isinstance(_key_field(field), models.IntegerField):
        return True
    if isinstance(value, field.queryset.model):  # type: ignore[union-attr]
        return True
    try:
        number = int(str(value).strip())
    except ValueError:
        return False
    return id_in_range(number)


class BoundedModelChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A ``ModelChoiceField`` whose out-of-range or non-numeric integer key is "not a valid choice"."""

    def to_python(self, value: Any) -> Any:
        if value not in self.empty_values and not key_fits(self, value):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class BoundedModelMultipleChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    """A ``ModelMultipleChoiceField`` whose out-of-range or non-numeric integer keys are a form error."""

    def clean(self, value: Any) -> Any:
        if isinstance(value, (list, tuple)):
            for pk in value:
                if pk not in self.empty_values and not key_fits(self, pk):
                    message = self.error_messages["invalid_pk_value"]
                    raise ValidationError(message, code="invalid_pk_value", params={"pk": pk})
        return super().clean(value)
