"""Writes about conversations, relays, attachments and ways to be told. Each checks the actor (a staff user or a
:class:`reparo.messaging.actors.ParticipantActor`) through the one lookup of what it changes, and writes its audit row
in the same transaction. Audit details hold ids, codes and counts only: never a message, a note or an address.

A message never goes from one side of a process to the other directly: :func:`relay_submit` puts it in the
facilitators' queue, where a facilitator approves it (:func:`relay_approve`), proposes an edit the author must agree
to (:func:`relay_propose_edit`, :func:`relay_answer_edit`) or declines it with a note to the author
(:func:`relay_decline`). :mod:`reparo.messaging.rules` is asked when it is sent and again when it would go.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import EmailValidator
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from reparo.access.actors import user_can
from reparo.access.capabilities import Capability
from reparo.audit.services import audit_record
from reparo.cases.models import Case
from reparo.cases.selectors import case_get_for, person_get_for
from reparo.core import crypto
from reparo.core.once import AlreadyDone, already_made, create_once, submission_key
from reparo.messaging import notifications, selectors, sms
from reparo.messaging.actors import ParticipantActor, audit_actor, is_participant, participant_is_current
from reparo.messaging.files import MAX_ATTACHMENTS, check_file
from reparo.messaging.models import (
    MAX_BODY_CHARS,
    MAX_NOTE_CHARS,
    MAX_RETENTION_DAYS,
    Attachment,
    Audience,
    Channel,
    ContactPoint,
    Message,
    ProgramMessagingSettings,
    Relay,
    RelayKind,
    RelayStatus,
    Thread,
    ThreadKind,
)
from reparo.messaging.rules import Refusal, relay_refusals
from reparo.organisations.models import Program
from reparo.people.models import Person
from reparo.processes.models import Process
from reparo.safety.models import Notice
from reparo.safety.services import notices_post


class RelayRefused(ValidationError):
    """Passing a message on was refused; ``reasons`` say why in plain words and ``codes`` name each condition."""

    def __init__(self, refusals: list[Refusal]) -> None:
        self.reasons = [r.reason for r in refusals]
        self.codes = [r.code for r in refusals]
        super().__init__(self.reasons)


def _audit(actor: Any, action: str, obj: Any, case: Case, **detail: Any) -> None:
    user, label = audit_actor(actor)
    by = "participant" if is_participant(actor) else "staff"
    audit_record(
        actor=user, actor_label=label, action=action, obj=obj, organisation=case.organisation,
        detail={"by": by, **detail},
    )  # fmt: skip


def _text(value: str, *, limit: int, field: str, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationError({field: _("Write something first.")})
    if len(text) > limit:
        raise ValidationError({field: _("Keep it under %(limit)s characters.") % {"limit": f"{limit:,}"}})
    return text


def _require_open_case(case: Case) -> None:
    if not case.is_open:
        raise ValidationError(_("This case is closed. Its conversations are kept, but no new messages can be written."))


# --- conversations -----------------------------------------------------------------------------------------------


@transaction.atomic
def thread_open(*, actor: Any, case: Case, person: Person | None = None, audience: str = "") -> Thread:
    """The conversation with ``person`` (a participant of ``case``) or, with no person, the case team's conversation
    for ``audience`` (by default the widest the actor reads); made the first time it is needed. Staff only:
    a participant's own conversation is :func:`participant_thread`."""
    if is_participant(actor):
        raise PermissionDenied
    case = case_get_for(actor, case.pk, need=Capability.MESSAGE_ON_CASE)
    capabilities = selectors.case_capabilities_of(actor, case)
    lookup_fields: dict[str, Any]
    if person is not None:
        wanted = selectors.audience_of_person(case, person)
        if wanted is None or not selectors.reads_audience(capabilities, wanted):
            raise Http404
        if person.erased_at is not None:
            raise ValidationError(_("This person's details were erased on request, so no conversation can start."))
        kind, lookup_fields = ThreadKind.PARTICIPANT, {"person": person}
    else:
        wanted = audience or (
            Audience.CASE_TEAM
            if selectors.reads_audience(capabilities, Audience.CASE_TEAM)
            else Audience.RESPONSIBLE_SIDE
        )
        if wanted not in Audience.values or not selectors.reads_audience(capabilities, wanted):
            raise Http404
        kind, lookup_fields = ThreadKind.TEAM, {"audience": wanted, "person": None}
    thread = Thread.objects.filter(case=case, kind=kind, **lookup_fields).first()
    if thread is not None:
        return thread
    _require_open_case(case)
    thread, started = _started_or_found(
        {"case": case, "kind": kind, **lookup_fields}, audience=wanted, created_by=actor
    )
    if started:
        _audit(actor, "messaging.thread_opened", thread, case, kind=kind, audience=wanted,
               person=str(person.pk) if person else None)  # fmt: skip
    return thread


