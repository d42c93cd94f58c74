from django.core.management.base import BaseCommand, CommandError

from reparo.access.table import DOC_PATH, render


class Command(BaseCommand):
    help = "Write docs/access.md from the capability table and the registered lookups (--check: only compare)."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--check", action="store_true", help="Fail if docs/access.md differs from the code.")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        text = render()
        if options["check"]:
            current = DOC_PATH.read_text(encoding="utf-8") if DOC_PATH.exists() else ""
            if current != text:
                raise CommandError("docs/access.md differs from the code: run `manage.py access_table`.")
            self.stdout.write("docs/access.md is up to date.")
            return
        DOC_PATH.write_text(text, encoding="utf-8")
        self.stdout.write(f"Wrote {DOC_PATH}.")
