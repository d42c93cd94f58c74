"""The database triggers Reparo relies on, and a start-up check that says loudly when any is missing.

Some rules are kept by the database itself: the audit trail refuses changes, the case tally follows every write to
cases, the access stamp moves with every change to users, roles and devices, published releases never change. A
database restored without its triggers (a data-only dump, a hand-made copy) would silently lose them. Each app
registers the triggers its migrations create (:func:`expect_triggers`, in its ``AppConfig.ready``); the check
``reparo.W001`` lists any that is missing or disabled:

- ``manage.py check --database default`` (and ``check --deploy --database default --fail-level WARNING``, which the
  systemd unit and ``manage.py serve`` run before starting: a missing trigger stops start-up);
- the gunicorn master logs the same list at start (reparo/server.py).

Only tables that exist are checked, so a database whose migrations have not run yet is not reported (``migrate``
runs database checks too, and must stay able to put the triggers back).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core import checks
from django.db import connections


@dataclass(frozen=True)
class ExpectedTrigger:
    app: str
    table: str
    name: str
    what: str


_expected: dict[str, list[ExpectedTrigger]] = {"postgresql": [], "sqlite": []}


def expect_triggers(*, app: str, table: str, what: str, postgresql: list[str], sqlite: list[str]) -> None:
    """Record the triggers ``app``'s migrations create on ``table``, for each database vendor."""
    for vendor, names in (("postgresql", postgresql), ("sqlite", sqlite)):
        for name in names:
            trigger = ExpectedTrigger(app=app, table=table, name=name, what=what)
            if trigger not in _expected[vendor]:
                _expected[vendor].append(trigger)


def expected_triggers(vendor: str) -> list[ExpectedTrigger]:
    return list(_expected.get(vendor, []))


def missing_triggers(using: str = "default") -> list[ExpectedTrigger]:
    """The expected triggers that are absent (or disabled) on tables that exist, in database ``using``."""
    connection = connections[using]
    expected = expected_triggers(connection.vendor)
    if not expected:
        return []
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
        present = _present(connection.vendor, cursor)
    return [t for t in expected if t.table in tables and (t.table, t.name) not in present]


def _present(vendor: str, cursor: Any) -> set[tuple[str, str]]:
    if vendor == "postgresql":
        cursor.execute(
            "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE NOT t.tgisinternal AND t.tgenabled <> 'D' AND pg_catalog.pg_table_is_visible(c.oid)"
        )
    else:
        cursor.execute("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'")
    return {(table, name) for table, name in cursor.fetchall()}


def describe(missing: list[ExpectedTrigger]) -> str:
    return "; ".join(f"{t.name} on {t.table} ({t.what})" for t in missing)


@checks.register(checks.Tags.database)
def check_triggers(app_configs: Any = None, databases: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    messages: list[checks.CheckMessage] = []
    for alias in databases or ():
        missing = missing_triggers(alias)
        if missing:
            messages.append(
                checks.Warning(
                    f"Database {alias!r} is missing {len(missing)} trigger(s) Reparo relies on: {describe(missing)}.",
                    hint=(
                        "Was the database restored without its schema (a data-only dump)? Restore the whole "
                        "custom-format dump as docs/backups.md says, then run `manage.py case_tally`."
                    ),
                    id="reparo.W001",
                )
            )
    return messages