def _started_or_found(identity: dict[str, Any], **fields: Any) -> tuple[Thread, bool]:
    """The conversation ``identity`` names, started now (True), or, when another request started it at the same
    moment (two staff opening the team's conversation, a double tap on a first message), that one's (False): the
    unique conversation index refuses the second start, which is undone to its savepoint and reads the first's."""
    try:
        with transaction.atomic():
            return Thread.objects.create(**{**fields, **identity}), True
    except IntegrityError:
        found = Thread.objects.filter(**identity).first()
        if found is None:
            raise
        return found, False


@transaction.atomic
def participant_thread(*, actor: ParticipantActor) -> Thread:
    """The participant's own conversation with their case team, made the first time it is needed."""
    if not is_participant(actor) or not participant_is_current(actor):
        raise Http404
    return _thread_with(actor.case, actor.person, opened_by=actor)


def _thread_with(case: Case, person: Person, *, opened_by: Any) -> Thread:
    thread = Thread.objects.filter(case=case, kind=ThreadKind.PARTICIPANT, person=person).first()
    if thread is not None:
        return thread
    audience = selectors.audience_of_person(case, person)
    if audience is None:
        raise ValidationError(_("This person does not take part in this case."))
    created_by = None if is_participant(opened_by) or opened_by is None else opened_by
    thread, started = _started_or_found(
        {"case": case, "kind": ThreadKind.PARTICIPANT, "person": person}, audience=audience, created_by=created_by
    )
    if started:
        _audit(opened_by, "messaging.thread_opened", thread, case, kind=ThreadKind.PARTICIPANT, audience=audience,
               person=str(person.pk))  # fmt: skip
    return thread


def _who(actor: Any) -> str:
    """Who acts, for a one-time form token's scope: a participant's person, or a staff user."""
    return f"person:{actor.person.pk}" if is_participant(actor) else f"user:{actor.pk}"


SENT_ALREADY = _lazy("This message was sent already. It was not sent twice.")
ASKED_ALREADY = _lazy("This is with the facilitator already. It was not sent twice.")


@transaction.atomic
def message_post(
    *, actor: Any, thread: Thread, body: str, files: Iterable[tuple[str, bytes]] = (), submission: str = ""
) -> Message:
    """Write in a conversation the actor reads, with up to three attachments (``(name, contents)``: PNG, JPEG or PDF,
    checked by their contents). The other side is told that something is waiting: the participant by their chosen
    channels, staff in their Notices. ``submission``: the one-time token of the form it was written in; the same form
    sent again sends nothing more and raises :class:`reparo.core.once.AlreadyDone` with the first message."""
    thread = selectors.thread_get_for(actor, thread.pk)
    key = submission_key(submission, scope=f"message:{thread.pk}:{_who(actor)}")
    already_made(Message, key, SENT_ALREADY)
    case = thread.case
    _require_open_case(case)
    if thread.person_id and thread.person and thread.person.erased_at is not None:
        raise ValidationError(_("This person's details were erased on request, so no new messages can be written."))
    files = list(files)
    text = _text(body, limit=MAX_BODY_CHARS, field="body", required=not files)
    if len(files) > MAX_ATTACHMENTS:
        raise ValidationError({"files": _("Attach at most %(count)s files.") % {"count": MAX_ATTACHMENTS}})
    checked = [check_file(name, content) for name, content in files]
    now = timezone.now()
    message = create_once(
        Message, key, SENT_ALREADY,
        thread=thread,
        author_user=None if is_participant(actor) else actor,
        author_person=actor.person if is_participant(actor) else None,
        body=text or None,
    )  # fmt: skip
    for item in checked:
        Attachment.objects.create(
            message=message, filename=item.name, content_type=item.content_type, size=len(item.content),
            content=item.content,  # type: ignore[misc]
        )  # fmt: skip
    Thread.objects.filter(pk=thread.pk).update(last_message_at=now)
    _audit(actor, "messaging.message_posted", message, case, thread=str(thread.pk), attachments=len(checked),
           types=sorted({c.content_type for c in checked}))  # fmt: skip
    if is_participant(actor):
        notices_post(case=case, kind=Notice.Kind.MESSAGE, users=selectors.staff_to_tell(thread))
    else:
        if thread.person is not None:
            notifications.notify_person(person=thread.person, at=now)
        others = {u for u in selectors.staff_to_tell(thread) if u.pk != actor.pk}
        if thread.kind == ThreadKind.TEAM:
            notices_post(case=case, kind=Notice.Kind.MESSAGE, users=others)
    return message


