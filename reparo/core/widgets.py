"""Form widgets for long option lists."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.choices import BaseChoiceIterator

from reparo.core.html import HtmlTemplate, SafeString, html_join, text

SELECT = HtmlTemplate("<select{}>{}</select>")
OPTION = HtmlTemplate('<option value="{}">{}</option>')
OPTION_SELECTED = HtmlTemplate('<option value="{}" selected>{}</option>')


class LeanSelect(forms.Select):
    """A ``<select>`` rendered in one pass without a template per option: the same HTML as Django's, many times
    faster for lists of hundreds of people (measured with bench/cases.py)."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        final = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        chosen = {str(v) for v in self.format_value(value)}
        choices = self.choices
        if isinstance(choices, ReadyChoices):
            options = choices.options_html(chosen)
        else:
            options = html_join([_option(value, label, chosen) for value, label in choices])
        return SELECT.format(flatatt(final), options)


def _option(option_value: Any, label: Any, chosen: set[str]) -> SafeString:
    key = "" if option_value is None else str(option_value)
    return (OPTION_SELECTED if key in chosen else OPTION).format(key, label)


def _options(pairs: Any) -> list[tuple[str, SafeString, SafeString]]:
    """Each option as its value and its HTML unselected and selected: escaped, as Django's template would."""
    options = []
    for option_value, label in pairs:
        key = "" if option_value is None else str(option_value)
        value, shown = text(key), text(label)
        options.append((key, OPTION.format(value, shown), OPTION_SELECTED.format(value, shown)))
    return options


def _join(options: list[tuple[str, SafeString, SafeString]], chosen: set[str]) -> SafeString:
    return html_join([selected if key in chosen else plain for key, plain, selected in options])


class ReadyChoices(BaseChoiceIterator):
    """(value, label) pairs already in the form Django wants, given to a field and its widget as they are: Django
    otherwise checks every pair against several abstract types, twice (field and widget), on every form built,
    which for hundreds of people costs more than rendering them."""

    def __init__(self, pairs: list[tuple[Any, Any]]) -> None:
        self.pairs = pairs
        self._options: list[tuple[str, SafeString, SafeString]] | None = None
        self._unselected = html_join([])

    def options_html(self, chosen: set[str]) -> SafeString:
        """The ``<option>`` elements, escaped once for the life of this object (see :func:`shared_choices`)."""
        options = self._options
        if options is None:
            # Built aside and published unselected HTML first: a thread of the same process that finds the options
            # set must find their HTML too (it would otherwise show an empty list).
            options = _options(self.pairs)
            self._unselected = html_join([plain for _key, plain, _selected in options])
            self._options = options
        if not chosen:
            return self._unselected
        return _join(options, chosen)

    def __iter__(self) -> Any:
        return iter(self.pairs)

    def __len__(self) -> int:
        return len(self.pairs)


_SHARED: dict[int, tuple[Any, ReadyChoices]] = {}
MAX_SHARED = 128  # option lists kept alive at once: one per set of organisations served, in practice


def shared_choices(pairs: tuple[tuple[Any, str], ...], *, blank: str = "---------") -> ReadyChoices:
    """A blank choice, then ``pairs``: one :class:`ReadyChoices` for as long as the very same ``pairs`` tuple lives,
    so that a list of hundreds of people kept between requests (``reparo.accounts.access_cache``) is converted and
    escaped once rather than on every page. ``pairs`` must not be translated text: the HTML is kept as first built.
    """
    entry = _SHARED.get(id(pairs))
    if entry is not None and entry[0] is pairs:
        return entry[1]
    ready = ReadyChoices([("", blank), *((str(value), label) for value, label in pairs)])
    if len(_SHARED) >= MAX_SHARED:
        _SHARED.clear()
    _SHARED[id(pairs)] = (pairs, ready)  # the tuple is held here, so its id cannot name another while kept
    return ready
