"""Bring new submissions of the HTCDS form from ODK Central into a program, as intake drafts to review."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from reparo.access.capabilities import Capability
from reparo.interop import services
from reparo.interop.management.commands import _common


class Command(BaseCommand):
    help = (
        "Pull new submissions of the HTCDS form from ODK Central (the ODK_CENTRAL_* settings) into a program. Each "
        "becomes an intake draft of the reviewer it runs as (a coordinator or organisation admin), listed on the "
        "organisation's field intake page. Pulling again brings nothing twice: run it from cron as often as you like."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organisation", required=True, help="Organisation name.")
        parser.add_argument("--program", required=True, help="Program name.")
        parser.add_argument(
            "--user",
            default=None,
            help="E-mail of the coordinator or organisation admin whose drafts the submissions become (needed when "
            "the organisation has more than one).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        org = _common.organisation(options["organisation"])
        program = _common.program(org, options["program"])
        actor = _common.acting_admin(
            org, options["user"], Capability.REVIEW_FIELD_INTAKE, who="coordinator or organisation admin"
        )
        try:
            report = services.field_intake_pull(actor=actor, organisation=org, program=program)
        except PermissionDenied:
            raise CommandError(f"{actor.email} may not open cases in {org.name}.") from None
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(self.style.SUCCESS(
            f"{report.received} submission(s) in ODK Central: {report.new} new (intake drafts of {actor.email}"
            f"{f', {report.with_problems} with answers to check' if report.with_problems else ''}), "
            f"{report.already_here} already here, {report.rejected} rejected in Central"
            f"{f', {report.unreadable} without a submission id' if report.unreadable else ''}."
        ))  # fmt: skip
