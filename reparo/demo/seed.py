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
from reparo.cases.services import case_open
from reparo.core.environment import refuse_outside_development
from reparo.organisations.models import HTCDSOrganisationType, Organisation, OrganisationKind, Program
from reparo.processes.services import process_open
from reparo.support.models import SupportCircle
from reparo.support.services import (
    circle_settings_update,
    goal_set,
    meeting_record,
    step_add,
    support_circle_open,
    volunteer_add,
)
from reparo.training.framework import SURVIVOR_SUPPORT, competencies_of
from reparo.training.services import (
    attendance_record,
    certify_for_demo,
    course_create,
    course_session_add,
    enrol,
)

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
    ("helper", Role.SUPPORT_VOLUNTEER, "Hana Helper"),
]
# Two more support-circle volunteers (no sign-in of their own): a support circle needs three.
MORE_HELPERS = [("helper2", "Omar Helper"), ("helper3", "Rosa Helper")]


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
    _seed_support_circle(operator)
    return logins


def _seed_support_circle(operator: Organisation) -> None:
    """One survivor's support circle (issue 21), made through the services as staff would: three trained volunteers
    (Hana signs in), two goals, a meeting with minutes and one whose minutes are late, the next meeting set."""
    if SupportCircle.objects.filter(process__case__organisation=operator).exists():
        return
    coordinator = User.objects.get(email=f"coordinator@{DEMO_DOMAIN}")
    program = Program.objects.get(organisation=operator, name=PROGRAMS[0][0])
    helpers = [User.objects.get(email=f"helper@{DEMO_DOMAIN}")]
    for slug, full_name in MORE_HELPERS:
        user = User.objects.filter(email=f"{slug}@{DEMO_DOMAIN}").first()
        if user is None:
            user = User.objects.create_user(f"{slug}@{DEMO_DOMAIN}", DEMO_PASSWORD, full_name=full_name)
        membership_grant(
            organisation=operator, user=user, role=Role.SUPPORT_VOLUNTEER, actor_label="manage.py seed_demo"
        )
        helpers.append(user)
    now = timezone.now()
    case = case_open(
        actor=coordinator, program=program, referral_source="ngo", referral_date=timezone.localdate(),
        survivor={"given_name": "Amira", "family_name": "Example", "address": "1 Demo Street, Exampletown"},
        summary="Demo case for a support circle.",
    )  # fmt: skip
    process = process_open(actor=coordinator, case=case, type="support_circle")
    survivor = case.participants.get(role="survivor").person
    today = timezone.localdate()
    circle = support_circle_open(
        actor=coordinator, process=process, survivor=survivor, known_as="Amira", consent_method="written",
        consent_given_at=now - datetime.timedelta(days=40), opened_on=today - datetime.timedelta(days=30),
    )  # fmt: skip
    support = [c for c in competencies_of(operator) if c.code == SURVIVOR_SUPPORT]
    course = course_create(actor=coordinator, organisation=operator, title="Walking alongside survivors",
                           competencies=support)  # fmt: skip
    session = course_session_add(actor=coordinator, course=course, starts_at=now - datetime.timedelta(days=60),
                                 hours="20")  # fmt: skip
    for user in helpers:
        enrol(actor=coordinator, course=course, user=user)
    attendance_record(actor=coordinator, session=session, attended=helpers)
    for user in helpers:
        volunteer_add(actor=coordinator, circle=circle, user=user,
                      screening_done_on=today - datetime.timedelta(days=90), training_hours="24")  # fmt: skip
    home = goal_set(
        actor=coordinator, circle=circle, area="housing", words="A room of my own, near the bus to college."
    )
    goal_set(actor=coordinator, circle=circle, area="social", words="Friends to cook with on Sundays.")
    step_add(actor=coordinator, goal=home, words="Visit the housing office together",
             helper=circle.volunteers.get(user=helpers[0]))  # fmt: skip
    members = list(circle.volunteers.all())
    held = now - datetime.timedelta(days=9)
    meeting_record(actor=helpers[0], circle=circle, held_at=held, attendees=members, survivor_came=True,
                   what_was_done="Coffee and a look at the college timetable.",
                   next_steps="Amira calls the housing office.", now=held + datetime.timedelta(hours=3))  # fmt: skip
    meeting_record(actor=helpers[0], circle=circle, held_at=now - datetime.timedelta(days=3), attendees=members[:2])
    circle_settings_update(actor=coordinator, circle=circle, known_as="Amira", survivor_joins_meetings=True,
                           next_meeting_at=now + datetime.timedelta(days=4))  # fmt: skip
