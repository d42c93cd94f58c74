from django.core.management.base import BaseCommand

from reparo.core import crypto
from reparo.core.rotation import rotate_all, values_not_under_primary


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted field under the newest key in FIELD_ENCRYPTION_KEYS. Safe to run while "
        "the application serves requests: old keys keep decrypting until you remove them."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--batch", type=int, default=500, help="Rows per transaction.")
        parser.add_argument("--check", action="store_true", help="Only count values not under the newest key.")

    def handle(self, *args: object, **options: object) -> None:
        if options["check"]:
            remaining = values_not_under_primary()
            self.stdout.write(f"{remaining} value(s) not under key {crypto.primary_key_id()!r}.")
            if remaining:
                raise SystemExit(1)
            return
        report = rotate_all(batch=int(options["batch"]))  # type: ignore[call-overload]
        for label, n in sorted(report.by_model.items()):
            self.stdout.write(f"  {label}: {n} value(s) re-encrypted")
        self.stdout.write(
            self.style.SUCCESS(
                f"Done: {report.rows_seen} row(s) read, {report.values_reencrypted} value(s) now under key "
                f"{crypto.primary_key_id()!r}."
            )
        )
