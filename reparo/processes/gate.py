"""The joint-meeting gate: the one place that decides whether a survivor and a responsible person may meet.

A joint meeting (both in the same session, in person or online) may be scheduled only when every condition
holds. Each condition returns ``None`` when it holds, or the reason in plain words when it does not: a
:class:`Reason`, which also says where it is put right (a link), or plain text. Other apps add their conditions
(consent, screening, contact restrictions, risk, preparation) with :func:`gate_condition`; scheduling calls
:func:`joint_meeting_gate` and cannot go around it.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from reparo.cases.models import OPEN_STATUSES
from reparo.processes.content import checklist_for
from reparo.processes.models import (
    SURVIVOR_ONLY_TYPES,
    PreparationMeeting,
    Process,
    ProcessParticipant,
    ProcessRole,
)


class Reason(str):
    """Why the gate is closed, in plain words (it is that text), and where that is put right: ``fix_url`` with the
    link's words ``fix_text`` (both empty when nothing on a page puts it right)."""

    fix_url: str
    fix_text: str

    def __new__(cls, text: str, *, fix_url: str = "", fix_text: str = "") -> Reason:
        reason = super().__new__(cls, text)
        reason.fix_url = fix_url
        reason.fix_text = fix_text
        return reason

    def reworded(self, text: str) -> Reason:
        """Other words for the same reason, put right in the same place."""
        return Reason(text, fix_url=getattr(self, "fix_url", ""), fix_text=getattr(self, "fix_text", ""))


def reworded(reason: str, text: str) -> str:
    """``text`` instead of ``reason``, keeping where ``reason`` is put right if it says."""
    return reason.reworded(text) if isinstance(reason, Reason) else text


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
                reasons.append(reworded(reason, _("By the time of the session: %(reason)s") % {"reason": reason}))
                codes.append(code)
    return GateResult(open=not reasons, reasons=reasons, codes=codes)


def _process_url(ctx: GateContext, section: str) -> str:
    return f"{reverse('processes:detail', args=[ctx.process.pk])}#{section}"


@gate_condition("process_type")
def _joint_meetings_possible(ctx: GateContext) -> str | None:
    if ctx.process.type in SURVIVOR_ONLY_TYPES:
        return _("A support circle never brings the survivor and the responsible person together.")
    return None


@gate_condition("facilitator")
def _facilitator_assigned(ctx: GateContext) -> str | None:
    if not ctx.process.facilitators.filter(role="facilitator").exists():
        return Reason(
            _("No facilitator is assigned to this process yet."),
            fix_url=_process_url(ctx, "facilitators"),
            fix_text=_("Assign a facilitator"),
        )
    return None


@gate_condition("survivor")
def _survivor_takes_part(ctx: GateContext) -> str | None:
    if ctx.survivor is None:
        return Reason(
            _("The survivor is not (or no longer) taking part in this process."),
            fix_url=_process_url(ctx, "participants"),
            fix_text=_("Who takes part"),
        )
    return None


@gate_condition("responsible")
def _responsible_takes_part(ctx: GateContext) -> str | None:
    if ctx.responsible is None:
        return Reason(
            _("The responsible person is not (or no longer) taking part in this process."),
            fix_url=_process_url(ctx, "participants"),
            fix_text=_("Who takes part"),
        )
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
        return Reason(_("This process is paused."), fix_url=_process_url(ctx, "stage"), fix_text=_("Resume it"))
    return None


@gate_condition("preparation")
def _everyone_prepared(ctx: GateContext) -> str | None:
    """Each survivor and responsible person who would meet has been prepared, alone: their preparation meetings
    covered every topic of the process's checklist (what the process page counts as "n of n topics covered")."""
    people = (*ctx.survivors, *ctx.responsibles)
    if not people:
        return None  # nobody on a side: said by the participation conditions
    topics = {key for key, _label in checklist_for(ctx.process.type)}
    covered: dict[int, set[str]] = {p.pk: set() for p in people}
    meetings = PreparationMeeting.objects.filter(
        participant__in=[p.pk for p in people], held_on__lte=timezone.localdate(ctx.at)
    )
    for participant_id, items in meetings.values_list("participant_id", "covered"):
        covered[participant_id].update(items or [])
    for participant in people:
        done = len(topics & covered[participant.pk])
        if done < len(topics):
            words = {"code": participant.person.display_code, "done": done, "total": len(topics)}
            text = (
                _("The survivor %(code)s has not been fully prepared yet: %(done)s of %(total)s topics covered.")
                if participant.role in SURVIVOR_ROLES
                else _(
                    "The responsible person %(code)s has not been fully prepared yet: "
                    "%(done)s of %(total)s topics covered."
                )
            ) % words
            return Reason(text, fix_url=_process_url(ctx, "preparation"), fix_text=_("Record a preparation meeting"))
    return None
