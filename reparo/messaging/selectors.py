"""Reads of conversations, relays, attachments and ways to be told, limited to what the actor may see. Not yours and
not there look the same: 404.

The actor is a staff user or a :class:`reparo.messaging.actors.ParticipantActor`. Staff read a case's conversations
with ``MESSAGE_ON_CASE`` on the case; those who see only the responsible-person side (a CoSA volunteer) read only the
conversations open to that side. A participant reads their own conversation on their case, and what they asked to
pass on; what the other side sends reaches them only once a facilitator has passed it on (as a message in their own
conversation).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Prefetch, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from reparo.access import participants
from reparo.access.actors import member_organisation_ids
from reparo.access.capabilities import Capability, team_roles_with
from reparo.access.lookup import lookup, one_or_404
from reparo.accounts.models import User
from reparo.cases.models import Case, CaseParticipant, CaseTeamMember, ParticipantRole
from reparo.cases.selectors import case_access_for, case_participants, cases_visible_to, person_get_for
from reparo.consent.models import ConsentPurpose
from reparo.consent.policy import ConsentDecision, may
from reparo.core.prepared import Param, Prepared
from reparo.messaging.actors import ParticipantActor, is_participant, participant_is_current
from reparo.messaging.models import (
    DEFAULT_RETENTION_DAYS,
    OPEN_RELAY_STATUSES,
    Attachment,
    Audience,
    Channel,
    ContactPoint,
    Message,
    ProgramMessagingSettings,
    Relay,
    Thread,
    ThreadKind,
)
from reparo.messaging.rules import Refusal, relay_refusals, side_of
from reparo.organisations.models import Program
from reparo.people.models import Person
from reparo.processes.models import OPEN_STAGES, SURVIVOR_ONLY_TYPES, Process, ProcessParticipant, ProcessRole

# --- who may read what -------------------------------------------------------------------------------------------


def case_capabilities_of(actor: Any, case: Case) -> frozenset[Capability]:
    return case_access_for(actor, case).capabilities


def reads_audience(capabilities: frozenset[Capability], audience: str) -> bool:
    """Whether an actor with ``capabilities`` on a case reads its conversations meant for ``audience``."""
    if Capability.MESSAGE_ON_CASE not in capabilities:
        return False
    return audience == Audience.RESPONSIBLE_SIDE or Capability.WORK_ON_CASE in capabilities


def audience_of_person(case: Case, person: Person) -> str | None:
    """Who on the staff side reads a conversation with ``person``: the responsible-person side too when the person is
    the responsible person, else the case team only (fail closed). None: not a participant of the case."""
    roles = set(CaseParticipant.objects.filter(case=case, person=person).values_list("role", flat=True))
    if not roles:
        return None
    return Audience.RESPONSIBLE_SIDE if roles == {ParticipantRole.RESPONSIBLE} else Audience.CASE_TEAM


def _participant_threads(actor: ParticipantActor) -> QuerySet[Thread]:
    if not participant_is_current(actor):
        return Thread.objects.none()
    return Thread.objects.filter(case_id=actor.case.pk, person_id=actor.person.pk, kind=ThreadKind.PARTICIPANT)


def threads_of_case(actor: Any, case: Case, *, access: Any = None, responsible_side: bool = False) -> QuerySet[Thread]:
    """The conversations on ``case`` the actor reads, the most recently active first. ``responsible_side`` keeps to
    those open to the responsible-person side whoever looks (for that side's page)."""
    if is_participant(actor):
        threads = _participant_threads(actor).filter(case_id=case.pk)
    else:
        side_only = _staff_reads_side_only(actor, case, access=access, responsible_side=responsible_side)
        if side_only is None:
            return Thread.objects.none()
        return _threads(case, side_only=side_only)
    return threads.select_related("person").order_by(F("last_message_at").desc(nulls_last=True), "created_at")


def threads_for_case_panel(actor: Any, case: Case, *, access: Any, responsible_side: bool, limit: int) -> list[Thread]:
    """The first ``limit`` of :func:`threads_of_case`, with only what the case page's panel shows of each person (their
    code)."""
    if is_participant(actor):
        threads = threads_of_case(actor, case, access=access, responsible_side=responsible_side)
        return list(threads.only(*_THREAD_OWN, "person__display_code")[:limit])
    side_only = _staff_reads_side_only(actor, case, access=access, responsible_side=responsible_side)
    if side_only is None:
        return []
    return _panel_threads(side_only, limit)(case=case.pk)


def _staff_reads_side_only(actor: Any, case: Case, *, access: Any, responsible_side: bool) -> bool | None:
    """For staff: None when they may not message on the case; else whether they read only the conversations open to
    the responsible-person side (on that side's page, or without the right to work on the case)."""
    capabilities = access.capabilities if access is not None else case_capabilities_of(actor, case)
    if Capability.MESSAGE_ON_CASE not in capabilities:
        return None
    return responsible_side or Capability.WORK_ON_CASE not in capabilities


_THREAD_OWN = [f.name for f in Thread._meta.concrete_fields]


def _threads(case: Any, *, side_only: bool) -> QuerySet[Thread]:
    """The case's conversations (only those open to the responsible-person side, if ``side_only``), most recently
    active first: :func:`threads_of_case` for staff."""
    threads = Thread.objects.filter(case=case)
    if side_only:
        threads = threads.filter(audience=Audience.RESPONSIBLE_SIDE)
    return threads.select_related("person").order_by(F("last_message_at").desc(nulls_last=True), "created_at")


@functools.lru_cache(maxsize=16)
def _panel_threads(side_only: bool, limit: int) -> Prepared[Thread]:
    return Prepared(
        lambda: _threads(Param("case", Case), side_only=side_only).only(*_THREAD_OWN, "person__display_code")[:limit]
    )


@lookup("messaging.thread")
def thread_get_for(actor: Any, pk: Any) -> Thread:
    """A conversation: for staff who may message on its case and read its audience (the responsible-person side
    reads only conversations open to that side); for a participant, their own conversation on their case."""
    if is_participant(actor):
        return one_or_404(_participant_threads(actor).select_related("case", "case__program", "person"), pk)
    thread = one_or_404(
        Thread.objects.filter(case__in=cases_visible_to(actor)).select_related("case", "case__program", "person"), pk
    )
    if not reads_audience(case_capabilities_of(actor, thread.case), thread.audience):
        raise Http404
    return thread


def messages_of(thread: Thread) -> QuerySet[Message]:
    """The conversation's messages, newest first, with their authors and attachments (contents not read)."""
    return (
        Message.objects.filter(thread=thread)
        .select_related("author_user", "author_person")
        .only(
            *(f.name for f in Message._meta.concrete_fields),
            "author_user__email",
            "author_person__display_code",
            "author_person__kind",
        )
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.defer("content")))
        .order_by("-created_at", "-id")
    )


