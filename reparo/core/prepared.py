"""Queries whose SQL is built once a process (decision 0095).

Django builds a query's SQL afresh each time it runs: on the case page that was a third of the server's time, for
fifteen small queries whose shape never changes, only the case they ask about. A :class:`Prepared` query is an
ordinary queryset with :class:`Param` where a value changes from one run to the next. Its SQL is compiled the
first time it runs on a database and kept; each run fills in its values and reads the rows through Django's own
code, so what comes back (models, ``select_related``, converters, decryption, ``prefetch_related``) is what the
same queryset would give::

    _notes = Prepared(lambda: Note.objects.filter(case_id=Param("case", Case)).order_by("created_at"))
    notes = _notes(case=case.pk)  # a list

What is kept is SQL text and the order of its values, never a row. Everything that is not a :class:`Param` is
fixed when the query is first compiled, so a query must not hold a value that changes (the time, the actor): a
time or a date outside a :class:`Param` is refused, and the query is built twice the first time and must come out
the same both times.
"""

from __future__ import annotations

import copy
import datetime
import threading
import weakref
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Generic, TypeVar

from django.core.exceptions import EmptyResultSet, ImproperlyConfigured
from django.db import connections, models
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.db.models import Expression, QuerySet

T = TypeVar("T")


class _Slot:
    """Where a :class:`Param`'s value goes among a compiled query's values."""

    __slots__ = ("field", "name")

    def __init__(self, name: str, field: models.Field[Any, Any]) -> None:
        self.name = name
        self.field = field


class Param(Expression):
    """A value given each time a :class:`Prepared` query runs: ``Param("case", Case)`` (a model: its key) or
    ``Param("now", models.DateTimeField())``. Use it where a lookup takes a value (``filter(case_id=Param(...))``);
    it is prepared for the database as a value of that field is."""

    def __init__(self, name: str, field: models.Field[Any, Any] | type[models.Model]) -> None:
        if isinstance(field, type) and issubclass(field, models.Model):
            field = field._meta.pk  # type: ignore[assignment]
        super().__init__(output_field=field)
        self.name = name

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        return "%s", [_Slot(self.name, self.output_field)]


class _Compiled:
    """A query's compiled SQL on one database, the compiler that compiled it (what Django reads the rows with:
    the columns, the models, the converters) and where each :class:`Param` goes."""

    def __init__(self, compiler: Any, sql: str, params: Sequence[Any]) -> None:
        self.compiler = compiler
        self.sql = sql
        self.params = list(params)
        self.slots = [(i, p) for i, p in enumerate(self.params) if isinstance(p, _Slot)]

    def bind(self, values: dict[str, Any], alias: str) -> Callable[..., Any]:
        connection = connections[alias]
        params = list(self.params)
        for position, slot in self.slots:
            value = values[slot.name]
            if isinstance(value, models.Model):
                model = getattr(slot.field, "model", None)
                if not slot.field.primary_key or model is None or not isinstance(value, model):
                    raise ValueError(f"{slot.name}: {type(value).__name__} given where the query takes another value")
                value = value.pk
            if value is None:
                raise ValueError(f"{slot.name}: a prepared query's value cannot be None (it would match nothing)")
            params[position] = slot.field.get_db_prep_value(value, connection, prepared=False)
        sql, template = self.sql, self.compiler

        def get_compiler(using: Any = None, connection: Any = None, elide_empty: bool = True) -> Any:
            compiler = copy.copy(template)
            compiler.connection = _server_binding(connections[alias])  # this thread's, not the compiling one
            compiler.using = alias
            compiler.as_sql = lambda *args, **kwargs: (sql, params)
            return compiler

        return get_compiler


