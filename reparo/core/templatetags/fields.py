"""``{% field_block form.x %}``: a form field with its label, hint and errors, the markup every form uses.

It was a template include (``_field.html``) for every field of every form; an include costs more than the
field's own widget. The markup is the same (tests/core/test_field_block.py renders both and compares). Loaded
for every template (settings ``TEMPLATES`` builtins)."""

from __future__ import annotations

from html import escape

from django import template
from django.forms import BoundField
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

register = template.Library()


@register.simple_tag
def field_block(field: BoundField) -> SafeString:
    errors = field.errors
    auto_id = conditional_escape(field.auto_id)
    optional = "" if field.field.required else f' <span class="optional">({escape(gettext("optional"))})</span>'
    label = f'<label for="{conditional_escape(field.id_for_label)}">{conditional_escape(field.label)}{optional}</label>'
    parts = [f'<div class="field{" field--error" if errors else ""}">\n  {label}\n  ']
    if field.help_text:
        parts.append(f'<p class="hint" id="{auto_id}_helptext">{conditional_escape(field.help_text)}</p>')
    parts.append("\n  ")
    parts.extend(f'<p class="field-error" id="{auto_id}_error">{conditional_escape(str(e))}</p>' for e in errors)
    parts.append(f"\n  {field}\n</div>")
    return mark_safe("".join(parts))  # every value above is escaped
