"""The world the authorization matrix runs against, built once per module through the services.

Two operator organisations built alike — A (Alice's, whose staff are the actors) and B (Charlie's, where Charlie is
the organisation admin) — each with its own partner organisation (A's is the partner users'). Each of A and B has one
case with everything a URL can point at: people, notes, tasks, a mediation process with a session, screenings, a
safety plan shared with the survivor, a restriction, a binding agreement and a draft of its next version, a CoSA
process with its circle, a support circle, surveys, messages and a message to pass on, a referral to the partner and
one from it, a grant, training records, a course opened to the partner, a role-play attempt, an improvement, an
outcome release, an API token of the organisation and one of its partner, a file made in the background; and
portal accounts for its survivor (and, in A, its responsible person). A has a second case (``case2``) whose team is
the ``other_team`` actor only: the same-organisation case that A's case team is not on.

Every encrypted field of those objects holds a canary: a unique string that says whose it is and who may read it
(its group). Case references and display codes are canaries too (they are not secret, but another organisation must
never see them)."""

from __future__ import annotations

import datetime
import itertools
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from reparo.access.capabilities import PARTNER_ROLES
from reparo.access.services import membership_end
from reparo.accounts.models import Membership, Role, User
from reparo.agreements import services as agreements
from reparo.analytics import services as analytics
from reparo.api import services as api_tokens
from reparo.cases import services as cases
from reparo.cases.models import CaseTeamMember, NoteConfidentiality, TeamRole
from reparo.consent.models import DataCategory
from reparo.consent.services import consent_record
from reparo.cosa import services as cosa
from reparo.evaluation import services as evaluation
from reparo.evaluation.models import SurveyAssignment
from reparo.funding import services as funding
from reparo.interop import services as interop
from reparo.interop.central import Submission
from reparo.messaging import services as messaging
from reparo.organisations.models import HTCDSOrganisationType, Organisation, OrganisationKind, Program
from reparo.portal import services as portal
from reparo.portal.models import AccessStatus, PortalAccount
from reparo.processes import services as processes
from reparo.processes.content import checklist_for
from reparo.processes.models import Session, SessionInvitation
from reparo.referrals import services as referrals
from reparo.releases import services as releases
from reparo.releases.tables import TABLES
from reparo.safety import services as safety
from reparo.safety.gate import process_consent_ref
from reparo.safety.models import Notice
from reparo.support import services as support
from reparo.training import services as training
from reparo.training.framework import competencies_of
from reparo.training.models import Certification, CertificationStatus
from reparo.training.scenarios import library
from tests.conftest import PASSWORD, TOTP_KEY_HEX, make_user
from tests.safety.factories import all_answers
from tests.support import factories as support_factories
from tests.training.factories import certify

# --- canaries ------------------------------------------------------------------------------------------------------

CANARY_RE = re.compile(rb"qzq-([ab])-([a-z0-9]+)-(\d{3})-q", re.IGNORECASE)


@dataclass(frozen=True)
class Canary:
    text: str
    org: str  # "A" or "B"
    group: str  # who may read it: see CANARY_GROUPS in the test module
    owner: Any = None  # the user it belongs to (their own name), who may always read it
    shared_with: frozenset[str] = frozenset()  # actor kinds it was sent to (a referral's packet)


@dataclass
class Canaries:
    """Every canary, by its text (lower case) for the ``qzq-…`` ones, and the literal ones (references, codes)."""

    marked: dict[str, Canary] = field(default_factory=dict)
    literal: list[tuple[bytes, Canary]] = field(default_factory=list)
    _n: Any = field(default_factory=lambda: itertools.count(1))

    def new(self, org: str, group: str, *, owner: Any = None, shared_with: frozenset[str] = frozenset()) -> str:
        text = f"Qzq-{org}-{group}-{next(self._n):03d}-q"
        self.marked[text.lower()] = Canary(text, org, group, owner, shared_with)
        return text

    def email(self, org: str, group: str, *, shared_with: frozenset[str] = frozenset()) -> str:
        return f"{self.new(org, group, shared_with=shared_with).lower()}@mail.example"

    def phone(self, org: str, group: str, *, shared_with: frozenset[str] = frozenset()) -> str:
        number = f"+44 7700 9{next(self._n):05d}"
        self.literal.append((number.encode(), Canary(number, org, group, shared_with=shared_with)))
        return number

    def add_literal(self, text: str, org: str, group: str) -> None:
        self.literal.append((text.encode(), Canary(text, org, group)))

    def found_in(self, content: bytes) -> list[Canary]:
        """The canaries ``content`` holds (one regular-expression pass, and a few literal searches)."""
        seen = [self.marked[m.group(0).decode().lower()] for m in CANARY_RE.finditer(content)]
        seen += [canary for text, canary in self.literal if text in content]
        return seen


# --- the world ----------------------------------------------------------------------------------------------------