def message_author_label(message: Message, *, viewer: Any) -> str:
    """Who wrote ``message``, as ``viewer`` may know it. What the other side sent shows as passed on by the
    facilitator, never with its author; a participant sees staff as "your facilitator"."""
    if message.relay_id:
        return _("From the other side, passed on by the facilitator")
    if message.author_person_id:
        if is_participant(viewer) and viewer.person.pk == message.author_person_id:
            return _("You")
        return message.author_person.display_code if message.author_person else ""
    if is_participant(viewer):
        return _("Your facilitator")
    return message.author_user.display_name if message.author_user else _("A former colleague")


def message_rows(messages: Any, *, viewer: Any) -> list[tuple[Message, str, list[Attachment]]]:
    """Each of ``messages`` (from :func:`messages_of`) with who wrote it, as ``viewer`` may know it, and its files."""
    return [(m, message_author_label(m, viewer=viewer), list(m.attachments.all())) for m in messages]


@lookup("messaging.attachment")
def attachment_get_for(actor: Any, pk: Any) -> Attachment:
    """A file sent with a message in a conversation the actor reads (``thread_get_for``), not yet erased."""
    attachment = one_or_404(Attachment.objects.select_related("message"), pk, erased_at__isnull=True)
    thread_get_for(actor, attachment.message.thread_id)
    return attachment


# --- relays ------------------------------------------------------------------------------------------------------

RELAY_RELATED = ("process", "process__case", "process__case__program", "author", "recipient", "reviewed_by")


@lookup("messaging.relay")
def relay_get_for(actor: Any, pk: Any, *, need: Capability | None = None) -> Relay:
    """A message to pass on: for its author (a participant, on their case); for staff who work on the whole case and
    may message on it; with ``need=RELAY_MESSAGES``, only a facilitator on the case team. Never for the recipient,
    nor for the responsible-person side of the staff."""
    if is_participant(actor):
        if need is not None or not participant_is_current(actor):
            raise Http404
        mine = Relay.objects.filter(author_id=actor.person.pk, process__case_id=actor.case.pk)
        return one_or_404(mine.select_related(*RELAY_RELATED), pk)
    relay = one_or_404(
        Relay.objects.filter(process__case__in=cases_visible_to(actor)).select_related(*RELAY_RELATED), pk
    )
    capabilities = case_capabilities_of(actor, relay.process.case)
    if not {Capability.WORK_ON_CASE, Capability.MESSAGE_ON_CASE} <= capabilities:
        raise Http404
    if need is not None and need not in capabilities:
        raise Http404
    return relay


