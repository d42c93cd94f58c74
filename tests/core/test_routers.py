"""Dashboard and export reads go to a replica when one is configured; every write, every access decision and every
read inside a transaction stays on the primary.

The replica here is a second database alias pointing at the test database on the same server (PostgreSQL: a second
connection to the same database; SQLite: the same shared in-memory database, as a test ``MIRROR`` would), added for
the test. Transactional tests, as a server runs: outside a test's wrapping transaction.
"""

from __future__ import annotations

import pytest
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reparo.accounts.models import Membership
from reparo.cases.models import Case
from reparo.consent.models import Consent
from reparo.core.routers import REPLICA, reads_go_to_replica, replica_reads
from tests.cases.factories import alice_case
from tests.conftest import captured_per_database, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

PRIMARY_ONLY_TABLES = ('"django_session"', '"accounts_membership"', '"accounts_user"', '"otp_totp_totpdevice"')


def test_it_reads_the_organisation_dashboard_from_the_replica(client, world, replica):
    alice_case(world)
    sign_in(client, world["coordinator"])
    primary, secondary = captured_per_database()
    with primary, secondary:
        response = client.get(reverse("analytics:organisation", args=[world.alice_org.pk]))
    assert response.status_code == 200
    replica_sql = [q["sql"] for q in secondary.captured_queries]
    tallies = '"analytics_evidencetally"'
    assert any(tallies in sql for sql in replica_sql), "the dashboard's figures came from the primary"
    # Who is signed in, and with which roles, is read from the primary whatever the replica's lag.
    assert not any(table in sql for sql in replica_sql for table in PRIMARY_ONLY_TABLES)
    assert any('"django_session"' in q["sql"] for q in primary.captured_queries)


def test_it_reads_the_program_dashboard_from_the_replica_but_not_a_post_to_the_same_organisation(
    client, world, replica
):
    sign_in(client, world["coordinator"])
    primary, secondary = captured_per_database()
    with primary, secondary:
        page = client.get(reverse("analytics:program", args=[world.alice_org.pk, world.program.pk]))
    assert page.status_code == 200 and secondary.captured_queries
    with CaptureQueriesContext(connections[REPLICA]) as after_post:
        client.post_form(reverse("analytics:improvement_add", args=[world.alice_org.pk]), {"title": "x"})
    assert after_post.captured_queries == []


def test_it_reads_other_pages_from_the_primary(client, world, replica):
    case = alice_case(world)
    sign_in(client, world["coordinator"])
    with CaptureQueriesContext(connections[REPLICA]) as secondary:
        assert client.get(reverse("cases:list")).status_code == 200
        assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 200
    assert secondary.captured_queries == []


def test_it_writes_to_the_primary_what_it_read_from_the_replica(world, replica):
    case = alice_case(world)
    with replica_reads():
        copy_of_case = Case.objects.get(pk=case.pk)
        assert copy_of_case._state.db == REPLICA
        primary, secondary = captured_per_database()
        with primary, secondary:
            Case.objects.filter(pk=case.pk).update(version=copy_of_case.version)
            copy_of_case.save(update_fields=["version"])
    assert not any(q["sql"].startswith("UPDATE") for q in secondary.captured_queries)
    assert sum(q["sql"].startswith("UPDATE") for q in primary.captured_queries) == 2


def test_it_reads_roles_sessions_and_consent_from_the_primary_even_when_asked_for_the_replica(world, replica):
    with replica_reads():
        assert Membership.objects.all().db == DEFAULT_DB_ALIAS
        assert Consent.objects.all().db == DEFAULT_DB_ALIAS
        assert Case.objects.all().db == REPLICA


def test_it_reads_its_own_writes_inside_a_transaction(world, replica):
    with replica_reads():
        assert reads_go_to_replica()
        with transaction.atomic():
            case = alice_case(world)
            assert not reads_go_to_replica()
            assert Case.objects.filter(pk=case.pk).db == DEFAULT_DB_ALIAS
            assert Case.objects.filter(pk=case.pk).exists()
        assert reads_go_to_replica()


def test_it_reads_everything_from_the_primary_without_a_replica(client, world):
    assert REPLICA not in connections.settings
    sign_in(client, world["coordinator"])
    with replica_reads():
        assert not reads_go_to_replica()
        assert Case.objects.all().db == DEFAULT_DB_ALIAS
    assert client.get(reverse("analytics:organisation", args=[world.alice_org.pk])).status_code == 200


def test_a_background_job_that_asks_for_it_reads_from_the_replica_and_writes_to_the_primary(world, replica):
    from reparo.jobs import kinds
    from reparo.jobs.models import Job, JobState
    from reparo.jobs.services import job_run

    alice_case(world)
    seen = {}

    def run(work):
        seen["cases"] = Case.objects.all().db
        seen["job"] = Job.objects.filter(pk=work.job.pk).db
        seen["count"] = Case.objects.count()
        work.write(b"made")
        work.done(filename="made.txt", content_type="text/plain")

    for name, from_replica in (("test.replica_reader", True), ("test.primary_reader", False)):
        kinds.register(kinds.JobKind(name=name, title=name, run=run, allowed=lambda a, p: True,
                                     reads_from_replica=from_replica))  # fmt: skip
        job = Job.objects.create(owner=world["coordinator"], organisation=world.alice_org, kind=name, params={})
        try:
            with CaptureQueriesContext(connections[REPLICA]) as secondary:
                job_run(str(job.pk))
        finally:
            kinds._KINDS.pop(name)
        job.refresh_from_db()
        assert job.state == JobState.DONE and seen["count"] == 1
        assert seen["job"] == DEFAULT_DB_ALIAS  # the job's own rows: always the primary
        assert seen["cases"] == (REPLICA if from_replica else DEFAULT_DB_ALIAS)
        assert not any(q["sql"].startswith(("INSERT", "UPDATE", "DELETE")) for q in secondary.captured_queries)
        assert bool(secondary.captured_queries) is from_replica
