from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from reparo.cases.synthetic import DEFAULT_BATCH, DEFAULT_SEED, cases_for_responses, seed_synthetic


class Command(BaseCommand):
    help = (
        "Create synthetic organisations, programs, staff, people, cases, notes and tasks, with their processes, "
        "agreements, consents, surveys and the rest of the evidence, for benchmarks (development and test only; "
        "repeatable for a given --seed)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cases", type=int, default=None, help="How many cases to create (default 1000).")
        parser.add_argument(
            "--responses",
            type=int,
            default=None,
            help="Create enough cases for at least this many survey responses (about ten a case), instead of --cases.",
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"Random seed (default {DEFAULT_SEED}).")
        parser.add_argument(
            "--batch-size", type=int, default=DEFAULT_BATCH, help="Cases written per transaction (default %(default)s)."
        )
        parser.add_argument(
            "--workers", type=int, default=None, help="Processes that generate rows (default: one per core, up to 4)."
        )
        parser.add_argument("--no-analyze", action="store_true", help="Skip refreshing planner statistics afterwards.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["cases"] is not None and options["responses"] is not None:
            raise CommandError("Give --cases or --responses, not both.")
        cases = options["cases"] or 1000
        if options["responses"] is not None:
            try:
                cases = cases_for_responses(options["responses"])
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
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
