"""The database's own refusal to change or delete audit rows, and its one exception.

On SQLite a trigger refuses UPDATE and DELETE on ``audit_auditevent`` (migrations 0002 and 0003). The DELETE
trigger makes one exception: a flush of the whole database (``manage.py flush``, which test runs use to
empty a database between tests), the SQLite counterpart of PostgreSQL's TRUNCATE, which row triggers do not
see either. The trigger asks the SQL function ``reparo_audit_flushing()``, registered on every SQLite
connection Reparo opens; it answers 1 only inside :func:`whole_database_flush`. A connection that does not
have the function (the ``sqlite3`` shell, say) cannot delete audit rows at all: the trigger fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import connections

SQLITE_FLUSHING_FUNCTION = "reparo_audit_flushing"

_flushing: ContextVar[bool] = ContextVar("reparo_audit_flushing", default=False)


def _flushing_now() -> int:
    return 1 if _flushing.get() else 0


@contextmanager
def whole_database_flush() -> Iterator[None]:
    """While this runs, the SQLite trigger lets a flush delete audit rows (with every other row)."""
    token = _flushing.set(True)
    try:
        yield
    finally:
        _flushing.reset(token)


def register_sqlite_functions(sender: Any = None, connection: Any = None, **kwargs: Any) -> None:
    """``connection_created`` receiver: give a new SQLite connection the function the DELETE trigger asks."""
    if connection is not None and connection.vendor == "sqlite" and connection.connection is not None:
        connection.connection.create_function(SQLITE_FLUSHING_FUNCTION, 0, _flushing_now)


def register_on_open_connections() -> None:
    """For a connection opened before the receiver was connected (none normally is)."""
    for connection in connections.all(initialized_only=True):
        register_sqlite_functions(connection=connection)
