"""Real server processes for tests: gunicorn with reparo/server.py's settings, against the test database.

``server_processes`` starts four separate gunicorn servers (one worker each, on free 127.0.0.1 ports, with psycopg's
connection pool), so that a test knows which process answers each request. They read the test database, so the
tests that use them write through ``transactional_db`` (their rows are committed, as another process must see
them). PostgreSQL only: SQLite's test database lives in this process's memory, where no other process can see it.

Other checks that need several processes (a consent withdrawn through one and the dashboards of the others, say)
use the same fixture: ``servers[0].client()`` signs nobody in; ``sign_in_everywhere`` signs a user in once and
hands the same session to a client of every process.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django_otp.plugins.otp_totp.models import TOTPDevice

from bench.webclient import WebClient
from tests.conftest import PASSWORD, totp_code

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = 4


@dataclass
class ServerProcess:
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def client(self) -> WebClient:
        return WebClient("127.0.0.1", self.port)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def database_url(settings_dict: dict[str, Any]) -> str:
    auth = settings_dict.get("USER") or ""
    if settings_dict.get("PASSWORD"):
        auth += f":{settings_dict['PASSWORD']}"
    host = settings_dict.get("HOST") or "127.0.0.1"
    return f"postgres://{auth}{'@' if auth else ''}{host}:{settings_dict.get('PORT') or 5432}/{settings_dict['NAME']}"


def _answers(port: int) -> bool:
    try:
        return WebClient("127.0.0.1", port, timeout=5).get("/healthz").status == 200
    except OSError:
        return False


@pytest.fixture(scope="module")
def server_processes(
    django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any
) -> Iterator[list[ServerProcess]]:
    with django_db_blocker.unblock():
        vendor = connection.vendor
        url = database_url(connection.settings_dict) if vendor == "postgresql" else ""
    if vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL: several server processes share the test database, and SQLite's test database lives "
            "in this process's memory (the PostgreSQL pass of .ci/run runs it: DATABASE_URL=postgres://...)"
        )
    logs = tmp_path_factory.mktemp("servers")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(
        {
            "REPARO_ENV": "test",
            "DJANGO_SETTINGS_MODULE": "reparo.test_settings",
            "DATABASE_URL": url,
            "DATABASE_POOL_MAX_SIZE": "2",
            "WEB_WORKERS": "1",
            "WEB_THREADS": "2",
            "LOG_LEVEL": "WARNING",
        }
    )
    servers: list[ServerProcess] = []
    try:
        for number in range(PROCESSES):
            port = _free_port()
            log = logs / f"server-{number}.log"
            process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--config", "python:reparo.server"],
                cwd=ROOT,
                env={**env, "WEB_BIND": f"127.0.0.1:{port}"},
                stdout=log.open("wb"),
                stderr=subprocess.STDOUT,
            )
            servers.append(ServerProcess(port, process, log))
        deadline = time.monotonic() + 180
        waiting = list(servers)
        while waiting and time.monotonic() < deadline:
            for server in list(waiting):
                if server.process.poll() is not None:
                    pytest.fail(f"server on port {server.port} stopped at start:\n{server.log.read_text()}")
                if _answers(server.port):
                    waiting.remove(server)
            time.sleep(0.3)
        if waiting:
            pytest.fail(f"{len(waiting)} server(s) did not answer /healthz within 180 s")
        yield servers
    finally:
        for server in servers:
            if server.process.poll() is None:
                server.process.terminate()
        for server in servers:
            try:
                server.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.process.kill()


def sign_in_everywhere(servers: list[ServerProcess], user: Any) -> list[WebClient]:
    """Sign ``user`` in with password and code through the first process; a client per process, one session."""
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    first = servers[0].client()
    first.sign_in(user.email, PASSWORD, lambda: totp_code(device))
    clients = [first]
    for server in servers[1:]:
        client = server.client()
        client.cookies = dict(first.cookies)
        clients.append(client)
    return clients
