"""Marks on views that the sign-in middleware reads."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def public(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a view as reachable without signing in (sign-in pages, health, quick exit)."""
    view.reparo_public = True  # type: ignore[attr-defined]
    return view


def for_participants(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a view as part of the participants' portal. A participant's session reaches only these (and public
    views); a staff session never reaches these (the sign-in middleware answers 404 either way)."""
    view.reparo_participant = True  # type: ignore[attr-defined]
    return view
