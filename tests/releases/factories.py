"""Cases whose survivors agreed to be counted in reports that do not identify anyone (the consent a public release
asks), built on the dashboards' fast factories."""

from __future__ import annotations

import datetime
from typing import Any

from reparo.cases.models import Case, CaseStatus, Harm, ParticipantRole
from reparo.consent.models import Consent, ConsentMethod, ConsentPurpose
from reparo.organisations.models import Program
from reparo.people.models import Person
from tests.analytics import factories as f


def reporting_consent(person: Person, *, recorder: Any, withdrawn: bool = False) -> None:
    Consent.objects.create(
        person=person,
        purpose=ConsentPurpose.REPORTING,
        method=ConsentMethod.WRITTEN,
        given_at=f.START - datetime.timedelta(days=30),
        recorded_by=recorder,
        withdrawn_at=f.START if withdrawn else None,
    )


def counted_case(
    program: Program,
    *,
    recorder: Any,
    status: str = CaseStatus.INTAKE,
    gender: str = "Feminine",
    exploitation: list[str] | None = None,
    reporting: bool = True,
) -> Case:
    c = f.case(program, recorder=recorder, status=status)
    survivor = c.participants.get(role=ParticipantRole.SURVIVOR).person
    Person.objects.filter(pk=survivor.pk).update(gender=gender)
    if reporting:
        reporting_consent(survivor, recorder=recorder)
    if exploitation:
        Harm.objects.create(case=c, exploitation_types=exploitation)
    return c
