"""What access decisions rest on, shared between requests: roles, two-factor devices, and the programs and
colleagues a person may choose from.

Every signed-in page asks which two-factor device verified the user and what roles they hold; the case list also
lists the programs and the colleagues of the user's organisations. These change rarely, so each process keeps what
it last read, keyed by the *access stamp*: a value the database changes, by trigger, in the same transaction as
every write to users, memberships, organisations, programs and two-factor devices that could change what is kept
(``accounts.AccessStamp``, migration ``accounts.0002``), and that the request read together with the user
(:class:`reparo.accounts.backends.UserBackend`), before anything kept under it was read. So:

- a kept copy is used only while the stamp it was read under is still the database's current one: a role ended or a
  device removed in one process, by any code or by raw SQL, counts in every process's next request, as before;
- a stamp is never reused (a sequence on PostgreSQL, a random 64-bit number on SQLite), so a change that was rolled
  back cannot make an older copy look current;
- only requests that change nothing use kept copies (GET and HEAD): a request that writes reads afresh, so it sees
  its own changes.

Outside a request, and for a user read without the stamp, everything is read afresh. So is everything in a process
that found the triggers missing (a database restored without them, say): copies would then outlive changes.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import connection

from reparo.core import context

logger = logging.getLogger(__name__)

T = TypeVar("T")

MAX_ENTRIES = 20_000  # a copy per user and per set of organisations: far more than one process serves

_kept: dict[str, Any] = {"stamp": None, "values": {}}

# The tables whose triggers keep the stamp (migration accounts.0002 creates two triggers on each on PostgreSQL,
# insert/delete and update; three on SQLite, one per event).
WATCHED_TABLES = (
    "accounts_user",
    "accounts_membership",
    "organisations_organisation",
    "organisations_program",
    "otp_totp_totpdevice",
    "otp_static_staticdevice",
)


def _expected_triggers(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [f"{table}_access{kind}" for table in WATCHED_TABLES for kind in ("", "_update")]
    return [f"{table}_access_{event}" for table in WATCHED_TABLES for event in ("insert", "update", "delete")]


@functools.cache
def stamp_kept_by_triggers() -> bool:
    """Whether every trigger that keeps the stamp is in place (and enabled), asked once per process."""
    expected = _expected_triggers(connection.vendor)
    marks = ", ".join(["%s"] * len(expected))  # only placeholders go into the SQL text
    if connection.vendor == "postgresql":
        sql = f"SELECT COUNT(*) FROM pg_trigger WHERE tgname IN ({marks}) AND NOT tgisinternal AND tgenabled <> 'D'"  # noqa: S608
    elif connection.vendor == "sqlite":
        sql = f"SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND name IN ({marks})"  # noqa: S608
    else:
        return False
    with connection.cursor() as cursor:
        cursor.execute(sql, expected)
        found = cursor.fetchone()[0]
    if found != len(expected):
        logger.warning(
            "Access stamp triggers missing (%s of %s found): roles and devices are read afresh on every page. "
            "Run `manage.py migrate accounts 0001 && manage.py migrate` to restore them.",
            found,
            len(expected),
        )
        return False
    return True


def shared(user: Any, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
    """``compute()``, or the copy kept under the user's current access stamp. ``compute`` must return an
    immutable value (tuples of ids and strings), since requests share it."""
    stamp = getattr(user, "access_stamp", None)
    if stamp is None or not context.current().reads_only or not stamp_kept_by_triggers():
        return compute()
    kept = _kept
    if kept["stamp"] != stamp:
        kept = {"stamp": stamp, "values": {}}
    values: dict[tuple[Any, ...], Any] = kept["values"]
    if key in values:
        return values[key]  # type: ignore[no-any-return]
    value = compute()
    if len(values) >= MAX_ENTRIES:
        kept = {"stamp": stamp, "values": {}}
        values = kept["values"]
    values[key] = value
    _replace(kept)
    return value


def _replace(kept: dict[str, Any]) -> None:
    global _kept
    _kept = kept
