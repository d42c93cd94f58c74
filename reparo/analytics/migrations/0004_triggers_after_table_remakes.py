"""The outcome triggers again, on SQLite, after migrations that rebuilt watched tables.

SQLite cannot alter most columns in place, so Django rebuilds the table (create a copy, move the rows, drop the old
one), and the old table's triggers go with it. ``processes.0004`` (who a supporter comes with) and ``safety.0005``
(the one-time form key of a check-in) rebuilt ``processes_processparticipant`` and ``safety_distresscheckin``, which
left the outcome figures blind to their changes (``evidence_refresh --check`` said so). This puts every trigger of
``analytics.0003`` back where it is missing and queues every case once so the first refresh catches up with anything
written while they were gone. PostgreSQL alters tables in place and keeps its triggers: nothing to do there.

A later migration that alters a watched table on SQLite needs the same step after it: `tests/analytics/
test_evidence.py::test_every_trigger_is_in_place` fails until it is there."""

import importlib

from django.db import migrations

tallies = importlib.import_module("reparo.analytics.migrations.0003_evidence_tallies")


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for statement in tallies.SQLITE_FORWARD:
        schema_editor.execute(statement.replace("CREATE TRIGGER ", "CREATE TRIGGER IF NOT EXISTS ", 1), params=None)
    schema_editor.execute(tallies.FILL[0], params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0003_evidence_tallies"),
        ("processes", "0004_participant_supports"),
        ("safety", "0005_submission_key"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
