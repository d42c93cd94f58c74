"""The form renderer: Django's, with its plainest widget templates (``<input>`` of every type, ``<textarea>`` and
``<select>`` with its ``<option>``s) rendered in Python.

Each of those templates is a line of markup, but rendering it through the template engine (with its ``attrs``
include) costs more than building the rest of a field; the case list and case page render several on every
view, and a ``<select>`` renders one per option (a list of a hundred people cost a dashboard more than its figures).
The output is character for character what Django's templates give (tests/core/test_form_renderer.py compares
them); any other template, or a project override of these, goes through the template engine."""

from __future__ import annotations

from html import escape
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.template import Context
from django.template.base import render_value_in_context
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData

_WIDGETS = "django/forms/widgets/"
INPUT_TEMPLATES = frozenset(
    f"{_WIDGETS}{name}.html"
    for name in (
        "input", "text", "number", "email", "url", "color", "search", "tel", "password", "hidden", "date",
        "datetime", "time", "checkbox",
    )
)  # fmt: skip
TEXTAREA_TEMPLATE = f"{_WIDGETS}textarea.html"
SELECT_TEMPLATE = f"{_WIDGETS}select.html"
OPTION_TEMPLATE = f"{_WIDGETS}select_option.html"
_CONTEXT = Context()  # how ``{{ value }}`` shows a value in a form's template: localized, then escaped


def _formatted(value: Any) -> str:
    # {{ value|stringformat:'s' }}: stringformat keeps text already marked safe as it is, and escapes the rest
    text = str(value)  # what "%s" gives
    return text if isinstance(value, SafeData) else escape(text)


def _attrs(attrs: dict[str, Any]) -> str:
    # django/forms/widgets/attrs.html
    return "".join(
        f" {conditional_escape(name)}" if value is True else f' {conditional_escape(name)}="{_formatted(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def render_input(widget: dict[str, Any]) -> str:
    # django/forms/widgets/input.html
    value = widget["value"]
    shown = "" if value is None else f' value="{_formatted(value)}"'
    kind, name = conditional_escape(widget["type"]), conditional_escape(widget["name"])
    return f'<input type="{kind}" name="{name}"{shown}{_attrs(widget["attrs"])}>'


def render_textarea(widget: dict[str, Any]) -> str:
    # django/forms/widgets/textarea.html
    value = widget["value"]
    text = conditional_escape(value) if value else ""
    return f'<textarea name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>\n{text}</textarea>'


def _shown(value: Any) -> str:
    return render_value_in_context(value, _CONTEXT)


def render_option(option: dict[str, Any]) -> str:
    # django/forms/widgets/select_option.html (its file ends with a line break, and an include keeps it)
    value, label = _formatted(option["value"]), _shown(option["label"])
    return f'<option value="{value}"{_attrs(option["attrs"])}>{label}</option>\n'


def render_select(widget: dict[str, Any]) -> str:
    # django/forms/widgets/select.html
    parts = [f'<select name="{_shown(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_shown(group_name)}">')
        parts.extend(f"\n  {render_option(option)}" for option in group_choices)
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


class LeanFormRenderer(DjangoTemplates):
    """:class:`django.forms.renderers.DjangoTemplates`, rendering ``<input>`` and ``<textarea>`` widgets in
    Python unless the project overrides their templates."""

    def __init__(self) -> None:
        super().__init__()
        self._overridden: dict[str, bool] = {}

    def _ours(self, template_name: str) -> bool:
        overridden = self._overridden.get(template_name)
        if overridden is None:
            origin = self.get_template(template_name).origin  # type: ignore[attr-defined]
            overridden = f"django/forms/templates/{template_name}" not in str(origin.name).replace("\\", "/")
            self._overridden[template_name] = overridden
        return not overridden

    def _plain_options(self, widget: dict[str, Any]) -> bool:
        """Whether a select and each of its options use Django's own templates (a widget may name its own)."""
        if "optgroups" not in widget or not (self._ours(SELECT_TEMPLATE) and self._ours(OPTION_TEMPLATE)):
            return False
        return all(o["template_name"] == OPTION_TEMPLATE for _n, options, _i in widget["optgroups"] for o in options)

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        widget = context.get("widget")
        if widget is not None and request is None:
            if template_name in INPUT_TEMPLATES and self._ours(template_name):
                return render_input(widget)
            if template_name == TEXTAREA_TEMPLATE and self._ours(template_name):
                return render_textarea(widget)
            if template_name == SELECT_TEMPLATE and self._plain_options(widget):
                return render_select(widget)
        return super().render(template_name, context, request)
