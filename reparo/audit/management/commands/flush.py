"""Django's ``flush``, allowed to empty the audit table too (on SQLite its DELETE trigger otherwise refuses).

Flushing removes every row of every table: an operator's (or a test run's) act on the whole database, as
TRUNCATE is on PostgreSQL, never an application path. See :mod:`reparo.audit.db`.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands import flush

from reparo.audit.db import whole_database_flush


class Command(flush.Command):
    help = flush.Command.help + " Audit records are removed too."

    def handle(self, **options: Any) -> None:
        with whole_database_flush():
            super().handle(**options)
