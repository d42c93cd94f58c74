"""A CTDC-style de-identified file: no names, contacts, identity numbers or free text; ages in 5-year bands (at the
referral); dates as years; and every combination of the quasi-identifiers — age band, gender, citizenship, type of
exploitation, year — held by at least K = 11 people.

The whole file is first generalised as little as possible (full-domain: the age band widens to ten years, then to
0-19 / 20 and over, then is left blank; gender, citizenship, type of exploitation and year can each be left blank),
choosing the cheapest combination that leaves at most 5 % of the rows in groups of fewer than K people. Those rows
are then generalised further, only they (local recoding), and a row still in too small a group after every step is
suppressed (left out). The file says how many rows were generalised and how many suppressed.
"""

from __future__ import annotations

import datetime
import itertools
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


def _keep(value: str) -> str:
    return value


def _drop(value: str) -> str:
    return ""


# For each quasi-identifier, its ladder of generalisations, from none to blank; and how much each step costs in
# detail (gender and type of exploitation are worth more to readers than a year or a citizenship).
LADDERS: dict[str, tuple[Callable[[str], str], ...]] = {
    AGE: (_keep, _ten_year, lambda band: _broad(_ten_year(band)), _drop),
    GENDER: (_keep, _drop),
    CITIZENSHIP: (_keep, _drop),
    EXPLOITATION: (_keep, _drop),
    YEAR: (_keep, _drop),
}
STEP_COST = {AGE: 1, GENDER: 3, CITIZENSHIP: 1, EXPLOITATION: 2, YEAR: 1}
# At most this share of rows (and at least one row) may be suppressed before the whole file is generalised further.
SUPPRESSION_ALLOWANCE = 0.05


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


def _generalise(row: dict[str, str], levels: dict[str, int]) -> dict[str, str]:
    out = dict(row)
    for column, level in levels.items():
        out[column] = LADDERS[column][level](row[column])
    return out


def _small_rows(rows: list[dict[str, str]], people: Sequence[Any], k: int) -> list[int]:
    groups: dict[tuple[str, ...], set[Any]] = defaultdict(set)
    for row, person in zip(rows, people, strict=True):
        groups[_key(row)].add(person)
    return [i for i, row in enumerate(rows) if len(groups[_key(row)]) < k]


def k_anonymise(rows: Sequence[dict[str, str]], people: Sequence[Any], *, k: int = K) -> DeidentifiedFile:
    """``rows`` (each with every column of :data:`COLUMNS`) made k-anonymous over the quasi-identifiers, counting
    distinct ``people`` (one per row, in the same order): a person with two cases counts once in a group.

    First the whole file is generalised as little as possible (every combination of ladder steps is tried; the
    cheapest that leaves at most 5 % of the rows, and at least one, in groups of fewer than k people wins). Then the
    rows still in too small a group are generalised further, only those, one step of each ladder at a time in the
    order age, citizenship, type of exploitation, year, gender — joining each other where they can — and what is
    still too small is suppressed."""
    originals = [dict(r) for r in rows]
    n = len(originals)
    allowance = max(1, round(n * SUPPRESSION_ALLOWANCE))
    best: tuple[tuple[int, int], dict[str, int]] | None = None
    for combination in itertools.product(*(range(len(LADDERS[c])) for c in QUASI_IDENTIFIERS)):
        levels = dict(zip(QUASI_IDENTIFIERS, combination, strict=True))
        small = len(_small_rows([_generalise(r, levels) for r in originals], people, k))
        cost = sum(STEP_COST[c] * level for c, level in levels.items())
        score = (0 if small <= allowance else 1, cost if small <= allowance else small)
        if best is None or score < best[0]:
            best = (score, levels)
    levels = best[1] if best is not None else dict.fromkeys(QUASI_IDENTIFIERS, 0)
    at = [dict(levels) for _r in originals]  # each row's own step on each ladder
    work = [_generalise(r, levels) for r in originals]
    alive = [True] * n
    order = (AGE, CITIZENSHIP, EXPLOITATION, YEAR, GENDER)
    while True:
        live = [i for i in range(n) if alive[i]]
        too_small = [live[j] for j in _small_rows([work[i] for i in live], [people[i] for i in live], k)]
        if not too_small:
            break
        for i in too_small:
            column = next((c for c in order if at[i][c] < len(LADDERS[c]) - 1), None)
            if column is None:
                alive[i] = False
                continue
            at[i][column] += 1
            work[i][column] = LADDERS[column][at[i][column]](originals[i][column])
    kept = [work[i] for i in range(n) if alive[i]]
    changed = sum(1 for i in range(n) if alive[i] and _key(work[i]) != _key(originals[i]))
    kept.sort(key=lambda row: tuple(row[c] for c in COLUMNS))  # no trace of the order cases were recorded in
    return DeidentifiedFile(rows=kept, generalised=changed, suppressed=alive.count(False), k=k)


def smallest_group(rows: Sequence[dict[str, str]], people: Sequence[Any]) -> int:
    """The number of distinct people in the smallest group of rows sharing every quasi-identifier (for checks)."""
    groups: dict[tuple[str, ...], set[Any]] = defaultdict(set)
    for row, person in zip(rows, people, strict=True):
        groups[_key(row)].add(person)
    return min((len(g) for g in groups.values()), default=0)
