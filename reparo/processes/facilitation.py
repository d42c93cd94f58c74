"""The facilitator checks that processes asks before assigning a facilitator or scheduling a session.

The rules live in the training app (certifications, languages, preferences, conflicts, workload: the one
eligibility check, ``reparo.training.eligibility``), which sits above this app and provides them here when it is
ready. Without them nobody is eligible (fail closed).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import ImproperlyConfigured

_PROVIDED: dict[str, Callable[..., Any]] = {}


def provide(*, eligibility: Callable[..., Any], certification_problem: Callable[..., Any]) -> None:
    """Called once by the training app: ``eligibility(process, user)`` returns a candidate with ``eligible`` and
    ``against`` (reasons with ``text``); ``certification_problem(user, process, dates)`` returns a reason or ""."""
    _PROVIDED["eligibility"] = eligibility
    _PROVIDED["certification_problem"] = certification_problem


def _provided(name: str) -> Callable[..., Any]:
    try:
        return _PROVIDED[name]
    except KeyError:
        raise ImproperlyConfigured("The training app provides the facilitator checks; it is not installed.") from None


def facilitator_eligibility(process: Any, user: Any) -> Any:
    return _provided("eligibility")(process, user)


def certification_problem(user: Any, process: Any, dates: Iterable[Any]) -> str:
    return _provided("certification_problem")(user, process, list(dates))  # type: ignore[no-any-return]
