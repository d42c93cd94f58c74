"""What apps above this one add to the case page, registered when they are ready (they may not be imported here)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_PAGE_FORMS: dict[str, Callable[[], Any]] = {}
_PAGE_PANELS: dict[str, Callable[[Any, Any, Any], str]] = {}


def case_page_form(name: str, factory: Callable[[], Any]) -> None:
    """Show ``factory()`` on the case page as ``name`` in its context (e.g. the form that starts a process)."""
    _PAGE_FORMS[name] = factory


def case_page_forms() -> dict[str, Any]:
    return {name: factory() for name, factory in _PAGE_FORMS.items()}


def case_page_panel(name: str, provider: Callable[[Any, Any, Any], str]) -> None:
    """Show a panel on the (full) case page: ``provider(request, case, access)`` returns its rendered HTML, or an
    empty string for nothing. The provider checks what the actor may see itself; the responsible-person side never
    shows these panels."""
    _PAGE_PANELS[name] = provider


def case_page_panels(request: Any, case: Any, access: Any) -> list[str]:
    return [html for provider in _PAGE_PANELS.values() if (html := provider(request, case, access))]
