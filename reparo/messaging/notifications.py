"""Telling a participant that something is waiting, and nothing else.

The e-mail and the text message say the same few words to everyone: no name, no content, no case, no program, from
the neutral sender (``NOTIFICATION_FROM_EMAIL``). They go only on the channels the person chose (an address kept
encrypted, :class:`reparo.messaging.models.ContactPoint`), only while the consent ledger lets Reparo contact them
that way, and only while they may use the portal (their access not suspended, their consent to be contacted through
the portal in force): asked when a notification is planned and again when it would go.

At most one notification per person in any stretch of time as long as the window (``NOTIFICATION_WINDOW``): the next
one's window opens no sooner than a whole window after the last one went out. Each is sent after a random delay
inside its window, so that its timing says nothing about what happened or when.

Staff are told in Reparo's own Notices instead (:func:`reparo.safety.services.notices_post`), in the same style.
"""

from __future__ import annotations

import datetime
import logging
import secrets
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import default_task_backend

from reparo.access import participants
from reparo.audit.services import audit_record
from reparo.consent.models import ConsentPurpose
from reparo.consent.policy import may
from reparo.messaging import sms
from reparo.messaging.models import Channel, ContactPoint, Notification
from reparo.people.models import Person

logger = logging.getLogger(__name__)

DEFAULT_WINDOW = datetime.timedelta(hours=4)


def window() -> datetime.timedelta:
    value = getattr(settings, "NOTIFICATION_WINDOW", DEFAULT_WINDOW)
    return value if value > datetime.timedelta(0) else DEFAULT_WINDOW


def notice_texts() -> tuple[str, str, str]:
    """The e-mail's subject and body and the text message, in the active language. The same for everyone."""
    subject = _("Something is waiting for you")
    body = _(
        "Something new is waiting for you. Sign in when it is safe for you to look.\n\n"
        "This message was sent automatically. Please do not reply to it."
    )
    text = _("Something new is waiting for you. Sign in when it is safe for you to look.")
    return subject, body, text


def _language(person: Person) -> str:
    known = {code for code, _name in settings.LANGUAGES}
    for code in person.languages or []:
        if isinstance(code, str) and code.split("-")[0].lower() in known:
            return code.split("-")[0].lower()
    return settings.LANGUAGE_CODE  # type: ignore[no-any-return]


def channels_open(person: Person, *, at: datetime.datetime | None = None) -> list[ContactPoint]:
    """The person's chosen ways to be told that the consent ledger allows now (text messages only when set up). None
    while the person may not be told at all: their portal access suspended (or never given), or their consent to be
    contacted through the portal not in force (:func:`reparo.access.participants.may_be_told`)."""
    if not participants.may_be_told(person, at=at):
        return []
    points = []
    for point in ContactPoint.objects.filter(person=person, ended_at__isnull=True).order_by("channel"):
        if point.channel == Channel.SMS and not sms.sms_available():
            continue
        if may(person=person, purpose=ConsentPurpose.CONTACT, channel=point.channel, at=at):
            points.append(point)
    return points


def _last_sent(person: Person) -> Notification | None:
    """The person's latest notification that went out on at least one channel (one withheld, or that no channel
    took, told nobody anything)."""
    for sent in Notification.objects.filter(person=person, sent_at__isnull=False).order_by("-sent_at")[:20]:
        if sent.channels:
            return sent
    return None


@transaction.atomic
def notify_person(*, person: Person, at: datetime.datetime | None = None) -> Notification | None:
    """Tell ``person`` that something is waiting, if they chose a way to be told and nothing is planned for them yet:
    plan one notification at a random moment inside a window. Called inside the transaction of the action that left
    something waiting (which writes the audit row); returns the new plan, or None.

    The window slides: it opens now, or one whole window after the last notification went out if that is later, so
    that two notifications are never less than a window apart (none at 11:59 and again at 12:00), and something that
    happens while one is planned is told by that one."""
    at = at or timezone.now()
    if not channels_open(person, at=at):
        return None
    Person.objects.select_for_update().filter(pk=person.pk).first()  # one plan at a time, even from two requests
    if Notification.objects.filter(person=person, sent_at__isnull=True).exists():
        return None  # the one planned tells them of this too
    span = window()
    last = _last_sent(person)
    opens = max(at, last.sent_at + span) if last is not None and last.sent_at is not None else at
    delay = datetime.timedelta(seconds=secrets.randbelow(max(int(span.total_seconds()), 1)))
    notification = Notification.objects.create(person=person, window_start=opens, due_at=opens + delay)
    if default_task_backend.supports_defer:
        from reparo.messaging.tasks import notification_send_task

        pk, due = str(notification.pk), notification.due_at
        transaction.on_commit(lambda: notification_send_task.using(run_after=due).enqueue(pk))
    return notification


def send_due_notifications(*, now: datetime.datetime | None = None, limit: int = 500) -> int:
    """Send every planned notification whose moment has come (the task queue does it at that moment; this sweep,
    run by ``manage.py send_notifications`` or its task, catches any left behind). Returns how many went out."""
    now = now or timezone.now()
    due = Notification.objects.filter(sent_at__isnull=True, due_at__lte=now).order_by("due_at")
    sent = 0
    for pk in list(due.values_list("pk", flat=True)[:limit]):
        if notification_send(notification_id=pk, now=now):
            sent += 1
    return sent


@transaction.atomic
def notification_send(*, notification_id: Any, now: datetime.datetime | None = None) -> list[str]:
    """Send one planned notification, once, on the channels still open; returns the channels it went out on."""
    now = now or timezone.now()
    notification = (
        Notification.objects.select_for_update()
        .filter(pk=notification_id, sent_at__isnull=True, due_at__lte=now)
        .select_related("person", "person__organisation")
        .first()
    )
    if notification is None:
        return []
    person = notification.person
    sent: list[str] = []
    # Suspended meanwhile, or no longer agreeing to the portal: it does not go out (closed, so it is not tried again).
    withheld = not participants.may_be_told(person, at=now)
    with translation.override(_language(person)):
        subject, body, text = notice_texts()
        for point in [] if withheld else channels_open(person, at=now):
            try:
                if point.channel == Channel.EMAIL:
                    EmailMessage(
                        subject=subject, body=body, from_email=settings.NOTIFICATION_FROM_EMAIL, to=[point.address]
                    ).send()
                else:
                    backend = sms.get_backend()
                    if backend is None:
                        continue
                    backend.send(to=point.address, text=text)
            except Exception:  # one channel failing must not stop the others, nor send them twice later
                logger.exception("A notification could not be sent on channel %s.", point.channel)
                continue
            sent.append(point.channel)
    notification.sent_at = now
    notification.channels = sent
    notification.save(update_fields=["sent_at", "channels"])
    audit_record(
        actor=None,
        actor_label="notifications",
        action="messaging.notification_sent",
        obj=notification,
        organisation=person.organisation,
        detail={"person": str(person.pk), "channels": sent, **({"withheld": True} if withheld else {})},
    )
    return sent
