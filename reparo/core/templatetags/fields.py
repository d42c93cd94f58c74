"""``{% field_block form.x %}``: a form field with its label, hint and errors, the markup every form uses.

It was a template include (``_field.html``) for every field of every form; an include costs more than the
field's own widget. The markup is the same (tests/core/test_field_block.py renders both and compares), except
for the two kinds the GOV.UK design system draws otherwise, whose boxes would otherwise be stretched to the
width of a text box and set apart from their words:

- a single checkbox: the box first, its label beside it, then the hint and errors under the label (no
  "(optional)": ticking it or not is the answer);
- a group of checkboxes or radio buttons: a ``<fieldset>`` whose ``<legend>`` is the question, each option's
  box beside its words (templates/_choices_field.html, the same markup).

Loaded for every template (settings ``TEMPLATES`` builtins)."""

from __future__ import annotations

from django import template
from django.forms import BoundField, CheckboxInput
from django.utils.translation import gettext

from reparo.core.html import HtmlTemplate, SafeString, html_join

register = template.Library()

BLOCK = HtmlTemplate('<div class="field{}">\n  {}\n  {}\n  {}\n  {}\n</div>')
LABEL = HtmlTemplate('<label for="{}">{}{}</label>')
OPTIONAL = HtmlTemplate(' <span class="optional">({})</span>')
HINT = HtmlTemplate('<p class="hint" id="{}_helptext">{}</p>')
ERROR = HtmlTemplate('<p class="field-error" id="{}_error">{}</p>')
CHECKBOX = HtmlTemplate('<div class="field field--check{}">\n  {}\n  {}\n  {}\n  {}\n</div>')
CHECKBOX_LABEL = HtmlTemplate('<label for="{}">{}</label>')
GROUP = HtmlTemplate('<fieldset class="field choices{}"{}>\n  <legend>{}{}</legend>\n  {}\n  {}\n  {}\n</fieldset>')
DESCRIBED_BY = HtmlTemplate(' aria-describedby="{}_helptext"')


@register.simple_tag
def field_block(field: BoundField) -> SafeString:
    errors = field.errors
    auto_id = field.auto_id
    widget = field.field.widget
    if isinstance(widget, CheckboxInput):
        hint = HINT.format(auto_id, field.help_text) if field.help_text else ""
        shown = html_join([ERROR.format(auto_id, e) for e in errors])
        label = CHECKBOX_LABEL.format(field.id_for_label, field.label)
        return CHECKBOX.format(" field--error" if errors else "", field, label, hint, shown)
    if field.use_fieldset:
        return choices_block(field)
    optional = "" if field.field.required else OPTIONAL.format(gettext("optional"))
    label = LABEL.format(field.id_for_label, field.label, optional)
    hint = HINT.format(auto_id, field.help_text) if field.help_text else ""
    shown = html_join([ERROR.format(auto_id, e) for e in errors])
    return BLOCK.format(" field--error" if errors else "", label, hint, shown, field)


@register.simple_tag
def choices_block(field: BoundField) -> SafeString:
    """A group of checkboxes or radio buttons: a fieldset, its legend the question (what
    templates/_choices_field.html renders)."""
    errors = field.errors
    auto_id = field.auto_id
    optional = "" if field.field.required else OPTIONAL.format(gettext("optional"))
    hint = HINT.format(auto_id, field.help_text) if field.help_text else ""
    shown = html_join([ERROR.format(auto_id, e) for e in errors])
    described = DESCRIBED_BY.format(auto_id) if field.help_text else ""
    return GROUP.format(" field--error" if errors else "", described, field.label, optional, hint, shown, field)
