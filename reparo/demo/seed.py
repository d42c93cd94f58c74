"""Demo data for development: organisations, programs and one user per role with two factors ready.

Refuses to run outside development. Idempotent: running it again changes nothing that exists and
restores the demo users' backup codes.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from reparo.access.services import membership_grant
from reparo.accounts.models import Role, User
from reparo.core.environment import refuse_outside_development
from reparo.messaging.demo import seed_messaging_demo
from reparo.organisations.models import HTCDSOrganisationType, Organisation, OrganisationKind, Program
from reparo.referrals import services as referral_services
from reparo.referrals.models import PartnerProfile, SharingAgreement
from reparo.training.services import certify_for_demo

DEMO_PASSWORD = "reparo-demo-2026"  # noqa: S105 - development-only demo accounts
DEMO_DOMAIN = "demo.reparo.test"

OPERATOR = ("Harbour Restorative Practice", HTCDSOrganisationType.NGO, "GB")
PROGRAMS = [
    ("Survivor-led dialogue", "Mediation, shuttle dialogue and conferences chosen by survivors."),
    ("Circles of Support and Accountability", "Reintegration circles for responsible persons."),
]
PARTNERS = [
    ("Northside Legal Aid", HTCDSOrganisationType.LEGAL_SERVICE),
    ("City Anti-Trafficking Police Unit", HTCDSOrganisationType.LAW_ENFORCEMENT),
    ("Riverside Community Health", HTCDSOrganisationType.HEALTH_SERVICE),
]
ROLE_USERS = [
    ("admin", Role.ORG_ADMIN, "Ana Admin"),
    ("coordinator", Role.COORDINATOR, "Carmen Coordinator"),
    ("facilitator", Role.FACILITATOR, "Femi Facilitator"),
    ("caseworker", Role.CASE_WORKER, "Kai Caseworker"),
    ("supervisor", Role.SUPERVISOR, "Sam Supervisor"),
    ("volunteer", Role.COSA_VOLUNTEER, "Val Volunteer"),
    ("evaluator", Role.EVALUATOR, "Eve Evaluator"),
    ("liaison", Role.PARTNER_LIAISON, "Lee Liaison"),
    ("partnerworker", Role.PARTNER_WORKER, "Pat Partner-Worker"),
]


@dataclass(frozen=True)
class DemoLogin:
    email: str
    role: str
    organisation: str
    totp_secret: str
    backup_codes: list[str]

    def current_code(self) -> str:
        key = base64.b32decode(self.totp_secret)
        return f"{TOTP(key).token():06d}"


def _derive(label: str, length: int) -> bytes:
    return hmac.new(settings.SECRET_KEY.encode(), f"reparo-demo:{label}".encode(), hashlib.sha256).digest()[:length]


def _backup_codes(email: str) -> list[str]:
    alphabet = "abcdefghijkmnpqrstuvwxyz23456789"
    raw = _derive(f"backup:{email}", 32)
    return ["".join(alphabet[b % len(alphabet)] for b in raw[i * 8 : i * 8 + 8]) for i in range(4)]


@transaction.atomic
def seed_demo() -> list[DemoLogin]:
    refuse_outside_development()
    operator, _c = Organisation.objects.get_or_create(
        name=OPERATOR[0],
        defaults={"kind": OrganisationKind.OPERATOR, "htcds_type": OPERATOR[1], "country": OPERATOR[2]},
    )
    for name, description in PROGRAMS:
        Program.objects.get_or_create(organisation=operator, name=name, defaults={"description": description})
    partners = []
    for name, htcds_type in PARTNERS:
        org, _c = Organisation.objects.get_or_create(
            name=name, defaults={"kind": OrganisationKind.PARTNER, "htcds_type": htcds_type, "country": "GB"}
        )
        partners.append(org)
    logins = []
    for slug, role, full_name in ROLE_USERS:
        email = f"{slug}@{DEMO_DOMAIN}"
        org = partners[0] if role in (Role.PARTNER_LIAISON, Role.PARTNER_WORKER) else operator
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email, DEMO_PASSWORD, full_name=full_name)
        membership_grant(organisation=org, user=user, role=role, actor_label="manage.py seed_demo")
        key = _derive(f"totp:{email}", 20)
        device = TOTPDevice.objects.filter(user=user, name="Demo authenticator").first()
        if device is None:
            TOTPDevice.objects.create(user=user, name="Demo authenticator", key=key.hex(), confirmed=True)
        static, _c = StaticDevice.objects.get_or_create(user=user, name="backup", defaults={"confirmed": True})
        codes = _backup_codes(email)
        for code in codes:
            StaticToken.objects.get_or_create(device=static, token=code)
        logins.append(
            DemoLogin(
                email=email,
                role=str(Role(role).label),
                organisation=org.name,
                totp_secret=base64.b32encode(key).decode("ascii"),
                backup_codes=codes,
            )
        )
    # Issue 6: only certified facilitators can be assigned; the demo facilitator and supervisor are certified.

    for program in Program.objects.filter(organisation=operator):
        for user in User.objects.filter(email__in=[f"facilitator@{DEMO_DOMAIN}", f"supervisor@{DEMO_DOMAIN}"]):
            certify_for_demo(user=user, program=program)
    # Issue 17: a conversation and a letter waiting in the facilitators' queue.
    seed_messaging_demo(
        operator=operator,
        users={slug: User.objects.get(email=f"{slug}@{DEMO_DOMAIN}") for slug, _role, _name in ROLE_USERS},
    )
    _seed_partnerships(operator, partners)
    return logins


# What the directory says about each demo partner: services, languages, area, whether they use Reparo.
PARTNER_PROFILES = {
    "Northside Legal Aid": (["legal_aid", "immigration"], ["en", "es"], "North and City districts", True),
    "City Anti-Trafficking Police Unit": (["law_enforcement"], ["en"], "City", False),
    "Riverside Community Health": (["health", "mental_health", "community"], ["en", "pl", "ro"], "Riverside", False),
}
# A tiny, valid PDF standing in for the signed agreement.
DEMO_AGREEMENT_PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _seed_partnerships(operator: Organisation, partners: list[Organisation]) -> None:
    """The directory entries of the demo partners, and an agreement in force with Northside Legal Aid (idempotent:
    only what is missing is added, through the services)."""
    admin = User.objects.get(email=f"admin@{DEMO_DOMAIN}")
    for partner in partners:
        services, languages, area, uses_reparo = PARTNER_PROFILES[partner.name]
        profile, _c = PartnerProfile.objects.get_or_create(organisation=partner)
        if not profile.area_served:
            referral_services.partner_update(
                actor=admin, profile=profile, services=services, languages=languages, area_served=area,
                uses_reparo=uses_reparo, contact_name="Referrals desk", contact_email=f"referrals@{DEMO_DOMAIN}",
            )  # fmt: skip
    legal_aid = partners[0]
    if not SharingAgreement.objects.filter(operator=operator, partner=legal_aid).exists():
        agreement = referral_services.sharing_agreement_create(
            actor=admin, operator=operator, partner=legal_aid, title="Legal aid referrals 2026",
            purposes=["legal_aid", "immigration"], data_categories=["identity", "contact", "needs", "case_facts"],
            retention_days=180, valid_from=timezone.localdate() - datetime.timedelta(days=30), valid_to=None,
        )  # fmt: skip
        referral_services.agreement_document_attach(
            actor=admin, agreement=agreement, filename="legal-aid-agreement.pdf", content=DEMO_AGREEMENT_PDF
        )
        referral_services.sharing_agreement_move(actor=admin, agreement=agreement, to_status="in_force")
