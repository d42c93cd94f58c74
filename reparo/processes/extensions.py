"""What apps above this one add to the process page, registered when they are ready (they may not be imported
here): each provider takes the process and returns names and values for the page's context."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_PAGE_CONTEXT: dict[str, Callable[[Any], dict[str, Any]]] = {}


def process_page_context(name: str, provider: Callable[[Any], dict[str, Any]]) -> None:
    _PAGE_CONTEXT[name] = provider


def process_page_extras(process: Any) -> dict[str, Any]:
    extras: dict[str, Any] = {}
    for provider in _PAGE_CONTEXT.values():
        extras.update(provider(process))
    return extras
