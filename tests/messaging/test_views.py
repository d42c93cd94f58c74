import re
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from reparo.audit.models import AuditEvent
from reparo.messaging import selectors, services
from reparo.messaging.models import Attachment, ContactPoint, Message, Relay, RelayStatus, Thread
from tests.conftest import CsrfClient, page_title, sign_in
from tests.messaging.factories import EXE, PDF, PNG, dialogue
from tests.portal.conftest import activate

pytestmark = pytest.mark.django_db

SURVIVOR_WORDS = "I still cannot sleep in that street"


def as_(world, who):
    return sign_in(CsrfClient(), world.charlie if who == "charlie" else world[who])


@pytest.fixture
def scene(world):
    """A dialogue with a survivor's message (and a file) to their team, a queued letter from the survivor, and a
    conversation with the responsible person."""
    d = dialogue(world)
    survivor_thread = services.participant_thread(actor=d.as_survivor())
    message = services.message_post(
        actor=d.as_survivor(), thread=survivor_thread, body=SURVIVOR_WORDS, files=[("scan.png", PNG)]
    )
    relay = services.relay_submit(actor=d.as_survivor(), process=d.process, body="A letter in my words", kind="letter")
    responsible_thread = services.thread_open(actor=world["facilitator"], case=d.case, person=d.responsible)
    services.message_post(actor=world["facilitator"], thread=responsible_thread, body="See you on Monday")
    d.survivor_thread, d.responsible_thread, d.relay = survivor_thread, responsible_thread, relay
    d.attachment = message.attachments.get()
    return d


def test_it_downloads_attachments_only_as_attachments(world, scene):
    response = as_(world, "facilitator").get(f"/messages/files/{scene.attachment.pk}/")
    assert response.status_code == 200
    assert response.content == PNG
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'attachment; filename="scan.png"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert AuditEvent.objects.filter(action="messaging.attachment_downloaded", actor=world["facilitator"]).exists()


def test_it_never_shows_an_attachment_inline(world, scene):
    page = as_(world, "facilitator").get(f"/messages/{scene.survivor_thread.pk}/").content.decode()
    assert "scan.png" in page and f"/messages/files/{scene.attachment.pk}/" in page
    assert "<img" not in page and "<iframe" not in page and "<embed" not in page and "<object" not in page


def test_it_refuses_files_by_their_contents_on_the_page(world, scene):
    client = as_(world, "facilitator")
    url = f"/messages/{scene.survivor_thread.pk}/"
    for name, content in (("holiday.png", PDF), ("letter.pdf", EXE)):
        response = client.post(
            url,
            {"csrfmiddlewaretoken": client.csrf_token(), "body": "Here it is",
             "attachments": SimpleUploadedFile(name, content, content_type="image/png")},
        )  # fmt: skip
        assert response.status_code == 400
        assert name in response.content.decode() and "Here it is" in response.content.decode()
    assert Attachment.objects.count() == 1 and "Here it is" not in [m.body for m in Message.objects.all()]
    response = client.post(
        url,
        {"csrfmiddlewaretoken": client.csrf_token(), "body": "Here it is",
         "attachments": SimpleUploadedFile("letter.pdf", PDF, content_type="application/pdf")},
    )  # fmt: skip
    assert response.status_code == 302
    assert Attachment.objects.count() == 2


def test_it_shows_the_conversation_and_audits_the_read(world, scene):
    response = as_(world, "case_worker").get(f"/messages/{scene.survivor_thread.pk}/")
    page = response.content.decode()
    assert response.status_code == 200 and SURVIVOR_WORDS in page
    assert page_title(page) == "Messages · Reparo"
    assert AuditEvent.objects.filter(action="messaging.thread_read", actor=world["case_worker"]).exists()


