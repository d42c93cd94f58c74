from django.core.management.base import BaseCommand, CommandError

from reparo.demo.seed import refuse_outside_development, seed_demo


class Command(BaseCommand):
    help = "Print the current authenticator code of a demo user (development only)."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("email")

    def handle(self, *args: object, **options: object) -> None:
        refuse_outside_development()
        for login in seed_demo():
            if login.email == str(options["email"]).strip().lower():
                self.stdout.write(login.current_code())
                return
        raise CommandError("No demo user has that e-mail address.")