@transaction.atomic
def thread_viewed(*, actor: Any, thread: Thread, messages: list[Message]) -> None:
    """Record that ``actor`` was shown these messages of ``thread`` (nothing shown, no row)."""
    thread = selectors.thread_get_for(actor, thread.pk)
    if not messages:
        return
    _audit(actor, "messaging.thread_read", thread, thread.case, messages=len(messages))


@transaction.atomic
def attachment_downloaded(*, actor: Any, attachment: Attachment) -> None:
    """Record that ``actor`` downloaded ``attachment``."""
    attachment = selectors.attachment_get_for(actor, attachment.pk)
    thread = selectors.thread_get_for(actor, attachment.message.thread_id)
    _audit(actor, "messaging.attachment_downloaded", attachment, thread.case, thread=str(thread.pk),
           type=attachment.content_type)  # fmt: skip


# --- relays ------------------------------------------------------------------------------------------------------


def _refuse_unless_clear(relay_process: Process, author: Person, recipient: Person) -> None:
    refusals = relay_refusals(process=relay_process, author=author, recipient=recipient)
    if refusals:
        raise RelayRefused(refusals)


@transaction.atomic
def relay_submit(
    *,
    actor: Any,
    process: Process,
    body: str,
    kind: str = RelayKind.MESSAGE,
    author: Person | None = None,
    recipient: Person | None = None,
    submission: str = "",
) -> Relay:
    """Ask for ``body`` to be passed on to the other side of ``process``. The author is the participant acting, or
    (for staff who work on the case, writing down a letter handed over or words said) ``author``. Without a
    ``recipient``, the one person on the other side. Refused, saying why, while a contact restriction is in force
    between the two, without the author's agreement to have messages passed on, after either side stopped, and
    while the process is paused. ``submission``: the one-time token of the form it was written in; the same form sent
    again asks nothing more and raises :class:`reparo.core.once.AlreadyDone` with the first one."""
    if is_participant(actor):
        if not participant_is_current(actor) or process.case_id != actor.case.pk:
            raise Http404
        if author is not None and author.pk != actor.person.pk:
            raise PermissionDenied
        author, submitted_by = actor.person, None
        process = Process.objects.select_related("case", "case__organisation").get(pk=process.pk)
    else:
        case = case_get_for(actor, process.case_id, need=Capability.WORK_ON_CASE)
        if Capability.MESSAGE_ON_CASE not in selectors.case_capabilities_of(actor, case):
            raise Http404
        if author is None:
            raise ValidationError({"author": _("Say whose message this is.")})
        submitted_by = actor
    key = submission_key(submission, scope=f"relay:{process.pk}:{author.pk}:{_who(actor)}")
    already_made(Relay, key, ASKED_ALREADY)
    if kind not in RelayKind.values:
        raise ValidationError({"kind": _("Choose what it is.")})
    text = _text(body, limit=MAX_BODY_CHARS, field="body")
    if recipient is None:
        others = list(selectors.relay_recipients(process, author)[:2])
        if len(others) != 1:
            raise ValidationError(
                {"recipient": _("Choose who it is for.")}
                if others
                else _("There is nobody on the other side to pass it on to.")
            )
        recipient = others[0]
    _refuse_unless_clear(process, author, recipient)
    relay = create_once(
        Relay, key, ASKED_ALREADY,
        process=process, author=author, recipient=recipient, kind=kind, body=text, submitted_by=submitted_by,
    )  # fmt: skip
    _audit(actor, "messaging.relay_submitted", relay, process.case, process=str(process.pk), kind=kind)
    notices_post(case=process.case, process=process, kind=Notice.Kind.RELAY,
                 users=selectors.facilitators_to_tell(process.case))  # fmt: skip
    return relay


