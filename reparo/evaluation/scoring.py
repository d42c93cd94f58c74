"""The single place outcome scores are computed: :func:`score`.

``score(code, answers)`` takes the answers in the instrument's published coding, keyed by item id
(``<code>_<n>``, ``n`` the item's number in the published order), and returns a :class:`ScoreResult`.
Every rule (reverse keying by item id, subscales, bands, cut-offs, missing answers) comes from the
instrument's data file in ``instruments/``, where each rule's published source is recorded.

Invalid input raises ``ValueError`` naming the item and the reason: an unknown item id, a value that is not
an ``int`` (``bool`` included), a value outside the response options, or more missing answers than the
instrument's rule allows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from reparo.evaluation.catalogue import SCORED_CODES, Instrument, instrument

__all__ = ["SCORED_CODES", "ScoreResult", "score"]


@dataclass(frozen=True)
class ScoreResult:
    total: float
    subscales: dict[str, float] = field(default_factory=dict)
    band: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _validated(spec: Instrument, answers: Mapping[str, int | None]) -> dict[str, int | None]:
    if not isinstance(answers, Mapping):
        raise ValueError("answers must be a mapping of item id to response.")
    ids = spec.item_ids
    allowed = set(spec.option_values)
    low, high = min(allowed), max(allowed)
    for key in answers:
        if key not in ids:
            raise ValueError(f"{key!r}: unknown item for {spec.code} (expected {ids[0]} … {ids[-1]}).")
    cleaned: dict[str, int | None] = {}
    for item_id in ids:
        value = answers.get(item_id)
        if value is not None:
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"{item_id}: the answer must be a whole number, not {type(value).__name__}.")
            if value not in allowed:
                raise ValueError(f"{item_id}: {value} is out of range (allowed {low} to {high}).")
        cleaned[item_id] = value
    missing = [i for i, v in cleaned.items() if v is None]
    rule = spec.spec["missing"]
    if len(missing) > int(rule["max_missing"]):
        raise ValueError(
            f"{', '.join(missing)}: missing; {spec.code} allows at most {rule['max_missing']} missing "
            f"answer(s) ({rule['rule']})"
        )
    return cleaned


def _keyed(spec: Instrument, values: dict[str, int | None]) -> dict[str, int | None]:
    """Apply reverse keying (by item id): value becomes min + max - value."""
    options = spec.option_values
    low, high = min(options), max(options)
    reverse = set(spec.spec.get("reverse_keyed", []))
    return {k: (low + high - v if k in reverse and v is not None else v) for k, v in values.items()}


def _aggregate(values: list[int], method: str) -> float:
    return sum(values) / len(values) if method == "mean" else sum(values)


def _band(spec: Instrument, total: float) -> str | None:
    for band in spec.spec.get("bands", []):
        limit = band.get("max")
        if limit is None:
            return str(band["code"])
        if total < limit or (band.get("max_inclusive") and total == limit):
            return str(band["code"])
    return None


def score(code: str, answers: Mapping[str, int | None]) -> ScoreResult:
    """Score ``answers`` for instrument ``code`` (one of ``who5``, ``rses``, ``mspss``, ``pcl5``, ``k10``,
    ``k6``) exactly as published. See the module docstring for the input rules."""
    if code not in SCORED_CODES:
        raise ValueError(f"{code!r}: not a scored instrument (expected one of {', '.join(SCORED_CODES)}).")
    spec = instrument(code)
    keyed = _keyed(spec, _validated(spec, answers))
    answered = [v for v in keyed.values() if v is not None]
    method = spec.spec["scoring"]["method"]
    missing = len(keyed) - len(answered)

    total: float
    extra: dict[str, Any] = {}
    if method == "mean":
        total = sum(answered) / len(answered)
    elif missing:
        rule = spec.spec["missing"]
        if not rule.get("prorate"):  # pragma: no cover - max_missing 0 already refused it
            raise ValueError(f"{code}: missing answers cannot be scored.")
        total = round(sum(answered) * len(keyed) / len(answered), int(rule.get("round", 1)))
    else:
        total = sum(answered)
    if spec.spec["missing"].get("prorate"):
        extra["missing_items"] = missing
        extra["prorated"] = bool(missing)

    subscales: dict[str, float] = {}
    for name, sub in spec.spec.get("subscales", {}).items():
        values = [keyed[i] for i in sub["items"]]
        subscales[name] = _aggregate([v for v in values if v is not None], sub["method"])

    if code == "who5":
        extra["percentage"] = total * 4
    elif code == "pcl5":
        threshold = int(spec.spec["endorsement_threshold"])
        endorsed = {
            name: sum(1 for i in sub["items"] if (keyed[i] or 0) >= threshold)
            for name, sub in spec.spec["subscales"].items()
        }
        low, high = spec.spec["cutoff_range"]
        extra["endorsed"] = endorsed
        extra["provisional_ptsd"] = all(
            endorsed[name] >= sub["endorsed_needed"] for name, sub in spec.spec["subscales"].items()
        )
        extra["cutoff_range"] = [low, high]
        extra["at_or_above_cutoff_low"] = total >= low
        extra["at_or_above_cutoff_high"] = total >= high
    elif code == "k6":
        extra["serious_distress"] = total >= int(spec.spec["serious_distress_threshold"])

    return ScoreResult(total=total, subscales=subscales, band=_band(spec, total), extra=extra)
