"""The HTCDS 2.0 field list, read from the standard's own file (``data/field-standards-2.0.csv``, unchanged, CC BY 4.0,
IOM): every field's name, section, type and code list. Nothing here is retyped from the standard; the code lists are
the "Value Names (if picklist)" cells, split on their line breaks.

Two quirks of the file are read as the standard evidently means them: the ``per_Organisation`` row has no "Field
Name including Prefix" or type (its prefix and name are joined, and it is text, like the other lookups), and
``spl_Type``'s value list ends with an empty line (ignored).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "field-standards-2.0.csv"

# The sections Reparo exchanges, as the standard names them (line breaks in its section cells made spaces).
PERSON = "Person"
VICTIM = "Person - Victim Context"
PERPETRATOR = "Person - Perpetrator Context"
CASE = "Case"
REFERRAL = "Referral Details"
COMMENT = "Case Comment"
EVENTS = "Historic Trafficking Events"
SUPPORT_PLAN = "Support Plan"
CONSENT = "Consent"
EXCHANGED = (PERSON, VICTIM, PERPETRATOR, CASE, REFERRAL, COMMENT, EVENTS, SUPPORT_PLAN, CONSENT)
FLAT_SECTIONS = (PERSON, VICTIM, PERPETRATOR, CASE, REFERRAL, CONSENT)

COUNTRY = "iso3166"
LANGUAGE = "iso639"


@dataclass(frozen=True)
class Field:
    name: str  # "Field Name including Prefix", e.g. "prs_FirstName"
    section: str
    label: str
    type: str  # the standard's "Field Type": Text, Long Text, Picklist, Multiselect Picklist, Date, Checkbox, ...
    codes: tuple[str, ...] = ()  # the Value Names of a picklist, in the standard's order
    labels: tuple[str, ...] = ()  # their Value Labels
    code_system: str = ""  # COUNTRY or LANGUAGE when the standard points to ISO codes instead of listing values
    deprecated: bool = False

    @property
    def multiple(self) -> bool:
        return self.type.startswith("Multiselect")

    @property
    def is_picklist(self) -> bool:
        return "Picklist" in self.type and "or Text" not in self.type

    @property
    def is_free_text(self) -> bool:
        """Text a person types (names, addresses, narratives, lookups stored as their name) — never a code."""
        return self.type in ("Text", "Long Text") or (self.type.startswith("Lookup") and not self.code_system)


def _clean_section(value: str) -> str:
    return re.sub(r"\s+", " ", value).strip()


def _code_system(value_names: str, value_labels: str) -> str:
    text = f"{value_names} {value_labels}"
    if "ISO 3166" in text:
        return COUNTRY
    if "ISO 639" in text:
        return LANGUAGE
    return ""


@cache
def fields() -> dict[str, Field]:
    """Every field of the standard, by name, in the standard's order."""
    out: dict[str, Field] = {}
    section = ""
    with DATA.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            heading = (row.get("Section") or "").strip()
            if heading:
                section = _clean_section(heading)
            prefix = (row.get("Field Name Prefix") or "").strip()
            name = (row.get("Field Name including Prefix") or "").strip()
            if not name and prefix.endswith("_") and (row.get("Field Name") or "").strip():
                name = prefix + (row.get("Field Name") or "").strip()  # per_Organisation
            if not name or name == "N/A":
                continue
            kind = (row.get("Field Type") or "").strip() or "Text"
            names = row.get("Value Names (if picklist)") or ""
            labels = row.get("Value Labels (if picklist)") or ""
            system = _code_system(names, labels)
            if not system and names.strip():
                codes = tuple(v.strip() for v in names.split("\n") if v.strip())
                shown = tuple(v.strip() for v in labels.split("\n") if v.strip())
            else:
                codes, shown = (), ()
            if system == "" and "ISO 3166" in (row.get("Notes") or ""):
                system = COUNTRY  # prs_MailingCountry points to ISO 3166 in its notes too
            out[name] = Field(
                name=name,
                section=section,
                label=(row.get("Field Label") or "").strip(),
                type=kind,
                codes=codes,
                labels=shown,
                code_system=system,
                deprecated=(row.get("Status") or "").strip() == "DEPRECATED",
            )
    return out


def field(name: str) -> Field:
    return fields()[name]


def in_section(*sections: str) -> list[Field]:
    return [f for f in fields().values() if f.section in sections]


def flat_columns() -> list[str]:
    """The standard's columns of a flat (one row per person per case) file, in the standard's order."""
    return [f.name for f in in_section(*FLAT_SECTIONS)]
