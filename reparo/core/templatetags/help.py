"""``{% page_help "key" %}``: the short "what this page is for" of a main screen, as a ``<details>`` element (it opens
and closes without a script). Loaded for every template (settings ``TEMPLATES`` builtins)."""

from __future__ import annotations

from typing import Any

from django import template

from reparo.core.help import page_help as page_help_text

register = template.Library()


@register.inclusion_tag("help/_page_help.html")
def page_help(key: str) -> dict[str, Any]:
    text, anchor = page_help_text(key)
    return {"text": text, "anchor": anchor}
