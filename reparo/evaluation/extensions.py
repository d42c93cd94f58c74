"""Occasions that apps above this one add to the daily survey sweep, registered when they are ready (they may not
be imported here). A provider takes the day of the sweep and yields the questionnaires due by then; the sweep
(:func:`reparo.evaluation.services.surveys_assign_due`) makes each assignment once, and only while the person's
evaluation consent is in force, exactly as for a program's own schedule."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Occasion:
    """One questionnaire due for one person: ``occasion`` makes it unique for the person, case and instrument."""

    program_id: int
    case_id: Any
    person_id: Any
    participant_role: str  # the person's role in the case (``survivor`` or ``responsible``)
    instrument: str
    timepoint: str
    occasion: str
    due_on: datetime.date
    process_id: Any = None
    due_within_days: int = 14


_PROVIDERS: dict[str, Callable[[datetime.date], Iterable[Occasion]]] = {}


def survey_occasions(name: str, provider: Callable[[datetime.date], Iterable[Occasion]]) -> None:
    _PROVIDERS[name] = provider


def occasions_due(today: datetime.date) -> Iterator[Occasion]:
    for provider in _PROVIDERS.values():
        yield from provider(today)
