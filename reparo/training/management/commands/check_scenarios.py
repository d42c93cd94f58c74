"""Check every role-play scenario file; print each refused file with its line and reason."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from reparo.training.scenarios import library


class Command(BaseCommand):
    help = "Validate the role-play scenario files in reparo/training/scenarios/."

    def handle(self, *args: Any, **options: Any) -> None:
        lib = library()
        for scenario in lib.scenarios.values():
            self.stdout.write(f"ok: {scenario.id}")
        for problem in lib.broken:
            self.stderr.write(str(problem))
        if lib.broken:
            raise CommandError(f"{len(lib.broken)} scenario file(s) refused")
