"""Writes about people. Each runs in a transaction that also writes its audit row."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from reparo.accounts.roles import Capability
from reparo.accounts.selectors import user_can
from reparo.audit.services import audit_record
from reparo.core import crypto
from reparo.core.concurrency import apply_changes, check_version
from reparo.organisations.models import Organisation
from reparo.people.models import Person, PersonNameIndex, new_display_code

IDENTITY_FIELDS = ("given_name", "family_name", "aliases", "date_of_birth", "phone", "email", "address")
EDITABLE_FIELDS = (*IDENTITY_FIELDS, "gender", "citizenship", "languages")
NAME_PURPOSE = "people.person.name"


def name_digest(name: str) -> str | None:
    normalised = crypto.normalise_text(name or "")
    return crypto.blind_index(normalised, purpose=NAME_PURPOSE) if normalised else None


def _reindex_names(person: Person) -> None:
    digests = {d for d in (name_digest(n) for n in person.all_names()) if d}
    PersonNameIndex.objects.filter(person=person).exclude(digest__in=digests).delete()
    existing = set(PersonNameIndex.objects.filter(person=person).values_list("digest", flat=True))
    PersonNameIndex.objects.bulk_create([PersonNameIndex(person=person, digest=d) for d in digests - existing])


def _clean_aliases(value: Any) -> list[str] | None:
    if not value:
        return None
    if isinstance(value, str):
        value = value.splitlines()
    aliases = [str(a).strip() for a in value if str(a).strip()]
    return aliases or None


@transaction.atomic
def person_create(*, actor: Any, organisation: Organisation, kind: str, **fields: Any) -> Person:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown person fields: {sorted(unknown)}")
    if "aliases" in fields:
        fields["aliases"] = _clean_aliases(fields["aliases"])
    person = Person(organisation=organisation, kind=kind, created_by=actor if actor else None, **fields)
    person.full_clean(exclude=["display_code", "organisation", "created_by", "erased_by"])
    for _attempt in range(8):
        person.display_code = new_display_code(kind)
        try:
            with transaction.atomic():
                person.save()
            break
        except IntegrityError:
            continue
    else:  # pragma: no cover - 32**5 codes
        raise RuntimeError("Could not find a free display code.")
    _reindex_names(person)
    audit_record(actor=actor, action="person.created", obj=person, organisation=organisation)
    return person


@transaction.atomic
def person_update(*, actor: Any, person: Person, version: int | str | None, **changes: Any) -> Person:
    """Change a person's details, refusing an edit based on an older version (see ``check_version``)."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown person fields: {sorted(unknown)}")
    from reparo.people.selectors import person_get_for

    person_get_for(actor, person.pk, work=True)  # 404 for anyone who may not act for this person
    locked = Person.objects.select_for_update().get(pk=person.pk)
    if locked.erased_at:
        raise ValidationError(_("This person's details were erased on request and cannot be edited."))
    check_version(locked, version)
    if "aliases" in changes:
        changes["aliases"] = _clean_aliases(changes["aliases"])
    changed = apply_changes(locked, changes)
    if not changed:
        return locked
    locked.full_clean(exclude=["display_code", "organisation", "created_by", "erased_by"])
    locked.version += 1
    locked.save()
    if {"given_name", "family_name", "aliases"} & set(changed):
        _reindex_names(locked)
    audit_record(
        actor=actor,
        action="person.updated",
        obj=locked,
        organisation=locked.organisation,
        detail={"version": locked.version, "fields": changed},
    )
    return locked


@transaction.atomic
def person_identity_viewed(*, actor: Any, person: Person, purpose: str) -> None:
    """Record that ``actor`` was shown ``person``'s identity or contact details, and why."""
    audit_record(
        actor=actor, action="person.identity_viewed", obj=person, organisation=person.organisation, purpose=purpose
    )


def _age_band(date_of_birth: datetime.date | None) -> str:
    if not date_of_birth:
        return ""
    today = timezone.localdate()
    age = today.year - date_of_birth.year - ((today.month, today.day) < (date_of_birth.month, date_of_birth.day))
    if age < 18:
        return "under 18"
    if age >= 65:
        return "65+"
    low = 18 if age < 25 else (age // 10) * 10
    high = 24 if low == 18 else low + 9
    return f"{low}-{high}"


def _ask_for_free_text_review(*, actor: Any, person: Person) -> None:
    """Free text (summaries, notes, needs in someone's words) can mention the person by name; software cannot
    find every mention safely, so each of their cases gets a task, due today, to review and redact it."""
    from reparo.cases.models import Task

    case_ids = person.participations.values_list("case_id", flat=True).distinct()
    Task.objects.bulk_create(
        [
            Task(
                case_id=case_id,
                title=_("Erasure of %(code)s: remove their name and contact details from summaries, notes and needs")
                % {"code": person.display_code},
                due_date=timezone.localdate(),
                created_by=actor,
            )
            for case_id in case_ids
        ]
    )


@transaction.atomic
def person_erase(*, actor: Any, person: Person, reason: str = "") -> Person:
    """Erasure on the person's request: remove identity and contact data, keep de-identified facts
    (kind, gender, citizenship, languages, an age group, and their cases' facts) for statistics."""
    if not user_can(actor, Capability.MANAGE_MEMBERS, organisation=person.organisation):
        raise PermissionDenied(_("Only an organisation admin can erase a person's details."))
    locked = Person.objects.select_for_update().get(pk=person.pk)
    if locked.erased_at:
        raise ValidationError(_("This person's details were already erased."))
    locked.birth_year_band = _age_band(locked.date_of_birth)
    for name in IDENTITY_FIELDS:
        setattr(locked, name, None)
    locked.erased_at = timezone.now()
    locked.erased_by = actor
    locked.version += 1
    locked.save()
    PersonNameIndex.objects.filter(person=locked).delete()
    _ask_for_free_text_review(actor=actor, person=locked)
    audit_record(
        actor=actor,
        action="person.erased",
        obj=locked,
        organisation=locked.organisation,
        purpose=_("Erasure on the person's request"),
        detail={"version": locked.version, "fields": list(IDENTITY_FIELDS), "reason_given": bool(reason)},
    )
    return locked
