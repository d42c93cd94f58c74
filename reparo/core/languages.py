"""Language choices (ISO 639-1 codes) with their names, from Django's own language table."""

from typing import Any

from django.conf.locale import LANG_INFO
from django.utils.translation import gettext_lazy as _


def language_choices() -> list[tuple[str, Any]]:
    codes = sorted(code for code, info in LANG_INFO.items() if len(code) == 2 and "name" in info)
    return [(code, _(LANG_INFO[code]["name"])) for code in codes]
