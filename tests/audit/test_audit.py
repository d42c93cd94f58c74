import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import DatabaseError, IntegrityError, connection, transaction

from reparo.access import services as access_services
from reparo.accounts.models import Membership, Role
from reparo.audit.models import AuditEvent, AuditImmutableError
from reparo.audit.services import AuditOutsideTransactionError, audit_record, audit_record_for
from tests.conftest import CsrfClient, sign_in

pytestmark = pytest.mark.django_db


class Boom(Exception):
    pass


def test_it_writes_the_audit_row_with_its_action(world):
    membership = access_services.membership_add(
        actor=world["org_admin"], organisation=world.alice_org, email="newperson@alice.example", role=Role.FACILITATOR
    )
    event = AuditEvent.objects.get(action="membership.added")
    assert event.actor == world["org_admin"]
    assert event.organisation == world.alice_org
    assert event.object_id == str(membership.pk)
    assert "newperson" not in str(event.detail)


def test_it_rolls_back_the_audit_row_with_its_action(world):
    before = AuditEvent.objects.count()
    with pytest.raises(Boom), transaction.atomic():
        access_services.membership_add(
            actor=world["org_admin"], organisation=world.alice_org, email="rollback@alice.example", role=Role.EVALUATOR
        )
        raise Boom
    assert not Membership.objects.filter(user__email="rollback@alice.example").exists()
    assert AuditEvent.objects.count() == before


def test_it_writes_no_audit_row_when_the_action_is_refused(world):
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError):
        access_services.membership_add(
            actor=world["org_admin"],
            organisation=world.alice_org,
            email=world["facilitator"].email,
            role=Role.FACILITATOR,
        )
    assert AuditEvent.objects.count() == before


@pytest.mark.django_db(transaction=True)
def test_it_refuses_to_audit_outside_a_transaction(world):
    # transaction=True: no test-wide transaction, as in production code.
    with pytest.raises(AuditOutsideTransactionError):
        audit_record(actor=world["org_admin"], action="test.outside")
    assert not AuditEvent.objects.filter(action="test.outside").exists()


def test_it_records_a_services_action_with_any_detail_and_names_background_work(world):
    org = world.alice_org
    with transaction.atomic():
        by_person = audit_record_for(world["org_admin"], "x.done", org, org, organisation=7, obj="o")
        by_job = audit_record_for(None, "x.swept", org, org, system_label="system: sweep")
    assert (by_person.actor, by_person.actor_label) == (world["org_admin"], world["org_admin"].email)
    assert (by_person.organisation, by_person.object_type, by_person.object_id) == (org, "organisations.organisation",
                                                                                    str(org.pk))  # fmt: skip
    assert by_person.detail == {"organisation": 7, "obj": "o"}
    assert (by_job.actor, by_job.actor_label, by_job.detail) == (None, "system: sweep", {})


def test_it_offers_no_way_to_change_or_delete_an_audit_row(world):
    with transaction.atomic():
        event = audit_record(actor=world["org_admin"], action="test.immutable")
    event.action = "test.changed"
    with pytest.raises(AuditImmutableError):
        event.save()
    with pytest.raises(AuditImmutableError):
        event.delete()
    with pytest.raises(AuditImmutableError):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(AuditImmutableError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "test.immutable"


def test_it_refuses_a_raw_update_in_the_database(world):
    with transaction.atomic():
        event = audit_record(actor=world["org_admin"], action="test.raw")
    with pytest.raises((DatabaseError, IntegrityError)), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET action = 'forged' WHERE id = %s", [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "test.raw"


def test_it_refuses_a_raw_delete_in_the_database(world):
    with transaction.atomic():
        event = audit_record(actor=world["org_admin"], action="test.raw_delete")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
    # The plain manager skips the model's refusal: the database still refuses.
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent._base_manager.filter(pk=event.pk).delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_it_lets_only_a_flush_of_the_whole_database_empty_the_trail():
    # transaction=True: the rows are committed, and the test run empties the database with a flush afterwards.
    with transaction.atomic():
        audit_record(actor=None, action="test.flush")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent")
    assert AuditEvent.objects.filter(action="test.flush").exists()
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEvent.objects.exists()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        audit_record(actor=None, action="test.after_flush")
        AuditEvent._base_manager.all().delete()


def test_it_records_request_id_and_address_of_a_sign_in(world):
    client = CsrfClient()
    response = client.post_form(
        "/sign-in/",
        {"username": world["coordinator"].email, "password": "correct horse battery staple 42"},
        REMOTE_ADDR="192.0.2.44",
    )
    event = AuditEvent.objects.get(action="auth.password_accepted")
    assert event.ip == "192.0.2.44"
    assert event.request_id == response["X-Request-ID"]


def test_it_records_a_failed_sign_in_without_the_typed_name(world):
    client = CsrfClient()
    client.post_form("/sign-in/", {"username": "typo-secret@alice.example", "password": "nope"})
    event = AuditEvent.objects.get(action="auth.sign_in_failed")
    assert "typo-secret" not in f"{event.actor_label} {event.detail} {event.object_id}"


def test_it_shows_an_organisation_admin_their_organisations_trail_only(world):
    with transaction.atomic():
        audit_record(actor=world["facilitator"], action="case.viewed", organisation=world.alice_org)
        audit_record(
            actor=world.charlie, action="case.viewed", object_id="charlie-secret", organisation=world.charlie_org
        )
    admin = sign_in(CsrfClient(), world["org_admin"])
    page = admin.get("/activity/").content.decode()
    assert world["facilitator"].email in page
    assert "charlie-secret" not in page and world.charlie.email not in page


def test_it_filters_the_trail(world):
    with transaction.atomic():
        audit_record(actor=world["facilitator"], action="case.viewed", organisation=world.alice_org)
        audit_record(actor=world["coordinator"], action="export.made", organisation=world.alice_org)
    admin = sign_in(CsrfClient(), world["org_admin"])
    page = admin.get("/activity/", {"action": "export"}).content.decode()
    assert "export.made" in page and "case.viewed" not in page
    page = admin.get("/activity/", {"actor_email": world["facilitator"].email}).content.decode()
    assert "case.viewed" in page and "export.made" not in page
    bad = admin.get("/activity/", {"since": "2026-02-02", "until": "2026-01-01"})
    assert bad.status_code == 200 and "start date" in bad.content.decode()


def test_it_paginates_the_trail(world):
    with transaction.atomic():
        for n in range(60):
            audit_record(actor=world["facilitator"], action=f"test.page{n:02d}", organisation=world.alice_org)
    admin = sign_in(CsrfClient(), world["org_admin"])
    first = admin.get("/activity/", {"action": "test.page"}).content.decode()
    second = admin.get("/activity/", {"action": "test.page", "page": 2}).content.decode()
    assert "test.page59" in first and "test.page00" not in first
    assert "test.page00" in second and "Page 2 of 2" in second


@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.ORG_ADMIN])
def test_it_hides_the_trail_from_other_roles(world, role):
    client = sign_in(CsrfClient(), world[role])
    assert client.get("/activity/").status_code == 404


def test_it_keeps_the_trail_query_count_flat(world, django_assert_max_num_queries):
    with transaction.atomic():
        for n in range(40):
            audit_record(actor=world["facilitator"], action=f"test.q{n}", organisation=world.alice_org)
    admin = sign_in(CsrfClient(), world["org_admin"])
    with django_assert_max_num_queries(20):
        assert admin.get("/activity/").status_code == 200
