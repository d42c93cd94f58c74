"""What apps above this one tell the consent form, registered when they are ready (they may not be imported here)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ProcessChoice:
    """Something a person may agree to take part in: its purpose (``process`` or ``support_circle``), the reference
    a consent names (``process_ref``) and its name in words."""

    purpose: str
    ref: str
    label: str


# name -> provider(actor, person) -> the processes ``person`` takes part in that ``actor`` sees
_PROCESS_CHOICES: dict[str, Callable[[Any, Any], Iterable[ProcessChoice]]] = {}


def consent_process_choices(name: str, provider: Callable[[Any, Any], Iterable[ProcessChoice]]) -> None:
    """Offer ``provider(actor, person)``'s processes on the consent form, by name (never asking for a reference)."""
    _PROCESS_CHOICES[name] = provider


def process_choices_for(actor: Any, person: Any) -> list[ProcessChoice]:
    choices: list[ProcessChoice] = []
    for provider in _PROCESS_CHOICES.values():
        choices.extend(provider(actor, person))
    return choices
