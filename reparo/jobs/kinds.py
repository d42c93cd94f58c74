"""The kinds of background work, registered by the apps that know how to do them (they may not be imported here).

An app registers each kind when it is ready::

    register(JobKind(
        name="outcomes.report",
        title=_("Outcome report (PDF)"),
        run=make_the_report,          # run(work) -> None: reads work.params, writes work.write(...), work.done(...)
        allowed=may_make_the_report,  # allowed(actor, params) -> bool: asked at the start and at every look after
    ))

``run`` works as the job's owner (``work.actor``): it goes through the same services, with the same access checks
and audit rows, as the page did when it did the work itself. It tells how far it is with ``work.progress``, writes
its file with ``work.write`` and ends with ``work.done``; or it raises :class:`JobRefused` with a message in plain
words for the owner (a ``ValidationError`` and a refusal of access are turned into such a message too).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reparo.jobs.work import Work


class JobRefused(Exception):
    """The work cannot be done, for a reason the owner can read (and perhaps put right)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class JobKind:
    name: str
    title: Any  # lazy text: what the job makes, "Outcome report (PDF)"
    run: Callable[[Work], None]
    allowed: Callable[[Any, dict[str, Any]], bool]
    # The template that shows what the job found (an import's counts and problems), included on the job's page
    # with ``summary``; empty for none.
    summary_template: str = ""


_KINDS: dict[str, JobKind] = {}


def register(kind: JobKind) -> None:
    existing = _KINDS.get(kind.name)
    if existing is not None and existing.run is not kind.run:
        raise RuntimeError(f"A job kind called {kind.name!r} is already registered.")
    _KINDS[kind.name] = kind


def kind_of(name: str) -> JobKind | None:
    return _KINDS.get(name)


def registered() -> dict[str, JobKind]:
    return dict(_KINDS)
