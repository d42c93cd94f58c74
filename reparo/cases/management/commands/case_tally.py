from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reparo.cases.tally import rebuild_tally, tally_differences


class Command(BaseCommand):
    help = (
        "Check the case tally (cases per organisation, program and status, kept by database triggers) against "
        "the cases themselves; --rebuild counts them again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rebuild", action="store_true", help="Count every case again and replace the tally.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["rebuild"]:
            rows = rebuild_tally()
            self.stdout.write(f"The case tally was rebuilt ({rows} rows).")
            return
        differences = tally_differences()
        for (organisation, program, status), tallied, counted in differences:
            self.stdout.write(
                f"organisation {organisation}, program {program}, {status}: tally {tallied}, cases {counted}"
            )
        if differences:
            raise CommandError(
                f"The case tally differs from the cases in {len(differences)} place(s); run with --rebuild."
            )
        self.stdout.write("The case tally matches the cases.")
