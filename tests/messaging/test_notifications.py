import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from reparo.audit.models import AuditEvent
from reparo.consent.models import Consent
from reparo.consent.services import consent_record, consent_withdraw
from reparo.messaging import notifications, services, sms
from reparo.messaging.models import ContactPoint, Notification
from reparo.portal import services as portal_services
from tests.messaging.factories import dialogue
from tests.portal.conftest import activate, agree_to_portal

pytestmark = pytest.mark.django_db

SURVIVOR_NAME = ("Noor", "Hidden")


def contact_consent(world, person, channel):
    return consent_record(
        actor=world["facilitator"], person=person, purpose="contact", channel=channel, method="written",
        given_at=timezone.now() - datetime.timedelta(minutes=1),
    )  # fmt: skip


@pytest.fixture
def told(world, settings):
    """A dialogue whose survivor uses the portal, chose e-mail and SMS and agreed to be contacted both ways."""
    settings.NOTIFICATION_FROM_EMAIL = "no-reply@neutral.example"
    settings.SMS_BACKEND = "reparo.messaging.sms.LoggingSmsBackend"
    sms.outbox.clear()
    d = dialogue(world, survivor_name=SURVIVOR_NAME)
    activate(world, d.case, d.survivor)
    for channel, address in (("email", "noor@mail.example"), ("sms", "+44 7700 900123")):
        contact_consent(world, d.survivor, channel)
        services.contact_point_set(actor=world["facilitator"], person=d.survivor, channel=channel, address=address)
    return d


def write_to_survivor(world, d, body="Your session moved to Thursday at the Riverside office."):
    thread = services.thread_open(actor=world["facilitator"], case=d.case, person=d.survivor)
    return services.message_post(actor=world["facilitator"], thread=thread, body=body)


def later(hours=5):
    return timezone.now() + datetime.timedelta(hours=hours)


def test_it_says_only_that_something_is_waiting(world, told):
    write_to_survivor(world, told)
    assert mail.outbox == []  # not at once: at a random moment in the window
    assert notifications.send_due_notifications(now=later()) == 1
    (email,) = mail.outbox
    assert email.to == ["noor@mail.example"] and email.from_email == "no-reply@neutral.example"
    text = f"{email.subject}\n{email.body}"
    forbidden = [
        *SURVIVOR_NAME, "Riverside", "Thursday", "session", told.case.reference, world.program.name,
        world.alice_org.name, "Reparo", told.survivor.display_code, "facilitator", "dialogue", "case",
    ]  # fmt: skip
    assert [word for word in forbidden if word.lower() in text.lower()] == []
    assert "waiting" in email.subject
    assert sms.outbox == [("+447700900123", notifications.notice_texts()[2])]
    assert not any(word.lower() in sms.outbox[0][1].lower() for word in forbidden)


def test_it_sends_at_most_one_per_window(world, told, settings):
    settings.NOTIFICATION_WINDOW = datetime.timedelta(hours=4)
    start = timezone.now()
    write_to_survivor(world, told)
    write_to_survivor(world, told, "Another one")
    plan = Notification.objects.get()
    assert start <= plan.due_at <= start + datetime.timedelta(hours=4)  # a random moment inside the window
    notifications.send_due_notifications(now=later())
    write_to_survivor(world, told, "And another, once it went out")
    # Planned, but no sooner than a whole window after the first went out.
    second = Notification.objects.exclude(pk=plan.pk).get()
    assert second.due_at >= later() + datetime.timedelta(hours=4)
    assert notifications.send_due_notifications(now=later(8)) == 0
    assert len(mail.outbox) == 1
    write_to_survivor(world, told, "One more while the second is planned")  # told by the one planned
    assert Notification.objects.count() == 2
    notifications.send_due_notifications(now=later(14))
    assert len(mail.outbox) == 2


def _fixed_delays(monkeypatch, *delays):
    """The random delays notify_person draws, in order (seconds)."""
    drawn = list(delays)
    monkeypatch.setattr(notifications.secrets, "randbelow", lambda _n: drawn.pop(0))


