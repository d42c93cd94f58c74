"""Write an HTCDS 2.0 file of an organisation's cases (for one partner organisation, or de-identified)."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from reparo.access.capabilities import Capability
from reparo.interop import formats, services
from reparo.interop.management.commands import _common


class Command(BaseCommand):
    help = (
        "Write an HTCDS 2.0 file (CSV, XLSX or JSON) of an organisation's cases: for one partner organisation "
        "(--recipient; only people whose consent allows it) or de-identified (--deidentify). Recorded in the "
        "activity log under the organisation admin it runs as."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organisation", required=True, help="Organisation name.")
        parser.add_argument("--program", default=None, help="Program name (default: every program).")
        parser.add_argument("--since", type=datetime.date.fromisoformat, default=None, help="Cases changed since "
                            "this day, YYYY-MM-DD.")  # fmt: skip
        parser.add_argument("--format", default=formats.CSV, choices=formats.FORMATS)
        parser.add_argument("--deidentify", action="store_true", help="A de-identified (k = 11) file.")
        parser.add_argument("--recipient", default=None, help="The partner organisation the file is for.")
        parser.add_argument("--user", default=None, help="E-mail of the organisation admin it runs as (needed when "
                            "the organisation has more than one).")  # fmt: skip
        parser.add_argument("--output", required=True, help="Where to write the file.")

    def handle(self, *args: Any, **options: Any) -> None:
        org = _common.organisation(options["organisation"])
        program = _common.program(org, options["program"]) if options["program"] else None
        recipient = _common.organisation(options["recipient"]) if options["recipient"] else None
        actor = _common.acting_admin(org, options["user"], Capability.EXPORT_HTCDS)
        try:
            result = services.htcds_export(
                actor=actor, organisation=org, file_format=options["format"], recipient=recipient, program=program,
                since=options["since"], deidentified=options["deidentify"],
            )  # fmt: skip
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError(" ".join(getattr(exc, "messages", [str(exc)]))) from None
        path = Path(options["output"])
        with path.open("wb") as out:
            for chunk in result.chunks:
                out.write(chunk.encode("utf-8") if isinstance(chunk, str) else chunk)
        summary = result.note or f"{result.cases} case(s), {result.people} people; {result.left_out} left out."
        self.stdout.write(self.style.SUCCESS(f"Wrote {path}. {summary}"))