def _server_binding(connection: Any) -> Any:
    """``connection`` as a prepared query runs on it. On PostgreSQL, its cursor sends the values apart from the SQL
    (psycopg's server-side binding) rather than writing them into it, so that the SQL is the same text on every
    run, and psycopg has PostgreSQL prepare it the first time it runs on a connection: the server then neither
    parses nor plans it again (planning was three quarters of the server's time for the case page's fifteen
    queries). Django turns psycopg's preparing off for the connection (``prepare_threshold=None``); it is switched on
    only while one of these cursors executes, so psycopg neither prepares nor records Django's own queries (whose
    text holds their values). Not behind pgbouncer in transaction pooling (``DISABLE_SERVER_SIDE_CURSORS``), where a
    statement prepared on one server connection is unknown on the next; not on other databases."""
    if connection.vendor != "postgresql" or connection.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS"):
        return connection
    return _ServerBinding(connection)


class _ServerBinding:
    """The connection, except that its cursor binds on the server (and prepares); everything else its own."""

    __slots__ = ("_connection",)

    def __init__(self, connection: Any) -> None:
        self._connection = connection

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)

    def cursor(self) -> Any:
        """A cursor wrapped by Django as its own are (query logging, execute wrappers, error translation), on the
        same connection and transaction: ``BaseDatabaseWrapper._cursor`` and the PostgreSQL backend's
        ``create_cursor``, with a binding cursor that prepares."""
        from django.db.backends.postgresql.psycopg_any import register_tzloader
        from psycopg.pq import Format

        connection = self._connection
        connection.close_if_health_check_failed()
        connection.ensure_connection()
        raw = connection.connection
        with connection.wrap_database_errors:
            cursor = _preparing_cursor()(raw)
            # As Django's create_cursor: timestamps in the connection's time zone, if the connection's loader differs.
            loader = raw.adapters.get_loader(raw.adapters.types["timestamptz"].oid, Format.TEXT)
            if connection.timezone != getattr(loader, "timezone", None):
                register_tzloader(connection.timezone, cursor)
        # BaseDatabaseWrapper._prepare_cursor, logging the SQL as written where queries are logged (Django's own
        # reading of the last query finds none on a binding cursor once its statement is prepared).
        connection.validate_thread_sharing()
        return _LoggedAsWritten(cursor, connection) if connection.queries_logged else connection.make_cursor(cursor)


_PREPARING: Any = None


def _preparing_cursor() -> Any:
    """psycopg's binding cursor, preparing what it executes (``prepare_threshold`` 0 while it does)."""
    global _PREPARING
    if _PREPARING is None:
        import psycopg

        class PreparingCursor(psycopg.Cursor):  # type: ignore[type-arg]
            def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
                connection = self.connection
                before = connection.prepare_threshold
                connection.prepare_threshold = 0
                try:
                    return super().execute(query, params, **kwargs)
                finally:
                    connection.prepare_threshold = before

        _PREPARING = PreparingCursor
    return _PREPARING


class _LoggedAsWritten(CursorDebugWrapper):
    def execute(self, sql: Any, params: Any = None) -> Any:
        with self.debug_sql(sql, params, use_last_executed_query=False):
            return CursorWrapper.execute(self, sql, params)


