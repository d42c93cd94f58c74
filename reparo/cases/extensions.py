"""What apps above this one add to the case page, registered when they are ready (they may not be imported here)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

_PAGE_FORMS: dict[str, Callable[[], Any]] = {}
# name -> (template, provider(actor, case, access) -> the panel's context, or None for no panel)
_PANELS: dict[str, tuple[str, Callable[[Any, Any, Any], dict[str, Any] | None]]] = {}
# name -> provider(actor, case, access) -> timeline entries (``reparo.cases.selectors.TimelineEntry``)
_TIMELINE: dict[str, Callable[[Any, Any, Any], Iterable[Any]]] = {}


def case_page_form(name: str, factory: Callable[[], Any]) -> None:
    """Show ``factory()`` on the case page as ``name`` in its context (e.g. the form that starts a process)."""
    _PAGE_FORMS[name] = factory


def case_page_forms() -> dict[str, Any]:
    return {name: factory() for name, factory in _PAGE_FORMS.items()}


@dataclass(frozen=True)
class CasePanel:
    """A panel another app adds to the case page: its template, rendered with ``panel`` as this context."""

    name: str
    template: str
    context: dict[str, Any]


def case_page_panel(name: str, template: str, provider: Callable[[Any, Any, Any], dict[str, Any] | None]) -> None:
    """Show ``template`` on the case page, with ``provider(actor, case, access)`` as ``panel``; a provider that
    answers None shows nothing (the actor may not see it). The provider reads through its own app's selectors."""
    _PANELS[name] = (template, provider)


def case_page_panels(actor: Any, case: Any, access: Any) -> list[CasePanel]:
    panels = []
    for name, (template, provider) in _PANELS.items():
        context = provider(actor, case, access)
        if context is not None:
            panels.append(CasePanel(name=name, template=template, context=context))
    return panels


def case_timeline_entries(name: str, provider: Callable[[Any, Any, Any], Iterable[Any]]) -> None:
    """Add ``provider(actor, case, access)``'s entries (``TimelineEntry`` with kind ``"event"``: a whole sentence)
    to the case timeline. The provider shows only what ``access`` allows."""
    _TIMELINE[name] = provider


def timeline_extras(actor: Any, case: Any, access: Any) -> list[Any]:
    entries: list[Any] = []
    for provider in _TIMELINE.values():
        entries.extend(provider(actor, case, access))
    return entries
