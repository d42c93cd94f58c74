"""What apps above this one add to the case page, registered when they are ready (they may not be imported here)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_PAGE_FORMS: dict[str, Callable[[], Any]] = {}


def case_page_form(name: str, factory: Callable[[], Any]) -> None:
    """Show ``factory()`` on the case page as ``name`` in its context (e.g. the form that starts a process)."""
    _PAGE_FORMS[name] = factory


def case_page_forms() -> dict[str, Any]:
    return {name: factory() for name, factory in _PAGE_FORMS.items()}
