import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from reparo.audit.models import AuditEvent
from reparo.consent.services import consent_record
from reparo.messaging import notifications, services, sms
from reparo.messaging.models import ContactPoint, Notification
from tests.messaging.factories import dialogue

pytestmark = pytest.mark.django_db

SURVIVOR_NAME = ("Noor", "Hidden")


def contact_consent(world, person, channel):
    return consent_record(
        actor=world["facilitator"], person=person, purpose="contact", channel=channel, method="written",
        given_at=timezone.now() - datetime.timedelta(minutes=1),
    )  # fmt: skip


@pytest.fixture
def told(world, settings):
    """A dialogue whose survivor chose e-mail and SMS and agreed to be contacted both ways."""
    settings.NOTIFICATION_FROM_EMAIL = "no-reply@neutral.example"
    settings.SMS_BACKEND = "reparo.messaging.sms.LoggingSmsBackend"
    sms.outbox.clear()
    d = dialogue(world, survivor_name=SURVIVOR_NAME)
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
    write_to_survivor(world, told, "And another, once it went out")  # still the same window
    assert Notification.objects.count() == 1
    assert notifications.send_due_notifications(now=later()) == 0
    assert len(mail.outbox) == 1
    # A new window: one more.
    plan = notifications.notify_person(person=told.survivor, at=plan.window_start + datetime.timedelta(hours=4))
    assert plan is not None and Notification.objects.count() == 2
    notifications.send_due_notifications(now=later(10))
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