def relay_queue_of(actor: Any, process: Process, *, access: Any = None) -> QuerySet[Relay]:
    """What waits in ``process``'s relay queue, oldest first: for a facilitator on the case team, else nothing."""
    capabilities = access.capabilities if access is not None else case_capabilities_of(actor, process.case)
    if Capability.RELAY_MESSAGES not in capabilities:
        return Relay.objects.none()
    return Relay.objects.filter(process=process, status__in=OPEN_RELAY_STATUSES).select_related("author", "recipient")


def relays_waiting_for(actor: Any) -> QuerySet[Relay]:
    """What waits in the relay queues of every case the actor facilitates (a team role with ``RELAY_MESSAGES``, while
    they still work in the case's organisation), oldest first."""
    if is_participant(actor) or not getattr(actor, "is_authenticated", False):
        return Relay.objects.none()
    facilitated = CaseTeamMember.objects.filter(
        user=actor,
        role__in=team_roles_with(Capability.RELAY_MESSAGES),
        case__organisation_id__in=member_organisation_ids(actor),
    ).values("case_id")
    return (
        Relay.objects.filter(
            status__in=OPEN_RELAY_STATUSES,
            process__case_id__in=facilitated,
            process__case__in=cases_visible_to(actor),
        )
        .select_related("process", "process__case", "author", "recipient")
        .order_by("created_at")
    )


def relays_by(person: Person, case: Case) -> QuerySet[Relay]:
    """What ``person`` asked to pass on in the processes of ``case``, newest first (for the author's own view and the
    staff who work on the whole case)."""
    return (
        Relay.objects.filter(author=person, process__case=case)
        .select_related("process", "reviewed_by")
        .order_by("-created_at")
    )


def relays_of(actor: ParticipantActor) -> QuerySet[Relay]:
    """What a participant asked to pass on in the processes of their case, newest first (nothing once they no longer
    take part in the case)."""
    if not is_participant(actor) or not participant_is_current(actor):
        return Relay.objects.none()
    return relays_by(actor.person, actor.case)


@dataclass(frozen=True)
class RelayOption:
    """A process in which a participant may write something for the other side, and every reason it would be refused
    now (empty: it would go to the facilitators' queue)."""

    process: Process
    refusals: list[Refusal]

    @property
    def open(self) -> bool:
        return not self.refusals


def relay_options_for(actor: ParticipantActor) -> list[RelayOption]:
    """For a participant: the open processes of their case in which they take part on one side, each with what the
    rules would refuse now (asked as :func:`reparo.messaging.services.relay_submit` asks them). A process with nobody,
    or with more than one person, on the other side is offered with a refusal: the participant does not choose
    among the other side's people (that would name them)."""
    if not is_participant(actor) or not participant_is_current(actor):
        return []
    options = []
    for process in relay_processes_for(actor.person, actor.case):
        recipients = list(relay_recipients(process, actor.person)[:2])
        if len(recipients) == 1:
            refusals = relay_refusals(process=process, author=actor.person, recipient=recipients[0])
        elif recipients:
            refusals = [Refusal("several", _("More than one person takes part on the other side. Ask your "
                                             "facilitator to pass it on for you."))]  # fmt: skip
        else:
            refusals = [Refusal("nobody", _("There is nobody on the other side to pass it on to."))]
        options.append(RelayOption(process=process, refusals=refusals))
    return options


def relay_form_processes(person: Person, case: Case) -> QuerySet[Process] | None:
    """:func:`relay_processes_for`, or None when there is none (no form to show)."""
    processes = relay_processes_for(person, case)
    return processes if processes.exists() else None


def relay_processes_for(person: Person, case: Case) -> QuerySet[Process]:
    """Open processes of ``case`` in which ``person`` takes part on the survivor's or the responsible person's side."""
    roles = [role for role in ProcessRole.values if side_of(role)]
    taking_part = ProcessParticipant.objects.filter(person=person, withdrawn_at__isnull=True, role__in=roles)
    # A survivor-only process (a support circle) has no other side to pass anything on to.
    processes = Process.objects.filter(case=case, stage__in=OPEN_STAGES, pk__in=taking_part.values("process_id"))
    return processes.exclude(type__in=SURVIVOR_ONLY_TYPES).order_by("created_at")


def relay_recipients(process: Process, author: Person) -> QuerySet[Person]:
    """Who is on the other side of ``process`` from ``author`` (what they write is meant for them)."""
    mine = ProcessParticipant.objects.filter(process=process, person=author).values_list("role", flat=True).first()
    side = side_of(mine or "")
    if side is None:
        return Person.objects.none()
    other_roles = [role for role in ProcessRole.values if side_of(role) not in (None, side)]
    # Those who stopped are included: passing on to them is refused by the rules, which say why.
    others = ProcessParticipant.objects.filter(process=process, role__in=other_roles)
    return Person.objects.filter(pk__in=others.values("person_id")).order_by("display_code")


