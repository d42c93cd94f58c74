"""The page shell's main menu, rendered in one pass: ``{% menu_items navigation request.path %}``.

Every page a signed-in person opens draws the menu (up to a dozen links, each a translated label, its address and
whether it is the current page); through the template language that loop cost about as much as the rest of the shell
(bench/cpu.py). The markup is what the loop in templates/base.html gave (tests/core/test_shell.py renders both and
compares them)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template

from reparo.core.html import HtmlTemplate, SafeString, html_join

register = template.Library()

ITEM = HtmlTemplate('\n          <li><a href="{}">{}</a></li>\n          ')
CURRENT = HtmlTemplate('\n          <li><a href="{}" aria-current="page">{}</a></li>\n          ')


@register.simple_tag
def menu_items(navigation: Iterable[Any], path: str) -> SafeString:
    """One ``<li>`` per item (``url`` and ``label``), the current page's marked with ``aria-current``."""
    items = []
    for item in navigation:
        url = item.url
        items.append((CURRENT if url == path else ITEM).format(url, item.label))
    return html_join(items)
