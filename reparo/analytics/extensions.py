"""Figures that apps above this one add to the outcome dashboards and the funders' report, registered when they
are ready (they may not be imported here). A provider takes the dashboard's scope and returns its figures
(:class:`reparo.analytics.presentation.Figure`), every count in them through :func:`suppress_table` first."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_FIGURES: dict[str, Callable[[Any], list[Any]]] = {}


def dashboard_figures(name: str, provider: Callable[[Any], list[Any]]) -> None:
    _FIGURES[name] = provider


def extra_figures(scope: Any) -> list[Any]:
    out: list[Any] = []
    for provider in _FIGURES.values():
        out.extend(provider(scope))
    return out