def test_it_never_sends_two_in_quick_succession_across_a_window_boundary(world, told, settings, monkeypatch):
    # A window of an hour. A message at 11:00 is told at 11:59 (the end of its window); another at 12:00 opens no
    # new window before 12:59, even with no delay drawn: never one at 11:59 and another at 12:00.
    settings.NOTIFICATION_WINDOW = datetime.timedelta(hours=1)
    eleven = timezone.now().replace(minute=0, second=0, microsecond=0) + datetime.timedelta(days=1)
    _fixed_delays(monkeypatch, 59 * 60, 0)
    notifications.notify_person(person=told.survivor, at=eleven)
    assert notifications.send_due_notifications(now=eleven + datetime.timedelta(minutes=59)) == 1
    twelve = eleven + datetime.timedelta(hours=1)
    notifications.notify_person(person=told.survivor, at=twelve)
    assert notifications.send_due_notifications(now=twelve) == 0
    assert notifications.send_due_notifications(now=twelve + datetime.timedelta(minutes=58)) == 0
    assert notifications.send_due_notifications(now=twelve + datetime.timedelta(minutes=59)) == 1
    sent = sorted(Notification.objects.values_list("sent_at", flat=True))
    assert sent[1] - sent[0] >= datetime.timedelta(hours=1)
    assert len(mail.outbox) == 2


def test_it_still_tells_of_what_came_after_the_last_notification_went_out(world, told, settings, monkeypatch):
    # Told a minute after 11:00; a message at 11:10 is told too, once the window since 11:01 has passed.
    settings.NOTIFICATION_WINDOW = datetime.timedelta(hours=1)
    eleven = timezone.now().replace(minute=0, second=0, microsecond=0) + datetime.timedelta(days=1)
    _fixed_delays(monkeypatch, 60, 0)
    notifications.notify_person(person=told.survivor, at=eleven)
    notifications.send_due_notifications(now=eleven + datetime.timedelta(minutes=1))
    notifications.notify_person(person=told.survivor, at=eleven + datetime.timedelta(minutes=10))
    assert notifications.send_due_notifications(now=eleven + datetime.timedelta(minutes=60)) == 0
    assert notifications.send_due_notifications(now=eleven + datetime.timedelta(minutes=61)) == 1
    assert len(mail.outbox) == 2


def test_it_sends_a_planned_notification_once(world, told):
    write_to_survivor(world, told)
    plan = Notification.objects.get()
    assert notifications.notification_send(notification_id=plan.pk, now=later()) == ["email", "sms"]
    assert notifications.notification_send(notification_id=plan.pk, now=later()) == []
    assert notifications.send_due_notifications(now=later()) == 0
    assert len(mail.outbox) == 1
    event = AuditEvent.objects.get(action="messaging.notification_sent")
    assert event.detail["channels"] == ["email", "sms"] and "noor" not in str(event.detail)


def test_it_tells_only_those_who_chose_a_way_and_agreed_to_it(world, settings):
    settings.SMS_BACKEND = "reparo.messaging.sms.LoggingSmsBackend"
    d = dialogue(world)
    activate(world, d.case, d.survivor)
    write_to_survivor(world, d)  # no way chosen
    services.contact_point_set(actor=world["facilitator"], person=d.survivor, channel="email", address="a@b.example")
    write_to_survivor(world, d)  # chosen, but no agreement to be contacted by e-mail
    contact_consent(world, d.survivor, "sms")  # agreeing to another channel is not enough
    write_to_survivor(world, d)
    assert not Notification.objects.exists()
    contact_consent(world, d.survivor, "email")
    write_to_survivor(world, d)
    notifications.send_due_notifications(now=later())
    assert [m.to for m in mail.outbox] == [["a@b.example"]]


def test_it_stops_when_the_person_opts_out(world, told):
    write_to_survivor(world, told)
    for point in ContactPoint.objects.filter(ended_at__isnull=True):
        services.contact_point_end(actor=world["facilitator"], contact_point=point)
    notifications.send_due_notifications(now=later())
    assert mail.outbox == [] and sms.outbox == []


def test_it_offers_no_text_messages_without_a_provider(world, settings):
    settings.SMS_BACKEND = ""
    d = dialogue(world)
    with pytest.raises(ValidationError):
        services.contact_point_set(
            actor=world["facilitator"], person=d.survivor, channel="sms", address="+447700900123"
        )


def test_it_keeps_the_addresses_encrypted(world, told):
    with connection.cursor() as cursor:
        cursor.execute("SELECT address FROM messaging_contactpoint")
        stored = [row[0] for row in cursor.fetchall()]
    assert len(stored) == 2 and all(s.startswith("enc1:") and "noor" not in s and "7700" not in s for s in stored)


