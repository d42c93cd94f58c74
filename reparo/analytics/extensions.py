"""What apps above this one add to the outcome figures, registered when they are ready (they may not be imported
here).

- **Facts.** A fact provider takes a chunk of people whose evaluation consent is in force (their ids) and an ``add``
  function, ``add(person_id, program_id, figure, **keys_and_measures)``, and adds what each person contributes to
  the provider's own figures (:mod:`reparo.analytics.evidence`). The facts count while the person's evaluation
  consent is in force, like the dashboards' own; the tallies sum them. The tables the provider reads must be
  watched by triggers that put the person on the list of changes (the provider's app adds them in a migration and
  names them with :func:`watched_tables`). When what a fact rests on belongs to a case (its program), the provider's
  app also names the people of a changed case with :func:`case_people`.
- **Figures.** A figure provider takes the tallies read for the dashboard's scope
  (:class:`reparo.analytics.selectors.Evidence`: ``data.scope`` and ``data.of(figure)``) and returns its figures
  (:class:`reparo.analytics.presentation.Figure`), every count in them through :func:`suppress_table` first. It
  reads nothing else: the figures are kept, drawn, with the dashboard's own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

_FIGURES: dict[str, Callable[[Any], list[Any]]] = {}
_FACTS: dict[str, Callable[[Sequence[Any], Callable[..., None]], None]] = {}
_TABLES: dict[str, tuple[str, ...]] = {}
_CASE_PEOPLE: dict[str, Callable[[Sequence[Any], str], Iterable[Any]]] = {}


def dashboard_figures(name: str, provider: Callable[[Any], list[Any]]) -> None:
    _FIGURES[name] = provider


def extra_figures(data: Any) -> list[Any]:
    out: list[Any] = []
    for provider in _FIGURES.values():
        out.extend(provider(data))
    return out


def person_facts(name: str, provider: Callable[[Sequence[Any], Callable[..., None]], None]) -> None:
    _FACTS[name] = provider


def add_person_facts(person_ids: Sequence[Any], add: Callable[..., None]) -> None:
    for provider in _FACTS.values():
        provider(person_ids, add)


def case_people(name: str, provider: Callable[[Sequence[Any], str], Iterable[Any]]) -> None:
    """``provider(case_ids, database alias)``: the people whose facts rest on something of these cases (their
    program, say): when a case changes, their facts are recomputed too."""
    _CASE_PEOPLE[name] = provider


def people_of_cases(case_ids: Sequence[Any], db: str) -> set[Any]:
    out: set[Any] = set()
    for provider in _CASE_PEOPLE.values():
        out.update(provider(case_ids, db))
    return out


def watched_tables(name: str, tables: tuple[str, ...]) -> None:
    """The tables whose triggers (insert, update and delete) put the people a provider's facts rest on on the list
    of changes: checked with the dashboards' own (``evidence_refresh --check``, the start-up check)."""
    _TABLES[name] = tables


def extra_watched_tables() -> tuple[str, ...]:
    return tuple(t for tables in _TABLES.values() for t in tables)
