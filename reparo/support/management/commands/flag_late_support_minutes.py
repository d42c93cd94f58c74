"""Give coordinators a task for each support-circle meeting whose minutes are more than 48 hours late (run hourly)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from reparo.support.services import flag_late_minutes


class Command(BaseCommand):
    help = "Flag support-circle meetings whose minutes are more than 48 hours late to the coordinators."

    def handle(self, *args: Any, **options: Any) -> None:
        tasks = flag_late_minutes()
        self.stdout.write(f"{len(tasks)} task(s) created.")
