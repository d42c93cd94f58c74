"""The one place where text becomes HTML that Django will not escape again.

Everything the project writes as markup in Python goes through three helpers:

- :class:`HtmlTemplate`: markup written in the code, with ``{}`` where values go; its ``format(*values)``
  escapes every value (unless it is already HTML) and returns the result as HTML. A template is made from a
  string literal (tests/architecture/test_html_rule.py checks that), so no text from outside the code can ever
  become markup through it.
- :func:`text`: one value, escaped, as HTML (a translated label made once per list, say).
- :func:`html_join`: fragments that are already HTML (from the two above, or Django's own: a CSRF field, a
  rendered widget, ``linebreaksbr``), joined; a fragment that is plain text is refused with ``TypeError``
  rather than escaped twice or not at all.

A value is escaped as Django's templates escape ``{{ value }}``: turned into text with ``str()`` (no
localisation: format dates and numbers first, or with the template's format spec), then escaped with the
standard library's ``html.escape`` (which Django's ``escape`` wraps: ``& < > " '``), unless that text is
already HTML (``SafeData``: made by this module or by Django). Numbers (``int``, ``float``), UUIDs, dates and
times have nothing to escape, so they go in as they are and a template may format them (``{:.1f}``,
``{:%Y-%m-%d}``); nothing else does (not a ``bool``, an enum, a ``Decimal``: format those first).

These run for every row of the case list and the case page (bench/instructions.py counts them), so they are
kept cheap: a plain ``str`` value costs one type check and the escape, a fragment in :func:`html_join` one
``isinstance`` check.

No other module under ``reparo/`` may call ``mark_safe``, ``SafeString`` or ``SafeText``, or use ``|safe`` or
``{% autoescape off %}`` in a template (the rule test lists the justified exceptions).
"""

from __future__ import annotations

import datetime
import string
import uuid
from collections.abc import Callable, Iterable
from html import escape as _escape
from itertools import repeat
from typing import Any

from django.utils.safestring import SafeData, SafeString

__all__ = ["HtmlTemplate", "SafeString", "html_join", "text"]

# Exact types whose formatting is only digits, letters and "-:.+ " (numbers, UUIDs, dates and times): they go
# into a template as they are, so that it may format them ("{:.1f}", "{:%Y-%m-%d}"); nothing to escape. A bool or
# an enum is not one of them: it goes through str() and is escaped, as the template engine would.
_AS_IS = frozenset((int, float, uuid.UUID, datetime.date, datetime.datetime, datetime.time))
_AS_IS_KINDS = (float, uuid.UUID, datetime.date, datetime.time)  # subclasses; not int: bool, IntEnum are ints


def _html(value: Any) -> Any:
    """``value`` (not a ``str``, a ``SafeString`` or one of ``_AS_IS``) as it goes into a template."""
    if isinstance(value, SafeData):
        return value
    if isinstance(value, _AS_IS_KINDS):  # numpy's float64, a test clock's datetime: the same, subclassed
        return value
    shown = str(value)  # as "%s" gives it, and as the template engine does before escaping
    return shown if isinstance(shown, SafeData) else _escape(shown)


def text(value: Any) -> SafeString:
    """``value`` as HTML text: escaped, unless it is already HTML.

    >>> text('Tom & "Jerry" <b>')
    'Tom &amp; &quot;Jerry&quot; &lt;b&gt;'
    """
    if type(value) is str:
        return SafeString(_escape(value))
    if isinstance(value, SafeData):
        return value  # type: ignore[return-value]  # SafeData here is always a SafeString (Django's only kind)
    shown = str(value)
    return shown if isinstance(shown, SafeData) else SafeString(_escape(shown))  # type: ignore[return-value]


class HtmlTemplate:
    """Markup with a ``{}`` for each value, written as a string literal in the code and made once, at import
    time: ``ROW = HtmlTemplate('<li class="{}">{}</li>')``, then ``ROW.format(css, title)``.

    Fields are positional (``{}`` or ``{0}``, not both) and may carry a format spec, which applies to the
    escaped text, or to a number, id, date or time as it is (``{:%Y-%m-%d}``). Named fields, attribute and
    index lookups (``{0.x}``, ``{0[k]}``), conversions (``!r``) and nested fields are refused when the template
    is made: they would reach past the escaping."""

    __slots__ = ("format", "source")

    format: Callable[..., SafeString]
    """The template with each value in its place, escaped unless it is already HTML (or a number, id, date or
    time, which have nothing to escape). It takes exactly as many values as the template has places."""

    def __init__(self, source: str) -> None:
        if type(source) is not str:
            raise TypeError(f"a template is markup written in the code (a str literal), not {type(source).__name__}")
        self.source = source
        self.format = _compile(source)

    def __repr__(self) -> str:
        return f"HtmlTemplate({self.source!r})"


def _compile(source: str) -> Callable[..., SafeString]:
    """``source`` as a function of its values, written as an f-string (as fast as the hand-written f-strings it
    replaces; ``str.format`` would parse the template on every call). The generated code holds only names: the
    template's text and format specs are passed in as values, never written into the code."""
    names: dict[str, Any] = {"_S": SafeString, "_K": _AS_IS | {SafeString}, "_e": _escape, "_h": _html}
    pieces, numbered, count = [], set(), 0
    for literal, field, spec, conversion in string.Formatter().parse(source):
        if literal:
            names[f"_t{len(names)}"] = literal
            pieces.append(f"{{_t{len(names) - 1}}}")
        if field is None:
            continue
        if (field and not field.isdigit()) or conversion is not None or (spec and "{" in spec):
            raise ValueError(f"unsupported template field {{{field}{'!' + conversion if conversion else ''}}}")
        numbered.add(field != "")
        index = int(field) if field else count
        count = max(count, index + 1)
        if spec:
            names[f"_s{len(names)}"] = spec
            pieces.append(f"{{v{index}:{{_s{len(names) - 1}}}}}")
        else:
            pieces.append(f"{{v{index}}}")
    if len(numbered) > 1:
        raise ValueError("unsupported template fields: {} and {0} mixed")
    values = [f"v{i}" for i in range(count)]
    code = [f"def format({', '.join(values)}):"]
    code += [f"    {v} = _e({v}) if (t := type({v})) is str else {v} if t in _K else _h({v})" for v in values]
    code.append(f'    return _S(f"{"".join(pieces)}")')
    exec("\n".join(code), names)  # noqa: S102 - the code is names and punctuation only (see the docstring)
    return names["format"]  # type: ignore[no-any-return]


def html_join(fragments: Iterable[SafeString], sep: str = "") -> SafeString:
    """``fragments``, each already HTML, joined by ``sep`` (text: escaped unless already HTML).

    Raises ``TypeError`` for a fragment that is not HTML (plain ``str``, a lazy translation, a number): build it
    with :class:`HtmlTemplate` or :func:`text` first. The message names the fragment's position and type, never its
    text, which may be someone's name."""
    items: list[SafeString] = fragments if type(fragments) is list else list(fragments)
    if not all(map(isinstance, items, repeat(SafeData))):
        at, bad = next((i, f) for i, f in enumerate(items) if not isinstance(f, SafeData))
        raise TypeError(
            f"html_join takes HTML fragments (from reparo.core.html); fragment {at} is {type(bad).__name__}: "
            "build it with HtmlTemplate(...).format() or text()"
        )
    if sep and not sep.isspace():  # a separator is almost always white space: nothing to escape
        sep = text(sep)
    return SafeString(sep.join(items))  # type: ignore[arg-type]  # each item is SafeData (a str), checked above
