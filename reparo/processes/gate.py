"""The joint-meeting gate: the one place that decides whether a survivor and a responsible person may meet.

A joint meeting (both in the same session, in person or online) may be scheduled only when every condition
holds. Each condition returns ``None`` when it holds, or the reason in plain words when it does not. Other apps
add their conditions (consent, screening, contact restrictions, risk) with :func:`gate_condition`; scheduling
calls :func:`joint_meeting_gate` and cannot go around it.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from reparo.cases.models import OPEN_STATUSES
from reparo.processes.models import SURVIVOR_ONLY_TYPES, Process, ProcessParticipant, ProcessRole

Condition = Callable[["GateContext"], "str | None"]
_CONDITIONS: list[tuple[str, Condition]] = []


@dataclass(frozen=True)
class GateContext:
    """What a condition looks at. ``survivors`` and ``responsibles`` are every active participant on each side
    who would meet (those invited, when a session is being scheduled); ``survivor`` and ``responsible`` are the
    first of each, for conditions about the process as a whole. ``at`` is the moment the meeting would happen."""

    process: Process
    survivor: ProcessParticipant | None
    responsible: ProcessParticipant | None
    at: datetime.datetime
    survivors: tuple[ProcessParticipant, ...] = ()
    responsibles: tuple[ProcessParticipant, ...] = ()


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


SURVIVOR_ROLES = frozenset({ProcessRole.SURVIVOR})
RESPONSIBLE_ROLES = frozenset({ProcessRole.RESPONSIBLE, ProcessRole.CORE_MEMBER})


def _active(process: Process, invited: Iterable[ProcessParticipant] | None) -> list[ProcessParticipant]:
    active = list(
        process.participants.select_related("person").filter(withdrawn_at__isnull=True).order_by("created_at")
    )
    if invited is not None:
        wanted = {p.pk for p in invited}
        active = [p for p in active if p.pk in wanted]
    return active


def joint_meeting_gate(
    process: Process,
    *,
    at: datetime.datetime | None = None,
    invited: Iterable[ProcessParticipant] | None = None,
) -> GateResult:
    """Every reason a joint meeting on ``process`` may not take place at ``at`` (default: now); empty when the
    gate is open. With ``invited``, the conditions about people look at everyone invited on each side (every
    survivor, every responsible person, every pair of them); without it, at everyone taking part."""
    active = _active(process, invited)
    survivors = tuple(p for p in active if p.role in SURVIVOR_ROLES)
    responsibles = tuple(p for p in active if p.role in RESPONSIBLE_ROLES)
    context = GateContext(
        process=process,
        survivor=survivors[0] if survivors else None,
        responsible=responsibles[0] if responsibles else None,
        at=at or timezone.now(),
        survivors=survivors,
        responsibles=responsibles,
    )
    reasons, codes = [], []
    for code, condition in _CONDITIONS:
        reason = condition(context)
        if reason:
            reasons.append(reason)
            codes.append(code)
    return GateResult(open=not reasons, reasons=reasons, codes=codes)


def joint_meeting_gate_for_session(
    process: Process,
    *,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    invited: Iterable[ProcessParticipant],
    now: datetime.datetime | None = None,
) -> GateResult:
    """The gate for a joint session: open now, and still open when the session starts and when it ends (a
    screening, a certification or a consent that lapses before then, or a restriction that begins by then,
    closes it). Reasons that hold only later say so."""
    invited = list(invited)
    today = joint_meeting_gate(process, at=now or timezone.now(), invited=invited)
    reasons, codes = list(today.reasons), list(today.codes)
    for moment in (starts_at, ends_at):
        later = joint_meeting_gate(process, at=moment, invited=invited)
        for reason, code in zip(later.reasons, later.codes, strict=True):
            if code not in codes:
                reasons.append(_("By the time of the session: %(reason)s") % {"reason": reason})
                codes.append(code)
    return GateResult(open=not reasons, reasons=reasons, codes=codes)


@gate_condition("process_type")
def _joint_meetings_possible(ctx: GateContext) -> str | None:
    if ctx.process.type in SURVIVOR_ONLY_TYPES:
        return _("A support circle never brings the survivor and the responsible person together.")
    return None


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


@gate_condition("case_open")
def _case_open(ctx: GateContext) -> str | None:
    if ctx.process.case.status not in OPEN_STATUSES:
        return _("The case is no longer open.")
    return None


@gate_condition("process_state")
def _process_running(ctx: GateContext) -> str | None:
    if not ctx.process.is_open:
        return _("This process has ended.")
    if ctx.process.paused:
        return _("This process is paused.")
    return None
