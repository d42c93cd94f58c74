"""Screening instruments as versioned data: ``data/<kind>.v<version>.json``.

An instrument is never edited in place: a change is a new file with the next version, so a completed screening
always says which wording was asked (``instrument_version``). Item labels carry their own English and Spanish.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import get_language

DATA = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class Item:
    key: str
    labels: dict[str, str]

    @property
    def label(self) -> str:
        language = (get_language() or "en").split("-")[0]
        return self.labels.get(language) or self.labels["en"]


@dataclass(frozen=True)
class Instrument:
    kind: str
    version: int
    validity_days: int
    answers: str  # "met" (yes / no / not sure) or "indicator" (present / absent / not known)
    items: tuple[Item, ...]

    @property
    def keys(self) -> list[str]:
        return [item.key for item in self.items]


@functools.cache
def _all() -> dict[tuple[str, int], Instrument]:
    found = {}
    for path in sorted(DATA.glob("*.v*.json")):
        raw = json.loads(path.read_text(encoding="utf-8"))
        instrument = Instrument(
            kind=raw["kind"],
            version=int(raw["version"]),
            validity_days=int(raw["validity_days"]),
            answers=raw["answers"],
            items=tuple(Item(key=i["key"], labels={"en": i["en"], "es": i["es"]}) for i in raw["items"]),
        )
        found[(instrument.kind, instrument.version)] = instrument
    return found


def instrument_get(kind: str, version: int | None = None) -> Instrument:
    """The instrument of ``kind`` at ``version`` (default: the newest). ``KeyError`` when there is none."""
    if version is None:
        versions = [v for k, v in _all() if k == kind]
        if not versions:
            raise KeyError(kind)
        version = max(versions)
    return _all()[(kind, version)]