def test_it_checks_addresses(world):
    d = dialogue(world)
    for channel, address in (("email", "not an address"), ("sms", "12"), ("fax", "1234567890")):
        with pytest.raises(ValidationError):
            services.contact_point_set(actor=world["facilitator"], person=d.survivor, channel=channel, address=address)
    assert not ContactPoint.objects.exists()


def test_it_tells_the_author_when_a_facilitator_edits_or_declines(world, told):
    relay = services.relay_submit(actor=told.as_survivor(), process=told.process, body="Words.", kind="letter")
    services.relay_decline(actor=world["facilitator"], relay=relay, note="Not now.")
    assert Notification.objects.filter(person=told.survivor).count() == 1


def test_it_tells_the_recipient_when_something_is_passed_on(world, told):
    activate(world, told.case, told.responsible)
    contact_consent(world, told.responsible, "email")
    services.contact_point_set(
        actor=world["facilitator"], person=told.responsible, channel="email", address="rex@mail.example"
    )
    relay = services.relay_submit(actor=told.as_survivor(), process=told.process, body="Words.", kind="letter")
    assert not Notification.objects.filter(person=told.responsible).exists()  # nothing yet: not approved
    services.relay_approve(actor=world["facilitator"], relay=relay)
    notifications.send_due_notifications(now=later())
    assert ["rex@mail.example"] in [m.to for m in mail.outbox]
    assert all("Words" not in m.body for m in mail.outbox)


def test_it_writes_in_the_persons_language(world, told, monkeypatch):
    from django.utils import translation

    seen = []
    real = notifications.notice_texts

    def spy():
        seen.append(translation.get_language())
        return real()

    monkeypatch.setattr(notifications, "notice_texts", spy)
    told.survivor.languages = ["es"]
    told.survivor.save()
    write_to_survivor(world, told)
    notifications.send_due_notifications(now=later())
    assert seen == ["es"]


def test_it_forgets_the_addresses_when_the_person_is_erased(world, told):
    from reparo.cases.services import person_erase

    person_erase(actor=world["org_admin"], person=told.survivor)
    assert [p.address for p in ContactPoint.objects.filter(person=told.survivor)] == [None, None]
    assert not ContactPoint.objects.filter(person=told.survivor, ended_at__isnull=True).exists()
    assert notifications.notify_person(person=told.survivor) is None


def _unsent():
    return Notification.objects.filter(sent_at__isnull=True)


def test_it_stops_telling_a_person_whose_portal_access_is_suspended(world, told):
    write_to_survivor(world, told)
    assert _unsent().count() == 1
    portal_services.access_suspend(actor=world["facilitator"], case=told.case, person=told.survivor)
    # The one planned does not go out, and nothing new is planned while the access stays suspended.
    assert notifications.send_due_notifications(now=later()) == 0
    write_to_survivor(world, told, "Written while suspended")
    assert not _unsent().exists()
    assert notifications.send_due_notifications(now=later(48)) == 0
    assert mail.outbox == [] and sms.outbox == []
    # Access given back (a new invitation, used): told again.
    activate(world, told.case, told.survivor)
    write_to_survivor(world, told, "Written once access was given back")
    assert notifications.send_due_notifications(now=later(72)) == 1
    assert len(mail.outbox) == 1


def test_it_stops_telling_a_person_who_withdrew_their_consent_to_the_portal(world, told):
    write_to_survivor(world, told)
    consent = Consent.objects.filter(person=told.survivor, purpose="portal").latest("given_at")
    consent_withdraw(actor=world["facilitator"], consent=consent)
    assert notifications.send_due_notifications(now=later()) == 0
    write_to_survivor(world, told, "Written after the withdrawal")
    assert not _unsent().exists()
    assert notifications.send_due_notifications(now=later(48)) == 0
    assert mail.outbox == [] and sms.outbox == []
    # Agreeing again: told again.
    agree_to_portal(world, told.survivor, told.case)
    write_to_survivor(world, told, "Written once they agreed again")
    assert notifications.send_due_notifications(now=later(72)) == 1
    assert len(mail.outbox) == 1


def test_it_tells_nobody_who_was_never_invited_to_the_portal(world, settings):
    # "Sign in when it is safe" means nothing to someone with no way to sign in.
    d = dialogue(world)
    contact_consent(world, d.survivor, "email")
    agree_to_portal(world, d.survivor, d.case)
    services.contact_point_set(actor=world["facilitator"], person=d.survivor, channel="email", address="a@b.example")
    write_to_survivor(world, d)
    assert not Notification.objects.exists()
