"""The access stamp: triggers on users, memberships, organisations and programs give it a new value in the
same transaction as every write to them, whichever code wrote (services, bulk loads, raw SQL). See
``reparo.accounts.access_cache``."""

from django.db import migrations, models

# Each table, and the columns whose change matters to what is kept (None: any change). Signing in writes a user's
# last_login and a device's counters: those keep the stamp, so sign-ins do not drop every process's copies.
# (Migration 0007 adds the user's full_name: lists of colleagues kept under the stamp show names.)
WATCHED = {
    "accounts_user": ("email", "is_active"),
    "accounts_membership": None,
    "organisations_organisation": None,
    "organisations_program": None,
    "otp_totp_totpdevice": ("user_id", "confirmed"),
    "otp_static_staticdevice": ("user_id", "confirmed"),
}


def _when(columns, distinct):
    if columns is None:
        return ""
    return "WHEN (" + " OR ".join(f"OLD.{column} {distinct} NEW.{column}" for column in columns) + ") "


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
        statement
        for table, columns in WATCHED.items()
        for statement in (
            f"CREATE TRIGGER {table}_access AFTER INSERT OR DELETE OR TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION reparo_access_changed()",
            f"CREATE TRIGGER {table}_access_update AFTER UPDATE ON {table} FOR EACH ROW "
            f"{_when(columns, 'IS DISTINCT FROM')}EXECUTE FUNCTION reparo_access_changed()",
        )
    ),
    "INSERT INTO accounts_accessstamp (id, value) VALUES (1, nextval('accounts_accessstamp_seq')) "
    "ON CONFLICT (id) DO NOTHING",
]
PG_BACKWARD = [
    *(f"DROP TRIGGER IF EXISTS {table}_access{kind} ON {table}" for table in WATCHED for kind in ("", "_update")),
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
        f"CREATE TRIGGER {table}_access_{event} AFTER {event.upper()} ON {table} "
        f"{_when(columns, 'IS NOT') if event == 'update' else ''}BEGIN {SQLITE_BUMP} END"
        for table, columns in WATCHED.items()
        for event in EVENTS
    ),
    "INSERT INTO accounts_accessstamp (id, value) SELECT 1, random() "
    "WHERE NOT EXISTS (SELECT 1 FROM accounts_accessstamp WHERE id = 1)",
]
SQLITE_BACKWARD = [f"DROP TRIGGER IF EXISTS {table}_access_{event}" for table in WATCHED for event in EVENTS]


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
