"""When something may be passed on from one side of a process to the other. Asked when the author sends it and again
when it would go (a restriction, a withdrawal, a stop or a pause may have come in between). Each refusal says why, in
plain words, with a code for screens that word it for the participant themself."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from reparo.consent.models import ConsentPurpose
from reparo.consent.policy import may
from reparo.processes.models import OPEN_STAGES, RESPONSIBLE_SIDE, SURVIVOR_SIDE, Process, ProcessParticipant
from reparo.safety.selectors import contact_forbidden


@dataclass(frozen=True)
class Refusal:
    code: str  # "sides", "restriction", "consent", "stopped", "paused"
    reason: str


def side_of(role: str) -> str | None:
    if role in SURVIVOR_SIDE:
        return "survivor"
    if role in RESPONSIBLE_SIDE:
        return "responsible"
    return None


def relay_refusals(
    *, process: Process, author: Any, recipient: Any, at: datetime.datetime | None = None
) -> list[Refusal]:
    """Every reason ``author``'s message may not reach ``recipient`` in ``process`` now (empty: it may). Reads the
    process, the participants, the restrictions and the consent ledger afresh."""
    at = at or timezone.now()
    current: dict[str, Any] = dict(Process.objects.filter(pk=process.pk).values("stage", "paused").first() or {})
    taking_part = {
        p.person_id: p
        for p in ProcessParticipant.objects.filter(process_id=process.pk, person_id__in=[author.pk, recipient.pk])
    }
    mine, theirs = taking_part.get(author.pk), taking_part.get(recipient.pk)
    refusals = []
    sides = {side_of(mine.role) if mine else None, side_of(theirs.role) if theirs else None}
    if sides != {"survivor", "responsible"}:
        refusals.append(
            Refusal(
                "sides",
                _(
                    "Messages are passed on only between the survivor's side and the responsible person's side of "
                    "this process."
                ),
            )
        )
    if contact_forbidden(author, recipient, at=at):
        refusals.append(
            Refusal(
                "restriction",
                _("A contact restriction is in force between these two people, so nothing can be passed on."),
            )
        )
    decision = may(person=author, purpose=ConsentPurpose.RELAY, at=at)
    if not decision:
        refusals.append(
            Refusal(
                "consent", _("Passing a message on needs the author's agreement. %(why)s") % {"why": decision.reason}
            )
        )
    ended = current.get("stage") not in OPEN_STAGES
    if ended or (mine and mine.withdrawn_at) or (theirs and theirs.withdrawn_at):
        refusals.append(Refusal("stopped", _("This process has stopped, so nothing more is passed on.")))
    if current.get("paused"):
        refusals.append(Refusal("paused", _("The process is paused, so nothing is passed on until it resumes.")))
    return refusals