ORG_ROLE_ACTORS = list(Role.values)
ACTOR_ORDER = [
    *ORG_ROLE_ACTORS,
    "team_lead_facilitator",
    "team_co_facilitator",
    "team_case_worker",
    "team_supervisor",
    "team_cosa_volunteer",
    "other_team",
    "former_team_member",
    "participant_survivor",
    "participant_responsible",
    "outsider",
    "anonymous",
    "password_only",
]
# A support volunteer is made by the role loop above: in A, the volunteer of the survivor's support circle.
# A case-team actor holds the organisation role that goes with the team role, and nothing else.
TEAM_ACTORS = {
    "team_lead_facilitator": (Role.FACILITATOR, TeamRole.LEAD_FACILITATOR),
    "team_co_facilitator": (Role.FACILITATOR, TeamRole.CO_FACILITATOR),
    "team_case_worker": (Role.CASE_WORKER, TeamRole.CASE_WORKER),
    "team_supervisor": (Role.SUPERVISOR, TeamRole.SUPERVISOR),
    "team_cosa_volunteer": (Role.COSA_VOLUNTEER, TeamRole.COSA_VOLUNTEER),
}


@dataclass
class MatrixWorld:
    actors: dict[str, User | None]  # None: anonymous
    two_factor: dict[str, bool]  # signed in with both factors (False: the password only)
    objects: dict[str, dict[str, Any]]  # "A" / "B" -> name -> object
    canaries: Canaries
    partner: Organisation


@dataclass
class Staff:
    """The people who build one organisation's objects."""

    admin: User
    coordinator: User
    lead: User
    co: User
    case_worker: User
    supervisor: User
    volunteer: User
    evaluator: User
    more_volunteers: list[User]
    spare_volunteer: User  # a CoSA volunteer of the organisation who is in no circle
    spare_facilitator: User  # a facilitator of the organisation on no case team
    support_volunteer: User  # a volunteer of the survivor's support circle


def _org(name: str, kind: str = OrganisationKind.OPERATOR) -> Organisation:
    htcds = HTCDSOrganisationType.LEGAL_SERVICE if kind == OrganisationKind.PARTNER else HTCDSOrganisationType.NGO
    return Organisation.objects.create(name=name, kind=kind, htcds_type=htcds)


def _user(email: str, organisation: Organisation, role: str, canaries: Canaries, org: str | None) -> User:
    user = make_user(email)
    # A staff member's name is encrypted and is their organisation's business only.
    user.full_name = canaries.new(org, "staff", owner=user.pk) if org else f"Partner {role}"
    user.save()
    Membership.objects.create(user=user, organisation=organisation, role=role)
    return user


