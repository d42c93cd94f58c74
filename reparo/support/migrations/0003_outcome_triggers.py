"""The support circles' outcome figures are kept like the dashboards' own (decision 0094): a trigger on the circles
and one on their goals put the circle's survivor on the outcome figures' list of changes, in the same transaction
as the change, whichever code made it. The scores the figures rest on are survey responses, already watched by
``analytics.0003``. Every survivor of a circle already there is put on the list once, so the next refresh counts
them.

On SQLite, a later migration that rebuilds ``support_supportcircle`` must drop the ``support_goal`` triggers (their
bodies name that table) before and create them again after (``SQLITE_BACKWARD`` and ``SQLITE_FORWARD`` here), as
``analytics.0004`` does for the tables it watches."""

import importlib

from django.db import migrations

tallies = importlib.import_module("reparo.analytics.migrations.0003_evidence_tallies")

SURVIVOR_OF_CIRCLE = "(SELECT survivor_id FROM support_supportcircle WHERE id = {R}.circle_id)"
WATCHED = {
    "support_supportcircle": (
        {"person": "{R}.survivor_id"}, "(SELECT organisation_id FROM people_person WHERE id = {R}.survivor_id)",
        ("survivor_id", "process_id", "opened_on"), None, tallies.ALL,
    ),
    "support_goal": (
        {"person": SURVIVOR_OF_CIRCLE},
        "(SELECT p.organisation_id FROM support_supportcircle c JOIN people_person p ON p.id = c.survivor_id "
        "WHERE c.id = {R}.circle_id)",
        ("circle_id", "met_on"), None, tallies.ALL,
    ),
}  # fmt: skip
TABLES = tuple(WATCHED)

PG_FORWARD = [s for table, spec in WATCHED.items() for s in tallies._pg(table, spec)]
PG_BACKWARD = [
    *(f"DROP TRIGGER IF EXISTS {table}_evidence{kind} ON {table}" for table in WATCHED for kind in ("", "_update")),
    *(f"DROP FUNCTION IF EXISTS reparo_evidence_{table}()" for table in WATCHED),
]
SQLITE_FORWARD = [s for table, spec in WATCHED.items() for s in tallies._sqlite(table, spec)]
SQLITE_BACKWARD = [f"DROP TRIGGER IF EXISTS {table}_evidence_{event}" for table in WATCHED for event in tallies.ALL]
FILL = [
    "INSERT INTO analytics_evidencechange (organisation_id, person_id) SELECT DISTINCT p.organisation_id, p.id "
    "FROM support_supportcircle c JOIN people_person p ON p.id = c.survivor_id",
]


def forward(apps, schema_editor):
    tallies._run(schema_editor, postgresql=PG_FORWARD, sqlite=SQLITE_FORWARD)
    for statement in FILL:
        schema_editor.execute(statement, params=None)


def backward(apps, schema_editor):
    tallies._run(schema_editor, postgresql=PG_BACKWARD, sqlite=SQLITE_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [
        ("support", "0002_next_meeting_place"),
        ("analytics", "0004_triggers_after_table_remakes"),
    ]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