def _locked(relay: Relay) -> Relay:
    return Relay.objects.select_for_update(of=("self",)).select_related(*selectors.RELAY_RELATED).get(pk=relay.pk)


def _deliver(actor: Any, relay: Relay, text: str) -> Relay:
    """Pass ``text`` on: a message in the recipient's own conversation, from "the other side" (never named)."""
    _refuse_unless_clear(relay.process, relay.author, relay.recipient)
    now = timezone.now()
    case = relay.process.case
    thread = _thread_with(case, relay.recipient, opened_by=actor)
    Message.objects.create(thread=thread, relay=relay, body=text)
    Thread.objects.filter(pk=thread.pk).update(last_message_at=now)
    relay.status = RelayStatus.DELIVERED
    relay.delivered_at = now
    relay.save(update_fields=["status", "delivered_at", "updated_at"])
    _audit(actor, "messaging.relay_delivered", relay, case, process=str(relay.process_id), thread=str(thread.pk))
    notifications.notify_person(person=relay.recipient, at=now)
    return relay


def _review(actor: Any, relay: Relay) -> Relay:
    """The relay, locked, for a facilitator on its case team; refuse anything else."""
    if is_participant(actor):
        raise PermissionDenied
    relay = selectors.relay_get_for(actor, relay.pk, need=Capability.RELAY_MESSAGES)
    return _locked(relay)


@transaction.atomic
def relay_approve(*, actor: Any, relay: Relay) -> Relay:
    """A facilitator passes the message on as the author wrote it (asking the rules again first)."""
    relay = _review(actor, relay)
    if relay.status == RelayStatus.DELIVERED:
        raise AlreadyDone(_("This was passed on already. Nothing was passed on twice."), result=relay)
    if relay.status == RelayStatus.EDIT_PROPOSED:
        raise ValidationError(_("This is waiting for the author to agree to your edit. It goes once they agree."))
    if relay.status != RelayStatus.QUEUED:
        raise ValidationError(_("This message is no longer waiting."))
    relay.reviewed_by, relay.reviewed_at = actor, timezone.now()
    relay.save(update_fields=["reviewed_by", "reviewed_at", "updated_at"])
    return _deliver(actor, relay, relay.body or "")


@transaction.atomic
def relay_propose_edit(*, actor: Any, relay: Relay, text: str, note: str = "") -> Relay:
    """A facilitator proposes different words. Nothing goes until the author has seen the edit and agreed to it."""
    relay = _review(actor, relay)
    edited = _text(text, limit=MAX_BODY_CHARS, field="text")
    if (
        relay.status == RelayStatus.EDIT_PROPOSED
        and relay.reviewed_by_id == actor.pk
        and (relay.proposed_body or "") == edited
    ):
        raise AlreadyDone(_("This edit is waiting for the author's agreement already."), result=relay)
    if relay.status != RelayStatus.QUEUED:
        raise ValidationError(_("Only a message waiting for the facilitator can be edited."))
    if edited == (relay.body or "").strip():
        raise ValidationError({"text": _("The edit is the same as the author's words. Pass it on as it is instead.")})
    relay.proposed_body = edited
    relay.note = _text(note, limit=MAX_NOTE_CHARS, field="note", required=False) or None
    relay.status = RelayStatus.EDIT_PROPOSED
    relay.reviewed_by, relay.reviewed_at = actor, timezone.now()
    relay.save(update_fields=["proposed_body", "note", "status", "reviewed_by", "reviewed_at", "updated_at"])
    _audit(actor, "messaging.relay_edit_proposed", relay, relay.process.case, process=str(relay.process_id))
    notifications.notify_person(person=relay.author)
    return relay


