"""Writes about people. Each runs in a transaction that also writes its audit row."""

from __future__ import annotations

from typing import Any, cast

from django.db import IntegrityError, transaction

from reparo.audit.services import audit_record
from reparo.core import crypto
from reparo.organisations.models import Organisation
from reparo.people.models import Person, PersonNameIndex, new_display_code

IDENTITY_FIELDS = ("given_name", "family_name", "aliases", "date_of_birth", "phone", "email", "address")
EDITABLE_FIELDS = (*IDENTITY_FIELDS, "gender", "citizenship", "languages")
NAME_PURPOSE = "people.person.name"


def name_digest(name: str) -> str | None:
    normalised = crypto.normalise_text(name or "")
    return crypto.blind_index(normalised, purpose=NAME_PURPOSE) if normalised else None


def reindex_names(person: Person) -> None:
    digests = {d for d in (name_digest(n) for n in person.all_names()) if d}
    PersonNameIndex.objects.filter(person=person).exclude(digest__in=digests).delete()
    existing = set(PersonNameIndex.objects.filter(person=person).values_list("digest", flat=True))
    PersonNameIndex.objects.bulk_create([PersonNameIndex(person=person, digest=d) for d in digests - existing])


def clean_aliases(value: Any) -> list[str] | None:
    if not value:
        return None
    if isinstance(value, str):
        value = value.splitlines()
    aliases = [str(a).strip() for a in value if str(a).strip()]
    return aliases or None


@transaction.atomic
def person_create(
    *, actor: Any, organisation: Organisation, kind: str, htcds_extra: dict[str, Any] | None = None, **fields: Any
) -> Person:
    """A new person. ``htcds_extra``: HTCDS fields Reparo has no screen for, kept encrypted (an import gives them)."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown person fields: {sorted(unknown)}")
    if "aliases" in fields:
        fields["aliases"] = clean_aliases(fields["aliases"])
    extra = cast(Any, htcds_extra or None)
    creator = actor if actor else None
    person = Person(organisation=organisation, kind=kind, created_by=creator, htcds_extra=extra, **fields)
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
    reindex_names(person)
    audit_record(actor=actor, action="person.created", obj=person, organisation=organisation)
    return person


@transaction.atomic
def person_identity_viewed(*, actor: Any, person: Person, purpose: str) -> None:
    """Record that ``actor`` was shown ``person``'s identity or contact details, and why."""
    audit_record(
        actor=actor, action="person.identity_viewed", obj=person, organisation=person.organisation, purpose=purpose
    )