def build() -> MatrixWorld:
    canaries = Canaries()
    # Each operator works with its own partner organisation: A with Bob Legal Aid (the partner users' organisation),
    # B with Dana Housing.
    partners = {
        label: _org(name, OrganisationKind.PARTNER) for label, name in (("A", "Bob Legal Aid"), ("B", "Dana Housing"))
    }
    partner = partners["A"]
    orgs = {"A": _org("Alice Restorative Service"), "B": _org("Charlie Mediation")}
    programs = {label: Program.objects.create(organisation=o, name=f"Dialogue {label}") for label, o in orgs.items()}

    # A's actors: one per organisation role (on no case team) ...
    actors: dict[str, User | None] = {}
    for role in ORG_ROLE_ACTORS:
        home = partner if role in PARTNER_ROLES else orgs["A"]
        actors[role] = _user(f"{role}@a.example", home, role, canaries, None if home is partner else "A")
    # ... one per case-team role, holding only the matching organisation role ...
    for name, (role, _team_role) in TEAM_ACTORS.items():
        actors[name] = _user(f"{name}@a.example", orgs["A"], role, canaries, "A")
    # ... a facilitator on the team of another case of A, an outsider (Charlie, B's admin), anonymous, and an admin
    # of A signed in with the password only.
    actors["other_team"] = _user("other.team@a.example", orgs["A"], Role.FACILITATOR, canaries, "A")
    actors["former_team_member"] = _user("former@a.example", orgs["A"], Role.FACILITATOR, canaries, "A")
    actors["outsider"] = _user("charlie@b.example", orgs["B"], Role.ORG_ADMIN, canaries, "B")
    actors["anonymous"] = None
    actors["password_only"] = _user("password.only@a.example", orgs["A"], Role.ORG_ADMIN, canaries, "A")

    extra_a = [_user(f"volunteer{n}@a.example", orgs["A"], Role.COSA_VOLUNTEER, canaries, "A") for n in (2, 3, 4)]
    staff_a = Staff(
        admin=actors["org_admin"],  # type: ignore[arg-type]
        coordinator=actors["coordinator"],  # type: ignore[arg-type]
        lead=actors["team_lead_facilitator"],  # type: ignore[arg-type]
        co=actors["team_co_facilitator"],  # type: ignore[arg-type]
        case_worker=actors["team_case_worker"],  # type: ignore[arg-type]
        supervisor=actors["team_supervisor"],  # type: ignore[arg-type]
        volunteer=actors["team_cosa_volunteer"],  # type: ignore[arg-type]
        evaluator=actors["evaluator"],  # type: ignore[arg-type]
        more_volunteers=extra_a,
        spare_volunteer=actors["cosa_volunteer"],  # type: ignore[arg-type]
        spare_facilitator=actors["facilitator"],  # type: ignore[arg-type]
        support_volunteer=actors["support_volunteer"],  # type: ignore[arg-type]
    )

    def b_user(name: str, role: str) -> User:
        return _user(f"{name}@b.example", orgs["B"], role, canaries, "B")

    staff_b = Staff(
        admin=actors["outsider"],  # type: ignore[arg-type]
        coordinator=b_user("coordinator", Role.COORDINATOR),
        lead=b_user("lead", Role.FACILITATOR),
        co=b_user("co", Role.FACILITATOR),
        case_worker=b_user("caseworker", Role.CASE_WORKER),
        supervisor=b_user("supervisor", Role.SUPERVISOR),
        volunteer=b_user("volunteer", Role.COSA_VOLUNTEER),
        evaluator=b_user("evaluator", Role.EVALUATOR),
        more_volunteers=[b_user(f"volunteer{n}", Role.COSA_VOLUNTEER) for n in (2, 3, 4)],
        spare_volunteer=b_user("volunteer5", Role.COSA_VOLUNTEER),
        spare_facilitator=b_user("facilitator2", Role.FACILITATOR),
        support_volunteer=b_user("helper", Role.SUPPORT_VOLUNTEER),
    )
    partner_staff = {
        "A": [actors["partner_liaison"], actors["partner_worker"]],
        "B": [_user(f"{r}@dana.example", partners["B"], r, canaries, None) for r in sorted(PARTNER_ROLES)],
    }
    objects = {
        label: _build_org(label, orgs[label], programs[label], staff, partners[label], partner_staff[label], canaries)
        for label, staff in (("A", staff_a), ("B", staff_b))
    }
    # The survivor and the responsible person of A's case use the portal; so does B's survivor.
    for name, label, side in (
        ("participant_survivor", "A", "survivor"),
        ("participant_responsible", "A", "responsible"),
        (None, "B", "survivor"),
    ):
        user = _portal_user(objects[label], side)
        if name:
            actors[name] = user
    objects["A"]["case2"] = _second_case(actors["other_team"], staff_a, programs["A"], canaries)  # type: ignore[arg-type]
    # The former team member stays on the team of A's case; their role in A ends (the service a manager uses).
    former = actors["former_team_member"]
    CaseTeamMember.objects.create(case=objects["A"]["case"], user=former, role=TeamRole.CO_FACILITATOR)
    membership_end(actor=staff_a.admin, membership=Membership.objects.get(user=former, organisation=orgs["A"]))
    actors = {name: actors[name] for name in ACTOR_ORDER}
    two_factor = {name: name not in ("anonymous", "password_only") for name in actors}
    return MatrixWorld(actors=actors, two_factor=two_factor, objects=objects, canaries=canaries, partner=partner)


PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"

# The partner users a referral's packet reaches (the survivor's identity and contact details are sent, with their
# consent, to the partner organisation the referral is addressed to).
PARTNER_USERS = frozenset({"partner_liaison", "partner_worker"})


def _person(canaries: Canaries, org: str, group: str, *, shared_with: frozenset[str] = frozenset()) -> dict[str, Any]:
    return {
        "given_name": canaries.new(org, group, shared_with=shared_with),
        "family_name": canaries.new(org, group, shared_with=shared_with),
        "aliases": [canaries.new(org, group, shared_with=shared_with)],
        "phone": canaries.phone(org, group, shared_with=shared_with),
        "email": canaries.email(org, group, shared_with=shared_with),
        "address": canaries.new(org, group, shared_with=shared_with),
    }


def _second_case(other_team: User, staff: Staff, program: Program, canaries: Canaries) -> Any:
    """A case of A whose only team member (besides its opener) is the ``other_team`` actor."""
    case = cases.case_open(
        actor=staff.coordinator, program=program, referral_source="ngo", referral_date=datetime.date(2026, 1, 10),
        summary=canaries.new("A", "case2"), survivor=_person(canaries, "A", "case2"),
        responsible={"given_name": canaries.new("A", "case2")}, harm_description=canaries.new("A", "case2"),
    )  # fmt: skip
    cases.team_member_add(actor=staff.coordinator, case=case, user=other_team, role=TeamRole.LEAD_FACILITATOR)
    cases.note_add(actor=other_team, case=case, body=canaries.new("A", "case2"))
    canaries.add_literal(case.reference, "A", "case2")
    for participant in case.participants.select_related("person"):
        canaries.add_literal(participant.person.display_code, "A", "case2")
    return case


