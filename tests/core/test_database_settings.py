"""Database settings from the environment: a connection pool or persistent connections, a statement time-out, a
replica, trusted proxies. Each refuses what it cannot honour rather than quietly doing something else."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from tests.core.test_settings import PRODUCTION, run_manage

PG = "postgres://reparo@127.0.0.1:5432/reparo"
SHOW = (
    "import json; from django.conf import settings; "
    "print(json.dumps({a: {'OPTIONS': d['OPTIONS'], 'CONN_MAX_AGE': d['CONN_MAX_AGE'], 'NAME': d['NAME'], "
    "'DISABLE_SERVER_SIDE_CURSORS': d['DISABLE_SERVER_SIDE_CURSORS']} "
    "for a, d in settings.DATABASES.items()}))"
)


def databases(**env: str) -> dict:
    result = run_manage({**PRODUCTION, **env}, "shell", "-c", SHOW)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_it_configures_a_pool_a_time_out_and_a_replica_from_the_environment():
    found = databases(
        DATABASE_URL=PG,
        DATABASE_POOL_MAX_SIZE="4",
        DATABASE_STATEMENT_TIMEOUT="30",
        DATABASE_REPLICA_URL="postgres://reparo@replica.internal:5432/reparo",
    )
    assert set(found) == {"default", "replica"}
    for alias in ("default", "replica"):
        options = found[alias]["OPTIONS"]
        assert options["pool"] == {"min_size": 2, "max_size": 4, "timeout": 10, "max_idle": 300}
        assert options["options"] == "-c jit=off -c statement_timeout=30s"
        assert found[alias]["CONN_MAX_AGE"] == 0


def test_it_uses_no_server_side_cursors_behind_pgbouncer():
    # The load test found it: through pgbouncer's transaction pooling, a dashboard's QuerySet.iterator() lost its
    # cursor ("cursor ... does not exist") when the next fetch went to another server connection.
    found = databases(DATABASE_URL="postgres://reparo@pgbouncer.internal:6432/reparo", DATABASE_PGBOUNCER="true")
    assert found["default"]["DISABLE_SERVER_SIDE_CURSORS"] is True


def test_it_keeps_persistent_connections_without_a_pool():
    found = databases(DATABASE_URL=PG, DATABASE_CONN_MAX_AGE="60")
    assert found["default"]["CONN_MAX_AGE"] == 60
    assert found["default"]["DISABLE_SERVER_SIDE_CURSORS"] is False
    assert "pool" not in found["default"]["OPTIONS"]
    assert found["default"]["OPTIONS"]["options"] == "-c jit=off"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DATABASE_URL": PG, "DATABASE_POOL_MAX_SIZE": "4", "DATABASE_CONN_MAX_AGE": "60"}, "cannot both be set"),
        ({"DATABASE_POOL_MAX_SIZE": "4"}, "works only with PostgreSQL"),
        ({"DATABASE_URL": PG, "DATABASE_POOL_MAX_SIZE": "four"}, "DATABASE_POOL_MAX_SIZE must be a whole number"),
        ({"DATABASE_URL": PG, "DATABASE_POOL_MAX_SIZE": "2", "DATABASE_POOL_MIN_SIZE": "3"}, "between 0 and"),
        ({"TRUSTED_PROXIES": "10.0.0.1,proxy.internal"}, "TRUSTED_PROXIES holds something that is not an address"),
    ],
)
def test_it_refuses_to_start_on_a_database_or_proxy_setting_it_cannot_honour(env, message):
    result = run_manage({**PRODUCTION, **env}, "check")
    assert result.returncode != 0 and message in result.stderr


def test_the_pool_gives_the_same_connection_back_on_postgresql(transactional_db, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("psycopg's pool is PostgreSQL's; this run is on SQLite (the PostgreSQL pass of .ci/run runs it)")
    from django.db.backends.postgresql.base import DatabaseWrapper

    from reparo import settings as reparo_settings

    monkeypatch.setenv("DATABASE_POOL_MAX_SIZE", "2")
    monkeypatch.setenv("DATABASE_POOL_MIN_SIZE", "1")
    monkeypatch.delenv("DATABASE_CONN_MAX_AGE", raising=False)
    current = connection.settings_dict
    url = f"postgres://{current['USER']}@{current['HOST'] or '127.0.0.1'}:{current['PORT'] or 5432}/{current['NAME']}"
    configured = reparo_settings._database(url)
    assert configured["OPTIONS"]["pool"]["max_size"] == 2
    pooled = DatabaseWrapper({**current, **configured, "TEST": current["TEST"]}, alias="pooled")
    try:
        backends = []
        for _request in range(3):
            with pooled.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                backends.append(cursor.fetchone()[0])
            pooled.close()  # as at the end of a request: the connection goes back to the pool, still open
        # Five "requests", never more than the pool's two server connections: each went back to the pool, still open.
        assert len(set(backends)) <= 2
        assert pooled.pool.max_size == 2
    finally:
        pooled.close_pool()
