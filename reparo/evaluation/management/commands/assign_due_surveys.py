"""Create the surveys that are due (only for people whose evaluation consent is in force) and cancel open ones
whose consent was withdrawn or ended. Run daily."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from reparo.evaluation.services import surveys_assign_due


class Command(BaseCommand):
    help = "Create the evaluation surveys that are due and cancel those whose consent is no longer in force (daily)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", type=datetime.date.fromisoformat, default=None, help="YYYY-MM-DD")

    def handle(self, *args: Any, **options: Any) -> None:
        created = surveys_assign_due(today=options["today"])
        self.stdout.write(f"Surveys created: {created}")
