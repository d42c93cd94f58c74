"""seed_synthetic: repeatable, realistic in shape, encrypted at rest, searchable, and refused in production."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import Count
from django.test import override_settings
from django.utils import timezone

from reparo.accounts.models import Membership, Role
from reparo.cases import selectors
from reparo.cases.models import Case, CaseParticipant, CaseReferenceCounter, CaseStatusChange, Note, Task
from reparo.cases.synthetic import seed_synthetic
from reparo.people.models import Person, PersonNameIndex
from tests.cases.factories import open_case

pytestmark = pytest.mark.django_db

CASES = 30


def _snapshot() -> dict:
    """What the seed decides, independent of auto-increment keys (a reference embeds the organisation's id)."""
    cases = [
        (org, ref[:8], ref[-5:], str(pk), status)
        for pk, org, ref, status in Case.objects.values_list("pk", "organisation__name", "reference", "status")
    ]
    return {
        "cases": sorted(cases),
        "codes": sorted(Person.objects.values_list("display_code", flat=True)),
        "counts": [m.objects.count() for m in (Person, CaseParticipant, PersonNameIndex, Note, Task)],
    }


def _seed(**kwargs) -> dict:
    seed_synthetic(cases=CASES, analyze=False, batch_size=10, **kwargs)
    return _snapshot()


def _coordinator_of(organisation):
    return Membership.objects.filter(organisation=organisation, role=Role.COORDINATOR).order_by("user__email")[0].user


def test_it_is_repeatable_with_the_same_seed():
    with transaction.atomic():
        first = _seed(seed=7, workers=1)
        transaction.set_rollback(True)
    assert Case.objects.count() == 0
    second = _seed(seed=7, workers=1)
    assert first == second
    assert len(first["cases"]) == CASES and len(set(first["codes"])) == len(first["codes"])


def test_it_gives_the_same_data_from_several_worker_processes():
    with transaction.atomic():
        serial = _seed(seed=11, workers=1)
        transaction.set_rollback(True)
    assert _seed(seed=11, workers=2) == serial


def test_another_seed_gives_other_data():
    with transaction.atomic():
        first = _seed(seed=1, workers=1)
        transaction.set_rollback(True)
    assert _seed(seed=2, workers=1)["codes"] != first["codes"]


def test_it_creates_about_three_people_per_case_with_notes_tasks_and_history():
    _seed(workers=1)
    people = Person.objects.count()
    assert 2.5 * CASES <= people <= 3.5 * CASES
    assert CaseParticipant.objects.filter(role="survivor").count() == CASES
    assert PersonNameIndex.objects.values("person").distinct().count() >= CASES  # every survivor has a name
    assert Note.objects.count() >= CASES and Task.objects.count() >= CASES
    assert Task.objects.filter(done_at__isnull=True, due_date__lt=timezone.localdate()).exists()  # some overdue
    assert len(set(Case.objects.values_list("status", flat=True))) >= 4
    assert Case.objects.values("organisation").distinct().count() >= 2
    for case in Case.objects.annotate(n=Count("status_changes")):
        latest = CaseStatusChange.objects.filter(case=case).order_by("-at", "-id").first()
        assert latest is not None and latest.to_status == case.status
        assert case.team.filter(role="case_worker").exists()


def test_it_writes_no_plaintext_names_or_contact_details():
    _seed(workers=1)
    person = Person.objects.filter(kind="survivor", phone__isnull=False).order_by("display_code")[0]
    plain = [person.full_name, person.phone]  # both contain a space, which no ciphertext does
    assert all(" " in p for p in plain)
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(Person._meta.db_table)
        cursor.execute(f"SELECT * FROM {table} WHERE display_code = %s", [person.display_code])  # noqa: S608
        row = cursor.fetchone()
        cursor.execute(f"SELECT given_name, family_name, phone, email, address FROM {table}")  # noqa: S608
        stored = [value for values in cursor.fetchall() for value in values if value is not None]
    assert not any(p in str(value) for p in plain for value in row)
    assert stored and all(value.startswith("enc1:") for value in stored)


def test_people_are_found_by_exact_name_and_phone_through_the_blind_index():
    _seed(workers=1)
    person = Person.objects.filter(kind="survivor", phone__isnull=False).order_by("display_code")[0]
    case = person.participations.get().case
    coordinator = _coordinator_of(person.organisation)
    by_name = selectors.case_list(coordinator, q=f"  {person.full_name.upper()} ")
    assert case in by_name
    assert case in selectors.case_list(coordinator, q=person.phone)
    assert case not in selectors.case_list(coordinator, q=person.full_name[:-1])  # exact match only


def test_it_keeps_case_references_unique_for_the_next_case_opened():
    _seed(workers=1)
    for counter in CaseReferenceCounter.objects.all():
        in_year = Case.objects.filter(
            organisation_id=counter.organisation_id, reference__startswith=f"RJ-{counter.year}-"
        )
        assert counter.last == in_year.count()
    organisation = Case.objects.values_list("organisation", flat=True).order_by("reference")[0]
    coordinator = _coordinator_of(organisation)
    program = Case.objects.filter(organisation=organisation)[0].program
    case = open_case(actor=coordinator, program=program)
    counter = CaseReferenceCounter.objects.get(organisation_id=organisation, year=timezone.localdate().year)
    assert case.reference.endswith(f"{counter.last:05d}")
    assert Case.objects.filter(reference=case.reference).count() == 1


def test_the_command_prints_the_seeding_rate_and_refuses_a_seed_already_present():
    out = StringIO()
    call_command("seed_synthetic", cases=12, seed=3, stdout=out)
    assert Case.objects.count() == 12
    assert "cases/s" in out.getvalue()
    with pytest.raises(CommandError, match="already"):
        call_command("seed_synthetic", cases=12, seed=3, stdout=StringIO())
    assert Case.objects.count() == 12


@override_settings(DEVELOPMENT=False, TESTING=False)
def test_it_refuses_outside_development_and_test():
    with pytest.raises(CommandError, match="development"):
        call_command("seed_synthetic", cases=5, stdout=StringIO())
    assert Case.objects.count() == 0 and Person.objects.count() == 0
