"""Language choices (ISO 639-1 codes) with their names, from Django's own language tables.

The names come from ``django.conf.global_settings.LANGUAGES``, whose names Django's catalogues translate; its
``LANG_INFO`` spells some differently ("Norwegian Bokmal" for "Norwegian Bokmål"), and a name spelled otherwise
is never found in a catalogue, so it would stay in English. ``LANG_INFO`` fills in only codes the other lacks."""

from typing import Any

from django.conf import global_settings
from django.conf.locale import LANG_INFO
from django.utils.translation import gettext_lazy as _

_NAMES = {code: name for code, name in global_settings.LANGUAGES if len(code) == 2}


def language_choices() -> list[tuple[str, Any]]:
    codes = sorted(code for code, info in LANG_INFO.items() if len(code) == 2 and "name" in info)
    return [(code, _(_NAMES.get(code) or LANG_INFO[code]["name"])) for code in codes]
