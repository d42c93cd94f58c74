"""Clear away background jobs: files past their time, jobs that waited or ran far too long, old rows. Run hourly."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from reparo.jobs.services import jobs_clean


class Command(BaseCommand):
    help = (
        "Remove the files of background jobs past their time (JOB_KEEP_HOURS), mark jobs that waited or ran far too "
        "long as failed, and forget jobs older than 30 days (run hourly)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        counts = jobs_clean()
        self.stdout.write(
            f"Jobs: {counts['stalled']} stopped, {counts['expired']} files removed, {counts['forgotten']} forgotten."
        )
