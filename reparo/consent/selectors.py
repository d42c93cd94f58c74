"""Reads of the consent ledger, limited to people the actor may see. Not yours and not there look the same: 404.

These are for showing the ledger. Whether something may be done is asked of :mod:`reparo.consent.policy`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from reparo.access.lookup import lookup, one_or_404
from reparo.cases.models import Case
from reparo.cases.selectors import cases_visible_to, person_get_for
from reparo.consent.models import Consent
from reparo.organisations.models import Organisation
from reparo.organisations.selectors import partners_directory
from reparo.people.models import Person


def consents_for(actor: Any, person: Person) -> QuerySet[Consent]:
    """Every consent ``person`` ever gave (withdrawn and ended ones too), newest first."""
    person = person_get_for(actor, person.pk)
    return (
        Consent.objects.filter(person=person)
        .select_related("recipient", "case", "recorded_by", "withdrawn_by")
        .order_by("-given_at", "-recorded_at")
    )


@lookup("consent.consent")
def consent_get_for(actor: Any, person: Person, pk: Any) -> Consent:
    """A consent of ``person``, for an actor who sees the person."""
    return one_or_404(consents_for(actor, person), pk)


@dataclass(frozen=True)
class ConsentLedger:
    """A person's consents split into those in force at ``at`` and the rest (withdrawn, ended, not yet)."""

    at: datetime.datetime
    current: list[Consent]
    history: list[Consent]

    @property
    def is_empty(self) -> bool:
        return not (self.current or self.history)


def consent_ledger_for(actor: Any, person: Person, *, at: datetime.datetime | None = None) -> ConsentLedger:
    at = at or timezone.now()
    current: list[Consent] = []
    history: list[Consent] = []
    for consent in consents_for(actor, person):
        (current if consent.in_force_at(at) else history).append(consent)
    return ConsentLedger(at=at, current=current, history=history)


def share_recipients_for(actor: Any) -> QuerySet[Organisation]:
    """Organisations a person can agree to share information with: active partners."""
    return partners_directory(actor)


def cases_of_person_for(actor: Any, person: Person) -> QuerySet[Case]:
    """Cases ``person`` takes part in that ``actor`` can see (to give a consent its context)."""
    return cases_visible_to(actor).filter(participants__person=person).distinct().order_by("-created_at")
