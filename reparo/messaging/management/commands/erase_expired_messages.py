"""Erase message texts and files past each program's keeping period (metadata stays). Idempotent. Run daily."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from reparo.messaging.services import messages_erase_expired


class Command(BaseCommand):
    help = "Erase message texts, attachments and relay texts older than each program's keeping period (run daily)."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = messages_erase_expired()
        self.stdout.write(
            f"Erased: {counts.messages} messages, {counts.attachments} attachments, {counts.relays} relays."
        )
