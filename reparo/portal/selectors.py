"""Reads for the portal. A participant reaches only what is about themselves: every lookup here starts from the rows
of the person their account speaks for, and answers 404 for anything else (another person's, the other side's,
another case's) exactly as for what does not exist. Staff reads (the case page's panel) go through the case.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from reparo.access.lookup import lookup, one_or_404, refuse
from reparo.access.participants import person_id_of
from reparo.agreements.models import Agreement, Obligation
from reparo.agreements.selectors import agreement_in_force, ledger_for, obligations_of
from reparo.cases.models import OPEN_STATUSES, Case, CaseParticipant, ParticipantRole
from reparo.consent.models import Consent, ConsentPurpose, ContactChannel
from reparo.consent.policy import may
from reparo.evaluation.models import AssignmentStatus, SurveyAssignment
from reparo.organisations.models import Program
from reparo.people.models import Person
from reparo.portal.models import AccessStatus, Invitation, PortalAccount, ProgramPortalSettings
from reparo.processes.models import (
    RESPONSIBLE_SIDE,
    SURVIVOR_SIDE,
    PreparationMeeting,
    Process,
    ProcessParticipant,
    ProcessRole,
    Session,
    SessionInvitation,
    SessionStatus,
)
from reparo.safety.gate import process_consent_ref
from reparo.safety.models import SafetyPlan

# Case roles that may be invited to the portal: the survivor, the responsible person (a CoSA's core member is one)
# and a supporter.
INVITABLE_ROLES = (ParticipantRole.SURVIVOR, ParticipantRole.RESPONSIBLE, ParticipantRole.SUPPORTER)
# The two parties of a process (an agreement is theirs; a supporter is not a party to it).
PARTY_ROLES = frozenset(SURVIVOR_SIDE | RESPONSIBLE_SIDE)


# --- who the participant is ---------------------------------------------------------------------------------------


def speaking_person_id(user: Any) -> Any:
    """The person a participant account speaks for now: its account is active, the user may sign in, and the person's
    consent to be contacted through the portal is in force (asked of the consent policy). Otherwise ``None``.
    :mod:`reparo.access.participants` asks this for every app."""
    account = (
        PortalAccount.objects.filter(user=user, status=AccessStatus.ACTIVE, user__is_active=True)
        .select_related("person")
        .first()
    )
    if account is None or not may(person=account.person, purpose=ConsentPurpose.PORTAL):
        return None
    return account.person_id


def account_of(actor: Any) -> PortalAccount | None:
    """The portal account of a participant who may use the portal now, or ``None``."""
    person_id = person_id_of(actor)
    if person_id is None:
        return None
    return PortalAccount.objects.select_related("person", "case__program").filter(person_id=person_id).first()


def _own_person_id(actor: Any) -> Any:
    """The person ``actor`` speaks for, or ``None``: then every read below answers nothing."""
    return person_id_of(actor)


def portal_name(program: Program | None) -> str:
    """The neutral name the portal goes by for ``program``'s participants: the program's choice, else the setting,
    else "Appointments" in the reader's language."""
    chosen = ""
    if program is not None:
        chosen = ProgramPortalSettings.objects.filter(program=program).values_list("name", flat=True).first() or ""
    return chosen or settings.PORTAL_NAME or _("Appointments")


def portal_settings_of(program: Program) -> ProgramPortalSettings | None:
    return ProgramPortalSettings.objects.filter(program=program).first()


# --- what the participant takes part in ---------------------------------------------------------------------------


def participations_of(actor: Any) -> QuerySet[ProcessParticipant]:
    """The participant's own places in processes (with the process and its case)."""
    person_id = _own_person_id(actor)
    if person_id is None:
        return ProcessParticipant.objects.none()
    return (
        ProcessParticipant.objects.filter(person_id=person_id)
        .select_related("process", "process__case", "process__case__program")
        .order_by("created_at")
    )


def processes_of(actor: Any) -> QuerySet[Process]:
    return Process.objects.filter(pk__in=participations_of(actor).values("process_id")).select_related("case")


