"""Form widgets for long option lists."""

from __future__ import annotations

from html import escape  # the standard library's, which Django's escape wraps (without its lazy-text checks)
from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.choices import BaseChoiceIterator
from django.utils.safestring import SafeString, mark_safe


class LeanSelect(forms.Select):
    """A ``<select>`` rendered in one pass without a template per option: the same HTML as Django's, many times
    faster for lists of hundreds of people (measured with bench/cases.py)."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        final = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        chosen = {str(v) for v in self.format_value(value)}
        parts = [f"<select{flatatt(final)}>"]
        for option_value, label in self.choices:
            key = "" if option_value is None else str(option_value)
            selected = " selected" if key in chosen else ""
            parts.append(f'<option value="{escape(key)}"{selected}>{escape(str(label))}</option>')
        parts.append("</select>")
        return mark_safe("".join(parts))


class ReadyChoices(BaseChoiceIterator):
    """(value, label) pairs already in the form Django wants, given to a field and its widget as they are: Django
    otherwise checks every pair against several abstract types, twice (field and widget), on every form built,
    which for hundreds of people costs more than rendering them."""

    def __init__(self, pairs: list[tuple[Any, Any]]) -> None:
        self.pairs = pairs

    def __iter__(self) -> Any:
        return iter(self.pairs)

    def __len__(self) -> int:
        return len(self.pairs)