# --- who is told -------------------------------------------------------------------------------------------------


def staff_to_tell(thread: Thread) -> set[User]:
    """The case team members who read ``thread`` (for a discreet notice in their Notices)."""
    roles = team_roles_with(Capability.MESSAGE_ON_CASE)
    if thread.audience != Audience.RESPONSIBLE_SIDE:
        roles = [r for r in roles if r in team_roles_with(Capability.WORK_ON_CASE)]
    members = CaseTeamMember.objects.filter(case_id=thread.case_id, role__in=roles, user__is_active=True)
    return {m.user for m in members.select_related("user")}


def facilitators_to_tell(case: Case) -> set[User]:
    """The case team members who may pass messages on (a relay is waiting for them)."""
    members = CaseTeamMember.objects.filter(
        case=case, role__in=team_roles_with(Capability.RELAY_MESSAGES), user__is_active=True
    )
    return {m.user for m in members.select_related("user")}


# --- ways to be told ---------------------------------------------------------------------------------------------


def contact_points_of(person: Person) -> QuerySet[ContactPoint]:
    """The person's current ways to be told that something is waiting."""
    return ContactPoint.objects.filter(person=person, ended_at__isnull=True).order_by("channel")


def contact_consents(person: Person) -> dict[str, ConsentDecision]:
    """For each channel, whether the consent ledger lets Reparo contact the person that way now."""
    return {channel: may(person=person, purpose=ConsentPurpose.CONTACT, channel=channel) for channel in Channel.values}


def told_at_all(person: Person) -> bool:
    """Whether ``person`` may be told anything now, whatever the channel: they have portal access that is not
    suspended and their consent to be contacted through the portal is in force."""
    return participants.may_be_told(person)


@lookup("messaging.contactpoint")
def contact_point_get_for(actor: Any, pk: Any) -> ContactPoint:
    """A way to tell a participant that something is waiting, current or ended (so that "stop" pressed twice finds
    it and can say it is stopped already): for staff who may act for the person (``person_get_for`` with
    ``WORK_ON_CASE``); for a participant, their own. Anyone else's is not found, ended or not."""
    if is_participant(actor):
        if not participant_is_current(actor):
            raise Http404
        return one_or_404(ContactPoint.objects.filter(person_id=actor.person.pk), pk)
    point = one_or_404(ContactPoint.objects.all(), pk)
    person_get_for(actor, point.person_id, need=Capability.WORK_ON_CASE)
    return point


# --- keeping ---------------------------------------------------------------------------------------------------


def retention_days(program: Program | None) -> int:
    """How many days ``program`` keeps message texts and files."""
    if program is None:
        return DEFAULT_RETENTION_DAYS
    days = _retention_read(program=program.pk)
    return (days[0] if days else None) or DEFAULT_RETENTION_DAYS


_retention_read: Prepared[int] = Prepared(
    lambda: (
        ProgramMessagingSettings.objects.filter(program_id=Param("program", Program))
        .order_by("pk")
        .values_list("retention_days", flat=True)[:1]
    )
)


def case_person_in(case: Case, pk: Any) -> Person:
    """A person taking part in ``case`` (the case was checked by its lookup)."""
    return one_or_404(Person.objects.filter(participations__case=case).distinct(), pk)


def participants_without_thread(
    case: Case, *, responsible_side_only: bool, threads: list[Thread] | None = None
) -> list[Person]:
    """The case's participants who have no conversation yet (only the responsible person, for that side), by code;
    their people carry their code (``reparo.cases.selectors.case_participants``, read once for the case page).
    ``threads``: every conversation on the case, when the caller has already read them all (then the database is not
    asked which people have one)."""
    with_thread: set[Any]
    if threads is None:
        with_thread = set(
            Thread.objects.filter(case=case, kind=ThreadKind.PARTICIPANT).values_list("person_id", flat=True)
        )
    else:
        with_thread = {thread.person_id for thread in threads if thread.kind == ThreadKind.PARTICIPANT}
    people: dict[Any, Person] = {}
    for row in case_participants(case):
        if row.person.erased_at is not None or row.person_id in with_thread:
            continue
        if responsible_side_only and row.role != ParticipantRole.RESPONSIBLE:
            continue
        people.setdefault(row.person_id, row.person)
    return sorted(people.values(), key=lambda p: p.display_code)


def edit_version(relay: Relay) -> str:
    """Which proposed edit a page showed (when it was proposed): an answer names it, so that an agreement given on a
    page showing one edit never passes on another proposed since."""
    return relay.reviewed_at.isoformat() if relay.reviewed_at else ""


def relay_refusals_now(relay: Relay) -> list[Any]:
    """Why ``relay`` could not go now (empty: it could), for the facilitator deciding."""
    return relay_refusals(process=relay.process, author=relay.author, recipient=relay.recipient)
