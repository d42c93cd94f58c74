"""The access stamp: triggers on users, memberships, organisations and programs give it a new value in the
same transaction as every write to them, whichever code wrote (services, bulk loads, raw SQL). See
``reparo.accounts.access_cache``."""

from django.db import migrations, models

TABLES = (
    "accounts_user",
    "accounts_membership",
    "organisations_organisation",
    "organisations_program",
    "otp_totp_totpdevice",
    "otp_static_staticdevice",
)

PG_FORWARD = [
    "CREATE SEQUENCE IF NOT EXISTS accounts_accessstamp_seq",
    """
CREATE OR REPLACE FUNCTION reparo_access_changed() RETURNS trigger AS $$
BEGIN
    INSERT INTO accounts_accessstamp (id, value) VALUES (1, nextval('accounts_accessstamp_seq'))
    ON CONFLICT (id) DO UPDATE SET value = EXCLUDED.value;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql
""",
    *(
        f"CREATE TRIGGER {table}_access AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION reparo_access_changed()"
        for table in TABLES
    ),
    "INSERT INTO accounts_accessstamp (id, value) VALUES (1, nextval('accounts_accessstamp_seq')) "
    "ON CONFLICT (id) DO NOTHING",
]
PG_BACKWARD = [
    *(f"DROP TRIGGER IF EXISTS {table}_access ON {table}" for table in TABLES),
    "DROP FUNCTION IF EXISTS reparo_access_changed()",
    "DROP SEQUENCE IF EXISTS accounts_accessstamp_seq",
]
# SQLite has row triggers only. No conflict clause: an outer INSERT OR IGNORE would impose its own on it.
SQLITE_BUMP = (
    "UPDATE accounts_accessstamp SET value = random() WHERE id = 1; "
    "INSERT INTO accounts_accessstamp (id, value) SELECT 1, random() "
    "WHERE NOT EXISTS (SELECT 1 FROM accounts_accessstamp WHERE id = 1);"
)
EVENTS = ("insert", "update", "delete")
SQLITE_FORWARD = [
    *(
        f"CREATE TRIGGER {table}_access_{event} AFTER {event.upper()} ON {table} BEGIN {SQLITE_BUMP} END"
        for table in TABLES
        for event in EVENTS
    ),
    "INSERT INTO accounts_accessstamp (id, value) SELECT 1, random() "
    "WHERE NOT EXISTS (SELECT 1 FROM accounts_accessstamp WHERE id = 1)",
]
SQLITE_BACKWARD = [f"DROP TRIGGER IF EXISTS {table}_access_{event}" for table in TABLES for event in EVENTS]


def _run(schema_editor, *, postgresql, sqlite):
    vendor = schema_editor.connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        raise RuntimeError(f"The access stamp needs triggers written for {vendor}.")
    for statement in postgresql if vendor == "postgresql" else sqlite:
        schema_editor.execute(statement, params=None)


def forward(apps, schema_editor):
    _run(schema_editor, postgresql=PG_FORWARD, sqlite=SQLITE_FORWARD)


def backward(apps, schema_editor):
    _run(schema_editor, postgresql=PG_BACKWARD, sqlite=SQLITE_BACKWARD)


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0001_initial"),
        ("organisations", "0001_initial"),
        ("otp_totp", "0003_add_timestamps"),
        ("otp_static", "0003_add_timestamps"),
    ]

    operations = [
        migrations.CreateModel(
            name="AccessStamp",
            fields=[
                ("id", models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False)),
                ("value", models.BigIntegerField(default=0)),
            ],
            options={
                "verbose_name": "access stamp",
                "verbose_name_plural": "access stamps",
            },
        ),
        migrations.RunPython(forward, backward, elidable=False),
    ]
