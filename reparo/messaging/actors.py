"""Who reads and writes messages: a staff user (a :class:`reparo.accounts.models.User` with roles), or a participant.

A participant is a person on a case, identified by the caller (the portal, once the person has signed in): the
services and selectors here take a :class:`ParticipantActor` wherever they take a staff user, and let it reach only
the participant's own conversation on that case and what they themself asked to pass on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reparo.cases.models import Case, CaseParticipant
from reparo.people.models import Person


@dataclass(frozen=True)
class ParticipantActor:
    """A participant acting for themself: ``person`` on ``case``, with their account (``user``) when they have one,
    for the audit trail."""

    person: Person
    case: Case
    user: Any = None

    @property
    def audit_label(self) -> str:
        return f"participant {self.person.display_code}"


def is_participant(actor: Any) -> bool:
    return isinstance(actor, ParticipantActor)


def participant_is_current(actor: ParticipantActor) -> bool:
    """The person still takes part in the case and was not erased (read afresh: the caller's word is checked)."""
    if actor.person.pk is None or actor.case.pk is None:
        return False
    return CaseParticipant.objects.filter(
        case_id=actor.case.pk, person_id=actor.person.pk, person__erased_at__isnull=True
    ).exists()


def audit_actor(actor: Any) -> tuple[Any, str]:
    """``(user, label)`` for an audit row: the participant's account (if any) and a label with their code only."""
    if is_participant(actor):
        return actor.user, actor.audit_label
    return actor, ""
