"""``{% url %}``, as Django's, with each view's URL reversed once a process for each kind of argument (decision 0095).

A case page writes thirty-odd links, nearly all to views of that case; reversing each (Django's resolver tries each
pattern's converters, checks the text against its regular expression, quotes it) cost a tenth of the page. Here a
link whose arguments are ids (UUIDs, or whole numbers a 64-bit column holds) and short constant words
(``'team'``) is reversed once with placeholder ids of the same types, and each later link is that text with the ids
written in: the text Django's ``reverse`` gives, since an id's text is what the converters write and needs no
quoting. Anything else (keyword arguments, other values, a URL the placeholders do not reverse to) goes through
Django's ``reverse`` as before, with the same errors. Loaded as a builtin, after Django's own, so every template's
``{% url %}`` is this one.
"""

from __future__ import annotations

import functools
import uuid
from typing import Any

from django import template
from django.conf import settings
from django.template import defaulttags
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape

from reparo.core.converters import MAX_ID

register = template.Library()

_ID, _UUID = "id", "uuid"  # the kinds of argument written into a kept URL


def _placeholder(kind: str, position: int) -> Any:
    # Unlike any id a page would hold, and each one's text unlike the others'.
    if kind == _UUID:
        return uuid.UUID(int=(0x5EED << 112) + position)
    return 7_000_000_000_000_000 + position


@functools.lru_cache(maxsize=2048)
def _kept(
    view_name: str, shape: tuple[Any, ...], current_app: Any, urlconf: Any, prefix: str
) -> tuple[str, ...] | None:
    """The URL of ``view_name`` for arguments of this ``shape`` as the text between its ids, or None when it cannot
    be kept (it does not reverse, or a placeholder's text is not where the argument goes)."""
    args = [_placeholder(kind, i) if kind in (_ID, _UUID) else kind[1] for i, kind in enumerate(shape)]
    try:
        url = reverse(view_name, args=args, current_app=current_app, urlconf=urlconf)
    except NoReverseMatch:
        return None
    parts: list[str] = []
    rest = url
    for arg, kind in zip(args, shape, strict=True):
        if kind not in (_ID, _UUID):
            continue
        text = str(arg)
        if url.count(text) != 1:
            return None
        before, found, rest = rest.partition(text)
        if not found:
            return None  # out of order: the URL writes its ids in another order than they are given
        parts.append(before)
    parts.append(rest)
    return tuple(parts)


def _shape_of(args: list[Any]) -> tuple[Any, ...] | None:
    shape: list[Any] = []
    for arg in args:
        if isinstance(arg, uuid.UUID):
            shape.append(_UUID)
        elif type(arg) is int and 0 <= arg <= MAX_ID:
            shape.append(_ID)
        elif type(arg) is str and len(arg) <= 32 and arg.isidentifier():
            shape.append(("word", arg))
        else:
            return None
    return tuple(shape)


def url_for(view_name: Any, args: list[Any], kwargs: dict[str, Any], current_app: Any) -> str:
    """``reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)``, from the kept text when it can be."""
    shape = None if kwargs or not isinstance(view_name, str) else _shape_of(args)
    if shape is not None:
        urlconf = get_urlconf() or settings.ROOT_URLCONF  # the request's own, or the site's (it may be changed)
        parts = _kept(view_name, shape, current_app, urlconf, get_script_prefix())
        if parts is not None:
            ids = [str(arg) for arg, kind in zip(args, shape, strict=True) if kind in (_ID, _UUID)]
            out = [parts[0]]
            for text, after in zip(ids, parts[1:], strict=True):
                out += (text, after)
            return "".join(out)
    return reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)


class URLNode(defaulttags.URLNode):
    """Django's ``URLNode.render``, with :func:`url_for` in place of ``reverse``."""

    def render(self, context: Any) -> str:
        args = [arg.resolve(context) for arg in self.args]
        kwargs = {k: v.resolve(context) for k, v in self.kwargs.items()}
        view_name = self.view_name.resolve(context)
        try:
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        url = ""
        try:
            url = url_for(view_name, args, kwargs, current_app)
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        if context.autoescape:
            url = conditional_escape(url)
        return url


@register.tag
def url(parser: Any, token: Any) -> URLNode:
    node = defaulttags.url(parser, token)
    return URLNode(node.view_name, node.args, node.kwargs, node.asvar)