def _author_or_recorder(actor: Any, relay: Relay) -> Relay:
    """The relay, locked, for its author, or for a staff member who works on the case writing down the author's
    answer; the colleague who proposed the edit cannot also record the author's agreement to it."""
    relay = selectors.relay_get_for(actor, relay.pk)
    if not is_participant(actor) and relay.reviewed_by_id == actor.pk and relay.status == RelayStatus.EDIT_PROPOSED:
        raise ValidationError(
            _("You proposed this edit, so the author's answer is given by them, or written down by a colleague.")
        )
    return _locked(relay)


def _answered_already(relay: Relay, *, agree: bool, edit_seen: str | None) -> bool:
    """Whether this very answer to this very edit was given already (the same button pressed twice): agreed, and the
    edit went; or not agreed, and the author's words wait again with no newer edit since."""
    if relay.status == RelayStatus.EDIT_PROPOSED or relay.reviewed_at is None:
        return False
    if edit_seen is not None and edit_seen != selectors.edit_version(relay):
        return False
    if agree:
        return relay.status == RelayStatus.DELIVERED and relay.proposed_body is not None
    return (
        relay.status == RelayStatus.QUEUED
        and relay.edit_refused_at is not None
        and relay.edit_refused_at >= relay.reviewed_at
    )


@transaction.atomic
def relay_answer_edit(*, actor: Any, relay: Relay, agree: bool, edit_seen: str | None = None) -> Relay:
    """The author's answer to a proposed edit: agreeing passes the edited words on (the rules asked again); not
    agreeing puts their own words back in the facilitators' queue. ``edit_seen`` (from the page the answer was given
    on: :func:`reparo.messaging.selectors.edit_version`) names the edit answered: an answer to an edit that has since
    been replaced by another is refused, so that nobody agrees to words they have not read."""
    relay = _author_or_recorder(actor, relay)
    if _answered_already(relay, agree=agree, edit_seen=edit_seen):
        raise AlreadyDone(
            _("This was passed on already, with the edit agreed to.") if agree
            else _("The author's own words are back with the facilitator already."),
            result=relay,
        )  # fmt: skip
    if relay.status != RelayStatus.EDIT_PROPOSED:
        raise ValidationError(_("There is no edit waiting for an answer."))
    if edit_seen is not None and edit_seen != selectors.edit_version(relay):
        raise ValidationError(
            _("The suggested change is not the one on the page you answered from. Nothing was passed on: read the new "
              "suggestion and answer it.")
        )  # fmt: skip
    case = relay.process.case
    if agree:
        _audit(actor, "messaging.relay_edit_agreed", relay, case, process=str(relay.process_id))
        return _deliver(actor, relay, relay.proposed_body or "")
    relay.status = RelayStatus.QUEUED
    relay.proposed_body = None
    relay.edit_refused_at = timezone.now()
    relay.save(update_fields=["status", "proposed_body", "edit_refused_at", "updated_at"])
    _audit(actor, "messaging.relay_edit_refused", relay, case, process=str(relay.process_id))
    notices_post(case=case, process=relay.process, kind=Notice.Kind.RELAY, users=selectors.facilitators_to_tell(case))
    return relay


@transaction.atomic
def relay_decline(*, actor: Any, relay: Relay, note: str) -> Relay:
    """A facilitator does not pass the message on, and tells the author why in a note."""
    relay = _review(actor, relay)
    if relay.status == RelayStatus.DECLINED:
        raise AlreadyDone(_("This was not passed on already, and the author has your note."), result=relay)
    if not relay.is_open:
        raise ValidationError(_("This message is no longer waiting."))
    relay.note = _text(note, limit=MAX_NOTE_CHARS, field="note")
    relay.proposed_body = None
    relay.status = RelayStatus.DECLINED
    relay.reviewed_by, relay.reviewed_at = actor, timezone.now()
    relay.save(update_fields=["note", "proposed_body", "status", "reviewed_by", "reviewed_at", "updated_at"])
    _audit(actor, "messaging.relay_declined", relay, relay.process.case, process=str(relay.process_id))
    notifications.notify_person(person=relay.author)
    return relay


