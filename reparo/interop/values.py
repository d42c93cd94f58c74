"""One value of one HTCDS field: checked against the standard and written in its one canonical form.

Canonical forms (what Reparo's files hold, and what an import stores): picklist values are the standard's Value Names;
a multiselect is its values in the standard's order joined by ``;``; dates ``YYYY-MM-DD``; countries ISO 3166
alpha-2 (upper case); languages ISO 639-1 (two lower-case letters, as Reparo's own language list); checkboxes
``TRUE`` or ``FALSE``; phone numbers E.164 (the standard's rule: ``+`` and up to fifteen digits); numbers without
needless zeros; text as given, trimmed. An empty value is ``""``.

JSON files hold the same values typed: a multiselect as a list, a checkbox as true/false, a number as a number.
"""

from __future__ import annotations

import datetime
import json
import re
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from django.conf.locale import LANG_INFO
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from reparo.interop.standard import COUNTRY, LANGUAGE, Field
from reparo.interop.standard import DATA as STANDARD_FILE

DATA = STANDARD_FILE.parent

E164 = re.compile(r"^\+?[1-9]\d{1,14}$")  # the standard's own regular expression for phone numbers
PHONE_PUNCTUATION = re.compile(r"[\s().\-]")
SPLIT = re.compile(r"[;,\s]+")  # ";" in Reparo's files, spaces in ODK's and KoboToolbox's
TEXT_LIMIT = 1_000
LONG_TEXT_LIMIT = 20_000
NUMBER_RANGES: dict[str, tuple[Decimal, Decimal, bool]] = {
    # field: (lowest, highest, whole numbers only) — Reparo's limits; the standard gives none
    "prs_NumberOfChildren": (Decimal(0), Decimal(99), True),
    "vic_AgeWhenTrafficked": (Decimal(0), Decimal(120), True),
    "prs_MailingLongitude": (Decimal(-180), Decimal(180), False),
    "prs_MailingLatitude": (Decimal(-90), Decimal(90), False),
    "hte_Longitude": (Decimal(-180), Decimal(180), False),
    "hte_Latitude": (Decimal(-90), Decimal(90), False),
}
PAST_ONLY = frozenset({"prs_Birthdate", "cas_IncomingReferralDate", "cas_OutgoingReferralDate"})
TRUE_WORDS = {"true", "yes", "1", "y"}
FALSE_WORDS = {"false", "no", "0", "n"}


