"""The participant's messages in the portal (``/my/messages/``): their own conversation with their team on each of
their cases, and what they write for the other side of a process, which reaches it only through a facilitator.
Everything is read and written through reparo.messaging as the participant; anything not theirs is 404."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from reparo.audit.models import AuditEvent
from reparo.consent.models import Consent
from reparo.consent.services import consent_withdraw
from reparo.messaging import services as messaging_services
from reparo.messaging.models import Attachment, Message, Relay, RelayStatus, Thread
from reparo.processes import services as process_services
from reparo.safety import services as safety_services
from tests.conftest import CsrfClient, sign_in
from tests.messaging.factories import EXE, PDF, agree_to_relay
from tests.portal.conftest import PortalWorld

pytestmark = pytest.mark.django_db

LETTER = "I want you to know how much it changed my life."


def _url(name: str, p: PortalWorld, *args: Any) -> str:
    return reverse(f"portal:{name}", args=[p.case.pk, *args])


def _relay_consents(p: PortalWorld) -> None:
    for kind in ("survivor", "responsible"):
        agree_to_relay(p.world, p.people[kind], p.case)


def _pass_on(client: CsrfClient, p: PortalWorld, text: str = LETTER, **extra: Any) -> Any:
    data = {"process": str(p.process.pk), "kind": "letter", "body": text, **extra}
    return client.post_form(_url("pass_on", p), data)


def _answer(client: CsrfClient, p: PortalWorld, relay: Relay, answer: str, *, page: str | None = None) -> Any:
    """Answer a proposed edit from the relay page, as the participant does (the form names the edit it shows);
    ``page``: the answer given from a page loaded earlier."""
    html = page if page is not None else _html(client, _url("relay", p, relay.pk))
    found = re.search(r'name="edit" value="([^"]*)"', html)
    assert found is not None, "the page offers no answer"
    return client.post_form(_url("relay_answer", p, relay.pk), {"answer": answer, "edit": found.group(1)})


def _html(client: CsrfClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


# --- the conversation with the team -------------------------------------------------------------------------------


def test_it_lets_a_participant_write_to_their_team_and_read_the_answer(portal):
    p = portal
    survivor = p.client("survivor")
    assert "No messages yet." in _html(survivor, _url("conversation", p))
    assert not Thread.objects.exists()  # reading the empty page starts nothing

    response = survivor.post_form(_url("conversation", p), {"body": "Can we move Thursday?"})
    assert response.status_code == 302
    thread = Thread.objects.get(person=p.people["survivor"], case=p.case)
    assert [m.body for m in Message.objects.filter(thread=thread)] == ["Can we move Thursday?"]
    messaging_services.message_post(actor=p.world["facilitator"], thread=thread, body="Yes, Friday at ten.")

    html = _html(survivor, _url("conversation", p))
    assert "Can we move Thursday?" in html and "Yes, Friday at ten." in html
    assert "Your facilitator" in html and "You" in html
    assert p.world["facilitator"].email not in html  # staff show as "your facilitator"
    assert AuditEvent.objects.filter(action="messaging.thread_read", actor=p.users["survivor"]).exists()
    inbox = _html(survivor, reverse("portal:messages"))
    assert _url("conversation", p) in inbox

    # Nobody else on the case reads it: the responsible person's conversation is their own.
    responsible = _html(p.client("responsible"), _url("conversation", p))
    assert "Can we move Thursday?" not in responsible and "Yes, Friday at ten." not in responsible


def test_it_keeps_a_failed_message_from_starting_a_conversation(portal):
    p = portal
    survivor = p.client("survivor")
    response = survivor.post_form(_url("conversation", p), {"body": "   "})
    assert response.status_code == 400
    assert "Write something first." in response.content.decode()
    assert not Thread.objects.exists()


def test_it_attaches_pictures_and_pdfs_only_and_offers_them_only_as_downloads(portal):
    p = portal
    survivor = p.client("survivor")
    refused = survivor.post(
        _url("conversation", p),
        {"csrfmiddlewaretoken": survivor.csrf_token(), "body": "My form",
         "attachments": [SimpleUploadedFile("form.pdf", EXE, content_type="application/pdf")]},
    )  # fmt: skip
    assert refused.status_code == 400
    assert "is not a PNG or JPEG picture or a PDF document" in refused.content.decode()
    assert not Attachment.objects.exists() and not Message.objects.exists()

    sent = survivor.post(
        _url("conversation", p),
        {"csrfmiddlewaretoken": survivor.csrf_token(), "body": "My form",
         "attachments": [SimpleUploadedFile("letter.pdf", PDF, content_type="application/pdf")]},
    )  # fmt: skip
    assert sent.status_code == 302
    attachment = Attachment.objects.get()
    html = _html(survivor, _url("conversation", p))
    link = _url("message_file", p, attachment.pk)
    assert f'href="{link}" download' in html
    assert "<img" not in html and "<iframe" not in html and "<embed" not in html

    download = survivor.get(link)
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download.content == PDF
    assert AuditEvent.objects.filter(action="messaging.attachment_downloaded", actor=p.users["survivor"]).exists()
    # Nobody else downloads it from the portal: not the other side, not another case's participant.
    assert p.client("responsible").get(link).status_code == 404
    assert as_other_case(p).get(link).status_code == 404


def as_other_case(p: PortalWorld) -> CsrfClient:
    return sign_in(CsrfClient(), p.other_user)  # type: ignore[return-value]


def test_it_answers_404_for_a_case_or_an_object_that_is_not_the_participants(portal):
    p = portal
    _relay_consents(p)
    _pass_on(p.client("survivor"), p)
    relay = Relay.objects.get()
    survivor_thread = messaging_services.participant_thread(actor=_actor(p, "survivor"))
    messaging_services.message_post(
        actor=p.world["facilitator"], thread=survivor_thread, body="x", files=[("a.pdf", PDF)]
    )
    attachment = Attachment.objects.get()
    other = as_other_case(p)
    other_case = p.other_case.pk
    for name, args in (
        ("conversation", []),
        ("pass_on", []),
        ("relay", [relay.pk]),
        ("message_file", [attachment.pk]),
    ):
        # Another case's participant, on this case's addresses and on their own case with this case's objects.
        assert other.get(reverse(f"portal:{name}", args=[p.case.pk, *args])).status_code == 404, name
        if args:
            assert other.get(reverse(f"portal:{name}", args=[other_case, *args])).status_code == 404, name
    responsible = p.client("responsible")
    # The recipient never opens the relay itself, nor the survivor's file, nor anything that does not exist.
    for url in (_url("relay", p, relay.pk), _url("message_file", p, attachment.pk), _url("relay", p, uuid.uuid4()),
                reverse("portal:conversation", args=[uuid.uuid4()])):  # fmt: skip
        assert responsible.get(url).status_code == 404, url
    for action in ("relay_answer", "relay_withdraw"):
        assert responsible.post_form(_url(action, p, relay.pk), {"answer": "agree"}).status_code == 404
        assert other.post_form(_url(action, p, relay.pk), {"answer": "agree"}).status_code == 404
    assert Relay.objects.get().status == RelayStatus.QUEUED
    # Staff never use these pages (they have their own).
    staff = sign_in(CsrfClient(), p.world["facilitator"])
    assert staff.get(_url("relay", p, relay.pk)).status_code == 404
    assert staff.get(reverse("portal:messages")).status_code == 404


def _actor(p: PortalWorld, kind: str) -> Any:
    from reparo.messaging.actors import ParticipantActor

    return ParticipantActor(person=p.people[kind], case=p.case, user=p.users[kind])


def test_it_shows_a_closed_case_conversation_without_a_form(portal):
    p = portal
    survivor = p.client("survivor")
    survivor.post_form(_url("conversation", p), {"body": "Before it closed"})
    type(p.case).objects.filter(pk=p.case.pk).update(status="closed")
    html = _html(survivor, _url("conversation", p))
    assert "Before it closed" in html and 'id="write"' not in html
    response = survivor.post_form(_url("conversation", p), {"body": "After"})
    assert response.status_code == 400
    assert "This case is closed" in response.content.decode()
    assert Message.objects.count() == 1


# --- writing for the other side: only through a facilitator -------------------------------------------------------


def test_it_keeps_a_letter_from_the_other_side_until_a_facilitator_passes_it_on(portal):
    p = portal
    _relay_consents(p)
    survivor = p.client("survivor")
    responsible = p.client("responsible")
    assert 'id="write"' in _html(survivor, _url("pass_on", p))

    response = _pass_on(survivor, p)
    relay = Relay.objects.get()
    assert response.status_code == 302 and response["Location"] == _url("relay", p, relay.pk)
    assert relay.author == p.people["survivor"] and relay.recipient == p.people["responsible"]
    assert relay.status == RelayStatus.QUEUED and relay.submitted_by is None
    page = _html(survivor, _url("relay", p, relay.pk))
    assert LETTER in page and "With your facilitator: not passed on yet" in page
    assert "Take it back" in page
    inbox = _html(survivor, reverse("portal:messages"))
    assert _url("relay", p, relay.pk) in inbox

    # Before a facilitator passes it on, nothing of it reaches the responsible person anywhere in the portal.
    for url in (reverse("portal:messages"), _url("conversation", p), reverse("portal:home")):
        assert LETTER not in _html(responsible, url)

    messaging_services.relay_approve(actor=p.world["facilitator"], relay=relay)

    html = _html(responsible, _url("conversation", p))
    assert LETTER in html
    assert "From the other side, passed on by the facilitator" in html
    assert "Passed on" in _html(survivor, _url("relay", p, relay.pk))


def test_it_says_why_nothing_can_be_passed_on_without_the_authors_agreement_and_asks_for_it(portal):
    p = portal
    survivor = p.client("survivor")
    page = _html(survivor, _url("pass_on", p))
    assert "passed on only if you agree to it" in page
    assert 'name="offer" value="relay"' in page and 'id="write"' not in page
    refused = _pass_on(survivor, p)
    assert refused.status_code == 400 and not Relay.objects.exists()

    # Agreeing is one step, recorded in the consent ledger as given by the survivor themself.
    given = survivor.post_form(reverse("portal:choice_give"), {"offer": "relay", "next": _url("pass_on", p)})
    assert given.status_code == 302 and given["Location"] == _url("pass_on", p)
    consent = Consent.objects.get(person=p.people["survivor"], purpose="relay")
    assert consent.method == "self_service"
    agree_to_relay(p.world, p.people["responsible"], p.case)
    assert 'id="write"' in _html(survivor, _url("pass_on", p))
    assert _pass_on(survivor, p).status_code == 302

    # Withdrawn in the portal, it stops the next one at once, and the page says why again.
    consent_withdraw(actor=p.users["survivor"], consent=consent, via="self_service")
    response = _pass_on(survivor, p, "A second letter")
    assert response.status_code == 400
    assert "passed on only if you agree to it" in response.content.decode()
    assert Relay.objects.count() == 1


def test_it_offers_the_agreement_to_have_messages_passed_on_among_the_choices(portal):
    p = portal
    html = _html(p.client("survivor"), reverse("portal:choices"))
    assert "Your facilitator may pass your letters and messages on to the other side" in html
    # A supporter is on neither side: there is nothing to pass on for them.
    assert "pass your letters" not in _html(p.client("supporter"), reverse("portal:choices"))


@pytest.mark.parametrize(
    ("condition", "words"),
    [
        ("restriction", "A rule that keeps you and the other person out of contact is in place now"),
        ("stopped", "This process has ended, so nothing more can be passed on."),
        ("paused", "This process is paused for now"),
    ],
)
def test_it_says_in_plain_words_why_a_letter_cannot_go(portal, condition, words):
    p = portal
    _relay_consents(p)
    survivor = p.client("survivor")
    assert _pass_on(survivor, p, "Written before").status_code == 302
    queued = Relay.objects.get()
    facilitator = p.world["facilitator"]
    if condition == "restriction":
        safety_services.restriction_record(
            actor=facilitator, case=p.case, person_a=p.people["responsible"], person_b=p.people["survivor"],
            kind="no_contact_order", valid_from=timezone.localdate(),
        )  # fmt: skip
    elif condition == "stopped":
        other_side = p.process.participants.get(person=p.people["responsible"])
        process_services.participant_withdraw(actor=facilitator, participant=other_side)
    else:
        process_services.process_pause(actor=facilitator, process=p.process, why="distress_threshold")

    if condition != "stopped":  # an ended process is no longer offered at all
        page = _html(survivor, _url("pass_on", p))
        assert words in page and 'id="write"' not in page
    response = _pass_on(survivor, p, "Written after")
    assert response.status_code == 400
    assert Relay.objects.count() == 1
    # What was written before says why it cannot go now, too, and nothing reached the other side.
    assert words in _html(survivor, _url("relay", p, queued.pk))
    assert not Message.objects.filter(relay__isnull=False).exists()


def test_it_shows_the_author_a_proposed_edit_and_passes_it_on_only_if_they_agree(portal):
    p = portal
    _relay_consents(p)
    survivor = p.client("survivor")
    _pass_on(survivor, p, "You ruined everything, Bartholomew.")
    relay = Relay.objects.get()
    facilitator = p.world["facilitator"]
    messaging_services.relay_propose_edit(
        actor=facilitator, relay=relay, text="You hurt me deeply.", note="Names are not passed on."
    )
    page = _html(survivor, _url("relay", p, relay.pk))
    assert "Your facilitator suggests a change" in page
    assert "You hurt me deeply." in page and "Names are not passed on." in page
    assert "I agree: pass on these words" in page and "No: keep my own words" in page
    responsible = p.client("responsible")
    assert "You hurt me deeply." not in _html(responsible, _url("conversation", p))

    # Keeping their own words puts them back in the queue; nothing goes.
    _answer(survivor, p, relay, "own_words")
    relay.refresh_from_db()
    assert relay.status == RelayStatus.QUEUED and relay.proposed_body is None
    assert not Message.objects.filter(relay__isnull=False).exists()

    messaging_services.relay_propose_edit(actor=facilitator, relay=relay, text="You hurt me deeply.")
    response = _answer(survivor, p, relay, "agree")
    assert response.status_code == 302
    relay.refresh_from_db()
    assert relay.status == RelayStatus.DELIVERED
    html = _html(responsible, _url("conversation", p))
    assert "You hurt me deeply." in html and "ruined everything" not in html
    assert "What was passed on" in _html(survivor, _url("relay", p, relay.pk))
    agreed = AuditEvent.objects.get(action="messaging.relay_edit_agreed")
    assert agreed.actor == p.users["survivor"] and agreed.detail["by"] == "participant"


def test_it_never_passes_on_an_edit_the_author_agreed_to_without_seeing_it(portal):
    """The author has the suggestion open in two tabs: in one they keep their own words, the facilitator suggests
    other words, and in the other tab (still showing the first suggestion) they tap "I agree". That agreement is not
    to the words now waiting: nothing goes, and the new suggestion still waits for their answer."""
    p = portal
    _relay_consents(p)
    survivor = p.client("survivor")
    _pass_on(survivor, p, "You ruined everything, Bartholomew.")
    relay = Relay.objects.get()
    facilitator = p.world["facilitator"]
    messaging_services.relay_propose_edit(actor=facilitator, relay=relay, text="You hurt me deeply.")
    first_tab = _html(survivor, _url("relay", p, relay.pk))
    _answer(survivor, p, relay, "own_words")
    messaging_services.relay_propose_edit(actor=facilitator, relay=relay, text="I forgive you.")

    response = _answer(survivor, p, relay, "agree", page=first_tab)
    assert response.status_code == 302
    relay.refresh_from_db()
    assert relay.status == RelayStatus.EDIT_PROPOSED and relay.proposed_body == "I forgive you."
    assert not Message.objects.filter(relay__isnull=False).exists()
    assert "I forgive you." not in _html(p.client("responsible"), _url("conversation", p))
    assert "read the new suggestion" in _html(survivor, _url("relay", p, relay.pk))
    # An answer that names no suggestion at all is refused the same way.
    survivor.post_form(_url("relay_answer", p, relay.pk), {"answer": "agree"})
    relay.refresh_from_db()
    assert relay.status == RelayStatus.EDIT_PROPOSED
    # Answered from the page that shows it, it goes.
    _answer(survivor, p, relay, "agree")
    assert [m.body for m in Message.objects.filter(relay=relay)] == ["I forgive you."]


def test_it_lets_the_author_take_back_a_letter_while_it_waits(portal):
    p = portal
    _relay_consents(p)
    survivor = p.client("survivor")
    _pass_on(survivor, p)
    relay = Relay.objects.get()
    messaging_services.relay_propose_edit(actor=p.world["facilitator"], relay=relay, text="Shorter.")
    assert survivor.post_form(_url("relay_withdraw", p, relay.pk)).status_code == 302
    relay.refresh_from_db()
    assert relay.status == RelayStatus.WITHDRAWN
    page = _html(survivor, _url("relay", p, relay.pk))
    assert "You took it back" in page and "Take it back" not in page
    with pytest.raises(ValidationError, match="no longer waiting"):
        messaging_services.relay_approve(actor=p.world["facilitator"], relay=relay)
    assert not Message.objects.filter(relay__isnull=False).exists()


def test_it_shows_the_author_the_note_of_a_declined_letter(portal):
    p = portal
    _relay_consents(p)
    survivor = p.client("survivor")
    _pass_on(survivor, p)
    relay = Relay.objects.get()
    messaging_services.relay_decline(
        actor=p.world["facilitator"], relay=relay, note="Let us talk about this at our next meeting first."
    )
    page = _html(survivor, _url("relay", p, relay.pk))
    assert "Why it was not passed on" in page
    assert "Let us talk about this at our next meeting first." in page
    assert "Not passed on: your facilitator wrote you a note" in _html(survivor, reverse("portal:messages"))
    # The note is the author's: the other side never sees it.
    assert "next meeting first" not in _html(p.client("responsible"), _url("conversation", p))


def test_it_offers_a_supporter_nothing_to_pass_on(portal):
    p = portal
    supporter = p.client("supporter")
    assert "you take part in no process that is still going on" in _html(supporter, _url("pass_on", p))
    assert "Write something for the other side" not in _html(supporter, reverse("portal:messages"))
    assert _pass_on(supporter, p).status_code == 400
    assert not Relay.objects.exists()


# --- neither side learns who the other is -------------------------------------------------------------------------


def _identity(p: PortalWorld, kind: str) -> list[str]:
    person = p.people[kind]
    words = [person.given_name, person.family_name, person.phone, person.email, person.address, person.display_code]
    return [str(w) for w in words if w]


def _message_pages(p: PortalWorld, kind: str) -> dict[str, str]:
    client = p.client(kind)
    urls = [reverse("portal:messages"), _url("conversation", p), _url("pass_on", p)]
    urls += [_url("relay", p, r.pk) for r in Relay.objects.filter(author=p.people[kind])]
    urls += [_url("message_file", p, a.pk) for a in Attachment.objects.filter(message__thread__person=p.people[kind])]
    return {url: client.get(url).content.decode(errors="replace") for url in urls}


def test_it_shows_neither_side_anything_of_the_other_in_their_messages(portal):
    p = portal
    _relay_consents(p)
    facilitator = p.world["facilitator"]
    for author, words in (("survivor", "A letter from one side."), ("responsible", "An apology from the other.")):
        client = p.client(author)
        client.post_form(_url("conversation", p), {"body": f"Only for my team ({author})"})
        _pass_on(client, p, words)
        messaging_services.relay_approve(actor=facilitator, relay=Relay.objects.get(author=p.people[author]))
    for thread in Thread.objects.all():
        messaging_services.message_post(actor=facilitator, thread=thread, body="Noted.", files=[("n.pdf", PDF)])
    for reader, about in (("responsible", "survivor"), ("survivor", "responsible")):
        pages = _message_pages(p, reader)
        assert len(pages) >= 5
        for url, html in pages.items():
            for canary in [*_identity(p, about), f"Only for my team ({about})"]:
                assert canary not in html, f"{about}'s {canary!r} on {reader}'s {url}"
        # What the other side wrote reached them, passed on.
        other_words = "A letter from one side." if reader == "responsible" else "An apology from the other."
        assert other_words in pages[_url("conversation", p)]
