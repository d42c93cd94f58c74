import time

from django.core.management.base import BaseCommand

from reparo.demo.seed import DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "Create demo organisations, programs and one user per role (development only; idempotent)."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument(
            "--accounts-only", action="store_true", help="Only the organisations, programs and users (no cases)."
        )

    def handle(self, *args: object, **options: object) -> None:
        started = time.perf_counter()
        logins = seed_demo(living=not options["accounts_only"])
        out = self.stdout
        out.write("")
        out.write(self.style.SUCCESS("Demo data is ready. Sign in at http://127.0.0.1:8000/sign-in/"))
        out.write(f"Every demo user's password: {DEMO_PASSWORD}")
        out.write("Second factor: add the TOTP secret to an authenticator app, or use a backup code (each once),")
        out.write("or print a current code with: REPARO_ENV=development .venv/bin/python manage.py demo_code <e-mail>")
        out.write("The participants' portal is at http://127.0.0.1:8000/my/sign-in/: the participant below signs in")
        out.write("with their sign-in name, the same password, and a code (demo_code takes the sign-in name too).")
        out.write(f"(Ready in {time.perf_counter() - started:.1f} seconds.)")
        out.write("")
        for login in logins:
            out.write(f"  {login.role:<22} {login.email:<34} ({login.organisation})")
            out.write(f"      TOTP secret: {login.totp_secret}   backup codes: {' '.join(login.backup_codes)}")
        out.write("")