class Prepared(Generic[T]):
    """``build()``'s queryset (with :class:`Param` for what changes), compiled once a process and database; calling
    it with a value for each :class:`Param` reads its rows (a list)."""

    def __init__(self, build: Callable[[], QuerySet[Any]]) -> None:
        self._build = build
        self._queryset: QuerySet[Any] | None = None
        self._compiled: dict[str, _Compiled] = {}
        self._names: frozenset[str] = frozenset()
        self._lock = threading.Lock()
        _MADE.add(self)

    def __call__(self, *, using: str | None = None, **values: Any) -> list[T]:
        queryset = self._queryset if self._queryset is not None else self._prepare()
        if using is not None:  # a database chosen by the caller (the router's choice otherwise)
            queryset = queryset.using(using)
        alias = queryset.db
        compiled = self._compiled.get(alias) or self._compile(queryset, alias)
        if not compiled.sql:  # it can match nothing, whatever the values (``__in=[]``)
            return []
        if values.keys() != self._names:
            raise TypeError(f"this query takes {sorted(self._names)}, was given {sorted(values)}")
        run = queryset._chain()  # type: ignore[attr-defined]
        # Only on this copy, which is read here and never handed out: nothing else can run it with these values.
        run.query.get_compiler = compiled.bind(values, alias)
        return list(run)

    def holds_rows(self) -> bool:
        """Whether the query kept for the process was ever run itself (it must not be: its rows would be kept)."""
        return self._queryset is not None and self._queryset._result_cache is not None  # type: ignore[attr-defined]

    def compiled_on(self) -> list[str]:
        """The databases this query was compiled for."""
        return list(self._compiled)

    def sql(self, alias: str = "default") -> str:
        """The kept SQL on ``alias`` (for tests and for reading)."""
        queryset = self._queryset if self._queryset is not None else self._prepare()
        return (self._compiled.get(alias) or self._compile(queryset, alias)).sql

    def _prepare(self) -> QuerySet[Any]:
        with self._lock:
            if self._queryset is None:
                self._queryset = self._build()
            return self._queryset

    def _compile(self, queryset: QuerySet[Any], alias: str) -> _Compiled:
        with self._lock:
            if alias not in self._compiled:
                compiled = _compile(queryset, alias)
                again = _compile(self._build(), alias)
                if (again.sql, _fixed(again.params)) != (compiled.sql, _fixed(compiled.params)):
                    raise ImproperlyConfigured(
                        "A prepared query must come out the same each time it is built: give what changes as a Param."
                    )
                for value in _times_in(queryset, alias):
                    raise ImproperlyConfigured(
                        f"A prepared query holds the time {value!r}: give it as a Param, or it never changes."
                    )
                self._names = frozenset(slot.name for _position, slot in compiled.slots)
                self._compiled[alias] = compiled
            return self._compiled[alias]


_MADE: weakref.WeakSet[Prepared[Any]] = weakref.WeakSet()


def every_prepared() -> list[Prepared[Any]]:
    """Every prepared query of this process (for tests: none of them may hold rows)."""
    return list(_MADE)


def _compile(queryset: QuerySet[Any], alias: str) -> _Compiled:
    compiler = queryset._chain().query.get_compiler(using=alias)  # type: ignore[attr-defined]
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:  # a query that can match nothing (``none()``, ``__in=[]``): Django reads no rows for it
        sql, params = "", ()
    return _Compiled(compiler, sql, params)


_DATE_ADAPTERS = ("adapt_datefield_value", "adapt_datetimefield_value", "adapt_timefield_value")


def _times_in(queryset: QuerySet[Any], alias: str) -> Iterator[Any]:
    """Each date or time among the values of ``queryset``'s SQL, wherever it is written (filters, annotations,
    ordering, joins' conditions, subqueries, unions, ``extra``), and in the querysets it prefetches. Compiled with the
    database's date adapters leaving dates as they are (SQLite's would write them as text first)."""
    operations = connections[alias].ops
    own = {name: operations.__dict__[name] for name in _DATE_ADAPTERS if name in operations.__dict__}
    for name in _DATE_ADAPTERS:
        setattr(operations, name, _as_it_is)  # on this thread's connection only, for this compile
    try:
        compiled = _compile(queryset, alias)
    finally:
        for name in _DATE_ADAPTERS:
            if name in own:
                setattr(operations, name, own[name])
            else:
                delattr(operations, name)
    yield from (value for value in compiled.params if isinstance(value, datetime.date | datetime.time))
    for lookup in getattr(queryset, "_prefetch_related_lookups", ()):
        inner = getattr(lookup, "queryset", None)
        if inner is not None:
            yield from _times_in(inner, alias)


def _as_it_is(value: Any, *args: Any, **kwargs: Any) -> Any:
    return value


def _fixed(params: Sequence[Any]) -> list[Any]:
    return [("param", p.name) if isinstance(p, _Slot) else p for p in params]
