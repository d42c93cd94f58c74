"""Remind organisation admins of funders' reports due within 30 days, and of overdue ones (once each). Run daily."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from reparo.funding.services import send_deadline_reminders


class Command(BaseCommand):
    help = "Remind organisation admins of funders' reports that are due soon or overdue (run daily; safe to repeat)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", type=datetime.date.fromisoformat, default=None, help="YYYY-MM-DD")

    def handle(self, *args: Any, **options: Any) -> None:
        reminded = send_deadline_reminders(today=options["today"])
        self.stdout.write(f"Reminders: {reminded}")