def test_charlie_sees_nothing(world, scene):
    client = as_(world, "charlie")
    point = services.contact_point_set(
        actor=world["facilitator"], person=scene.survivor, channel="email", address="s@mail.example"
    )
    for path in (
        f"/messages/{scene.survivor_thread.pk}/",
        f"/messages/{scene.responsible_thread.pk}/",
        f"/messages/files/{scene.attachment.pk}/",
        f"/messages/pass-on/{scene.relay.pk}/",
        f"/messages/people/{scene.survivor.pk}/told/",
        f"/messages/program/{world.program.pk}/keeping/",
    ):
        assert client.get(path).status_code == 404, path
    for path, data in (
        (f"/messages/{scene.survivor_thread.pk}/", {"body": "hello"}),
        (f"/messages/{scene.survivor_thread.pk}/pass-on/", {"body": "x", "kind": "letter"}),
        (f"/messages/case/{scene.case.pk}/start/", {}),
        (f"/messages/pass-on/{scene.relay.pk}/approve/", {}),
        (f"/messages/pass-on/{scene.relay.pk}/edit/", {"text": "x"}),
        (f"/messages/pass-on/{scene.relay.pk}/decline/", {"note": "x"}),
        (f"/messages/pass-on/{scene.relay.pk}/answer/", {"answer": "agree"}),
        (f"/messages/pass-on/{scene.relay.pk}/withdraw/", {}),
        (f"/messages/told/{point.pk}/end/", {}),
        (f"/messages/program/{world.program.pk}/keeping/", {"days": 1}),
    ):
        assert client.post_form(path, data).status_code == 404, path
    assert Relay.objects.get().status == RelayStatus.QUEUED
    assert Message.objects.count() == 2 and Thread.objects.count() == 2


def test_the_volunteer_never_sees_the_survivors_side(world, scene):
    client = as_(world, "cosa_volunteer")
    for path in (
        f"/messages/{scene.survivor_thread.pk}/",
        f"/messages/files/{scene.attachment.pk}/",
        f"/messages/pass-on/{scene.relay.pk}/",
        f"/messages/people/{scene.survivor.pk}/told/",
    ):
        assert client.get(path).status_code == 404, path
    assert client.post_form(f"/messages/{scene.survivor_thread.pk}/", {"body": "hi"}).status_code == 404
    assert (
        client.post_form(f"/messages/case/{scene.case.pk}/start/", {"person": str(scene.survivor.pk)}).status_code
        == 404
    )
    # What the volunteer does see: the responsible-person side, with its conversations only.
    pages = [
        client.get(f"/cases/{scene.case.pk}/", follow=True),
        client.get(f"/processes/{scene.process.pk}/"),
        client.get(f"/messages/{scene.responsible_thread.pk}/"),
    ]
    for response in pages:
        page = response.content.decode()
        assert response.status_code == 200
        assert SURVIVOR_WORDS not in page and "A letter in my words" not in page
        assert scene.survivor.display_code not in page and str(scene.survivor_thread.pk) not in page
    assert "See you on Monday" in pages[2].content.decode()
    assert f"/messages/{scene.responsible_thread.pk}/" in pages[0].content.decode()


def test_the_volunteer_never_sees_what_the_survivor_sent_even_once_passed_on(world, scene):
    services.relay_approve(actor=world["facilitator"], relay=scene.relay)
    page = as_(world, "cosa_volunteer").get(f"/messages/{scene.responsible_thread.pk}/").content.decode()
    # The letter reached the responsible person's conversation, from "the other side", never named.
    assert "A letter in my words" in page and "passed on by the facilitator" in page
    assert scene.survivor.display_code not in page


def test_it_shows_the_relay_queue_to_facilitators_on_the_process_page_and_in_my_week(world, scene):
    facilitator = as_(world, "facilitator")
    process_page = facilitator.get(f"/processes/{scene.process.pk}/").content.decode()
    assert f"/messages/pass-on/{scene.relay.pk}/" in process_page
    assert "A letter in my words" not in process_page  # the queue lists, the relay page shows
    week = facilitator.get("/processes/my-week/").content.decode()
    assert f"/messages/pass-on/{scene.relay.pk}/" in week and scene.case.reference in week
    assert (
        f"/messages/pass-on/{scene.relay.pk}/"
        not in as_(world, "case_worker").get(f"/processes/{scene.process.pk}/").content.decode()
    )


def test_it_shows_the_cases_conversations_on_the_case_page(world, scene):
    page = as_(world, "case_worker").get(f"/cases/{scene.case.pk}/").content.decode()
    assert f"/messages/{scene.survivor_thread.pk}/" in page and f"/messages/{scene.responsible_thread.pk}/" in page
    assert SURVIVOR_WORDS not in page  # listed, not shown


def test_it_starts_a_conversation_once(world, scene):
    client = as_(world, "case_worker")
    url = f"/messages/case/{scene.case.pk}/start/"
    first = client.post_form(url, {"audience": "case_team"})
    second = client.post_form(url, {"audience": "case_team"})
    assert first.status_code == second.status_code == 302 and first["Location"] == second["Location"]
    assert Thread.objects.filter(kind="team").count() == 1
    assert client.post_form(url, {"person": str(uuid.uuid4())}).status_code == 404
    assert client.post_form(url, {"person": "not-a-uuid"}).status_code == 404
    assert client.post_form(url, {"audience": "everyone"}).status_code == 404


