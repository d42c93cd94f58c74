"""Each message's translation kept once it has been looked up (decision 0095).

Every ``{% translate %}`` and every lazy label asks gettext again for the same few hundred messages. For a message
a catalogue does not hold (every English one: English is the source language, so it has no catalogue), Python's
gettext looks it up in each of Django's merged catalogues and then walks the chain of fallbacks (one of them added
by django-countries) before answering with the message itself: a tenth of the case page's instructions. Here each
translation object keeps its answers: the same text, from a dictionary.

What is kept is the catalogue's answer, never a person's words: a message is a string from the source code. The
keeping is per translation object, so a language whose catalogues Django loads again (it makes new objects) starts
empty. At most ``MAX_KEPT`` answers are kept per language, so a message built from data that reached gettext cannot
grow it without end. django-countries asks for some country names with the fallbacks switched off for the thread
(``no_translation_fallback``: a name missing from the catalogue is then empty): those answers are neither kept nor
read from what is kept.
"""

from __future__ import annotations

import gettext as python_gettext
from typing import Any

MAX_KEPT = 20_000

_plain = python_gettext.GNUTranslations.gettext


def _fallbacks_on() -> bool:
    return bool(getattr(_countries_state, "fallback", True))


_countries_state: Any
try:  # the thread's switch django-countries' ``no_translation_fallback`` sets
    from django_countries import _translation_state as _countries_state
except ImportError:  # pragma: no cover - a django-countries without it has no such switch
    _countries_state = None


def _gettext(self: Any, message: str) -> str:
    if _countries_state is not None and not _fallbacks_on():
        return _plain(self, message)  # type: ignore[no-any-return]
    kept = self.__dict__.get("_reparo_kept")
    if kept is None:
        kept = self.__dict__.setdefault("_reparo_kept", {})
    try:
        return kept[message]  # type: ignore[no-any-return]
    except KeyError:
        pass
    answer = _plain(self, message)
    if len(kept) < MAX_KEPT:
        kept[message] = answer
    return answer  # type: ignore[no-any-return]


def install() -> None:
    """Keep the answers of Django's translation objects (``CoreConfig.ready``)."""
    from django.utils.translation import trans_real

    trans_real.DjangoTranslation.gettext = _gettext  # type: ignore[method-assign]
