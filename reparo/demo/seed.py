"""Demo data for development: organisations, programs and one user per role with two factors ready.

Refuses to run outside development. Idempotent: running it again changes nothing that exists and
restores the demo users' backup codes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from reparo.access.services import membership_grant
from reparo.accounts.models import Role, User
from reparo.core.environment import refuse_outside_development
from reparo.messaging.demo import seed_messaging_demo
from reparo.organisations.models import HTCDSOrganisationType, Organisation, OrganisationKind, Program
from reparo.training.services import certify_for_demo

DEMO_SIGN_IN_NAME = "SURV-2026"

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
        org = partners[0] if role == Role.PARTNER_LIAISON else operator
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
    # Issue 17: a survivor who uses the participants' portal.
    logins.append(_seed_portal(Program.objects.get(organisation=operator, name=PROGRAMS[0][0])))
    return logins


def _seed_portal(program: Program) -> DemoLogin:
    """A case of the first program whose survivor uses the portal: a meeting tomorrow, a questionnaire due, and
    consents to give or withdraw. Made once; afterwards only the survivor's login is returned."""
    import datetime

    from django.utils import timezone

    from reparo.cases.services import case_open, team_member_add
    from reparo.consent.services import consent_record
    from reparo.evaluation.services import schedule_line_add, surveys_assign_due
    from reparo.portal.services import invitation_issue, participant_ready_for_demo, sign_in_email
    from reparo.processes import services as processes

    email = sign_in_email(DEMO_SIGN_IN_NAME)
    key = _derive(f"totp:{email}", 20)
    login = DemoLogin(
        email=DEMO_SIGN_IN_NAME.lower(),
        role="Participant (portal, /my/)",
        organisation=program.organisation.name,
        totp_secret=base64.b32encode(key).decode("ascii"),
        backup_codes=[],
    )
    if User.objects.filter(email=email).exists():
        return login
    coordinator = User.objects.get(email=f"coordinator@{DEMO_DOMAIN}")
    facilitator = User.objects.get(email=f"facilitator@{DEMO_DOMAIN}")
    now = timezone.now()
    case = case_open(
        actor=coordinator, program=program, referral_source="ngo", referral_date=timezone.localdate(),
        summary="Demo case for the participant portal.",
        survivor={"given_name": "Dana", "family_name": "Demo"},
        responsible={"given_name": "Rory", "family_name": "Example"},
        exploitation_types=[], needs=[],
    )  # fmt: skip
    team_member_add(actor=coordinator, case=case, user=facilitator, role="lead_facilitator")
    survivor = case.participants.get(role="survivor").person
    process = processes.process_open(actor=facilitator, case=case, type="indirect_dialogue")
    for case_participant in case.participants.all():
        processes.participant_add(actor=facilitator, process=process, case_participant=case_participant,
                                  role=case_participant.role)  # fmt: skip
    processes.facilitator_assign(actor=coordinator, process=process, user=facilitator, role="facilitator")
    own = process.participants.get(person=survivor)
    processes.preparation_record(actor=facilitator, process=process, participant=own, held_on=timezone.localdate(),
                                 covered=["purpose", "voluntary", "safety"])  # fmt: skip
    tomorrow = timezone.localtime(now + datetime.timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    processes.session_schedule(actor=facilitator, process=process, starts_at=tomorrow, duration_minutes=60,
                               mode="in_person", invited=[own], venue="Harbour House, room 2")  # fmt: skip
    for purpose in ("portal", "evaluation"):
        consent_record(actor=coordinator, person=survivor, purpose=purpose, method="written",
                       given_at=now - datetime.timedelta(minutes=5), case=case)  # fmt: skip
    if not program.survey_schedule.filter(instrument="who5", timepoint="baseline").exists():
        schedule_line_add(actor=coordinator, program=program, instrument="who5", timepoint="baseline",
                          audience="survivors")  # fmt: skip
    surveys_assign_due()
    issued = invitation_issue(actor=facilitator, case=case, person=survivor, channel="in_person")
    participant_ready_for_demo(invitation=issued.invitation, sign_in_name=DEMO_SIGN_IN_NAME, passphrase=DEMO_PASSWORD,
                               key_hex=key.hex())  # fmt: skip
    return login
