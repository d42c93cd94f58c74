"""Reads that may go to a replica: dashboards and exports, when a ``replica`` database is configured.

A read goes to the ``replica`` alias only when all of these hold, and to ``default`` otherwise:

- a replica is configured (``DATABASE_REPLICA_URL``, reparo/settings.py);
- the code reading asked for it: inside :func:`replica_reads` (a context manager and a decorator), which the views
  named in ``settings.REPLICA_READ_VIEWS`` get from :class:`ReplicaReadsMiddleware`, background jobs whose kind says
  ``reads_from_replica`` (exports, reports: reparo.jobs) get from the job runner, and a selector may use itself;
- the model is not one that access decisions rest on (users, roles, devices, sessions, consent, the audit trail,
  the task queue): those are always read from ``default``, so a role ended or a consent withdrawn counts on the next
  request whatever the replica's lag;
- ``default`` is not inside a transaction: code that has written reads its own writes.

Every write goes to ``default``, even for an object that was read from the replica.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"

# Apps whose rows decide who may see what, or that must never be stale: always read from the primary.
PRIMARY_ONLY_APPS = frozenset(
    {
        "accounts",
        "access",
        "auth",
        "axes",
        "audit",
        "consent",
        "contenttypes",
        "django_tasks_database",
        "jobs",
        "otp_static",
        "otp_totp",
        "sessions",
    }
)

_wanted: contextvars.ContextVar[bool] = contextvars.ContextVar("reparo_replica_reads", default=False)


@contextmanager
def replica_reads() -> Iterator[None]:
    """Inside this block (or the function it decorates), reads may go to the replica, if one is configured."""
    token = _wanted.set(True)
    try:
        yield
    finally:
        _wanted.reset(token)


@contextmanager
def primary_reads() -> Iterator[None]:
    """Inside this block, every read goes to ``default`` again (for a check that must see the latest writes)."""
    token = _wanted.set(False)
    try:
        yield
    finally:
        _wanted.reset(token)


def replica_configured() -> bool:
    return REPLICA in connections.settings


def reads_go_to_replica() -> bool:
    """Whether a read of an ordinary model, here and now, would go to the replica."""
    return _wanted.get() and replica_configured() and not connections[DEFAULT_DB_ALIAS].in_atomic_block


class ReplicaRouter:
    """Django database router: see the module's description."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str | None:
        if model._meta.app_label in PRIMARY_ONLY_APPS or not reads_go_to_replica():
            return DEFAULT_DB_ALIAS
        return REPLICA

    def db_for_write(self, model: type[Any], **hints: Any) -> str | None:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        # The replica holds the same rows as the primary.
        return {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA, None} or None

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool | None:
        # The replica receives the primary's schema through replication, never from migrate.
        return db != REPLICA


class ReplicaReadsMiddleware:
    """Runs the views named in ``settings.REPLICA_READ_VIEWS`` (GET and HEAD only) inside :func:`replica_reads`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.view_names = frozenset(getattr(settings, "REPLICA_READ_VIEWS", ()))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        match = request.resolver_match
        if request.method not in ("GET", "HEAD") or match is None or match.view_name not in self.view_names:
            return None
        if not replica_configured():
            return None
        with replica_reads():
            response = view_func(request, *view_args, **view_kwargs)
            render = getattr(response, "render", None)
            if callable(render) and not getattr(response, "is_rendered", True):
                response = render()  # a TemplateResponse reads while it renders
        return response
