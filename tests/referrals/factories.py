"""Helpers for referral tests: consents through the consent service, agreements and referrals through ours."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from reparo.cases.models import Case
from reparo.consent.models import Consent, DataCategory
from reparo.consent.services import consent_record
from reparo.organisations.models import Organisation
from reparo.people.models import Person
from reparo.referrals import services
from reparo.referrals.models import Referral, SharingAgreement

ALL = list(DataCategory.values)
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def survivor_of(case: Case) -> Person:
    return case.participants.get(role="survivor").person


def share(
    world: Any,
    person: Person,
    categories: Iterable[str] = ALL,
    *,
    partner: Organisation | None = None,
    days_ago: int = 1,
    **kwargs: Any,
) -> Consent:
    """The person agrees to share ``categories`` with the partner (Bob Legal Aid unless told)."""
    return consent_record(
        actor=world["coordinator"], person=person, purpose="share", method="written",
        given_at=timezone.now() - datetime.timedelta(days=days_ago), recipient=partner or world.partner,
        data_categories=list(categories), **kwargs,
    )  # fmt: skip


def agreement(
    world: Any,
    *,
    categories: Iterable[str] = ALL,
    purposes: Iterable[str] = ("legal_aid",),
    partner: Organisation | None = None,
    in_force: bool = True,
    retention_days: int = 30,
) -> SharingAgreement:
    """A data-sharing agreement between Alice's organisation and the partner, in force unless told."""
    made = services.sharing_agreement_create(
        actor=world["org_admin"], operator=world.alice_org, partner=partner or world.partner,
        title="Agreement 2026", purposes=list(purposes), data_categories=list(categories),
        retention_days=retention_days, valid_from=timezone.localdate() - datetime.timedelta(days=30), valid_to=None,
    )  # fmt: skip
    services.agreement_document_attach(actor=world["org_admin"], agreement=made, filename="signed.pdf", content=PDF)
    if in_force:
        made = services.sharing_agreement_move(actor=world["org_admin"], agreement=made, to_status="in_force")
    return made


def draft(
    world: Any,
    case: Case,
    person: Person | None = None,
    categories: Iterable[str] = ALL,
    *,
    actor: Any = None,
    service: str = "legal_aid",
    partner: Organisation | None = None,
) -> Referral:
    return services.referral_draft(
        actor=actor or world["coordinator"], case=case, person=person or survivor_of(case),
        partner=partner or world.partner, service=service, categories=list(categories), urgency="soon",
        reason="Needs advice on their visa",
    )  # fmt: skip


def sent(
    world: Any, case: Case, person: Person | None = None, categories: Iterable[str] = ALL, **kwargs: Any
) -> Referral:
    referral = draft(world, case, person, categories, **kwargs)
    return services.referral_send(actor=world["coordinator"], referral=referral)


def enriched_case(world: Any) -> Case:
    """Alice's case with something in every category: a process (with signed-off screenings) and a proposed
    agreement, a safety plan, a no-contact order, an open need, a summary and a questionnaire score."""
    from reparo.agreements.models import Agreement
    from reparo.evaluation.models import SurveyAssignment, SurveyResponse
    from reparo.safety.models import ContactRestriction, SafetyPlan
    from tests.processes.factories import ready_process

    process = ready_process(world)
    case = process.case
    case.summary = "Worked unpaid on a farm for two years"
    case.save(update_fields=["summary"])
    survivor = survivor_of(case)
    responsible = case.participants.get(role="responsible").person
    today = timezone.localdate()
    SafetyPlan.objects.create(
        case=case, person=survivor, warning_signs="Unknown cars outside", coping_steps="Call Dana",
        safe_words="bluebird", next_review_on=today + datetime.timedelta(days=30),
    )  # fmt: skip
    ContactRestriction.objects.create(
        case=case, person_a=survivor, person_b=responsible, kind="no_contact_order",
        valid_from=today - datetime.timedelta(days=10), valid_to=today + datetime.timedelta(days=100),
    )  # fmt: skip
    Agreement.objects.create(process=process, version=1, status="proposed")
    assignment = SurveyAssignment.objects.create(
        program=world.program, case=case, person=survivor, participant_role="survivor", instrument="who5",
        timepoint="baseline", occasion="baseline", due_on=today, overdue_on=today + datetime.timedelta(days=7),
    )  # fmt: skip
    SurveyResponse.objects.create(
        assignment=assignment, program=world.program, person=survivor, instrument="who5", instrument_version="1",
        timepoint="baseline", collected_on=today, language="en", answers={}, total=64.0, band="",
    )  # fmt: skip
    return case
