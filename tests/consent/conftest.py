"""Helpers for consent tests: a survivor in Alice's organisation and a way to record consents quickly."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from reparo.consent.models import Consent, ConsentMethod
from reparo.consent.services import consent_record
from reparo.people.models import Person
from reparo.people.services import person_create

NAME = "Marisol Quintanilla"


@pytest.fixture
def survivor(world: Any) -> Person:
    return person_create(
        actor=world["coordinator"],
        organisation=world.alice_org,
        kind="survivor",
        given_name="Marisol",
        family_name="Quintanilla",
    )


def record(world: Any, person: Person, purpose: str, **kwargs: Any) -> Consent:
    kwargs.setdefault("method", ConsentMethod.WRITTEN)
    kwargs.setdefault("given_at", timezone.now() - datetime.timedelta(days=1))
    return consent_record(actor=world["coordinator"], person=person, purpose=purpose, **kwargs)


def case_with(world: Any, person: Person, *, team_user: Any = None, reference: str = "RJ-TEST-0001") -> Any:
    """A case in Alice's organisation where ``person`` is the survivor and ``team_user`` is the case worker."""
    from reparo.cases.models import Case, CaseParticipant, CaseTeamMember, ParticipantRole, ReferralSource, TeamRole

    case = Case.objects.create(
        organisation=world.alice_org,
        program=world.program,
        reference=reference,
        referral_source=ReferralSource.NGO,
        referral_date=timezone.localdate(),
    )
    CaseParticipant.objects.create(case=case, person=person, role=ParticipantRole.SURVIVOR)
    if team_user is not None:
        CaseTeamMember.objects.create(case=case, user=team_user, role=TeamRole.CASE_WORKER)
    return case
