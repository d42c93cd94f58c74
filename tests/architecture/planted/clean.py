"""A module the HTML rule must leave alone (tests/architecture/test_html_rule.py): every way it makes HTML is
allowed. It is read, never imported."""

from __future__ import annotations

from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeData

from reparo.core.html import HtmlTemplate, SafeString, html_join, text

ROW = HtmlTemplate('<li class="{}">{}</li>')
ROWS = [ROW.format("done", "a <b> title")]


def rows(titles: list[str]) -> SafeString:  # SafeString named, as a type, is fine
    return html_join([ROW.format("", t) for t in titles], "\n")


def shown(value: object) -> str:
    if isinstance(value, SafeData):
        return str(value)
    return escape(value) + conditional_escape(value) + text(value)


class Report:
    safe_string = "a field that only looks like one"

    def mark_safely(self) -> str:
        return self.safe_string
