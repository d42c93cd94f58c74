"""The database itself refuses to change or delete a published release.

PostgreSQL: a trigger refuses UPDATE and DELETE on ``releases_release`` (TRUNCATE, a table-owner operation used by
test-database flushes, is not an application path). SQLite: triggers refuse UPDATE, and DELETE except during a flush
of the whole database (the function ``reparo_audit_flushing()`` that reparo/audit/db.py registers on every SQLite
connection, as for audit rows).

Beware: Django alters an SQLite table by copying it into a new one, which drops its triggers. A migration that
alters ``releases_release`` must create these triggers again (tests/releases/test_models.py fails if it does not).
"""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION reparo_release_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'published releases are immutable (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER releases_release_immutable
    BEFORE UPDATE OR DELETE ON releases_release
    FOR EACH ROW EXECUTE FUNCTION reparo_release_immutable();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS releases_release_immutable ON releases_release;
DROP FUNCTION IF EXISTS reparo_release_immutable();
"""
SQLITE_FORWARD = (
    """
CREATE TRIGGER releases_release_no_update BEFORE UPDATE ON releases_release
BEGIN SELECT RAISE(ABORT, 'published releases are immutable (UPDATE refused)'); END;
""",
    """
CREATE TRIGGER releases_release_no_delete BEFORE DELETE ON releases_release
WHEN reparo_audit_flushing() IS NOT 1
BEGIN SELECT RAISE(ABORT, 'published releases are immutable (DELETE refused)'); END;
""",
)
SQLITE_BACKWARD = (
    "DROP TRIGGER IF EXISTS releases_release_no_update;",
    "DROP TRIGGER IF EXISTS releases_release_no_delete;",
)


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("releases", "0001_initial"), ("audit", "0003_sqlite_refuses_delete")]
    operations = [migrations.RunPython(forward, backward, elidable=False)]