@lookup("portal.process")
def process_get_for(actor: Any, pk: Any) -> Process:
    """A process the participant takes part in (for their agreement and for stopping); any other process is 404."""
    return one_or_404(processes_of(actor), pk)


def participation_in(actor: Any, process: Process) -> ProcessParticipant:
    """The participant's own place in ``process``; 404 when they have none."""
    found = participations_of(actor).filter(process=process).first()
    if found is None:
        raise refuse()
    return found


def side_of(role: str) -> str:
    """``survivor``, ``responsible`` or ``other`` (a supporter, a community member): which side of the harm a process
    role stands on."""
    if role in SURVIVOR_SIDE:
        return "survivor"
    if role in RESPONSIBLE_SIDE:
        return "responsible"
    return "other"


def stoppable_of(actor: Any) -> list[ProcessParticipant]:
    """The open processes the participant still takes part in (what "I want to stop" offers)."""
    return [p for p in participations_of(actor).filter(withdrawn_at__isnull=True) if p.process.is_open]


def open_cases_of(actor: Any) -> QuerySet[Case]:
    person_id = _own_person_id(actor)
    if person_id is None:
        return Case.objects.none()
    return Case.objects.filter(participants__person_id=person_id, status__in=OPEN_STATUSES).distinct()


# --- appointments -------------------------------------------------------------------------------------------------


def _invitations_of(actor: Any) -> QuerySet[SessionInvitation]:
    person_id = _own_person_id(actor)
    if person_id is None:
        return SessionInvitation.objects.none()
    return SessionInvitation.objects.filter(participant__person_id=person_id)


def sessions_of(actor: Any) -> QuerySet[Session]:
    """Every session the participant is invited to."""
    return Session.objects.filter(pk__in=_invitations_of(actor).values("session_id")).select_related(
        "process", "process__case"
    )


def upcoming_sessions_of(actor: Any) -> QuerySet[Session]:
    return (
        sessions_of(actor).filter(status=SessionStatus.SCHEDULED, starts_at__gte=timezone.now()).order_by("starts_at")
    )


def recent_sessions_of(actor: Any, *, days: int = 7) -> QuerySet[Session]:
    """Sessions from ``days`` ago to ``days`` ahead, not cancelled (for a check-in before or after one)."""
    now = timezone.now()
    span = datetime.timedelta(days=days)
    return (
        sessions_of(actor)
        .exclude(status=SessionStatus.CANCELLED)
        .filter(starts_at__gte=now - span, starts_at__lte=now + span)
        .order_by("starts_at")
    )


@lookup("portal.session")
def session_get_for(actor: Any, pk: Any) -> Session:
    """A session the participant is invited to; any other session (the other side's own meetings, another case's)
    is 404."""
    return one_or_404(sessions_of(actor), pk)


def preparations_of(actor: Any) -> QuerySet[PreparationMeeting]:
    """The participant's own preparation meetings (held with them alone)."""
    person_id = _own_person_id(actor)
    if person_id is None:
        return PreparationMeeting.objects.none()
    return (
        PreparationMeeting.objects.filter(participant__person_id=person_id)
        .select_related("process")
        .order_by("-held_on")
    )


@dataclass(frozen=True)
class Attendee:
    """Who will be at a session, by role, as the participant may know it."""

    label: str
    is_you: bool = False
    name: str = ""


@dataclass(frozen=True)
class Appointment:
    """A session as the participant sees it: their own times, and nobody's arrangements but their own."""

    session: Session
    own: ProcessParticipant
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    with_facilitator_only: bool
    attendees: list[Attendee] = field(default_factory=list)
    agenda: list[str] = field(default_factory=list)
    # Where and how: only for a meeting of the participant's own (never a joint meeting's arrangements).
    venue: str = ""
    online_link: str = ""

    @property
    def cancelled(self) -> bool:
        return self.session.status == SessionStatus.CANCELLED


