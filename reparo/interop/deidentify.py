"""A CTDC-style de-identified file: no names, contacts, identity numbers or free text; ages in 5-year bands (at the
referral); dates as years; and every combination of the quasi-identifiers — age band, gender, citizenship, type of
exploitation, year — held by at least K = 11 people.

Rows whose combination is held by fewer than K people are generalised one step at a time, only those rows (local
recoding), in this order: the age band widens to ten years, then to 0-19 / 20 and over; then citizenship, type of
exploitation, year, age and gender are left blank, one after the other. A row still in too small a group after every
step is suppressed (left out). The file says how many rows were generalised and how many suppressed.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

K = 11
AGE, GENDER, CITIZENSHIP, EXPLOITATION, YEAR = (
    "reparo_age_band", "prs_Gender", "prs_Citizenship", "vic_TypeOfExploitation", "reparo_year",
)  # fmt: skip
QUASI_IDENTIFIERS = (AGE, GENDER, CITIZENSHIP, EXPLOITATION, YEAR)
OTHER_COLUMNS = ("vic_TraffickingStatus", "vic_MethodsOfControl", "vic_MethodOfRecruitment", "cas_Status")
COLUMNS = (*QUASI_IDENTIFIERS, *OTHER_COLUMNS)
# Columns whose values are not codes of the standard: reparo_age_band ("20-24") and reparo_year ("2026").
DERIVED = frozenset({AGE, YEAR})


def age_on(birthdate: datetime.date | None, day: datetime.date) -> int | None:
    if birthdate is None or birthdate > day:
        return None
    return day.year - birthdate.year - ((day.month, day.day) < (birthdate.month, birthdate.day))


def five_year_band(age: int | None) -> str:
    if age is None:
        return ""
    if age >= 80:
        return "80+"
    low = age - age % 5
    return f"{low}-{low + 4}"


def _ten_year(band: str) -> str:
    if not band or band == "80+" or "-" not in band:
        return band
    low = int(band.split("-")[0])
    low -= low % 10
    return f"{low}-{low + 9}"


def _broad(band: str) -> str:
    if not band:
        return ""
    low = int(band.rstrip("+").split("-")[0])
    return "0-19" if low < 20 else "20+"


def _blank(column: str) -> Callable[[dict[str, str]], None]:
    def step(row: dict[str, str]) -> None:
        row[column] = ""

    return step


def _age(change: Callable[[str], str]) -> Callable[[dict[str, str]], None]:
    def step(row: dict[str, str]) -> None:
        row[AGE] = change(row[AGE])

    return step


STEPS: tuple[Callable[[dict[str, str]], None], ...] = (
    _age(_ten_year),
    _age(_broad),
    _blank(CITIZENSHIP),
    _blank(EXPLOITATION),
    _blank(YEAR),
    _blank(AGE),
    _blank(GENDER),
)


@dataclass(frozen=True)
class DeidentifiedFile:
    rows: list[dict[str, str]]
    generalised: int
    suppressed: int
    k: int = K

    def about(self) -> str:
        return (
            f"HTCDS 2.0 de-identified extract made by Reparo: no names, contacts, identity numbers or free text; "
            f"ages in 5-year bands at referral; dates as years. Every combination of age band, gender, citizenship, "
            f"type of exploitation and year is held by at least {self.k} people: {len(self.rows)} rows, "
            f"{self.generalised} of them generalised; {self.suppressed} rows suppressed."
        )


def _key(row: dict[str, str]) -> tuple[str, ...]:
    return tuple(row[c] for c in QUASI_IDENTIFIERS)


def k_anonymise(rows: Sequence[dict[str, str]], people: Sequence[Any], *, k: int = K) -> DeidentifiedFile:
    """``rows`` (each with every column of :data:`COLUMNS`) made k-anonymous over the quasi-identifiers, counting
    distinct ``people`` (one per row, in the same order): a person with two cases counts once in a group."""
    work = [dict(r) for r in rows]
    level = [0] * len(work)
    alive = [True] * len(work)
    while True:
        groups: dict[tuple[str, ...], set[Any]] = defaultdict(set)
        for i, row in enumerate(work):
            if alive[i]:
                groups[_key(row)].add(people[i])
        small = [i for i, row in enumerate(work) if alive[i] and len(groups[_key(row)]) < k]
        if not small:
            break
        for i in small:
            if level[i] < len(STEPS):
                STEPS[level[i]](work[i])
                level[i] += 1
            else:
                alive[i] = False
    kept = [(work[i], level[i]) for i in range(len(work)) if alive[i]]
    kept.sort(key=lambda item: tuple(item[0][c] for c in COLUMNS))  # no trace of the order cases were recorded in
    return DeidentifiedFile(
        rows=[row for row, _level in kept],
        generalised=sum(1 for _row, lvl in kept if lvl > 0),
        suppressed=alive.count(False),
        k=k,
    )


def smallest_group(rows: Sequence[dict[str, str]], people: Sequence[Any]) -> int:
    """The number of distinct people in the smallest group of rows sharing every quasi-identifier (for checks)."""
    groups: dict[tuple[str, ...], set[Any]] = defaultdict(set)
    for row, person in zip(rows, people, strict=True):
        groups[_key(row)].add(person)
    return min((len(g) for g in groups.values()), default=0)
