"""Reads for the portal. A participant reaches only what is about themselves: every lookup here starts from the rows
of the person their account speaks for, and answers 404 for anything else (another person's, the other side's,
another case's) exactly as for what does not exist. Staff reads (the case page's panel) go through the case.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reparo.access.lookup import lookup, one_or_404, refuse
from reparo.access.participants import person_id_of
from reparo.agreements.models import Agreement, Obligation
from reparo.agreements.selectors import agreement_in_force, ledger_for, obligations_of
from reparo.cases.models import OPEN_STATUSES, Case, CaseParticipant, ParticipantRole
from reparo.cases.selectors import case_participants
from reparo.consent.models import Consent, ConsentPurpose, ContactChannel
from reparo.consent.policy import may, people_who_may
from reparo.core.prepared import Param, Prepared
from reparo.evaluation.models import AssignmentStatus, SurveyAssignment
from reparo.messaging import selectors as messaging_selectors
from reparo.messaging.actors import ParticipantActor
from reparo.messaging.models import Relay, Thread
from reparo.messaging.rules import Refusal
from reparo.organisations.models import Program
from reparo.people.models import Person
from reparo.portal.models import AccessStatus, Invitation, PortalAccount, ProgramPortalSettings
from reparo.processes.models import (
    RESPONSIBLE_SIDE,
    SURVIVOR_ONLY_TYPES,
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
from reparo.support import selectors as support_selectors
from reparo.support.models import Goal, Progress, ProgressStatus, Step, SupportCircle

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


def person_may_be_told(person: Person, *, at: datetime.datetime | None = None) -> bool:
    """Whether ``person`` may be told that something is waiting for them here (the "something is waiting" e-mail and
    text message): they were invited, staff have not suspended their access, and their consent to be contacted
    through the portal is in force at ``at``. :mod:`reparo.access.participants` asks this for messaging."""
    suspended_or_none = (
        not PortalAccount.objects.filter(person_id=person.pk).exclude(status=AccessStatus.SUSPENDED).exists()
    )
    if suspended_or_none:
        return False
    return bool(may(person=person, purpose=ConsentPurpose.PORTAL, at=at))


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
    # The participant's own times: ``None`` on a joint session for someone on neither side (or whose side is not
    # recorded), who is told the day only, and that their facilitator will say when to come.
    starts_at: datetime.datetime | None
    ends_at: datetime.datetime | None
    with_facilitator_only: bool
    attendees: list[Attendee] = field(default_factory=list)
    agenda: list[str] = field(default_factory=list)
    # Where and how: only for a meeting of the participant's own (never a joint meeting's arrangements).
    venue: str = ""
    online_link: str = ""

    @property
    def cancelled(self) -> bool:
        return self.session.status == SessionStatus.CANCELLED

    @property
    def day(self) -> datetime.date:
        return timezone.localtime(self.starts_at or self.session.starts_at).date()


ROLE_WORDS: dict[str, Any] = {
    ProcessRole.SURVIVOR: lambda: _("The survivor"),
    ProcessRole.SURROGATE: lambda: _("Someone speaking for the survivor"),
    ProcessRole.RESPONSIBLE: lambda: _("The responsible person"),
    ProcessRole.CORE_MEMBER: lambda: _("The core member"),
    ProcessRole.SUPPORTER: lambda: _("A supporter"),
    ProcessRole.COMMUNITY: lambda: _("A community member"),
}


def appointment_for(actor: Any, session: Session) -> Appointment:
    """What the participant may know of ``session`` (one they are invited to): their own arrival and leaving times
    (a supporter's: those of the side they come with; someone on neither side is told no times of a joint session),
    who will be there by role (a name only for the other side, and only once both agreed to be named; never to a
    supporter), what will happen, and, for a meeting of their own, where. Never the other side's times, waiting room
    or arrangements."""
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
    times = times_for(session, own)
    starts, ends = times if times is not None else (None, None)
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


RELAY_WORDS = gettext_lazy("Your facilitator may pass your letters and messages on to the other side")


def takes_part_on_one_side(actor: Any) -> bool:
    """Whether the participant still takes part, on the survivor's or the responsible person's side, in an open
    process that has another side (where something could be passed on)."""
    return any(side_of(p.role) != "other" and p.process.type not in SURVIVOR_ONLY_TYPES for p in stoppable_of(actor))


def process_consent_purpose(process: Process) -> str:
    """The consent purpose that agreeing to ``process`` records: its own for a survivor's support circle."""
    return ConsentPurpose.SUPPORT_CIRCLE if process.type in SURVIVOR_ONLY_TYPES else ConsentPurpose.PROCESS


def process_consent_words(process: Process) -> str:
    if process.type in SURVIVOR_ONLY_TYPES:
        return str(CIRCLE_WORDS)
    return _("Take part in: %(process)s") % {"process": process.get_type_display()}


CIRCLE_WORDS = gettext_lazy("Have your circle of support: community volunteers who help with the goals you set")


def consent_words(consent: Consent) -> str:
    """What a consent is for, in plain words addressed to the person who gave it."""
    if consent.purpose == ConsentPurpose.EVALUATION:
        return _("Your answers to questionnaires may be used to see how well the program works")
    if consent.purpose == ConsentPurpose.REPORTING:
        return _("You may be counted in reports that do not say who anyone is")
    if consent.purpose == ConsentPurpose.PORTAL:
        return _("Be contacted through this site")
    if consent.purpose == ConsentPurpose.RELAY:
        return str(RELAY_WORDS)
    if consent.purpose == ConsentPurpose.PROCESS:
        return _("Take part in: %(process)s") % {"process": consent.process_label or _("a restorative process")}
    if consent.purpose == ConsentPurpose.SUPPORT_CIRCLE:
        return str(CIRCLE_WORDS)
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
    if not in_force(ConsentPurpose.RELAY) and takes_part_on_one_side(actor):
        offers.append(ConsentOffer("relay", str(RELAY_WORDS), ConsentPurpose.RELAY))
    for participant in stoppable_of(actor):
        process = participant.process
        # A support circle is agreed to as such (the agreement its volunteers' access hangs on), any other process
        # as taking part in it.
        purpose = process_consent_purpose(process)
        if not in_force(purpose, process_ref=process_consent_ref(process)):
            words = process_consent_words(process)
            offers.append(ConsentOffer(f"process:{process.pk}", words, purpose, process=process))
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


def consent_offer_in_force(actor: Any, code: str, *, at: datetime.datetime | None = None) -> Consent | None:
    """The participant's consent in force now that already gives what the offer ``code`` (from
    :func:`consent_offers_for`) would record, or ``None``: agreeing again to what is in force changes nothing."""
    at = at or timezone.now()
    if _own_person_id(actor) is None:
        return None
    rows = list(consents_of(actor))
    current = [c for c in rows if c.in_force_at(at)]

    def first(purpose: str, **match: Any) -> Consent | None:
        return next(
            (c for c in current if c.purpose == purpose and all(getattr(c, k) == v for k, v in match.items())), None
        )

    kind, _sep, rest = str(code or "").partition(":")
    if kind in (ConsentPurpose.EVALUATION, ConsentPurpose.REPORTING, ConsentPurpose.RELAY) and not rest:
        return first(kind)
    if kind == "contact" and rest in ContactChannel.values:
        return first(ConsentPurpose.CONTACT, channel=rest)
    if kind == "process":
        process = next((p.process for p in participations_of(actor) if str(p.process_id) == rest), None)
        if process is not None:
            return first(process_consent_purpose(process), process_ref=process_consent_ref(process))
    if kind == "share":
        basis = next((c for c in rows if str(c.pk) == rest and c.purpose == ConsentPurpose.SHARE), None)
        if basis is not None:
            wanted = set(basis.data_categories or [])
            return next(
                (
                    c for c in current
                    if c.purpose == ConsentPurpose.SHARE and c.recipient_id == basis.recipient_id
                    and wanted <= set(c.data_categories or [])
                ),
                None,
            )  # fmt: skip
    return None


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


def survey_answered(actor: Any, pk: Any) -> bool:
    """Whether ``pk`` is one of the participant's own questionnaires, answered already (a second sending of the same
    answers is then told so, not "not found")."""
    person_id = _own_person_id(actor)
    if person_id is None:
        return False
    return SurveyAssignment.objects.filter(person_id=person_id, pk=pk, status=AssignmentStatus.COMPLETED).exists()


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


# --- messages (reparo.messaging, as a ParticipantActor) --------------------------------------------------------------


def message_cases_of(actor: Any) -> QuerySet[Case]:
    """The cases the participant takes part in (open or closed: a closed case's conversation can still be read),
    most recent first."""
    person_id = _own_person_id(actor)
    if person_id is None:
        return Case.objects.none()
    taking_part = CaseParticipant.objects.filter(person_id=person_id).values("case_id")
    return Case.objects.filter(pk__in=taking_part).select_related("program").order_by("-created_at")


@lookup("portal.case")
def message_case_get_for(actor: Any, pk: Any) -> Case:
    """One of the cases the participant takes part in (for their conversation with its team and what they ask to
    pass on); any other case is 404."""
    return one_or_404(message_cases_of(actor), pk)


def messaging_actor(actor: Any, case: Case) -> ParticipantActor:
    """The participant, as :mod:`reparo.messaging` knows them: their person on ``case`` (one of their own cases, from
    :func:`message_case_get_for`), with their account for the audit trail. 404 when they may not use the portal."""
    account = account_of(actor)
    if account is None:
        raise refuse()
    return ParticipantActor(person=account.person, case=case, user=actor)


def thread_of(as_participant: ParticipantActor) -> Thread | None:
    """The participant's conversation with their team on ``as_participant``'s case, if it was started."""
    return messaging_selectors.threads_of_case(as_participant, as_participant.case).first()


# Where something the participant asked to pass on stands, said to them (the statuses' own labels speak of "the
# author").
RELAY_STATUS_WORDS: dict[str, Any] = {
    "queued": gettext_lazy("With your facilitator: not passed on yet"),
    "edit_proposed": gettext_lazy("Your facilitator suggests a change: it waits for your answer"),
    "delivered": gettext_lazy("Passed on"),
    "declined": gettext_lazy("Not passed on: your facilitator wrote you a note"),
    "withdrawn": gettext_lazy("You took it back"),
    "expired": gettext_lazy("Erased, unsent, at the end of the keeping period"),
}


def relay_status_words(relay: Relay) -> str:
    words = RELAY_STATUS_WORDS.get(relay.status)
    return str(words) if words is not None else relay.get_status_display()


@dataclass(frozen=True)
class Conversation:
    """One case's conversation with the team, as the participant's inbox shows it, and what they asked to pass on
    to the other side there (each with where it stands, in words for them)."""

    case: Case
    thread: Thread | None
    relays: list[tuple[Relay, str]]
    # The participant takes part on one side of an open process with another side: the "write for the other side"
    # page is offered (and says why, if it cannot go now).
    may_write_for_other_side: bool


INBOX_CASES = 10
INBOX_RELAYS = 20


def conversations_of(actor: Any) -> list[Conversation]:
    """The participant's conversations, one per case they take part in (at most ``INBOX_CASES``, the most recent
    first), each read through :mod:`reparo.messaging` as the participant."""
    found = []
    for case in message_cases_of(actor)[:INBOX_CASES]:
        as_participant = messaging_actor(actor, case)
        found.append(
            Conversation(
                case=case,
                thread=thread_of(as_participant),
                relays=[
                    (r, relay_status_words(r)) for r in messaging_selectors.relays_of(as_participant)[:INBOX_RELAYS]
                ],
                may_write_for_other_side=bool(messaging_selectors.relay_options_for(as_participant)),
            )
        )
    return found


# Why something cannot be passed on, worded for the participant who wrote it (the rules' codes). What the rules say
# for staff names "the author"; here the reader is the author.
REFUSAL_WORDS: dict[str, Any] = {
    "restriction": gettext_lazy(
        "A rule that keeps you and the other person out of contact is in place now, so nothing can be passed on. "
        "Your facilitator can tell you more."
    ),
    "consent": gettext_lazy(
        "Your letters and messages are passed on only if you agree to it. You can agree below, or on “Your choices”, "
        "and change your mind at any time."
    ),
    "stopped": gettext_lazy("This process has ended, so nothing more can be passed on."),
    "paused": gettext_lazy("This process is paused for now, so nothing is passed on until it starts again."),
    "sides": gettext_lazy("Messages are passed on only between the two sides of a process."),
}


NOTHING_TO_PASS_ON = gettext_lazy(
    "Nothing can be passed on at the moment: you take part in no process that is still going on with another side."
)


def refusal_words(refusal: Refusal) -> str:
    """Why it cannot go now, in plain words for the author themself."""
    words = REFUSAL_WORDS.get(refusal.code)
    return str(words) if words is not None else refusal.reason


def refusal_words_for(codes: list[str], reasons: list[str]) -> list[str]:
    """The same for a refusal as :class:`reparo.messaging.services.RelayRefused` reports it (codes and reasons)."""
    return [refusal_words(Refusal(code, reason)) for code, reason in zip(codes, reasons, strict=True)]


# --- the survivor's support circle (reparo.support) ---------------------------------------------------------------


def circles_of(actor: Any) -> QuerySet[SupportCircle]:
    """The open support circles formed around the participant (only a survivor is ever a circle's focus)."""
    person_id = _own_person_id(actor)
    if person_id is None:
        return SupportCircle.objects.none()
    return support_selectors.circles_of_survivor(person_id)


def circle_ids(actor: Any) -> list[Any]:
    return list(circles_of(actor).values_list("pk", flat=True))


@lookup("portal.supportcircle")
def circle_get_for(actor: Any, pk: Any) -> SupportCircle:
    """An open support circle formed around the participant; anyone else's, and an ended one, is 404."""
    return one_or_404(circles_of(actor).select_related("process", "process__case", "survivor"), pk)


def circle_progress_in(circle: SupportCircle, pk: Any) -> Progress:
    """Progress on a goal of ``circle`` (one of the participant's own, from :func:`circle_get_for`) still waiting for
    their answer; anything else is 404."""
    return one_or_404(support_selectors.progress_awaiting_survivor(circle), pk)


def circle_progress_answered(circle: SupportCircle, pk: Any) -> bool:
    """Whether ``pk`` is progress on a goal of ``circle`` (one of the participant's own, from :func:`circle_get_for`)
    that the survivor has answered already."""
    return Progress.objects.filter(goal__circle=circle, pk=pk).exclude(status=ProgressStatus.AWAITING).exists()


@dataclass(frozen=True)
class StepLine:
    step: Step
    helper: str  # who helps: a volunteer's first name, or a partner organisation's name; empty: nobody yet


@dataclass(frozen=True)
class GoalLine:
    goal: Goal
    steps: list[StepLine]
    confirmed: list[Progress]  # progress the survivor confirmed


@dataclass(frozen=True)
class CircleView:
    """The survivor's support circle as they see it: their goals in their words with steps and who helps, progress
    waiting for their answer, the next meeting and who the volunteers are (first names only)."""

    circle: SupportCircle
    goals: list[GoalLine]
    awaiting: list[Progress]
    next_meeting_at: datetime.datetime | None
    next_meeting_place: str
    volunteers: list[str]


def circle_view(circle: SupportCircle) -> CircleView:
    """What the survivor sees of their own circle (``circle`` from :func:`circle_get_for`)."""
    goals = []
    for goal in support_selectors.goals_for_survivor(circle):
        steps = []
        for step in goal.steps.all():
            if step.helper_id and step.helper:
                helper = support_selectors.first_name(step.helper.user) or _("A volunteer")
            elif step.partner_id and step.partner:
                helper = step.partner.organisation.name
            else:
                helper = ""
            steps.append(StepLine(step, str(helper)))
        confirmed = [p for p in goal.progress.all() if p.status == ProgressStatus.CONFIRMED]
        goals.append(GoalLine(goal, steps, confirmed))
    next_at = support_selectors.next_meeting_of(circle)
    return CircleView(
        circle=circle,
        goals=goals,
        awaiting=list(support_selectors.progress_awaiting_survivor(circle)),
        next_meeting_at=next_at,
        next_meeting_place=(circle.next_meeting_place or "") if next_at else "",
        volunteers=[str(n) for n in support_selectors.volunteer_first_names(circle)],
    )


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


def _invitable(case: Any) -> QuerySet[Any]:
    """The people of ``case`` who may be invited (their ids, for a subquery)."""
    return CaseParticipant.objects.filter(case=case, role__in=INVITABLE_ROLES).values("person_id")


# The portal panel's two reads, compiled once a process: the portal accounts of the people who may be invited, and
# which of them agreed to be contacted through the portal at ``at``.
_panel_accounts: Prepared[PortalAccount] = Prepared(
    lambda: PortalAccount.objects.filter(person_id__in=_invitable(Param("case", Case)))
)
_panel_agreed: Prepared[Any] = Prepared(
    lambda: (
        people_who_may(purpose=ConsentPurpose.PORTAL, at=Param("at", models.DateTimeField()))  # type: ignore[arg-type]
        .filter(pk__in=_invitable(Param("case", Case)))
        .values_list("pk", flat=True)
    )
)


def panel_rows(case: Case) -> list[PanelRow]:
    """Each person of ``case`` who may be invited, with their portal access and its latest invitation. The people are
    those the case page read (``reparo.cases.selectors.case_participants``: their code only)."""
    participants = [p for p in case_participants(case) if p.role in INVITABLE_ROLES]
    if not participants:
        return []
    accounts = {a.person_id: a for a in _panel_accounts(case=case.pk)}
    latest: dict[Any, Invitation] = {}
    if accounts:  # an invitation belongs to an account: without one, there is none to read
        account_ids = [account.pk for account in accounts.values()]
        for issued in Invitation.objects.filter(account_id__in=account_ids).order_by("created_at"):
            latest[issued.account_id] = issued
    # One question to the consent policy for everyone on the panel, rather than one per person.
    agreed = set(_panel_agreed(case=case.pk, at=timezone.now()))
    rows = []
    for participant in participants:
        account = accounts.get(participant.person_id)
        consent = participant.person_id in agreed
        rows.append(PanelRow(participant, account, latest.get(account.pk) if account else None, consent))
    return rows
