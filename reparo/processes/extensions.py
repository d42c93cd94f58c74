"""What apps above this one add to the process page and to "My week", registered when they are ready (they may not
be imported here)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_PAGE_CONTEXT: dict[str, Callable[[Any], dict[str, Any]]] = {}
# provider(actor, process, access) -> the panel's context, with its "template"; or None for no panel.
_PAGE_PANELS: dict[str, Callable[[Any, Any, Any], dict[str, Any] | None]] = {}
# provider(actor) -> the panel's context, with its "template"; or None for no panel.
_WEEK_PANELS: dict[str, Callable[[Any], dict[str, Any] | None]] = {}


def process_page_context(name: str, provider: Callable[[Any], dict[str, Any]]) -> None:
    """Each provider takes the process and returns names and values for the page's context."""
    _PAGE_CONTEXT[name] = provider


def process_page_extras(process: Any) -> dict[str, Any]:
    extras: dict[str, Any] = {}
    for provider in _PAGE_CONTEXT.values():
        extras.update(provider(process))
    return extras


def process_page_panel(name: str, provider: Callable[[Any, Any, Any], dict[str, Any] | None]) -> None:
    """Show a panel on the (full) process page: ``provider(actor, process, access)`` returns its context with the
    ``template`` the page includes, or None for no panel. Never shown on the responsible-person side page."""
    _PAGE_PANELS[name] = provider


def process_page_panels(actor: Any, process: Any, access: Any) -> list[dict[str, Any]]:
    panels = []
    for provider in _PAGE_PANELS.values():
        panel = provider(actor, process, access)
        if panel is not None:
            panels.append(panel)
    return panels


def my_week_panel(name: str, provider: Callable[[Any], dict[str, Any] | None]) -> None:
    """Show a panel on "My week": ``provider(actor)`` returns its context with the ``template`` the page includes,
    or None for no panel."""
    _WEEK_PANELS[name] = provider


def my_week_panels(actor: Any) -> list[dict[str, Any]]:
    panels = []
    for provider in _WEEK_PANELS.values():
        panel = provider(actor)
        if panel is not None:
            panels.append(panel)
    return panels
