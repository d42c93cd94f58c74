"""SQLite refuses DELETE on audit rows too, as PostgreSQL already does (0002).

The one exception is a flush of the whole database (``manage.py flush``), the SQLite counterpart of
PostgreSQL's TRUNCATE: the trigger asks ``reparo_audit_flushing()``, a function Reparo registers on each
SQLite connection (reparo/audit/db.py). A connection without it cannot delete audit rows at all.

Beware: Django alters an SQLite table by copying it into a new one, which drops its triggers. A migration
that alters ``audit_auditevent`` must create the triggers of 0002 and of this migration again
(tests/audit/test_audit.py fails if it does not).
"""

from django.db import migrations

SQLITE_FORWARD = """
CREATE TRIGGER audit_auditevent_no_delete BEFORE DELETE ON audit_auditevent
WHEN reparo_audit_flushing() IS NOT 1
BEGIN SELECT RAISE(ABORT, 'audit records are append-only (DELETE refused)'); END;
"""
SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS audit_auditevent_no_delete;"


def forward(apps, schema_editor):
    # PostgreSQL: the trigger of 0002 already refuses UPDATE and DELETE.
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_triggers")]
    operations = [migrations.RunPython(forward, backward, elidable=False)]