@transaction.atomic
def relay_withdraw(*, actor: Any, relay: Relay) -> Relay:
    """The author takes back a message that has not gone yet (or a staff member writes down that they did)."""
    relay = selectors.relay_get_for(actor, relay.pk)
    relay = _locked(relay)
    if relay.status == RelayStatus.WITHDRAWN:
        raise AlreadyDone(_("This was taken back already. Nothing was passed on."), result=relay)
    if not relay.is_open:
        raise ValidationError(_("This message is no longer waiting."))
    relay.status = RelayStatus.WITHDRAWN
    relay.save(update_fields=["status", "updated_at"])
    _audit(actor, "messaging.relay_withdrawn", relay, relay.process.case, process=str(relay.process_id))
    return relay


@transaction.atomic
def relay_viewed(*, actor: Any, relay: Relay) -> None:
    """Record that ``actor`` was shown what ``relay`` says."""
    relay = selectors.relay_get_for(actor, relay.pk)
    _audit(actor, "messaging.relay_read", relay, relay.process.case, process=str(relay.process_id))


# --- ways to be told ---------------------------------------------------------------------------------------------


def _person_for(actor: Any, person: Person) -> Person:
    if is_participant(actor):
        if not participant_is_current(actor) or person.pk != actor.person.pk:
            raise Http404
        return actor.person
    return person_get_for(actor, person.pk, need=Capability.WORK_ON_CASE)


def _clean_address(channel: str, address: str) -> str:
    value = (address or "").strip()
    if channel == Channel.EMAIL:
        EmailValidator(message=_("Enter an e-mail address like name@example.org."))(value)
        return value.lower()
    number = crypto.normalise_phone(value)
    if not 8 <= len(number.lstrip("+")) <= 15:
        raise ValidationError({"address": _("Enter a mobile number with its country code, like +44 7700 900123.")})
    return number


@transaction.atomic
def contact_point_set(*, actor: Any, person: Person, channel: str, address: str) -> ContactPoint:
    """Record the address ``person`` chose for being told that something is waiting on ``channel`` (replacing the
    one before). Reparo uses it only while the consent ledger lets it contact them that way."""
    person = _person_for(actor, person)
    if channel not in Channel.values or (channel == Channel.SMS and not sms.sms_available()):
        raise ValidationError({"channel": _("Choose one of the ways offered.")})
    if person.erased_at is not None:
        raise ValidationError(_("This person's details were erased on request."))
    clean = _clean_address(channel, address)
    Person.objects.select_for_update().filter(pk=person.pk).first()  # one change of address at a time
    current = ContactPoint.objects.filter(person=person, channel=channel, ended_at__isnull=True).first()
    if current is not None and current.address == clean:
        raise AlreadyDone(_("This way is saved already. Nothing has changed."), result=current)
    now = timezone.now()
    ContactPoint.objects.filter(person=person, channel=channel, ended_at__isnull=True).update(ended_at=now)
    point = ContactPoint.objects.create(
        person=person, channel=channel, address=clean, recorded_by=None if is_participant(actor) else actor
    )
    user, label = audit_actor(actor)
    audit_record(actor=user, actor_label=label, action="messaging.contact_point_set", obj=point,
                 organisation=person.organisation, detail={"person": str(person.pk), "channel": channel})  # fmt: skip
    return point


@transaction.atomic
def contact_point_end(*, actor: Any, contact_point: ContactPoint) -> ContactPoint:
    """Stop telling the person on this channel. Raises ``AlreadyDone`` when it is stopped already (pressed twice)."""
    found = selectors.contact_point_get_for(actor, contact_point.pk)
    point = ContactPoint.objects.select_for_update().get(pk=found.pk)
    if point.ended_at is not None:
        raise AlreadyDone(_("This way was stopped already. Nothing has changed."), result=point)
    point.ended_at = timezone.now()
    point.save(update_fields=["ended_at", "updated_at"])
    user, label = audit_actor(actor)
    audit_record(actor=user, actor_label=label, action="messaging.contact_point_ended", obj=point,
                 organisation=point.person.organisation,
                 detail={"person": str(point.person_id), "channel": point.channel})  # fmt: skip
    return point


