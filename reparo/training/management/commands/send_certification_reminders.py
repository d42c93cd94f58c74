"""Remind facilitators whose certification expires within 90 days (once per certification). Run daily."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from reparo.training.services import send_expiry_reminders


class Command(BaseCommand):
    help = "Remind facilitators whose certification expires within 90 days (run daily)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", type=datetime.date.fromisoformat, default=None, help="YYYY-MM-DD")

    def handle(self, *args: Any, **options: Any) -> None:
        reminded = send_expiry_reminders(today=options["today"])
        self.stdout.write(f"Reminders: {reminded}")