def test_it_reviews_a_relay_with_the_authors_agreement_to_the_edit(world, scene):
    facilitator = as_(world, "facilitator")
    page = facilitator.get(f"/messages/pass-on/{scene.relay.pk}/").content.decode()
    assert "A letter in my words" in page and "Pass it on as it is" in page
    response = facilitator.post_form(f"/messages/pass-on/{scene.relay.pk}/edit/", {"text": "A gentler letter"})
    assert response.status_code == 302
    # The editor cannot also say that the author agreed; a colleague can write down the author's answer.
    edit = {"edit": selectors.edit_version(Relay.objects.get())}
    facilitator.post_form(f"/messages/pass-on/{scene.relay.pk}/answer/", {"answer": "agree", **edit})
    assert Relay.objects.get().status == RelayStatus.EDIT_PROPOSED
    case_worker = as_(world, "case_worker")
    assert case_worker.post_form(f"/messages/pass-on/{scene.relay.pk}/answer/", {"answer": "maybe"}).status_code == 404
    page = case_worker.get(f"/messages/pass-on/{scene.relay.pk}/").content.decode()
    assert f'name="edit" value="{edit["edit"]}"' in page
    case_worker.post_form(f"/messages/pass-on/{scene.relay.pk}/answer/", {"answer": "agree", **edit})
    assert Relay.objects.get().status == RelayStatus.DELIVERED
    assert [m.body for m in Message.objects.filter(relay=scene.relay)] == ["A gentler letter"]


def test_it_says_why_a_relay_is_refused(world, scene):
    from reparo.processes import services as process_services

    process_services.process_pause(actor=world["facilitator"], process=scene.process, why="distress_threshold")
    facilitator = as_(world, "facilitator")
    page = facilitator.get(f"/messages/pass-on/{scene.relay.pk}/").content.decode()
    assert "The process is paused, so nothing is passed on until it resumes." in page
    response = facilitator.post_form(f"/messages/pass-on/{scene.relay.pk}/approve/", {}, follow=True)
    assert "The process is paused" in response.content.decode()
    assert Relay.objects.get().status == RelayStatus.QUEUED
    response = as_(world, "case_worker").post_form(
        f"/messages/{scene.survivor_thread.pk}/pass-on/",
        {"process": str(scene.process.pk), "kind": "letter", "body": "Another letter"},
        follow=True,
    )
    assert "The process is paused" in response.content.decode() and Relay.objects.count() == 1


def test_it_records_the_ways_to_be_told(world, scene):
    client = as_(world, "facilitator")
    url = f"/messages/people/{scene.survivor.pk}/told/"
    assert client.post_form(url, {"channel": "email", "address": "nope"}).status_code == 400
    assert client.post_form(url, {"channel": "email", "address": "safe@mail.example"}).status_code == 302
    page = client.get(url).content.decode()
    assert "safe@mail.example" in page and "has not agreed" in page  # no consent to e-mail contact yet
    assert page_title(page) == "Notifications · Reparo"
    assert "Not told now, whatever the way" in page  # not invited to the portal
    activate(world, scene.case, scene.survivor)
    assert "Not told now, whatever the way" not in client.get(url).content.decode()


def test_it_audits_who_was_shown_the_addresses(world, scene):
    """The page shows the person's contact details: each showing leaves an audit row (who, whose, how many), which
    never holds an address."""
    client = as_(world, "facilitator")
    url = f"/messages/people/{scene.survivor.pk}/told/"
    client.post_form(url, {"channel": "email", "address": "safe@mail.example"})
    assert "safe@mail.example" in client.get(url).content.decode()
    shown = AuditEvent.objects.filter(action="messaging.contact_points_viewed", object_id=str(scene.survivor.pk))
    event = shown.order_by("-at").first()
    assert event is not None and event.actor == world["facilitator"] and event.detail["shown"] == 1
    assert "safe@mail.example" not in str(event.detail)


def test_it_lets_a_coordinator_set_the_keeping_period(world):
    client = as_(world, "coordinator")
    url = f"/messages/program/{world.program.pk}/keeping/"
    assert client.get(url).status_code == 200
    assert client.post_form(url, {"days": "99999999999999999999"}).status_code == 400
    assert client.post_form(url, {"days": "60"}).status_code == 302
    assert as_(world, "facilitator").get(url).status_code == 404


