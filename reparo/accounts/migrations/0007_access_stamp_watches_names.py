"""The access stamp also moves when a user's name changes: the lists of colleagues and owners kept under it show
names (``reparo.cases.selectors.colleague_choices``, ``reparo.analytics.selectors.owner_choices``), and a renamed
colleague must appear by the new name on the next page, in every process. Only the update trigger on
``accounts_user`` changes; a sign-in (which writes ``last_login`` alone) still keeps the stamp."""

import importlib

from django.db import migrations

stamp = importlib.import_module("reparo.accounts.migrations.0002_accessstamp")

TABLE = "accounts_user"
BEFORE = ("email", "is_active")
AFTER = ("email", "is_active", "full_name")


def _statements(vendor, columns):
    if vendor == "postgresql":
        return [
            f"DROP TRIGGER IF EXISTS {TABLE}_access_update ON {TABLE}",
            f"CREATE TRIGGER {TABLE}_access_update AFTER UPDATE ON {TABLE} FOR EACH ROW "
            f"{stamp._when(columns, 'IS DISTINCT FROM')}EXECUTE FUNCTION reparo_access_changed()",
        ]
    if vendor == "sqlite":
        return [
            f"DROP TRIGGER IF EXISTS {TABLE}_access_update",
            f"CREATE TRIGGER {TABLE}_access_update AFTER UPDATE ON {TABLE} "
            f"{stamp._when(columns, 'IS NOT')}BEGIN {stamp.SQLITE_BUMP} END",
        ]
    raise RuntimeError(f"The access stamp needs triggers written for {vendor}.")


def _run(schema_editor, columns):
    for statement in _statements(schema_editor.connection.vendor, columns):
        schema_editor.execute(statement, params=None)


def forward(apps, schema_editor):
    _run(schema_editor, AFTER)


def backward(apps, schema_editor):
    _run(schema_editor, BEFORE)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0006_account_type_integration")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
