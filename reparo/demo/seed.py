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
from decimal import Decimal

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
from reparo.demo.living import seed_living_demo
from reparo.funding import services as funding
from reparo.funding.models import Category, Funder, Grant
from reparo.interop.demo import seed_interop_demo
from reparo.messaging.demo import seed_messaging_demo
from reparo.organisations.models import HTCDSOrganisationType, Organisation, OrganisationKind, Program
from reparo.processes.services import process_open
from reparo.referrals import services as referral_services
from reparo.referrals.models import PartnerProfile, SharingAgreement
from reparo.releases.demo import seed_releases_demo
from reparo.support.models import SupportCircle
from reparo.support.services import (
    circle_settings_update,
    goal_set,
    meeting_record,
    step_add,
    support_circle_open,
    volunteer_add,
)
from reparo.training import services as training
from reparo.training.framework import SURVIVOR_SUPPORT, competencies_of
from reparo.training.models import CourseOpening
from reparo.training.services import (
    attendance_record,
    certify_for_demo,
    course_create,
    course_session_add,
    enrol,
)

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
    ("partnerworker", Role.PARTNER_WORKER, "Pat Partner-Worker"),
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
def seed_demo(*, living: bool = False) -> list[DemoLogin]:
    """The demo's organisations, programs and users (and what earlier issues added). With ``living``, also a program
    that has been running for a year and a half (:mod:`reparo.demo.living`): what ``manage.py seed_demo`` does."""
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
    _seed_funding(operator)
    _seed_joint_training(operator, partners[0])
    # Issue 17: a conversation and a letter waiting in the facilitators' queue.
    seed_messaging_demo(
        operator=operator,
        users={slug: User.objects.get(email=f"{slug}@{DEMO_DOMAIN}") for slug, _role, _name in ROLE_USERS},
    )
    _seed_partnerships(operator, partners)
    # Issue 17: a survivor who uses the participants' portal.
    logins.append(_seed_portal(Program.objects.get(organisation=operator, name=PROGRAMS[0][0])))
    _seed_support_circle(operator)
    # Issue 18: records brought in from ODK Central, and a public release against the yearly privacy budget.
    admin = User.objects.get(email=f"admin@{DEMO_DOMAIN}")
    seed_interop_demo(operator=operator, admin=admin, partner=partners[0])
    seed_releases_demo(operator=operator, admin=admin)
    if living:
        seed_living_demo(operator=operator, partners=partners)
    return logins


def _seed_funding(operator: Organisation) -> None:
    """Issue 16: a funder, a restricted grant with allocations, some spending and a report due soon."""
    admin = User.objects.get(email=f"admin@{DEMO_DOMAIN}")
    coordinator = User.objects.get(email=f"coordinator@{DEMO_DOMAIN}")
    funder = Funder.objects.filter(organisation=operator, name="Tideway Foundation").first()
    if funder is None:
        funder = funding.funder_create(actor=admin, organisation=operator, name="Tideway Foundation")
    if Grant.objects.filter(funder=funder, reference="TF-DEMO-01").exists():
        return
    today = timezone.localdate()
    start = datetime.date(today.year, 1, 1)
    grant = funding.grant_create(
        actor=admin, funder=funder, reference="TF-DEMO-01", restricted=True, amount=Decimal("48000.00"),
        currency="EUR", starts_on=start, ends_on=datetime.date(today.year + 1, 12, 31),
        purpose="Survivor-led dialogue: facilitation, interpreters and travel.",
        conditions="Quarterly narrative report; receipts kept for seven years.",
    )  # fmt: skip
    dialogue = Program.objects.get(organisation=operator, name=PROGRAMS[0][0])
    circles = Program.objects.get(organisation=operator, name=PROGRAMS[1][0])
    plan = [
        (dialogue, Category.FACILITATION, "18000"), (dialogue, Category.INTERPRETERS, "6000"),
        (dialogue, Category.TRAVEL, "3000"), (dialogue, Category.SURVIVOR_SUPPORT, "5000"),
        (circles, Category.FACILITATION, "9000"), (circles, Category.TRAINING, "2500"),
    ]  # fmt: skip
    for program, category, amount in plan:
        funding.allocation_set(actor=admin, grant=grant, program=program, category=category, amount=amount)
    spending = [
        (dialogue, Category.FACILITATION, "2400.00", 70, "INV-2041"),
        (dialogue, Category.INTERPRETERS, "640.50", 55, "INV-2050"),
        (dialogue, Category.TRAVEL, "212.80", 40, "R-118"),
        (circles, Category.FACILITATION, "1500.00", 30, "INV-2077"),
        (dialogue, Category.FACILITATION, "2400.00", 10, "INV-2102"),
    ]
    for program, category, amount, days_ago, reference in spending:
        funding.spend_record(
            actor=coordinator, grant=grant, program=program, category=category, amount=Decimal(amount),
            spent_on=max(start, today - datetime.timedelta(days=days_ago)), reference=reference,
        )  # fmt: skip
    funding.deadline_add(
        actor=admin, grant=grant, due_on=today + datetime.timedelta(days=20), what="Interim narrative report"
    )


def _seed_joint_training(operator: Organisation, partner: Organisation) -> None:
    """Issue 16: a course opened to the demo partner, with the liaison enrolled and present at its first session."""
    if CourseOpening.objects.filter(organisation=partner, course__organisation=operator).exists():
        return
    coordinator = User.objects.get(email=f"coordinator@{DEMO_DOMAIN}")
    liaison = User.objects.get(email=f"liaison@{DEMO_DOMAIN}")
    course = training.course_create(
        actor=coordinator, organisation=operator, title="Trauma-informed practice for partner staff",
        description="Two mornings on safe, survivor-led contact.", competencies=[], is_workshop=True,
    )  # fmt: skip
    first = training.course_session_add(
        actor=coordinator, course=course, starts_at=timezone.now() - datetime.timedelta(days=7), hours=3
    )
    training.course_session_add(
        actor=coordinator, course=course, starts_at=timezone.now() + datetime.timedelta(days=14), hours=3
    )
    training.course_open_to_partners(actor=coordinator, course=course, organisations=[partner])
    training.joint_enrol(actor=liaison, course=course)
    training.attendance_record(actor=coordinator, session=first, attended=[liaison])


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
