"""The instruments, read from the versioned JSON files in ``instruments/`` (one file per instrument).

Each file records the instrument's source, licence terms, item texts in English and Spanish, response options,
reverse-keyed items (by item id), subscales, bands and cut-offs, and its rule for missing answers, with the
published scoring guides those rules were checked against. Scores are computed only by
:func:`reparo.evaluation.scoring.score`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.utils.translation import get_language

INSTRUMENT_DIR = Path(__file__).resolve().parent / "instruments"
SCORED_CODES = ("who5", "rses", "mspss", "pcl5", "k10", "k6")
QUESTIONNAIRE_CODES = ("satisfaction", "stakeholder")
ALL_CODES = SCORED_CODES + QUESTIONNAIRE_CODES


def _text(value: dict[str, str], language: str | None = None) -> str:
    lang = (language or get_language() or "en").split("-")[0]
    return value.get(lang) or value["en"]


@dataclass(frozen=True)
class Item:
    id: str
    text: dict[str, str]

    def label(self, language: str | None = None) -> str:
        return _text(self.text, language)


@dataclass(frozen=True)
class Instrument:
    """One instrument as data. ``spec`` is the whole parsed file (read-only by convention)."""

    code: str
    version: str
    validated: bool
    scored: bool
    spec: dict[str, Any]

    @property
    def items(self) -> list[Item]:
        return [Item(id=i["id"], text=i["text"]) for i in self.spec["items"]]

    @property
    def item_ids(self) -> list[str]:
        return [i["id"] for i in self.spec["items"]]

    @property
    def option_values(self) -> list[int]:
        return [o["value"] for o in self.spec["response_options"]]

    def options(self, language: str | None = None) -> list[tuple[int, str]]:
        return [(o["value"], _text(o["label"], language)) for o in self.spec["response_options"]]

    def name(self, language: str | None = None) -> str:
        return _text(self.spec["name"], language)

    def period(self, language: str | None = None) -> str:
        return _text(self.spec["period"], language) if "period" in self.spec else ""

    def comment_prompt(self, language: str | None = None) -> str:
        return _text(self.spec["comment"], language) if "comment" in self.spec else ""

    def band_label(self, band: str | None, language: str | None = None) -> str:
        for b in self.spec.get("bands", []):
            if b["code"] == band:
                return _text(b["label"], language)
        return ""


@cache
def instrument(code: str) -> Instrument:
    """The instrument ``code``; ``ValueError`` for an unknown code."""
    if code not in ALL_CODES:
        raise ValueError(f"Unknown instrument {code!r}; expected one of {', '.join(ALL_CODES)}.")
    spec = json.loads((INSTRUMENT_DIR / f"{code}.json").read_text(encoding="utf-8"))
    if spec["code"] != code:
        raise ValueError(f"Instrument file {code}.json declares code {spec['code']!r}.")
    return Instrument(
        code=code,
        version=str(spec["version"]),
        validated=bool(spec["validated"]),
        scored=spec["kind"] == "scored",
        spec=spec,
    )


def instruments() -> list[Instrument]:
    return [instrument(code) for code in ALL_CODES]