ROLE_WORDS: dict[str, Any] = {
    ProcessRole.SURVIVOR: lambda: _("The survivor"),
    ProcessRole.SURROGATE: lambda: _("Someone speaking for the survivor"),
    ProcessRole.RESPONSIBLE: lambda: _("The responsible person"),
    ProcessRole.CORE_MEMBER: lambda: _("The core member"),
    ProcessRole.SUPPORTER: lambda: _("A supporter"),
    ProcessRole.COMMUNITY: lambda: _("A community member"),
}


def appointment_for(actor: Any, session: Session) -> Appointment:
    """What the participant may know of ``session`` (one they are invited to): their own arrival and leaving times,
    who will be there by role (a name only for the other side, and only once both agreed to be named), what will
    happen, and, for a meeting of their own, where. Never the other side's times, waiting room or arrangements."""
    from reparo.processes.content import agenda_for
    from reparo.processes.ics import times_for

    own = participation_in(actor, session.process)
    invited = list(
        SessionInvitation.objects.filter(session=session).select_related("participant__person").order_by("created_at")
    )
    own_side = side_of(own.role)
    named = session.process.case.mutual_naming_recorded_at is not None
    attendees: list[Attendee] = []
    for invitation in invited:
        participant = invitation.participant
        if participant.pk == own.pk:
            attendees.append(Attendee(label=str(ROLE_WORDS.get(participant.role, lambda: _("Someone"))()), is_you=True))
            continue
        other_side = side_of(participant.role)
        name = ""
        if named and own_side != "other" and other_side not in ("other", own_side):
            name = participant.person.given_name or ""
        attendees.append(Attendee(label=str(ROLE_WORDS.get(participant.role, lambda: _("Someone"))()), name=name))
    if session.facilitator_id:
        attendees.append(Attendee(label=_("Your facilitator")))
    if session.co_facilitator_id:
        attendees.append(Attendee(label=_("A co-facilitator")))
    if session.interpreter_language:
        attendees.append(Attendee(label=_("An interpreter")))
    alone = all(i.participant_id == own.pk for i in invited)
    starts, ends = times_for(session, own)
    own_meeting = alone and not session.is_joint
    return Appointment(
        session=session,
        own=own,
        starts_at=starts,
        ends_at=ends,
        with_facilitator_only=alone,
        attendees=attendees,
        agenda=[] if alone else agenda_for(session.process.type, joint=session.is_joint),
        venue=(session.venue or "") if own_meeting else "",
        online_link=(session.online_link or "") if own_meeting else "",
    )


# --- consents -----------------------------------------------------------------------------------------------------


def consents_of(actor: Any) -> QuerySet[Consent]:
    """Every consent the participant ever gave (withdrawn and ended ones too), newest first."""
    person_id = _own_person_id(actor)
    if person_id is None:
        return Consent.objects.none()
    return Consent.objects.filter(person_id=person_id).select_related("recipient", "case").order_by("-given_at")


@lookup("portal.consent")
def consent_get_for(actor: Any, pk: Any) -> Consent:
    """One of the participant's own consents; anyone else's is 404."""
    return one_or_404(consents_of(actor), pk)


def consent_words(consent: Consent) -> str:
    """What a consent is for, in plain words addressed to the person who gave it."""
    if consent.purpose == ConsentPurpose.EVALUATION:
        return _("Your answers to questionnaires may be used to see how well the program works")
    if consent.purpose == ConsentPurpose.REPORTING:
        return _("You may be counted in reports that do not say who anyone is")
    if consent.purpose == ConsentPurpose.PORTAL:
        return _("Be contacted through this site")
    if consent.purpose == ConsentPurpose.PROCESS:
        return _("Take part in: %(process)s") % {"process": consent.process_label or _("a restorative process")}
    return consent.describe()


@dataclass(frozen=True)
class ConsentOffer:
    """Something the participant can agree to in one step: a code the give form posts, the words, and what the
    consent ledger is to record."""

    code: str
    words: str
    purpose: str
    channel: str = ""
    process: Process | None = None
    basis: Consent | None = None


