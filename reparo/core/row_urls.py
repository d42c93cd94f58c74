"""Links for every row of a list without reversing a URL per row."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.urls import reverse

from reparo.core.html import SafeString, text


def row_url(name: str, placeholder: Any, *, before: Sequence[Any] = ()) -> tuple[SafeString, SafeString]:
    """``name``'s URL before and after a row's id, reversed once per list, as HTML (escaped): a row's link is
    ``HtmlTemplate('<a href="{}{}{}">').format(prefix, pk, suffix)`` (:mod:`reparo.core.html`). ``placeholder``
    stands for the id, of the type the URL takes (a UUID, an int); ``before`` are the arguments ahead of it (the
    case, say). The id is the URL's last argument, so the text is split at the placeholder's last occurrence,
    whatever the arguments before it contain."""
    prefix, suffix = reverse(name, args=[*before, placeholder]).rsplit(str(placeholder), 1)
    return text(prefix), text(suffix)
