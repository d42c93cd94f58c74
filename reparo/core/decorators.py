"""Marks on views that the sign-in middleware reads."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def public(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a view as reachable without signing in (sign-in pages, health, quick exit)."""
    view.reparo_public = True  # type: ignore[attr-defined]
    return view