# --- the same button pressed twice ---------------------------------------------------------------------------------


def _token(client, url):
    found = re.search(r'name="once" value="([^"]+)"', client.get(url).content.decode())
    assert found is not None, f"no one-time token on {url}"
    return found.group(1)


def _friendly_second(client, url, data):
    client.post_form(url, data)
    page = client.post_form(url, data, follow=True).content.decode()
    assert "message--info" in page and "message--error" not in page
    return page


def test_it_sends_a_staff_message_sent_twice_once(world, scene):
    client = as_(world, "facilitator")
    url = f"/messages/{scene.responsible_thread.pk}/"
    page = _friendly_second(client, url, {"body": "See you on Tuesday", "once": _token(client, url)})
    assert "sent already" in page
    assert Message.objects.filter(thread=scene.responsible_thread).count() == 2  # "See you on Monday", and this


def test_it_writes_down_a_letter_sent_twice_once(world, scene):
    client = as_(world, "facilitator")
    url = f"/messages/{scene.survivor_thread.pk}/"
    token = _token(client, url)
    data = {"process": str(scene.process.pk), "kind": "letter", "body": "Said on the phone", "once": token}
    page = _friendly_second(client, f"{url}pass-on/", data)
    assert "with the facilitator already" in page
    assert Relay.objects.filter(submitted_by=world["facilitator"]).count() == 1


def test_it_passes_a_letter_approved_twice_on_once(world, scene):
    page = _friendly_second(as_(world, "facilitator"), f"/messages/pass-on/{scene.relay.pk}/approve/", {})
    assert "passed on already" in page
    assert Message.objects.filter(relay=scene.relay).count() == 1
    assert AuditEvent.objects.filter(action="messaging.relay_delivered").count() == 1


def test_it_declines_a_letter_declined_twice_once(world, scene):
    page = _friendly_second(as_(world, "facilitator"), f"/messages/pass-on/{scene.relay.pk}/decline/", {"note": "No."})
    assert "not passed on already" in page
    assert AuditEvent.objects.filter(action="messaging.relay_declined").count() == 1


def test_it_proposes_an_edit_sent_twice_once(world, scene):
    page = _friendly_second(as_(world, "facilitator"), f"/messages/pass-on/{scene.relay.pk}/edit/", {"text": "Kinder."})
    assert "agreement already" in page
    assert AuditEvent.objects.filter(action="messaging.relay_edit_proposed").count() == 1


def test_it_saves_a_way_to_be_told_sent_twice_once(world, scene):
    url = f"/messages/people/{scene.survivor.pk}/told/"
    page = _friendly_second(as_(world, "facilitator"), url, {"channel": "email", "address": "safe@mail.example"})
    assert "saved already" in page
    assert ContactPoint.objects.filter(person=scene.survivor).count() == 1


def test_it_stops_a_way_to_be_told_stopped_twice_once(world, scene):
    point = services.contact_point_set(
        actor=world["facilitator"], person=scene.survivor, channel="email", address="s@mail.example"
    )
    client = as_(world, "facilitator")
    url = f"/messages/told/{point.pk}/end/"
    first = client.post_form(url)
    second = client.post_form(url)
    assert (
        (second.status_code, second["Location"])
        == (first.status_code, first["Location"])
        == (
            302,
            f"/messages/people/{scene.survivor.pk}/told/",
        )
    )
    page = client.get(second["Location"]).content.decode()
    assert "stopped already" in page and "message--info" in page and "message--error" not in page
    assert AuditEvent.objects.filter(action="messaging.contact_point_ended").count() == 1
    assert ContactPoint.objects.get(pk=point.pk).ended_at is not None


def test_it_finds_no_stopped_way_to_be_told_of_someone_else(world, scene):
    point = services.contact_point_set(
        actor=world["facilitator"], person=scene.survivor, channel="email", address="s@mail.example"
    )
    url = f"/messages/told/{point.pk}/end/"
    as_(world, "facilitator").post_form(url)
    # Stopped or not, it is not Charlie's nor the volunteer's to find: the same 404 as for no such address.
    for who in ("charlie", "cosa_volunteer"):
        client = as_(world, who)
        assert client.post_form(url).status_code == 404, who
        assert client.post_form(f"/messages/told/{uuid.uuid4()}/end/").status_code == 404, who
    assert AuditEvent.objects.filter(action="messaging.contact_point_ended").count() == 1