class Invalid(Exception):
    """A value the standard does not allow, with the reason in plain words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@cache
def country_codes() -> frozenset[str]:
    from django_countries import countries

    return frozenset(code for code, _name in countries)


@cache
def language_codes() -> frozenset[str]:
    """The 184 ISO 639-1 codes (data/iso-639-1.json, from Debian's iso-codes), and Django's own two-letter ones."""
    listed = json.loads((DATA / "iso-639-1.json").read_text(encoding="utf-8"))["codes"]
    return frozenset(listed) | frozenset(code for code, info in LANG_INFO.items() if len(code) == 2 and "name" in info)


def is_country(field: Field) -> bool:
    return field.code_system == COUNTRY or field.name.endswith("Country")


def _quote(value: str) -> str:
    return value if len(value) <= 40 else value[:37] + "..."


def _one_code(field: Field, value: str) -> str:
    if is_country(field):
        code = value.upper()
        if code not in country_codes():
            raise Invalid(_("“%(value)s” is not a two-letter ISO 3166 country code.") % {"value": _quote(value)})
        return code
    if field.code_system == LANGUAGE:
        code = value.lower()
        if code not in language_codes():
            raise Invalid(_("“%(value)s” is not a two-letter ISO 639-1 language code.") % {"value": _quote(value)})
        return code
    if value in field.codes:
        return value
    by_lower = {lbl.lower(): c for c, lbl in zip(field.codes, field.labels, strict=False)}
    by_lower.update({c.lower(): c for c in field.codes})
    found = by_lower.get(value.lower())
    if found is None:
        raise Invalid(
            _("“%(value)s” is not one of the standard's values for %(field)s.")
            % {"value": _quote(value), "field": field.label}
        )
    return found


def _codes(field: Field, raw: str) -> str:
    parts = [p for p in SPLIT.split(raw) if p]
    if not field.multiple:
        try:
            return _one_code(field, raw)  # a code, or a label such as "Forced labour"
        except Invalid:
            if len(parts) > 1:
                raise Invalid(_("%(field)s takes one value, not several.") % {"field": field.label}) from None
            raise
    found = [_one_code(field, p) for p in parts]
    if field.codes:
        order = {c: i for i, c in enumerate(field.codes)}
        found = sorted(set(found), key=order.__getitem__)
    else:
        found = sorted(set(found))
    return ";".join(found)


def _date(field: Field, raw: str) -> str:
    try:
        value = datetime.date.fromisoformat(raw[:10]) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw[:10]) else None
    except ValueError:
        value = None
    if value is None or raw[10:].strip(" T0:Z.") not in ("",):
        raise Invalid(_("“%(value)s” is not a date written YYYY-MM-DD.") % {"value": _quote(raw)})
    if value.year < 1900 or value > datetime.date.today() + datetime.timedelta(days=3660):
        raise Invalid(_("%(value)s is not a plausible date.") % {"value": value.isoformat()})
    if field.name in PAST_ONLY and value > datetime.date.today():
        raise Invalid(_("%(field)s cannot be in the future.") % {"field": field.label})
    return value.isoformat()


def _number(field: Field, raw: str) -> str:
    try:
        value = Decimal(raw)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise Invalid(_("“%(value)s” is not a number.") % {"value": _quote(raw)})
    low, high, whole = NUMBER_RANGES.get(field.name, (Decimal("-1e9"), Decimal("1e9"), False))
    if whole and value != value.to_integral_value():
        raise Invalid(_("%(field)s must be a whole number.") % {"field": field.label})
    if not low <= value <= high:
        raise Invalid(
            _("%(field)s must be between %(low)s and %(high)s.") % {"field": field.label, "low": low, "high": high}
        )
    text = format(value.normalize(), "f")
    return text if "." in text else str(int(value))


def _checkbox(field: Field, raw: str) -> str:
    word = raw.lower()
    if word in TRUE_WORDS:
        return "TRUE"
    if word in FALSE_WORDS:
        return "FALSE"
    raise Invalid(_("%(field)s is a yes-or-no field: write TRUE or FALSE.") % {"field": field.label})


def _text(field: Field, raw: str) -> str:
    if field.name.endswith("Phone"):
        number = PHONE_PUNCTUATION.sub("", raw)
        if number.startswith("00"):
            number = "+" + number[2:]
        if not E164.match(number):
            raise Invalid(_("%(field)s must be a phone number in international form, like +441234567890.")
                          % {"field": field.label})  # fmt: skip
        return number if number.startswith("+") else "+" + number
    if field.name.endswith("Email"):
        try:
            validate_email(raw)
        except DjangoValidationError:
            raise Invalid(_("%(field)s is not an e-mail address.") % {"field": field.label}) from None
        return raw
    limit = LONG_TEXT_LIMIT if field.type == "Long Text" else TEXT_LIMIT
    if len(raw) > limit:
        raise Invalid(_("%(field)s is longer than %(limit)s characters.") % {"field": field.label, "limit": limit})
    if "\x00" in raw:
        raise Invalid(_("%(field)s holds a character that cannot be stored.") % {"field": field.label})
    return raw


def canonical(field: Field, raw: Any) -> str:
    """``raw`` (as read from a file) in its canonical form for ``field``; ``Invalid`` when the standard does not
    allow it."""
    value = "" if raw is None else str(raw).strip()
    if value == "":
        return ""
    if field.type == "Checkbox":
        return _checkbox(field, value)
    if field.type == "Date":
        return _date(field, value)
    if field.type in ("Number", "Geolocation"):
        return _number(field, value)
    if field.codes or field.code_system or is_country(field):
        return _codes(field, value)
    return _text(field, value)


# --- JSON -----------------------------------------------------------------------------------------------------


def to_json(field: Field, value: str) -> Any:
    """A canonical value as JSON holds it."""
    if field.multiple:
        return value.split(";") if value else []
    if field.type == "Checkbox":
        return value == "TRUE"
    if field.type in ("Number", "Geolocation"):
        return int(value) if re.fullmatch(r"-?\d+", value) else float(value)
    return value


def from_json(field: Field, value: Any) -> str:
    """A JSON value back to the text :func:`canonical` reads (lists joined, booleans and numbers written out)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, int | str):
        return str(value)
    raise Invalid(_("%(field)s holds a value of the wrong kind.") % {"field": field.label})
