"""The start-up check says loudly when a trigger Reparo relies on is missing (a database restored without them)."""

from __future__ import annotations

from django.core import checks
from django.db import connection

from reparo.core.triggers import check_triggers, expected_triggers, missing_triggers


def test_it_finds_every_trigger_in_place_after_migrating(db):
    names = {t.name for t in expected_triggers(connection.vendor)}
    assert {"cases_case_tally", "cases_case_tally_insert"} & names  # the tally, on either vendor
    assert any(name.startswith("accounts_membership_access") for name in names)
    assert any(name.startswith("audit_auditevent") for name in names)
    assert missing_triggers() == []
    assert check_triggers(databases=["default"]) == []


def test_it_names_a_missing_trigger_and_how_to_put_it_back(db):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE cases_case DISABLE TRIGGER cases_case_tally")
            gone = "cases_case_tally"
        else:
            cursor.execute("DROP TRIGGER cases_case_tally_insert")
            gone = "cases_case_tally_insert"
        cursor.execute(
            "DROP TRIGGER accounts_membership_access_update"
            + (" ON accounts_membership" if connection.vendor == "postgresql" else "")
        )
    [message] = check_triggers(databases=["default"])
    assert message.level == checks.WARNING and message.id == "reparo.W001"
    assert f"{gone} on cases_case (case tally)" in message.msg
    assert "accounts_membership_access_update on accounts_membership (access stamp)" in message.msg
    assert "docs/backups.md" in message.hint


def test_it_is_quiet_about_tables_that_do_not_exist_yet(db):
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE releases_release")
    assert not any(t.table == "releases_release" for t in missing_triggers())