@transaction.atomic
def contact_points_viewed(*, actor: Any, person: Person, shown: int) -> None:
    """Record that ``actor`` was shown ``person``'s ways to be told (their addresses: contact details), and how many
    (the addresses themselves never go into the audit trail)."""
    person = _person_for(actor, person)
    user, label = audit_actor(actor)
    audit_record(actor=user, actor_label=label, action="messaging.contact_points_viewed", obj=person,
                 organisation=person.organisation, detail={"person": str(person.pk), "shown": shown})  # fmt: skip


def on_person_erased(*, actor: Any, person: Person, **_kwargs: Any) -> None:
    """A person was erased on request (``reparo.cases.signals.person_erased``): stop telling them anything and remove
    the addresses they gave, in that transaction (whose audit row lists what was erased)."""
    ContactPoint.objects.filter(person=person, ended_at__isnull=True).update(ended_at=timezone.now())
    ContactPoint.objects.filter(person=person).update(address=None)


# --- keeping -----------------------------------------------------------------------------------------------------


@transaction.atomic
def retention_set(*, actor: Any, program: Program, days: int) -> ProgramMessagingSettings:
    """Set how many days ``program`` keeps message texts and files (coordinators and organisation admins)."""
    if not user_can(actor, Capability.SEE_ALL_ORG_CASES, organisation=program.organisation):
        raise PermissionDenied
    try:
        days = int(days)
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= MAX_RETENTION_DAYS:
        raise ValidationError({"days": _("Choose a number of days from 1 to %(max)s.") % {"max": MAX_RETENTION_DAYS}})
    settings_row, _created = ProgramMessagingSettings.objects.update_or_create(
        program=program, defaults={"retention_days": days}
    )
    audit_record(actor=actor, action="messaging.retention_set", obj=settings_row, organisation=program.organisation,
                 detail={"program": program.pk, "days": days})  # fmt: skip
    return settings_row


@dataclass
class ErasureCounts:
    messages: int = 0
    attachments: int = 0
    relays: int = 0
    by_program: dict[int, dict[str, int]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"messages": self.messages, "attachments": self.attachments, "relays": self.relays}


@transaction.atomic
def messages_erase_expired(*, now: datetime.datetime | None = None) -> ErasureCounts:
    """Erase the texts and files of messages and relays older than their program's keeping period. Who wrote what
    to whom, when, and how big stays, for the audit trail. Running it again erases nothing more (idempotent). One
    audit row per program where something was erased."""
    now = now or timezone.now()
    counts = ErasureCounts()
    kept = dict(ProgramMessagingSettings.objects.values_list("program_id", "retention_days"))
    for program in Program.objects.select_related("organisation").order_by("pk"):
        cutoff = now - datetime.timedelta(days=kept.get(program.pk) or selectors.retention_days(None))
        messages = Message.objects.filter(thread__case__program=program, created_at__lt=cutoff, erased_at__isnull=True)
        attachments = Attachment.objects.filter(
            message__thread__case__program=program, message__created_at__lt=cutoff, erased_at__isnull=True
        )
        relays = Relay.objects.filter(process__case__program=program, created_at__lt=cutoff, erased_at__isnull=True)
        relays.filter(status__in=[RelayStatus.QUEUED, RelayStatus.EDIT_PROPOSED]).update(status=RelayStatus.EXPIRED)
        erased = {
            "attachments": attachments.update(content=None, filename=None, erased_at=now),
            "messages": messages.update(body=None, erased_at=now),
            "relays": relays.update(body=None, proposed_body=None, note=None, erased_at=now),
        }
        if any(erased.values()):
            counts.by_program[program.pk] = erased
            counts.messages += erased["messages"]
            counts.attachments += erased["attachments"]
            counts.relays += erased["relays"]
            audit_record(actor=None, actor_label="retention", action="messaging.retention_erased", obj=program,
                         organisation=program.organisation,
                         detail={"program": program.pk, "cutoff": cutoff.isoformat(), **erased})  # fmt: skip
    return counts
