"""An export of many cases: its queries do not grow with the cases and people in it (the consent policy is asked about
everyone at once, not person by person), and the file it writes is, byte for byte, the one asking the policy person by
person and category by category gives."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reparo.cases import services as case_services
from reparo.cases.models import Case
from reparo.cases.models import ParticipantRole as PR
from reparo.consent.models import ConsentPurpose, DataCategory
from reparo.consent.policy import may
from reparo.interop import selectors
from reparo.organisations.models import Organisation
from reparo.people.models import Person
from tests.interop import helpers as h

pytestmark = pytest.mark.django_db


def _open_cases(world: Any, n: int, *, start: int = 0) -> list[Case]:
    """``n`` cases recorded in Reparo, each with a survivor, a responsible person and a note."""
    admin = world["org_admin"]
    opened = []
    for i in range(start, start + n):
        case = case_services.case_open(
            actor=admin, program=world.program, referral_source="police", referral_date=datetime.date(2025, 3, 1 + i),
            survivor={"given_name": f"Survivor {i}", "family_name": "Example", "gender": "Feminine",
                      "date_of_birth": datetime.date(1990, 1, 1 + i), "email": f"s{i}@example.org"},
            responsible={"given_name": f"Responsible {i}", "gender": "Masculine"},
            exploitation_types=["ForcedLabour"],
        )  # fmt: skip
        case_services.note_add(actor=admin, case=case, body=f"Note {i}.")
        opened.append(case)
    return opened


def _queries(world: Any, **kwargs: Any) -> int:
    with CaptureQueriesContext(connection) as queries:
        text = h.export_text(actor=world["org_admin"], organisation=world.alice_org, **kwargs)
    assert text
    return len(queries)


@pytest.mark.parametrize(
    "kwargs", [{"file_format": "csv"}, {"file_format": "json"}, {"file_format": "csv", "deidentified": True}]
)
def test_it_makes_an_export_in_as_many_queries_for_three_times_the_people(world: Any, kwargs: dict) -> None:
    if not kwargs.get("deidentified"):
        kwargs = {**kwargs, "recipient": world.partner}
    admin = world["org_admin"]
    _open_cases(world, 2)
    everyone = Person.objects.filter(organisation=world.alice_org)
    h.share(everyone, world.partner, recorder=admin)
    h.count_me(everyone, recorder=admin)
    _queries(world, **kwargs)  # the first export also gives this installation its code
    few = _queries(world, **kwargs)
    _open_cases(world, 4, start=2)
    new = Person.objects.filter(organisation=world.alice_org).exclude(consents__purpose=ConsentPurpose.SHARE)
    h.share(new, world.partner, recorder=admin)
    h.count_me(Person.objects.filter(pk__in=new), recorder=admin)
    many = _queries(world, **kwargs)
    assert many == few, (few, many)


def _shared_asking_each_person(
    *, people: Any, recipient: Any, categories: Any, at: Any = None
) -> dict[Any, frozenset[str]]:
    """The consent answer as the export had it before the policy had a set form: ``may`` for each person and
    category (``people``: the person ids, or the query of them, the export hands to ``shared_categories``)."""
    ids = {row["person_id"] if isinstance(row, dict) else row for row in people}
    answer = {}
    for pk, person in Person.objects.in_bulk(ids).items():
        allowed = frozenset(
            c
            for c in categories
            if may(person=person, purpose=ConsentPurpose.SHARE, recipient=recipient, categories=[c])
        )
        if allowed:
            answer[pk] = allowed
    return answer


@pytest.mark.parametrize("file_format", ["csv", "json"])
def test_it_writes_the_same_bytes_as_asking_the_policy_person_by_person(
    world: Any, file_format: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = world["org_admin"]
    report = h.import_file(h.FULL, actor=admin, organisation=world.alice_org, program=world.program)
    assert report.saved, report.problems
    cases = _open_cases(world, 5)
    survivors = [c.participants.get(role=PR.SURVIVOR).person for c in cases]
    responsible = [c.participants.get(role=PR.RESPONSIBLE).person for c in cases]
    imported = Person.objects.filter(organisation=world.alice_org, htcds_link__isnull=False)
    h.share(imported, world.partner, recorder=admin)
    h.share(survivors[:4], world.partner, recorder=admin, categories=[DataCategory.CASE_FACTS])  # names left out
    h.share(survivors[1:3], world.partner, recorder=admin, categories=[DataCategory.IDENTITY, DataCategory.NEEDS])
    h.share(responsible[::2], world.partner, recorder=admin)  # the others are left out of their cases
    elsewhere = Organisation.objects.create(name="Elsewhere Aid", kind="partner", htcds_type="NGO")
    h.share(survivors[4:], elsewhere, recorder=admin)  # with another organisation: the case is left out
    case_services.person_erase(actor=admin, person=survivors[3])  # agreed, then erased: the case is left out

    def made(**kwargs: Any) -> bytes:
        result = h.services.htcds_export(actor=admin, organisation=world.alice_org, recipient=world.partner,
                                         file_format=file_format, **kwargs)  # fmt: skip
        return "".join(result.chunks).encode()

    for kwargs in ({}, {"program": world.program}):
        now = made(**kwargs)
        assert b"Survivor 1" in now and b"Survivor 0" not in now and b"Responsible 1" not in now
        with monkeypatch.context() as patched:
            patched.setattr(selectors, "shared_categories", _shared_asking_each_person)
            before = made(**kwargs)
        assert now == before
