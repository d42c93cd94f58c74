"""Mark overdue obligations late and remind each process's facilitator (once per obligation). Run daily."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from reparo.agreements.services import send_overdue_reminders


class Command(BaseCommand):
    help = "Mark overdue agreement obligations late and give the facilitator a reminder task (run daily)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", type=datetime.date.fromisoformat, default=None, help="YYYY-MM-DD")

    def handle(self, *args: Any, **options: Any) -> None:
        reminded = send_overdue_reminders(today=options["today"])
        self.stdout.write(f"Reminders: {reminded}")
