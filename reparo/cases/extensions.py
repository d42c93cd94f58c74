"""What apps above this one add to the case page, registered when they are ready (they may not be imported here)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

_PAGE_FORMS: dict[str, Callable[[], Any]] = {}
# provider(actor, case, access, responsible_side) -> the panel's context, with its "template"; or None for no panel.
PanelProvider = Callable[[Any, Any, Any, bool], "dict[str, Any] | None"]
_PAGE_PANELS: dict[str, PanelProvider] = {}


def case_page_form(name: str, factory: Callable[[], Any]) -> None:
    """Show ``factory()`` on the case page as ``name`` in its context (e.g. the form that starts a process)."""
    _PAGE_FORMS[name] = factory


def case_page_forms() -> dict[str, Any]:
    return {name: factory() for name, factory in _PAGE_FORMS.items()}


def case_page_panel(name: str, provider: PanelProvider) -> None:
    """Show a panel on the case page: ``provider(actor, case, access, responsible_side)`` returns the panel's context
    with the ``template`` the page includes, or None for no panel. ``access`` is what the actor may do on the case;
    ``responsible_side`` is true on the responsible-person side page, whose panels must show nothing of the survivor's
    side whoever looks."""
    _PAGE_PANELS[name] = provider


def case_page_panels(actor: Any, case: Any, access: Any, *, responsible_side: bool = False) -> list[dict[str, Any]]:
    """The registered panels for this actor and case, in the order they were registered."""
    panels = []
    for provider in _PAGE_PANELS.values():
        panel = provider(actor, case, access, responsible_side)
        if panel is not None:
            panels.append(panel)
    return panels


# name -> provider(actor, case, access) -> timeline entries (``reparo.cases.selectors.TimelineEntry``)
_TIMELINE: dict[str, Callable[[Any, Any, Any], Iterable[Any]]] = {}


def case_timeline_entries(name: str, provider: Callable[[Any, Any, Any], Iterable[Any]]) -> None:
    """Add ``provider(actor, case, access)``'s entries (``TimelineEntry`` with kind ``"event"``: a whole sentence)
    to the case timeline (the full one, never the responsible-person side's). The provider shows only what
    ``access`` allows."""
    _TIMELINE[name] = provider


def timeline_extras(actor: Any, case: Any, access: Any) -> list[Any]:
    entries: list[Any] = []
    for provider in _TIMELINE.values():
        entries.extend(provider(actor, case, access))
    return entries
