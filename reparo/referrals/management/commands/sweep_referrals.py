"""Expire unanswered referrals, end partners' access where consent or agreement lapsed, erase packets kept past
their retention. Run daily; running it again changes nothing."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from reparo.referrals.services import referrals_sweep


class Command(BaseCommand):
    help = "The daily referral sweep: expiry, lapsed consent or agreement, retention (safe to run again)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", type=datetime.date.fromisoformat, default=None, help="YYYY-MM-DD")

    def handle(self, *args: Any, **options: Any) -> None:
        counts = referrals_sweep(today=options["today"])
        self.stdout.write(
            f"Expired: {counts['expired']}; access ended: {counts['access_ended']}; packets erased: {counts['erased']}"
        )
