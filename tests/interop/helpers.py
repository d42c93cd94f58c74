"""Shared test helpers for HTCDS exchange: organisations to import into, consents, and reading exports back."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.utils import timezone

from reparo.accounts.models import Membership, Role
from reparo.consent.models import Consent, ConsentMethod, ConsentPurpose, DataCategory
from reparo.interop import importing, services
from reparo.organisations.models import HTCDSOrganisationType, Organisation, OrganisationKind, Program
from reparo.people.models import Person
from tests.conftest import make_user

DATA = Path(__file__).resolve().parents[1] / "data"
STANDARD_CSV = DATA / "htcds-2.0" / "field-standards-2.0.csv"
XLSFORM = DATA / "htcds-2.0" / "htcds_xlsform.xlsx"
FULL = DATA / "htcds" / "full.json"
EVERYTHING = [c.value for c in DataCategory]
__all__ = ["importing", "services"]


def empty_organisation(name: str) -> tuple[Organisation, Program, Any]:
    """A new program-operator organisation with one program and its admin."""
    org = Organisation.objects.create(name=name, kind=OrganisationKind.OPERATOR, htcds_type=HTCDSOrganisationType.NGO)
    program = Program.objects.create(organisation=org, name="Imported cases")
    admin = make_user(f"admin@{name.lower().replace(' ', '-')}.example", full_name=f"{name} Admin")
    Membership.objects.create(user=admin, organisation=org, role=Role.ORG_ADMIN)
    return org, program, admin


def share(
    people: Iterable[Person], recipient: Organisation, *, recorder: Any, categories: list[str] | None = None
) -> None:
    for person in people:
        Consent.objects.create(
            person=person,
            purpose=ConsentPurpose.SHARE,
            recipient=recipient,
            data_categories=categories or EVERYTHING,
            method=ConsentMethod.WRITTEN,
            given_at=timezone.now() - datetime.timedelta(days=1),
            recorded_by=recorder,
        )


def count_me(people: Iterable[Person], *, recorder: Any) -> None:
    for person in people:
        Consent.objects.create(
            person=person, purpose=ConsentPurpose.REPORTING, method=ConsentMethod.WRITTEN,
            given_at=timezone.now() - datetime.timedelta(days=1), recorded_by=recorder,
        )  # fmt: skip


def export_text(**kwargs: Any) -> str:
    result = services.htcds_export(**kwargs)
    return "".join(result.chunks)


def export_json(**kwargs: Any) -> dict[str, Any]:
    return json.loads(export_text(file_format="json", **kwargs))  # type: ignore[no-any-return]


def import_file(path: Path | str, *, actor: Any, organisation: Organisation, program: Program, **kwargs: Any) -> Any:
    path = Path(path)
    return services.htcds_import(
        actor=actor, organisation=organisation, program=program, file_name=path.name, data=path.read_bytes(), **kwargs
    )


def import_bytes(name: str, data: bytes | str, *, actor: Any, organisation: Organisation, program: Program,
                 **kwargs: Any) -> Any:  # fmt: skip
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return services.htcds_import(
        actor=actor, organisation=organisation, program=program, file_name=name, data=raw, **kwargs
    )