def consent_offers_for(actor: Any, *, at: datetime.datetime | None = None) -> list[ConsentOffer]:
    """What the participant may agree to themself, now: using their answers for evaluation and being counted in
    reports (when not in force), taking part in each open process they take part in, and again anything they had
    agreed to before (a way of being contacted, a sharing) that is no longer in force. Agreeing to use the portal is
    not offered here: it is asked in person before an invitation."""
    at = at or timezone.now()
    person_id = _own_person_id(actor)
    if person_id is None:
        return []
    rows = list(consents_of(actor))
    current = [c for c in rows if c.in_force_at(at)]

    def in_force(purpose: str, **match: Any) -> bool:
        return any(c.purpose == purpose and all(getattr(c, k) == v for k, v in match.items()) for c in current)

    offers: list[ConsentOffer] = []
    if not in_force(ConsentPurpose.EVALUATION):
        words = _("Your answers to questionnaires may be used to see how well the program works")
        offers.append(ConsentOffer("evaluation", words, ConsentPurpose.EVALUATION))
    if not in_force(ConsentPurpose.REPORTING):
        words = _("You may be counted in reports that do not say who anyone is")
        offers.append(ConsentOffer("reporting", words, ConsentPurpose.REPORTING))
    for participant in stoppable_of(actor):
        process = participant.process
        if not in_force(ConsentPurpose.PROCESS, process_ref=process_consent_ref(process)):
            words = _("Take part in: %(process)s") % {"process": process.get_type_display()}
            offers.append(ConsentOffer(f"process:{process.pk}", words, ConsentPurpose.PROCESS, process=process))
    seen: set[str] = set()
    for consent in rows:
        if consent.in_force_at(at):
            continue
        if consent.purpose == ConsentPurpose.CONTACT and consent.channel in ContactChannel.values:
            key = f"contact:{consent.channel}"
            if key not in seen and not in_force(ConsentPurpose.CONTACT, channel=consent.channel):
                seen.add(key)
                offers.append(ConsentOffer(key, consent.describe(), ConsentPurpose.CONTACT, channel=consent.channel))
        elif consent.purpose == ConsentPurpose.SHARE and consent.recipient_id:
            key = f"share:{consent.recipient_id}:{','.join(sorted(consent.data_categories or []))}"
            covered = any(
                c.purpose == ConsentPurpose.SHARE
                and c.recipient_id == consent.recipient_id
                and set(consent.data_categories or []) <= set(c.data_categories or [])
                for c in current
            )
            if key not in seen and not covered:
                seen.add(key)
                offers.append(
                    ConsentOffer(f"share:{consent.pk}", consent.describe(), ConsentPurpose.SHARE, basis=consent)
                )
    return offers


# --- questionnaires -----------------------------------------------------------------------------------------------


def surveys_of(actor: Any, *, today: datetime.date | None = None) -> QuerySet[SurveyAssignment]:
    """The participant's own questionnaires that are due now and still open."""
    person_id = _own_person_id(actor)
    if person_id is None:
        return SurveyAssignment.objects.none()
    today = today or timezone.localdate()
    return SurveyAssignment.objects.filter(
        person_id=person_id, status=AssignmentStatus.OPEN, due_on__lte=today
    ).order_by("due_on", "created_at")


def surveys_due_count(actor: Any) -> int:
    return surveys_of(actor).count()


@lookup("portal.survey")
def survey_get_for(actor: Any, pk: Any) -> SurveyAssignment:
    """One of the participant's own questionnaires that is due and open; anyone else's, or a closed one, is 404."""
    return one_or_404(surveys_of(actor).select_related("person"), pk)


# --- agreements ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ObligationLine:
    obligation: Obligation
    # Restitution, for the survivor: what has been received; for the responsible person: the payments still due.
    received: Any = None
    currency: str = ""
    payments_due: list[Any] = field(default_factory=list)


@dataclass(frozen=True)
class AgreementView:
    process: Process
    side: str
    agreement: Agreement | None
    lines: list[ObligationLine] = field(default_factory=list)


