"""``{% field_block form.x %}``: a form field with its label, hint and errors, the markup every form uses.

It was a template include (``_field.html``) for every field of every form; an include costs more than the
field's own widget. The markup is the same (tests/core/test_field_block.py renders both and compares). Loaded
for every template (settings ``TEMPLATES`` builtins)."""

from __future__ import annotations

from django import template
from django.forms import BoundField
from django.utils.translation import gettext

from reparo.core.html import HtmlTemplate, SafeString, html_join

register = template.Library()

BLOCK = HtmlTemplate('<div class="field{}">\n  {}\n  {}\n  {}\n  {}\n</div>')
LABEL = HtmlTemplate('<label for="{}">{}{}</label>')
OPTIONAL = HtmlTemplate(' <span class="optional">({})</span>')
HINT = HtmlTemplate('<p class="hint" id="{}_helptext">{}</p>')
ERROR = HtmlTemplate('<p class="field-error" id="{}_error">{}</p>')


@register.simple_tag
def field_block(field: BoundField) -> SafeString:
    errors = field.errors
    auto_id = field.auto_id
    optional = "" if field.field.required else OPTIONAL.format(gettext("optional"))
    label = LABEL.format(field.id_for_label, field.label, optional)
    hint = HINT.format(auto_id, field.help_text) if field.help_text else ""
    shown = html_join([ERROR.format(auto_id, e) for e in errors])
    return BLOCK.format(" field--error" if errors else "", label, hint, shown, field)
