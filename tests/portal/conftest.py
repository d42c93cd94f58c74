"""The portal's world: Alice's case with a survivor, a responsible person and a supporter who each use the portal,
a joint session and each side's own meeting, surveys, a binding agreement and a shared safety plan; and another case
of the same organisation whose survivor uses the portal too (their records must stay out of reach)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from reparo.accounts.models import User
from reparo.agreements import services as agreement_services
from reparo.agreements.models import Agreement, Instalment
from reparo.cases.models import Case, CaseParticipant, ParticipantRole
from reparo.consent.models import Consent
from reparo.consent.services import consent_record
from reparo.evaluation.models import SurveyAssignment
from reparo.evaluation.services import surveys_assign_due
from reparo.people.models import Person
from reparo.people.services import person_create
from reparo.portal import services
from reparo.portal.models import AccessStatus, PortalAccount
from reparo.processes import services as process_services
from reparo.processes.content import checklist_for
from reparo.processes.models import Process, Session
from reparo.safety import services as safety_services
from reparo.safety.models import SafetyPlan
from tests.agreements.factories import binding_agreement
from tests.cases.factories import alice_case
from tests.conftest import PASSWORD, TOTP_KEY_HEX, CsrfClient, sign_in
from tests.evaluation.factories import agree_to_evaluation, schedule
from tests.processes.factories import tomorrow
from tests.safety.factories import make_safe

SURVIVOR = ("Valentina", "Quispewater")
RESPONSIBLE = ("Bartholomew", "Kranefield")
SUPPORTER = ("Ottilie", "Marchbanks")
RESPONSIBLE_PHONE = "+44 7700 118822"
RESPONSIBLE_EMAIL = "bart.kranefield@mail.example"
SURVIVOR_MEETING_VENUE = "Room 5, through the quiet garden entrance"
RESPONSIBLE_MEETING_VENUE = "Room 9, next to the car park"
JOINT_VENUE = "Hall 3, Lantern House"
PLAN_ARRANGEMENTS = "Arrives by the blue door and waits in the lilac room"


def ago(**kwargs: Any) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(**kwargs)


def agree_to_portal(world: Any, person: Person, case: Case) -> Consent:
    return consent_record(actor=world["coordinator"], person=person, purpose="portal", method="written",
                          given_at=ago(minutes=5), case=case)  # fmt: skip


def activate(world: Any, case: Case, person: Person) -> User:
    """A participant who was invited (through the service) and has set up their sign-in: the passphrase is the test
    password, the authenticator app the RFC test key (the set-up itself is tested through the pages)."""
    if not Consent.objects.filter(person=person, purpose="portal").exists():
        agree_to_portal(world, person, case)
    issued = services.invitation_issue(actor=world["facilitator"], case=case, person=person, channel="in_person")
    account = issued.invitation.account
    user = account.user
    user.set_password(PASSWORD)
    user.is_active = True
    user.save()
    TOTPDevice.objects.create(user=user, name="phone", key=TOTP_KEY_HEX, confirmed=True)
    issued.invitation.used_at = timezone.now()
    issued.invitation.save()
    PortalAccount.objects.filter(pk=account.pk).update(status=AccessStatus.ACTIVE)
    return user


def as_participant(user: User) -> CsrfClient:
    return sign_in(CsrfClient(), user)  # type: ignore[return-value]


def open_process(world: Any, case: Case, *, supporter: Person | None = None) -> Process:
    """A direct mediation on ``case`` with its survivor and responsible person (and ``supporter``), prepared, and safe
    for a joint meeting (as tests/processes/factories.py ready_process does)."""
    facilitator = world["facilitator"]
    process = process_services.process_open(actor=facilitator, case=case, type="direct_mediation")
    for case_participant in case.participants.all():
        process_services.participant_add(actor=facilitator, process=process, case_participant=case_participant,
                                         role=case_participant.role)  # fmt: skip
    process_services.facilitator_assign(actor=world["coordinator"], process=process, user=facilitator,
                                        role="facilitator")  # fmt: skip
    for participant in process.participants.all():
        process_services.preparation_record(actor=facilitator, process=process, participant=participant,
                                            held_on=timezone.localdate(),
                                            covered=[key for key, _label in checklist_for(process.type)])  # fmt: skip
    make_safe(world, process)
    return process


@dataclass
class PortalWorld:
    world: Any
    case: Case
    process: Process
    people: dict[str, Person]
    users: dict[str, User]
    joint: Session
    own_meeting: dict[str, Session]
    agreement: Agreement
    plan: SafetyPlan
    # Another case of the same organisation, whose survivor uses the portal.
    other_case: Case
    other_process: Process
    other_user: User
    other_session: Session
    other_plan: SafetyPlan
    extra: dict[str, Any] = field(default_factory=dict)

    def client(self, kind: str) -> CsrfClient:
        return as_participant(self.users[kind])

    def assignment(self, kind: str) -> SurveyAssignment:
        return SurveyAssignment.objects.get(person=self.people[kind], case=self.case)

    def consent(self, kind: str, purpose: str = "evaluation") -> Consent:
        return Consent.objects.filter(person=self.people[kind], purpose=purpose).latest("given_at")


def build(world: Any) -> PortalWorld:
    facilitator = world["facilitator"]
    case = alice_case(world, survivor_name=SURVIVOR, responsible_name=RESPONSIBLE)
    survivor = case.participants.get(role="survivor").person
    responsible = case.participants.get(role="responsible").person
    responsible.phone, responsible.email, responsible.address = RESPONSIBLE_PHONE, RESPONSIBLE_EMAIL, "7 Elm Row"
    responsible.save()
    supporter = person_create(actor=world["coordinator"], organisation=world.alice_org, kind="other",
                              given_name=SUPPORTER[0], family_name=SUPPORTER[1])  # fmt: skip
    CaseParticipant.objects.create(case=case, person=supporter, role=ParticipantRole.SUPPORTER)
    process = open_process(world, case)
    people = {"survivor": survivor, "responsible": responsible, "supporter": supporter}
    users = {kind: activate(world, case, person) for kind, person in people.items()}

    def meeting(invited: list[Any], hour: int, venue: str) -> Session:
        return process_services.session_schedule(
            actor=facilitator, process=process, starts_at=tomorrow(hour), duration_minutes=60 if hour != 14 else 90,
            mode="in_person", invited=invited, venue=venue,
        )  # fmt: skip

    parts = {p.role: p for p in process.participants.all()}
    joint = meeting([parts["survivor"], parts["responsible"], parts["supporter"]], 14, JOINT_VENUE)
    own = {
        "survivor": meeting([parts["survivor"]], 10, SURVIVOR_MEETING_VENUE),
        "responsible": meeting([parts["responsible"]], 17, RESPONSIBLE_MEETING_VENUE),
    }
    for kind in ("survivor", "responsible"):
        agree_to_evaluation(world, people[kind])
    schedule(world, "who5", "baseline", "both")
    agreement = binding_agreement(world, process, due=timezone.localdate() + datetime.timedelta(days=30))
    first = Instalment.objects.filter(obligation__item__agreement=agreement).order_by("number").first()
    assert first is not None
    agreement_services.instalment_pay(actor=facilitator, instalment=first, amount=Decimal("100.00"))
    plan = safety_services.safety_plan_save(
        actor=facilitator, case=case, person=survivor, next_review_on=timezone.localdate() + datetime.timedelta(30),
        warning_signs="Cannot sleep", safe_contacts="My sister on 0123", session_arrangements=PLAN_ARRANGEMENTS,
    )  # fmt: skip
    plan = safety_services.safety_plan_share(actor=facilitator, plan=plan, shared=True)

    other_case = alice_case(world, survivor_name=("Odalys", "Farcase"))
    other_process = open_process(world, other_case)
    other_survivor = other_case.participants.get(role="survivor").person
    other_user = activate(world, other_case, other_survivor)
    agree_to_evaluation(world, other_survivor)
    other_session = process_services.session_schedule(
        actor=facilitator, process=other_process, starts_at=tomorrow(11), duration_minutes=60, mode="online",
        invited=list(other_process.participants.filter(role="survivor")), online_link="https://meet.example/other",
    )  # fmt: skip
    other_plan = safety_services.safety_plan_save(
        actor=facilitator, case=other_case, person=other_survivor,
        next_review_on=timezone.localdate() + datetime.timedelta(30), warning_signs="Other plan",
    )  # fmt: skip
    other_plan = safety_services.safety_plan_share(actor=facilitator, plan=other_plan, shared=True)
    surveys_assign_due()
    return PortalWorld(world, case, process, people, users, joint, own, agreement, plan, other_case, other_process,
                       other_user, other_session, other_plan)  # fmt: skip


@pytest.fixture
def portal(world: Any) -> PortalWorld:
    return build(world)
