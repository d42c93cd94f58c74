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
read from what is kept. To know that without reading its context-local switch for every message, the function is
wrapped to count the threads inside it (django-countries calls it through its module, where the wrapper is).
"""

from __future__ import annotations

import gettext as python_gettext
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

MAX_KEPT = 20_000

_plain = python_gettext.GNUTranslations.gettext
_lock = threading.Lock()


# How many threads are inside django-countries' ``no_translation_fallback`` now. Reading its switch (a
# context-local) on every message cost a fifth of what keeping the answers saves; while no thread has it off, there
# is nothing to read.
_switched_off = 0


def _fallbacks_off() -> bool:
    import django_countries

    return _switched_off > 0 and not getattr(django_countries._translation_state, "fallback", True)


def _gettext(self: Any, message: str) -> str:
    if _fallbacks_off():
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
    """Keep the answers of Django's translation objects, and count who switches fallbacks off (``CoreConfig.ready``)."""
    import django_countries
    from django.utils.translation import trans_real

    trans_real.DjangoTranslation.gettext = _gettext  # type: ignore[method-assign]
    original = django_countries.no_translation_fallback
    if getattr(original, "_reparo_counted", False):
        return

    @contextmanager
    def no_translation_fallback() -> Iterator[None]:
        global _switched_off
        with _lock:
            _switched_off += 1
        try:
            with original():
                yield
        finally:
            with _lock:
                _switched_off -= 1

    no_translation_fallback._reparo_counted = True  # type: ignore[attr-defined]
    django_countries.no_translation_fallback = no_translation_fallback  # its own callers look it up there
