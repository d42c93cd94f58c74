from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from reparo.cases.synthetic import DEFAULT_BATCH, DEFAULT_SEED, seed_synthetic


class Command(BaseCommand):
    help = (
        "Create synthetic organisations, programs, staff, people, cases, notes and tasks for benchmarks "
        "(development and test only; repeatable for a given --seed)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cases", type=int, default=1000, help="How many cases to create (default 1000).")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"Random seed (default {DEFAULT_SEED}).")
        parser.add_argument(
            "--batch-size", type=int, default=DEFAULT_BATCH, help="Cases written per transaction (default %(default)s)."
        )
        parser.add_argument(
            "--workers", type=int, default=None, help="Processes that generate rows (default: one per core, up to 4)."
        )
        parser.add_argument("--no-analyze", action="store_true", help="Skip refreshing planner statistics afterwards.")

    def handle(self, *args: Any, **options: Any) -> None:
        cases = options["cases"]
        verbosity = options["verbosity"]

        def progress(done: int, seconds: float) -> None:
            if verbosity >= 1:
                self.stdout.write(f"  {done:>9,} cases  {seconds:7.1f} s  {done / seconds:8,.0f} cases/s")

        try:
            report = seed_synthetic(
                cases=cases,
                seed=options["seed"],
                batch_size=options["batch_size"],
                workers=options["workers"],
                progress=progress,
                analyze=not options["no_analyze"],
            )
        except (ImproperlyConfigured, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        if verbosity >= 1:
            for label, count in report.rows.items():
                self.stdout.write(f"  {label:<20} {count:>10,}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {report.cases:,} cases ({report.total_rows:,} rows) with seed {report.seed} in "
                f"{report.seconds:.1f} s: {report.cases_per_second:,.0f} cases/s, "
                f"{report.total_rows / report.seconds:,.0f} rows/s."
            )
        )