def agreement_for(actor: Any, process: Process) -> AgreementView:
    """The agreement in force in ``process`` (one the participant takes part in) as they may see it: its items and,
    for each obligation, its due date and status; restitution received for the survivor, payments due for the
    responsible person. A supporter is not a party to it: 404."""
    own = participation_in(actor, process)
    if own.role not in PARTY_ROLES:
        raise refuse()
    side = side_of(own.role)
    agreement = agreement_in_force(process)
    lines: list[ObligationLine] = []
    if agreement is not None:
        for obligation in obligations_of(agreement):
            if obligation.item.kind == "restitution":
                ledger = ledger_for(obligation)
                if side == "survivor":
                    lines.append(ObligationLine(obligation, received=ledger.paid, currency=ledger.currency))
                else:
                    due = [i for i in obligation.instalments.all() if i.status != "paid"]
                    lines.append(ObligationLine(obligation, currency=ledger.currency, payments_due=due))
            else:
                lines.append(ObligationLine(obligation))
    return AgreementView(process=process, side=side, agreement=agreement, lines=lines)


def agreement_items(agreement: Agreement) -> QuerySet[Any]:
    return agreement.items.all().order_by("position", "created_at")


# --- safety plan --------------------------------------------------------------------------------------------------


def shared_plans_of(actor: Any) -> QuerySet[SafetyPlan]:
    """The survivor's own safety plans that their facilitator chose to share with them."""
    person_id = _own_person_id(actor)
    if person_id is None:
        return SafetyPlan.objects.none()
    survivor_cases = CaseParticipant.objects.filter(person_id=person_id, role=ParticipantRole.SURVIVOR).values(
        "case_id"
    )
    return SafetyPlan.objects.filter(person_id=person_id, shared_with_person=True, case_id__in=survivor_cases)


def shared_plan_ids(actor: Any) -> list[Any]:
    return list(shared_plans_of(actor).values_list("pk", flat=True))


@lookup("portal.safetyplan")
def safety_plan_get_for(actor: Any, pk: Any) -> SafetyPlan:
    """The survivor's own safety plan, if their facilitator shared it with them; otherwise 404."""
    return one_or_404(shared_plans_of(actor).select_related("case"), pk)


# --- the staff side -----------------------------------------------------------------------------------------------


def invitable_in(case: Case, person_pk: Any) -> CaseParticipant:
    """A person of ``case`` (already looked up for the actor) who may be invited to the portal; else 404."""
    rows = CaseParticipant.objects.filter(case=case, role__in=INVITABLE_ROLES).select_related("person")
    person = one_or_404(Person.objects.filter(pk__in=rows.values("person_id")), person_pk)
    found = rows.filter(person=person).order_by("created_at").first()
    if found is None:  # pragma: no cover - the person was found through these rows
        raise refuse()
    return found


@dataclass(frozen=True)
class PanelRow:
    participant: CaseParticipant
    account: PortalAccount | None
    invitation: Invitation | None
    may_be_contacted: bool


def panel_rows(case: Case) -> list[PanelRow]:
    """Each person of ``case`` who may be invited, with their portal access and its latest invitation."""
    participants = list(
        CaseParticipant.objects.filter(case=case, role__in=INVITABLE_ROLES)
        .select_related("person")
        .order_by("role", "created_at")
    )
    person_ids = [p.person_id for p in participants]
    accounts = {a.person_id: a for a in PortalAccount.objects.filter(person_id__in=person_ids)}
    latest: dict[Any, Invitation] = {}
    for issued in Invitation.objects.filter(account__person_id__in=person_ids).order_by("created_at"):
        latest[issued.account_id] = issued
    rows = []
    for participant in participants:
        account = accounts.get(participant.person_id)
        consent = bool(may(person=participant.person, purpose=ConsentPurpose.PORTAL))
        rows.append(PanelRow(participant, account, latest.get(account.pk) if account else None, consent))
    return rows
