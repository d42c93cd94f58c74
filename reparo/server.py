"""gunicorn's settings for Reparo (decision 0073): ``gunicorn -c python:reparo.server reparo.wsgi``.

``manage.py serve``, the systemd unit (deploy/systemd/) and the container (Dockerfile, compose.yaml) all start the web
server with this module. Each value below can be changed through an environment variable; docs/deployment.md says
how they were sized (2 cores measured here, bench/loadtest.py).

- ``WEB_BIND`` (``127.0.0.1:8000``): where to listen. Only a reverse proxy should reach it.
- ``WEB_WORKERS`` (2 per core, at least 2): processes. Each holds its own copy of the application (about
  110 MiB) and, with ``WEB_THREADS`` threads, serves that many requests at once.
- ``WEB_THREADS`` (4): threads per process (gthread). A slow page (a dashboard, a PDF) holds one thread, not a
  whole process, so other requests keep being served; the worker's heartbeat is not held up by it.
- ``WEB_TIMEOUT`` (60 s): a worker that stops answering its heartbeat for this long is restarted.
- ``WEB_MAX_REQUESTS`` (5000, with 10 % jitter): a worker is replaced after this many requests, which bounds any
  slow growth in memory.
- ``TRUSTED_PROXIES`` (``127.0.0.1,::1``): addresses whose ``X-Forwarded-Proto`` gunicorn believes (and whose
  ``X-Forwarded-For`` Reparo believes, reparo/core/proxy.py).
- ``WEB_ACCESS_LOG`` (off): ``-`` for standard output, or a file. Paths hold only ids, never names.

Database connections: each thread holds at most one. With ``DATABASE_POOL_MAX_SIZE`` (psycopg's pool, one per
process) set it to ``WEB_THREADS``; the server then opens at most ``WEB_WORKERS`` times ``WEB_THREADS`` connections.
"""

from __future__ import annotations

import gc
import logging
import os
from typing import Any


def _whole(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) < 1:
        raise SystemExit(f"{name} must be a whole number of at least 1, not {value!r}.")
    return int(value)


def default_workers() -> int:
    return max(2, 2 * (os.cpu_count() or 1))


wsgi_app = "reparo.wsgi:application"
bind = [os.environ.get("WEB_BIND", "").strip() or "127.0.0.1:8000"]
worker_class = "gthread"
workers = _whole("WEB_WORKERS", default_workers())
threads = _whole("WEB_THREADS", 4)
timeout = _whole("WEB_TIMEOUT", 60)
graceful_timeout = 30
keepalive = 5
max_requests = _whole("WEB_MAX_REQUESTS", 5000)
max_requests_jitter = max(1, max_requests // 10)
# The application is loaded once, before the workers fork: a configuration error stops the master at once, with
# its message, and the workers share the loaded code's memory.
preload_app = True
forwarded_allow_ips = os.environ.get("TRUSTED_PROXIES", "").strip() or "127.0.0.1,::1"
accesslog = os.environ.get("WEB_ACCESS_LOG", "").strip() or None
errorlog = "-"
proc_name = "reparo"
# gunicorn's run-time control socket (one per user, in $HOME) is not used: several servers on one machine would share
# it, and a read-only home (systemd's ProtectHome) has no room for it.
control_socket_disable = True


def prepare_workers() -> None:
    """In the master, before it forks: import the statistics libraries the dashboards use, so that every worker
    shares them instead of importing them on its first dashboard, under load (decision 0092); then move everything
    loaded so far out of the garbage collector's sight (``gc.freeze``, as Python's documentation advises before a
    fork), so that a worker's collections neither scan the shared objects nor write to their pages, which would
    copy them into every worker."""
    from reparo.analytics import stats

    stats.preload()
    gc.collect()
    gc.freeze()


def when_ready(server: Any) -> None:
    """In the master, before the first worker starts: :func:`prepare_workers`, and say loudly if the database lacks a
    trigger Reparo relies on."""
    from django.db import connections

    from reparo.core.triggers import describe, missing_triggers

    log = logging.getLogger("gunicorn.error")
    try:
        for alias in connections:
            missing = missing_triggers(alias)
            if missing:
                log.error(
                    "Database %r is missing %s trigger(s) Reparo relies on: %s. See docs/backups.md.",
                    alias,
                    len(missing),
                    describe(missing),
                )
    except Exception as exc:  # noqa: BLE001 - a database that is down now may be up for the first request
        log.error("Could not check the database's triggers at start: %s", exc)
    finally:
        # Never hand an open connection, or a connection pool and its threads, to forked workers.
        for connection in connections.all(initialized_only=True):
            connection.close()
            if connection.alias in getattr(connection, "_connection_pools", {}):
                connection.close_pool()  # type: ignore[attr-defined]
    prepare_workers()