def _build_org(
    org: str,
    organisation: Organisation,
    program: Program,
    staff: Staff,
    partner: Organisation,
    partner_staff: list[User],
    canaries: Canaries,
) -> dict[str, Any]:
    c = canaries.new
    now = timezone.now()
    today = timezone.localdate()
    for user in (staff.lead, staff.co, staff.supervisor):
        certify(user, program)

    # The case, opened by the case worker (who joins its team as case worker), and its team.
    case = cases.case_open(
        actor=staff.case_worker, program=program, referral_source="ngo", referral_date=datetime.date(2026, 1, 15),
        summary=c(org, "case"), survivor=_person(canaries, org, "survivor", shared_with=PARTNER_USERS),
        responsible=_person(canaries, org, "respperson"), exploitation_types=["ForcedLabour"],
        harm_description=c(org, "case"), needs=[{"category": "safety", "priority": 1, "statement": c(org, "case")}],
    )  # fmt: skip
    for user, role in (
        (staff.lead, TeamRole.LEAD_FACILITATOR),
        (staff.co, TeamRole.CO_FACILITATOR),
        (staff.supervisor, TeamRole.SUPERVISOR),
        (staff.volunteer, TeamRole.COSA_VOLUNTEER),
        *((v, TeamRole.COSA_VOLUNTEER) for v in staff.more_volunteers),
    ):
        cases.team_member_add(actor=staff.coordinator, case=case, user=user, role=role)
    cases.case_transition(actor=staff.lead, case=case, to_status="intake", reason=c(org, "case"))
    survivor = case.participants.get(role="survivor").person
    responsible = case.participants.get(role="responsible").person
    canaries.add_literal(case.reference, org, "responsible")  # the responsible-person side knows the case
    canaries.add_literal(survivor.display_code, org, "survivor")
    canaries.add_literal(responsible.display_code, org, "respperson")
    note = cases.note_add(actor=staff.lead, case=case, body=c(org, "case"))
    cases.note_add(
        actor=staff.supervisor, case=case, body=c(org, "supnote"), confidentiality=NoteConfidentiality.SUPERVISORS
    )
    task = cases.task_add(actor=staff.lead, case=case, title=c(org, "case"), owner=staff.lead)
    cases.harm_add(actor=staff.lead, case=case, exploitation_types=["ForcedLabour"], description=c(org, "case"))
    cases.need_add(actor=staff.lead, case=case, category="housing", priority=2, statement=c(org, "case"))
    draft = cases.intake_draft_save(
        actor=staff.case_worker,
        organisation=organisation,
        data={"summary": [c(org, "draft", owner=staff.case_worker.pk)]},
    )
    team_member = CaseTeamMember.objects.get(case=case, user=staff.co)
    # A submission pulled from ODK Central: an intake draft of the coordinator's, and an answer the standard does not
    # allow (quoted, encrypted, in what the reviewers of field intake are asked to check).
    interop.field_intake_receive(
        actor=staff.coordinator, organisation=organisation, program=program, project_id=7, form_id="htcds_xlsform",
        submissions=[Submission(instance_id=f"uuid:{org.lower()}0000000-0000-4000-8000-000000000001",
                                submitted_at=now - datetime.timedelta(days=1), review_state="received",
                                columns={"prs_First_Name": c(org, "draft", owner=staff.coordinator.pk),
                                         "prs_Gender": c(org, "intake")})],
    )  # fmt: skip
    field_submission = interop.selectors.field_submissions_visible_to(staff.coordinator).get(organisation=organisation)

    # The mediation process, safe to bring both sides together.
    process = processes.process_open(actor=staff.lead, case=case, type="direct_mediation")
    for case_participant in case.participants.all():
        processes.participant_add(
            actor=staff.lead, process=process, case_participant=case_participant, role=case_participant.role
        )
    processes.facilitator_assign(actor=staff.coordinator, process=process, user=staff.lead, role="facilitator")
    process_survivor = process.participants.get(role="survivor")
    process_responsible = process.participants.get(role="responsible")
    for participant in (process_survivor, process_responsible):
        processes.preparation_record(
            actor=staff.lead, process=process, participant=participant, held_on=today,
            covered=[key for key, _label in checklist_for(process.type)], notes=c(org, "case"),
        )  # fmt: skip
    for kind, person in (
        ("survivor_readiness", survivor),
        ("responsible_suitability", responsible),
        ("risk_assessment", None),
    ):
        screening = safety.screening_complete(
            actor=staff.lead, process=process, kind=kind, answers=all_answers(kind), person=person,
            outcome="ready" if person else "", risk_level="low", reasons=c(org, "case"),
        )  # fmt: skip
        safety.screening_sign_off(actor=staff.supervisor, screening=screening)
    consent = consent_record(
        actor=staff.lead, person=survivor, purpose="process", method="written",
        given_at=now - datetime.timedelta(minutes=5), case=case, process_ref=process_consent_ref(process),
        witness_name=c(org, "survivor"),
    )  # fmt: skip
    tomorrow = timezone.make_aware(datetime.datetime.combine(today + datetime.timedelta(days=1), datetime.time(14)))
    session = processes.session_schedule(
        actor=staff.lead, process=process, starts_at=tomorrow, duration_minutes=90, mode="in_person",
        invited=[process_survivor, process_responsible], venue=c(org, "case"),
    )  # fmt: skip
    Session.objects.filter(pk=session.pk).update(online_link=None)
    session.refresh_from_db()
    session.online_link = f"https://meet.example/{c(org, 'case')}"
    session.cancel_reason = c(org, "case")
    session.save(update_fields=["online_link", "cancel_reason"])
    # An unsigned screening, for the supervisor to sign off.
    unsigned = safety.screening_complete(
        actor=staff.lead, process=process, kind="risk_assessment", answers=all_answers("risk_assessment"),
        risk_level="low", reasons=c(org, "case"),
    )  # fmt: skip
    plan = safety.safety_plan_save(
        actor=staff.lead, case=case, person=survivor, next_review_on=today + datetime.timedelta(days=30),
        **{name: c(org, "survivor") for name in safety.PLAN_FIELDS},
    )  # fmt: skip
    safety.safety_plan_share(actor=staff.lead, plan=plan, shared=True)  # the survivor reads it in the portal

    # Messages: the survivor's words to be passed on to the other side, a conversation with the survivor (a file
    # attached), and the address the survivor is told at.
    for person in (survivor, responsible):
        consent_record(
            actor=staff.lead, person=person, purpose="relay", method="written", case=case,
            given_at=now - datetime.timedelta(minutes=5),
        )  # fmt: skip
        consent_record(
            actor=staff.lead, person=person, purpose="portal", method="written", case=case,
            given_at=now - datetime.timedelta(minutes=5),
        )  # fmt: skip
    # The survivor's words waiting for a facilitator: theirs (they follow it in the portal) and the staff's.
    relay = messaging.relay_submit(actor=staff.lead, process=process, body=c(org, "survivor"), author=survivor)
    # Words of the survivor's already passed on: both parties read them (the responsible person in their own
    # conversation, as "from the other side"), with a note from the team that is the responsible person's only.
    passed_on = messaging.relay_submit(actor=staff.lead, process=process, body=c(org, "parties"), author=survivor)
    messaging.relay_approve(actor=staff.lead, relay=passed_on)
    responsible_thread = messaging.thread_open(actor=staff.lead, case=case, person=responsible)
    messaging.message_post(actor=staff.lead, thread=responsible_thread, body=c(org, "respperson"))
    thread = messaging.thread_open(actor=staff.lead, case=case, person=survivor)
    message = messaging.message_post(
        actor=staff.lead, thread=thread, body=c(org, "survivor"), files=[(f"{c(org, 'survivor')}.pdf", PDF)]
    )
    attachment = message.attachments.get()
    contact = messaging.contact_point_set(
        actor=staff.lead, person=survivor, channel="email", address=canaries.email(org, "survivor")
    )

    # A referral of the survivor to the partner (identity and contact details, with their consent, under an
    # agreement in force), and a referral into the program from the partner.
    sharing_agreement = referrals.sharing_agreement_create(
        actor=staff.admin, operator=organisation, partner=partner, title=f"Agreement {org}",
        purposes=["legal_aid"], data_categories=list(DataCategory.values), retention_days=30,
        valid_from=today - datetime.timedelta(days=30), valid_to=None,
    )  # fmt: skip
    referrals.agreement_document_attach(actor=staff.admin, agreement=sharing_agreement, filename="a.pdf", content=PDF)
    sharing_agreement = referrals.sharing_agreement_move(
        actor=staff.admin, agreement=sharing_agreement, to_status="in_force"
    )
    draft_agreement = referrals.sharing_agreement_create(
        actor=staff.admin, operator=organisation, partner=partner, title=f"Next agreement {org}",
        purposes=["legal_aid"], data_categories=["identity"], retention_days=30, valid_from=today, valid_to=None,
    )  # fmt: skip
    shared = ["identity", "contact"]
    consent_record(
        actor=staff.coordinator, person=survivor, purpose="share", method="written", recipient=partner,
        data_categories=shared, given_at=now - datetime.timedelta(days=1),
    )  # fmt: skip
    referral = referrals.referral_draft(
        actor=staff.coordinator, case=case, person=survivor, partner=partner, service="legal_aid",
        categories=shared, urgency="soon", reason=c(org, "case", shared_with=PARTNER_USERS),
    )  # fmt: skip
    referral = referrals.referral_send(actor=staff.coordinator, referral=referral)
    incoming = referrals.incoming_submit(
        actor=partner_staff[-1], program=program, person_agreed=True, given_name=c(org, "incoming"),
        family_name=c(org, "incoming"), phone="", email=canaries.email(org, "incoming"), languages=["en"],
        about=c(org, "incoming"),
    )  # fmt: skip

    # Funding: a funder, a grant with its conditions, a reporting deadline, money spent beyond the allocation.
    funder = funding.funder_create(actor=staff.admin, organisation=organisation, name=f"Northern Trust {org}")
    grant = funding.grant_create(
        actor=staff.admin, funder=funder, reference=f"NT-{org}", restricted=True, amount=Decimal("10000.00"),
        currency="EUR", starts_on=today.replace(month=1, day=1), ends_on=today.replace(month=12, day=31),  # this year
        purpose="Dialogue sessions", conditions=c(org, "funding"),
    )  # fmt: skip
    deadline = funding.deadline_add(actor=staff.admin, grant=grant, due_on=today, what="Interim report")
    funding.spend_record(
        actor=staff.admin, grant=grant, program=program, category="travel", spent_on=today, amount="100.00",
        override_reason=c(org, "funding"),
    )  # fmt: skip
    restriction = safety.restriction_record(
        actor=staff.lead, case=case, person_a=survivor, person_b=responsible, kind="program_decision",
        valid_from=today, source=c(org, "case"),
    )  # fmt: skip
    safety.distress_record(actor=staff.lead, process=process, person=survivor, moment="before", rating=2)
    notice = Notice.objects.create(user=staff.lead, case=case, process=process, kind=Notice.Kind.DISTRESS)

    # A binding agreement (obligations, instalments) and the draft of its next version.
    due = today + datetime.timedelta(days=30)
    v1 = agreements.agreement_draft(actor=staff.lead, process=process)
    agreements.item_add(
        actor=staff.lead, agreement=v1, kind="apology_letter", description=c(org, "parties"), due_date=due
    )
    agreements.item_add(
        actor=staff.lead, agreement=v1, kind="restitution", description=c(org, "parties"), amount=Decimal("900.00"),
        currency="EUR", instalment_count=3, due_date=due,
    )  # fmt: skip
    agreements.agreement_propose(actor=staff.lead, agreement=v1)
    for participant in (process_responsible, process_survivor):
        agreements.acceptance_record(actor=staff.lead, agreement=v1, participant=participant, how="in_writing")
    v1.refresh_from_db()
    apology = v1.items.get(kind="apology_letter").obligation
    agreements.obligation_mark(actor=staff.lead, obligation=apology, status="met", evidence=c(org, "case"))
    restitution = v1.items.get(kind="restitution").obligation
    instalment = restitution.instalments.order_by("number").first()
    v2 = agreements.agreement_draft(actor=staff.lead, process=process)
    item = agreements.item_add(
        actor=staff.lead, agreement=v2, kind="commitment", description=c(org, "parties"), due_date=due
    )

    # The session has happened: its record and who came.
    Session.objects.filter(pk=session.pk).update(starts_at=now - datetime.timedelta(hours=2))
    session.refresh_from_db()
    processes.session_record(
        actor=staff.lead, session=session, attended=[i.pk for i in session.invitations.all()], record=c(org, "case")
    )
    invitation = SessionInvitation.objects.filter(session=session).order_by("pk").first()

    # A Circle of Support and Accountability around the responsible person.
    cosa_process = processes.process_open(actor=staff.lead, case=case, type="cosa")
    case_responsible = case.participants.get(role="responsible")
    processes.participant_add(
        actor=staff.lead, process=cosa_process, case_participant=case_responsible, role="core_member"
    )
    circle = cosa.circle_open(actor=staff.lead, process=cosa_process)
    for volunteer in (staff.volunteer, *staff.more_volunteers):
        cosa.inner_member_add(
            actor=staff.lead, circle=circle, user=volunteer, screening_done_on=datetime.date(2026, 1, 10),
            training_hours="24",
        )  # fmt: skip
    inner_member = circle.inner_members.get(user=staff.volunteer)
    cosa.outer_member_add(actor=staff.lead, circle=circle, organisation=partner, role_description=c(org, "responsible"))
    meeting = cosa.meeting_record(
        actor=staff.volunteer, circle=circle, held_at=now - datetime.timedelta(hours=1),
        attendees=list(circle.inner_members.filter(active=True)), core_member_attended=True,
    )  # fmt: skip
    cosa.minutes_submit(actor=staff.volunteer, meeting=meeting, minutes=c(org, "responsible"))
    open_meeting = cosa.meeting_record(
        actor=staff.volunteer, circle=circle, held_at=now - datetime.timedelta(minutes=30),
        attendees=list(circle.inner_members.filter(active=True)), core_member_attended=True,
    )  # fmt: skip
    concern = cosa.concern_raise(
        actor=staff.volunteer, circle=circle, risk_level="low", description=c(org, "responsible")
    )
    cosa.review_add(actor=staff.lead, circle=circle, review_date=today, summary=c(org, "responsible"))

    # Evaluation: a survey due for the survivor (and one done), a re-offending event, stakeholder feedback.
    line = evaluation.schedule_line_add(
        actor=staff.coordinator, program=program, instrument="who5", timepoint="baseline", audience="both"
    )
    evaluation.schedule_line_add(
        actor=staff.coordinator, program=program, instrument="k6", timepoint="baseline", audience="both"
    )
    consent_record(
        actor=staff.coordinator, person=survivor, purpose="evaluation", method="written",
        given_at=now - datetime.timedelta(days=30),
    )  # fmt: skip
    responsible_consent = consent_record(
        actor=staff.coordinator, person=responsible, purpose="evaluation", method="verbal_witnessed",
        given_at=now - datetime.timedelta(days=30), witness_name=c(org, "responsible"),
    )  # fmt: skip
    evaluation.surveys_assign_due()
    assignment = SurveyAssignment.objects.get(case=case, person=survivor, instrument="who5")
    responsible_assignment = SurveyAssignment.objects.get(case=case, person=responsible, instrument="who5")
    done = SurveyAssignment.objects.get(case=case, person=survivor, instrument="k6")
    evaluation.survey_complete(
        actor=staff.lead, assignment=done, answers={f"k6_{i}": 1 for i in range(1, 7)}, collected_on=today,
        language="en", comment=c(org, "case"),
    )  # fmt: skip
    evaluation.reoffending_record(
        actor=staff.lead, case=case, person=responsible, occurred_on=today, source="probation", type="charge",
        note=c(org, "responsible"),
    )  # fmt: skip
    evaluation.stakeholder_feedback_record(
        actor=staff.coordinator, program=program, stakeholder_kind="police", received_on=today,
        answers={"stakeholder_1": 4}, comment=c(org, "evaluation"),
    )  # fmt: skip

    # Training records of the lead facilitator (the subject of the people/<user> URLs).
    subject = staff.lead
    training.cpd_add(actor=subject, organisation=organisation, done_on=today, hours="2", activity=c(org, "training"))
    training.reflection_write(actor=subject, organisation=organisation, written_on=today, text=c(org, "reflection"))
    training.supervision_log(
        actor=staff.supervisor, organisation=organisation, facilitator=subject, held_on=today,
        notes=c(org, "training"), actions=c(org, "training"),
    )  # fmt: skip
    training.observation_record(
        actor=staff.supervisor, organisation=organisation, facilitator=subject, observer_role="supervisor",
        observed_on=today, ratings={competencies_of(organisation)[0].code: 3}, feedback=c(org, "training"),
    )  # fmt: skip
    training.conflict_declare(actor=subject, organisation=organisation, case=case, description=c(org, "training"))
    certification = Certification.objects.get(user=subject, program=program, status=CertificationStatus.ACTIVE)
    suspended = certify(subject, program, issued_on=today - datetime.timedelta(days=400))
    training.certification_suspend(actor=staff.supervisor, certification=suspended, reason=c(org, "training"))
    course = training.course_create(
        actor=staff.coordinator, organisation=organisation, title=c(org, "course"), competencies=[]
    )
    course_session = training.course_session_add(
        actor=staff.coordinator, course=course, starts_at=now - datetime.timedelta(days=1), hours="3"
    )
    training.enrol(actor=subject, course=course, user=subject)
    training.course_open_to_partners(actor=staff.coordinator, course=course, organisations=[partner])
    scenario_id = sorted(library().scenarios)[0]
    attempt = training.attempt_start(actor=subject, organisation=organisation, scenario_id=scenario_id)
    # The survivor's support circle: a name they chose, goals (one kept from the volunteers), a meeting whose
    # minutes are due, progress proposed by a volunteer, a worry raised straight to the coordinator.
    shim = _FactoryWorld(staff, organisation)
    support_process = support_factories.support_process(shim, case)  # type: ignore[arg-type]
    support_circle = support_factories.circle(shim, process=support_process, known_as=c(org, "circle"))
    goal = support.goal_set(actor=staff.coordinator, circle=support_circle, area="housing", words=c(org, "circle"))
    # A goal the survivor keeps from the volunteers: their own words, read by the staff and by the survivor.
    support.goal_set(
        actor=staff.coordinator, circle=support_circle, area="health", words=c(org, "survivor"),
        shared_with_volunteers=False,
    )  # fmt: skip
    # The survivor knows the volunteers by first name (in the portal); their surnames are the organisation's only.
    helper = staff.support_volunteer
    first = canaries.new(org, "staff", owner=helper.pk, shared_with=frozenset({"participant_survivor"}))
    helper.full_name = f"{first} {canaries.new(org, 'staff', owner=helper.pk)}"
    helper.save(update_fields=["full_name"])
    progress = support.progress_propose(actor=staff.support_volunteer, goal=goal, kind="note", words=c(org, "circle"))
    support.step_add(actor=staff.coordinator, goal=goal, words=c(org, "circle"))
    held = support.meeting_record(
        actor=staff.support_volunteer, circle=support_circle, held_at=now - datetime.timedelta(hours=3),
        attendees=list(support_circle.volunteers.filter(active=True)),
    )  # fmt: skip
    support.minutes_submit(
        actor=staff.support_volunteer, meeting=held, what_was_done=c(org, "circle"), next_steps=c(org, "circle")
    )
    support_meeting = support.meeting_record(
        actor=staff.support_volunteer, circle=support_circle, held_at=now - datetime.timedelta(hours=1),
        attendees=list(support_circle.volunteers.filter(active=True)),
    )  # fmt: skip
    worry = support.worry_raise(
        actor=staff.support_volunteer, circle=support_circle, level="soon",
        words=c(org, "case", owner=staff.support_volunteer.pk),
    )  # fmt: skip
    release = releases.release_publish(
        actor=staff.evaluator, organisation=organisation, title=c(org, "evaluation"), epsilon="1.0",
        tables_chosen=[next(iter(TABLES))],
    )  # fmt: skip
    improvement = analytics.improvement_add(
        actor=staff.coordinator, organisation=organisation, program=None, finding=c(org, "evaluation"),
        source="dashboard", action=c(org, "evaluation"), owner=staff.coordinator,
        due_on=today + datetime.timedelta(days=9),
    )  # fmt: skip
    membership = Membership.objects.get(user=subject, organisation=organisation)
    # API tokens: the organisation's (its name, typed by its admin, is the organisation's business), and its
    # partner's, made by the partner's liaison.
    api_token, _secret = api_tokens.api_token_create(
        actor=staff.admin, organisation=organisation, name=c(org, "staff"), scopes=["statistics:read"],
        lifetime_days=90,
    )  # fmt: skip
    partner_api_token, _secret = api_tokens.api_token_create(
        actor=partner_staff[0], organisation=partner, name=f"Case system of {partner.name}",
        scopes=["referrals:read"], lifetime_days=90,
    )  # fmt: skip
    # A file the organisation admin made in the background (with the tests' task backend, made at once).
    job = interop.htcds_export_start(actor=staff.admin, organisation=organisation, file_format="csv", deidentified=True)

    return {
        "organisation": organisation,
        "program": program,
        "case": case,
        "survivor": survivor,
        "responsible": responsible,
        "note": note,
        "task": task,
        "draft": draft,
        "field_submission": field_submission,
        "team_member": team_member,
        "consent": consent,
        "process": process,
        "process_participant": process_survivor,
        "session": session,
        "invitation": invitation,
        "screening": unsigned,
        "restriction": restriction,
        "safety_plan": plan,
        "notice": notice,
        "agreement": v2,
        "item": item,
        "obligation": restitution,
        "instalment": instalment,
        "cosa_process": cosa_process,
        "inner_member": inner_member,
        "meeting": open_meeting,
        "concern": concern,
        "schedule_line": line,
        "assignment": assignment,
        "responsible_assignment": responsible_assignment,
        "responsible_consent": responsible_consent,
        "subject": subject,
        "certification": certification,
        "course": course,
        "course_session": course_session,
        "attempt": attempt,
        "scenario_id": scenario_id,
        "improvement": improvement,
        "membership": membership,
        "staff": staff,
        "partner": partner,
        "relay": relay,
        "thread": thread,
        "attachment": attachment,
        "contact": contact,
        "sharing_agreement": sharing_agreement,
        "draft_agreement": draft_agreement,
        "referral": referral,
        "incoming": incoming,
        "grant": grant,
        "deadline": deadline,
        "device": TOTPDevice.objects.get(user=subject, confirmed=True),
        "support_process": support_process,
        "support_circle": support_circle,
        "support_member": support_circle.volunteers.get(user=staff.support_volunteer),
        "goal": goal,
        "progress": progress,
        "support_meeting": support_meeting,
        "worry": worry,
        "release": release,
        "api_token": api_token,
        "partner_api_token": partner_api_token,
        "job": job,
    }


@dataclass
class _FactoryWorld:
    """What tests/support/factories.py asks of the conftest world: the organisation's coordinator and support
    volunteer, and the organisation."""

    staff: Staff
    alice_org: Organisation

    def __getitem__(self, role: str) -> User:
        return {"coordinator": self.staff.coordinator, "support_volunteer": self.staff.support_volunteer}[role]


def _portal_user(objects: dict[str, Any], side: str) -> User:
    """The portal account of the case's survivor or responsible person, invited by the lead facilitator and set up
    (the passphrase is the test password, the authenticator the test key), as tests/portal/conftest.py does."""
    issued = portal.invitation_issue(
        actor=objects["staff"].lead, case=objects["case"], person=objects[side], channel="in_person"
    )
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
