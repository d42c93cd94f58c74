from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from reparo.access.services import admin_grant
from reparo.accounts.models import User
from reparo.accounts.services import send_set_password_email
from reparo.organisations.models import HTCDSOrganisationType, Organisation, OrganisationKind


class Command(BaseCommand):
    help = (
        "Create a program-operator organisation (if needed) and give an e-mail address its organisation-admin "
        "role. The person receives a link to choose a password and then sets up two-factor sign-in. This is how "
        "a new installation gets its first admin."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--organisation", required=True, help="Organisation name.")
        parser.add_argument("--email", required=True, help="E-mail address of the admin.")
        parser.add_argument(
            "--type", default=HTCDSOrganisationType.NGO, choices=HTCDSOrganisationType.values, help="HTCDS org type."
        )
        parser.add_argument("--country", default="", help="Two-letter ISO 3166 country code.")

    def handle(self, *args: object, **options: object) -> None:
        email = User.objects.normalize_email(str(options["email"])).strip().lower()
        if "@" not in email:
            raise CommandError("Give a valid e-mail address.")
        with transaction.atomic():
            org, created_org = Organisation.objects.get_or_create(
                name=str(options["organisation"]).strip(),
                defaults={
                    "kind": OrganisationKind.OPERATOR,
                    "htcds_type": options["type"],
                    "country": str(options["country"]).upper(),
                },
            )
            user = User.objects.filter(email__iexact=email).first()
            new_user = user is None
            if user is None:
                user = User(email=email)
                user.set_unusable_password()
                try:
                    user.full_clean(exclude=["password"])
                except ValidationError as exc:
                    raise CommandError("; ".join(exc.messages)) from exc
                user.save()
            admin_grant(
                organisation=org,
                user=user,
                actor_label="manage.py create_organisation_admin",
                detail={"organisation_created": created_org},
            )
            if new_user:
                transaction.on_commit(lambda: send_set_password_email(user))
        self.stdout.write(
            self.style.SUCCESS(
                f"{email} is an organisation admin of {org.name}."
                + (" A link to choose a password has been sent." if new_user else "")
            )
        )
