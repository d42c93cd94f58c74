"""Bring an HTCDS 2.0 file (Reparo's layout, or ODK Central's or KoboToolbox's CSV of the HTCDS form) into a program."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from reparo.access.capabilities import Capability
from reparo.interop import services
from reparo.interop.management.commands import _common


class Command(BaseCommand):
    help = (
        "Import an HTCDS 2.0 file (CSV, XLSX or JSON) into a program. Nothing is saved unless every row is valid, "
        "or --valid-only is given. Importing the same file again creates nothing twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organisation", required=True, help="Organisation name.")
        parser.add_argument("--program", required=True, help="Program name.")
        parser.add_argument("--valid-only", action="store_true", help="Import the valid cases, report the others.")
        parser.add_argument("--user", default=None, help="E-mail of the organisation admin it runs as (needed when "
                            "the organisation has more than one).")  # fmt: skip
        parser.add_argument("path", help="The file to import.")

    def handle(self, *args: Any, **options: Any) -> None:
        org = _common.organisation(options["organisation"])
        program = _common.program(org, options["program"])
        actor = _common.acting_admin(org, options["user"], Capability.IMPORT_HTCDS)
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(f"There is no file at {path}.")
        try:
            report = services.htcds_import(
                actor=actor, organisation=org, program=program, file_name=path.name, data=path.read_bytes(),
                valid_only=options["valid_only"],
            )  # fmt: skip
        except PermissionDenied:
            raise CommandError("That admin may not import into this organisation.") from None
        for problem in report.problems:
            self.stderr.write(f"{problem.place}, {problem.column or '-'}: {problem.reason}")
        summary = (
            f"{report.rows} row(s) read; {report.cases_created} new case(s), {report.people_created} new people, "
            f"{report.cases_already_there} already there, {report.cases_invalid} with problems."
        )
        if report.refused:
            raise CommandError(report.refused)
        if not report.saved:
            raise CommandError(f"Nothing was imported. {summary}")
        self.stdout.write(self.style.SUCCESS(f"Imported. {summary}"))
