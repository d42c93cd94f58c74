"""The joint-meeting gate: the one place that decides whether a survivor and a responsible person may meet.

A joint meeting (both in the same session, in person or online) may be scheduled only when every condition
holds. Each condition returns ``None`` when it holds, or the reason in plain words when it does not. Other apps
add their conditions (consent, screening, contact restrictions, risk) with :func:`gate_condition`; scheduling
calls :func:`joint_meeting_gate` and cannot go around it.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from reparo.processes.models import Process, ProcessParticipant, ProcessRole

Condition = Callable[["GateContext"], "str | None"]
_CONDITIONS: list[tuple[str, Condition]] = []


@dataclass(frozen=True)
class GateContext:
    process: Process
    survivor: ProcessParticipant | None
    responsible: ProcessParticipant | None
    at: datetime.datetime


@dataclass(frozen=True)
class GateResult:
    open: bool
    reasons: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.open


def gate_condition(code: str) -> Callable[[Condition], Condition]:
    """Register a condition of the gate under a stable code (used in tests and the audit trail)."""

    def register(fn: Condition) -> Condition:
        if code not in {c for c, _f in _CONDITIONS}:
            _CONDITIONS.append((code, fn))
        return fn

    return register


def _active(process: Process, roles: frozenset[str]) -> ProcessParticipant | None:
    return (
        process.participants.select_related("person")
        .filter(role__in=roles, withdrawn_at__isnull=True)
        .order_by("created_at")
        .first()
    )


def joint_meeting_gate(process: Process, *, at: datetime.datetime | None = None) -> GateResult:
    """Every reason a joint meeting on ``process`` may not be scheduled now (empty when the gate is open)."""
    context = GateContext(
        process=process,
        survivor=_active(process, frozenset({ProcessRole.SURVIVOR})),
        responsible=_active(process, frozenset({ProcessRole.RESPONSIBLE, ProcessRole.CORE_MEMBER})),
        at=at or timezone.now(),
    )
    reasons, codes = [], []
    for code, condition in _CONDITIONS:
        reason = condition(context)
        if reason:
            reasons.append(reason)
            codes.append(code)
    return GateResult(open=not reasons, reasons=reasons, codes=codes)


@gate_condition("facilitator")
def _facilitator_assigned(ctx: GateContext) -> str | None:
    if not ctx.process.facilitators.filter(role="facilitator").exists():
        return _("No facilitator is assigned to this process yet.")
    return None


@gate_condition("survivor")
def _survivor_takes_part(ctx: GateContext) -> str | None:
    if ctx.survivor is None:
        return _("The survivor is not (or no longer) taking part in this process.")
    return None


@gate_condition("responsible")
def _responsible_takes_part(ctx: GateContext) -> str | None:
    if ctx.responsible is None:
        return _("The responsible person is not (or no longer) taking part in this process.")
    return None


@gate_condition("process_state")
def _process_running(ctx: GateContext) -> str | None:
    if not ctx.process.is_open:
        return _("This process has ended.")
    if ctx.process.paused:
        return _("This process is paused.")
    return None
