"""Writes to the consent ledger. Each runs in a transaction that also writes its audit row.

Recording adds a row; withdrawing sets a row's withdrawal fields once. Nothing else ever changes: agreeing
again is a new row.

Staff record what a person agreed to (in writing, or spoken with a witness). A participant gives or withdraws their
own consents themselves through the portal (``ConsentMethod.SELF_SERVICE`` / ``WithdrawalVia.SELF_SERVICE``): the
actor is then the person concerned (:func:`reparo.access.participants.speaks_for`), and only that route is theirs.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from reparo.access.capabilities import Capability
from reparo.access.lookup import one_or_404
from reparo.access.participants import speaks_for
from reparo.audit.services import audit_record
from reparo.cases.models import Case, CaseParticipant
from reparo.cases.selectors import case_get_for, person_get_for
from reparo.consent.models import (
    Consent,
    ConsentMethod,
    ConsentPurpose,
    DataCategory,
    WithdrawalVia,
    when,
)
from reparo.consent.signals import consent_withdrawn
from reparo.core.once import AlreadyDone
from reparo.organisations.models import Organisation
from reparo.people.models import Person


def _ordered_categories(categories: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(categories))
    known = [c for c in DataCategory.values if c in chosen]
    return known + [c for c in chosen if c not in DataCategory.values]  # unknown ones are refused by clean()


def _person_for(actor: Any, person_pk: Any) -> tuple[Person, bool]:
    """The person whose ledger ``actor`` writes to, and whether the actor is that person themself (the portal).
    Staff need to work on a case of the person; anyone else is answered 404."""
    if speaks_for(actor, person_pk):
        return one_or_404(Person.objects.select_related("organisation"), person_pk), True
    return person_get_for(actor, person_pk, need=Capability.WORK_ON_CASE), False


@transaction.atomic
def consent_record(
    *,
    actor: Any,
    person: Person,
    purpose: str,
    method: str,
    given_at: datetime.datetime,
    case: Case | None = None,
    process_ref: str = "",
    process_label: str = "",
    channel: str = "",
    recipient: Organisation | None = None,
    data_categories: Iterable[str] = (),
    witness_name: str = "",
    expires_at: datetime.datetime | None = None,
) -> Consent:
    """Record that ``person`` agreed to ``purpose`` on ``given_at``, the way ``method`` says.

    A participant gives their own consent through the portal: ``method`` is then ``SELF_SERVICE`` (and only then),
    given now, with no witness.

    Raises ``Http404`` when ``actor`` cannot see ``person``, and ``ValidationError`` (keyed by field, in plain
    words) when the agreement is incomplete or does not fit its purpose.
    """
    person, themself = _person_for(actor, person.pk)
    if themself != (method == ConsentMethod.SELF_SERVICE):
        raise ValidationError(
            {"method": _("Only the person themself gives an agreement online; staff record how it was given.")}
        )
    if themself:
        given_at, witness_name = timezone.now(), ""
    if person.erased_at is not None and purpose != ConsentPurpose.REPORTING:
        raise ValidationError(_("This person's details were erased on request, so no new agreement can be recorded."))
    if case is not None:
        if not themself:
            case = case_get_for(actor, case.pk)
        if not CaseParticipant.objects.filter(case=case, person=person).exists():
            raise ValidationError({"case": _("This person does not take part in that case.")})
    consent = Consent(
        person=person,
        purpose=purpose,
        case=case,
        process_ref=(process_ref or "").strip(),
        process_label=(process_label or "").strip(),
        channel=channel or "",
        recipient=recipient,
        data_categories=_ordered_categories(data_categories),
        method=method,
        witness_name=(witness_name or "").strip() or None,
        given_at=given_at,
        expires_at=expires_at,
        recorded_by=actor,
    )
    consent.full_clean()
    consent.save()
    audit_record(
        actor=actor,
        action="consent.recorded",
        obj=consent,
        organisation=person.organisation,
        detail={
            "person": str(person.pk),
            "purpose": consent.purpose,
            "method": consent.method,
            "case": str(case.pk) if case else None,
            "process_ref": consent.process_ref or None,
            "channel": consent.channel or None,
            "recipient": recipient.pk if recipient else None,
            "categories": consent.data_categories,
            "expires_at": expires_at.isoformat() if expires_at else None,
            "witnessed": consent.method == ConsentMethod.VERBAL_WITNESSED,
        },
    )
    return consent


@transaction.atomic
def consent_withdraw(*, actor: Any, consent: Consent, via: str = WithdrawalVia.STAFF) -> Consent:
    """Record, now, that the person withdrew ``consent``. No reason is asked for or kept.

    It takes effect at once: the next :func:`reparo.consent.policy.may` call refuses. A participant withdraws their
    own consent through the portal (``via=SELF_SERVICE``, and only then). Raises ``ValidationError`` if it was
    already withdrawn.
    """
    if via not in WithdrawalVia.values:
        raise ValueError(f"Unknown withdrawal route {via!r}.")
    person, themself = _person_for(actor, consent.person_id)
    if themself != (via == WithdrawalVia.SELF_SERVICE):
        raise ValueError("A withdrawal online is made by the person themself; staff record the others.")
    locked = Consent.objects.select_for_update().get(pk=consent.pk, person=person)
    if locked.withdrawn_at is not None:
        raise AlreadyDone(
            _("This agreement was already withdrawn on %(date)s. Nothing has changed.")
            % {"date": when(locked.withdrawn_at)},
            result=locked,
        )
    locked.withdrawn_at = max(timezone.now(), locked.given_at)
    locked.withdrawn_by = actor
    locked.withdrawal_recorded_via = via
    locked.save()
    audit_record(
        actor=actor,
        action="consent.withdrawn",
        obj=locked,
        organisation=person.organisation,
        detail={"person": str(person.pk), "purpose": locked.purpose, "via": via},
    )
    # Apps above this one stop what rested on it (a referral's packet), in this transaction.
    consent_withdrawn.send(sender=Consent, actor=actor, consent=locked)
    return locked
