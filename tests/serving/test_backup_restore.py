"""Nothing lost on restore: a backup taken with ``pg_dump`` and restored with ``pg_restore`` into a fresh database, as
docs/backups.md tells an operator, gives back every encrypted value (with the same key ring), people found by their
exact name through the blind index, the triggers Reparo relies on (audit, tally, access stamp) and a case tally that
matches. A restore that lost a trigger is refused at start, naming it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.db import connection
from psycopg import sql

from reparo.audit.models import AuditEvent
from reparo.cases.models import Case
from tests.cases.factories import alice_case
from tests.serving.conftest import ROOT, database_url

pytestmark = pytest.mark.django_db(transaction=True)

# Run in the restored database by `manage.py shell`: what docs/backups.md's restore drill checks, as JSON.
DRILL = """
import json
from django.apps import apps
from django.db import connection
from reparo.accounts.models import AccessStamp, Membership, User
from reparo.audit.models import AuditEvent
from reparo.cases import selectors
from reparo.cases.models import Case
from reparo.core.fields import encrypted_fields

values = failed = 0
for model in apps.get_models():
    fields = encrypted_fields(model)
    for obj in (model._base_manager.iterator() if fields else []):
        for field in fields:
            try:
                if getattr(obj, field.attname) is not None:
                    values += 1
            except Exception:
                failed += 1
coordinator = User.objects.get(email="coordinator@alice.example")
found = [c.reference for c in selectors.case_list(coordinator, q="Amara Okafor")]
before = AccessStamp.objects.get(pk=1).value
membership = Membership.objects.filter(user=coordinator).first()
membership.save()
after = AccessStamp.objects.get(pk=1).value
refused = False
try:
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET action = 'changed' WHERE id = %s", [AuditEvent.objects.first().pk])
except Exception:
    refused = True
print(json.dumps({
    "values": values, "failed": failed, "found": found, "stamp_moved": before != after,
    "audit_update_refused": refused, "cases": Case.objects.count(), "audit_rows": AuditEvent.objects.count(),
}))
"""


def dump_and_restore(source: str, target: str, dump: Path) -> None:
    """As docs/backups.md says: a custom-format dump, restored whole into a fresh database."""
    subprocess.run(["pg_dump", "--format=custom", f"--file={dump}", source], check=True, timeout=300)
    subprocess.run(
        ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={target}", str(dump)], check=True, timeout=300
    )


def _manage(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update({"REPARO_ENV": "test", "DJANGO_SETTINGS_MODULE": "reparo.test_settings", "DATABASE_URL": url})
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture
def restored_name(transactional_db: Any) -> Iterator[str]:
    if connection.vendor != "postgresql":
        pytest.skip("a pg_dump / pg_restore round trip needs PostgreSQL (the PostgreSQL pass of .ci/run runs it)")
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("pg_dump and pg_restore are not installed (Debian: postgresql-client)")
    name = f"{connection.settings_dict['NAME']}_restored"
    server = {**connection.settings_dict, "NAME": "postgres"}
    with psycopg.connect(database_url(server), autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {} ENCODING 'UTF8' TEMPLATE template0").format(sql.Identifier(name)))
    try:
        yield name
    finally:
        with psycopg.connect(database_url(server), autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


def test_a_dump_restored_into_a_fresh_database_gives_everything_back(world, restored_name, tmp_path):
    case = alice_case(world, survivor_name=("Amara", "Okafor"))
    alice_case(world, survivor_name=("Bea", "Lindqvist"))
    Case.objects.filter(pk=case.pk).update(status="assessment")  # moves the tally, by trigger
    audit_rows = AuditEvent.objects.count()
    source = database_url(connection.settings_dict)
    target = database_url({**connection.settings_dict, "NAME": restored_name})

    dump_and_restore(source, target, tmp_path / "reparo.dump")

    drill = _manage(target, "shell", "-c", DRILL)
    assert drill.returncode == 0, drill.stderr
    found = json.loads(drill.stdout.strip().splitlines()[-1])
    assert found["failed"] == 0 and found["values"] > 10
    assert found["found"] == [case.reference]
    assert found["stamp_moved"] and found["audit_update_refused"]
    assert (found["cases"], found["audit_rows"]) == (2, audit_rows)

    tally = _manage(target, "case_tally")
    assert tally.returncode == 0 and "The case tally matches the cases." in tally.stdout, tally.stdout + tally.stderr
    checked = _manage(target, "check", "--database", "default", "--fail-level", "WARNING")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_a_restore_that_lost_a_trigger_is_refused_at_start_naming_it(world, restored_name, tmp_path):
    alice_case(world)
    source = database_url(connection.settings_dict)
    target = database_url({**connection.settings_dict, "NAME": restored_name})
    dump_and_restore(source, target, tmp_path / "reparo.dump")
    with psycopg.connect(target, autocommit=True) as restored:
        restored.execute("DROP TRIGGER cases_case_tally ON cases_case")

    checked = _manage(target, "check", "--database", "default", "--fail-level", "WARNING")
    assert checked.returncode != 0
    assert "reparo.W001" in checked.stderr and "cases_case_tally on cases_case (case tally)" in checked.stderr
