"""Bring the outcome figures up to date with what changed (decision 0070), or recompute them from scratch."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reparo.analytics import evidence


class Command(BaseCommand):
    help = (
        "Bring the outcome dashboards' tallies up to date with the changes recorded since the last view (run every "
        "few minutes to keep views light), or --rebuild them from scratch; --check lists missing triggers."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organisation", type=int, default=None, help="Only this organisation (its id).")
        parser.add_argument("--rebuild", action="store_true", help="Recompute every fact and tally from scratch.")
        parser.add_argument("--check", action="store_true", help="Fail if a trigger the tallies need is missing.")

    def handle(self, *args: Any, **options: Any) -> None:
        missing = evidence.triggers_missing()
        if options["check"]:
            if missing:
                raise CommandError(f"Triggers missing (the outcome figures would go stale): {', '.join(missing)}")
            self.stdout.write("Every trigger the outcome figures need is in place.")
            return
        if missing:
            self.stderr.write(f"Triggers missing: {', '.join(missing)}. Rebuild after putting them back.")
        if options["rebuild"]:
            facts = evidence.rebuild(organisation_id=options["organisation"])
            self.stdout.write(f"Outcome figures recomputed from scratch: {facts} facts.")
            return
        taken = evidence.refresh(organisation_id=options["organisation"])
        self.stdout.write(f"Changes taken into the outcome figures: {taken}.")
