"""Send the planned "something is waiting" notifications whose moment has come. Idempotent. Run every few minutes."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from reparo.messaging.notifications import send_due_notifications


class Command(BaseCommand):
    help = "Send the notifications whose random moment has come (run every few minutes)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"Sent: {send_due_notifications()}")
