"""The same button pressed twice (a double tap on a phone, a form sent again after a slow answer): every portal action
that writes makes one change, and the second answer is a friendly page that says it was done already, never an
error. Actions whose effect is a state (a consent in force, a letter passed on, access suspended) change nothing when
that state already holds; forms that make a new record (a message, a letter to pass on, a check-in) carry a one-time
token and make one record per token."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from reparo.audit.models import AuditEvent
from reparo.consent.models import Consent
from reparo.core.once import AlreadyDone
from reparo.evaluation.models import SurveyResponse
from reparo.messaging import services as messaging_services
from reparo.messaging.models import Message, Relay, RelayStatus
from reparo.portal import selectors, services
from reparo.safety.models import DistressCheckIn
from tests.conftest import CsrfClient, sign_in
from tests.messaging.factories import agree_to_relay
from tests.portal.conftest import PortalWorld

pytestmark = pytest.mark.django_db

FRIENDLY = "message--info"
ERROR = "message--error"


def _token(client: CsrfClient, url: str) -> str:
    html = client.get(url).content.decode()
    found = re.search(r'name="once" value="([^"]+)"', html)
    assert found is not None, f"no one-time token on {url}"
    return found.group(1)


def _twice(client: CsrfClient, url: str, data: dict[str, Any]) -> tuple[Any, str]:
    """Send the same form twice; the first answer, and the page the second one ends on."""
    first = client.post_form(url, data)
    second = client.post_form(url, data, follow=True)
    assert second.status_code == 200
    return first, second.content.decode()


def _friendly(html: str, words: str) -> None:
    assert FRIENDLY in html and words in html, html[:2000]
    assert ERROR not in html


# --- by state ------------------------------------------------------------------------------------------------------


def test_it_records_a_consent_given_twice_once_and_says_it_was_given(portal):
    client = portal.client("survivor")
    first, page = _twice(client, reverse("portal:choice_give"), {"offer": "reporting"})
    assert first.status_code == 302
    assert Consent.objects.filter(person=portal.people["survivor"], purpose="reporting").count() == 1
    _friendly(page, "You have already agreed to this")


def test_it_records_one_consent_when_two_taps_arrive_together(portal, monkeypatch):
    # Both requests read what may be agreed to before either has recorded anything; the second one waits on the
    # account's lock, then finds the first one's consent in force.
    user = portal.users["survivor"]
    stale = selectors.consent_offers_for(user)
    services.consent_give(actor=user, offer="reporting")
    monkeypatch.setattr(selectors, "consent_offers_for", lambda *_a, **_k: stale)
    with pytest.raises(AlreadyDone):
        services.consent_give(actor=user, offer="reporting")
    assert Consent.objects.filter(person=portal.people["survivor"], purpose="reporting").count() == 1


def test_it_says_kindly_that_a_consent_withdrawn_twice_was_withdrawn(portal):
    client = portal.client("survivor")
    consent = portal.consent("survivor", "evaluation")
    _first, page = _twice(client, reverse("portal:choice_withdraw", args=[consent.pk]), {})
    _friendly(page, "already withdrawn")
    assert AuditEvent.objects.filter(action="consent.withdrawn", object_id=str(consent.pk)).count() == 1


def test_it_saves_questionnaire_answers_sent_twice_once(portal):
    client = portal.client("survivor")
    assignment = portal.assignment("survivor")
    answers = {f"who5_{i}": "3" for i in range(1, 6)}
    first, page = _twice(client, reverse("portal:questionnaire", args=[assignment.pk]), answers)
    assert first.status_code == 302
    assert SurveyResponse.objects.filter(assignment=assignment).count() == 1
    _friendly(page, "Your answers are saved already")


def _relay_waiting_for_answer(p: PortalWorld) -> Relay:
    for kind in ("survivor", "responsible"):
        agree_to_relay(p.world, p.people[kind], p.case)
    as_survivor = selectors.messaging_actor(p.users["survivor"], p.case)
    relay = messaging_services.relay_submit(actor=as_survivor, process=p.process, body="My words.", kind="letter")
    return messaging_services.relay_propose_edit(actor=p.world["facilitator"], relay=relay, text="Kinder words.")


def _edit_answered_twice(p: PortalWorld, answer: str) -> tuple[Relay, str]:
    """The survivor's letter with an edit proposed, answered ``answer`` twice from the letter's page (the edit it
    shows sent back both times); the letter, and the page the second answer ends on."""
    relay = _relay_waiting_for_answer(p)
    client = p.client("survivor")
    page = client.get(reverse("portal:relay", args=[p.case.pk, relay.pk])).content.decode()
    edit = re.search(r'name="edit" value="([^"]*)"', page)
    assert edit is not None
    url = reverse("portal:relay_answer", args=[p.case.pk, relay.pk])
    _first, html = _twice(client, url, {"answer": answer, "edit": edit.group(1)})
    return relay, html


def test_it_passes_on_an_edit_agreed_to_twice_once(portal):
    relay, html = _edit_answered_twice(portal, "agree")
    assert Message.objects.filter(relay=relay).count() == 1
    _friendly(html, "You answered already")


def test_it_keeps_the_own_words_answer_given_twice_once(portal):
    relay, html = _edit_answered_twice(portal, "own_words")
    assert Relay.objects.get(pk=relay.pk).status == RelayStatus.QUEUED
    assert AuditEvent.objects.filter(action="messaging.relay_edit_refused").count() == 1
    _friendly(html, "You answered already")


def test_it_takes_back_a_letter_once_when_asked_twice(portal):
    relay = _relay_waiting_for_answer(portal)
    client = portal.client("survivor")
    _first, html = _twice(client, reverse("portal:relay_withdraw", args=[portal.case.pk, relay.pk]), {})
    assert Relay.objects.get(pk=relay.pk).status == RelayStatus.WITHDRAWN
    _friendly(html, "taken back already")


def test_it_suspends_access_once_when_staff_press_twice(portal):
    staff = sign_in(CsrfClient(), portal.world["facilitator"])
    url = reverse("portal_staff:suspend", args=[portal.case.pk, portal.people["responsible"].pk])
    _first, html = _twice(staff, url, {})
    assert AuditEvent.objects.filter(action="portal.suspended").count() == 1
    _friendly(html, "already suspended")


# --- by a one-time form token --------------------------------------------------------------------------------------


def test_it_sends_a_message_sent_twice_once(portal):
    client = portal.client("survivor")
    url = reverse("portal:conversation", args=[portal.case.pk])
    data = {"body": "Can we meet on Tuesday instead?", "once": _token(client, url)}
    first, html = _twice(client, url, data)
    assert first.status_code == 302
    assert Message.objects.filter(author_person=portal.people["survivor"]).count() == 1
    _friendly(html, "sent already")
    # The next message, from a fresh form, goes as usual, even with the same words.
    client.post_form(url, {**data, "once": _token(client, url)})
    assert Message.objects.filter(author_person=portal.people["survivor"]).count() == 2


def test_it_sends_a_message_refused_once_when_it_is_corrected(portal):
    # A refused first try made nothing: the same form, corrected, goes.
    client = portal.client("survivor")
    url = reverse("portal:conversation", args=[portal.case.pk])
    token = _token(client, url)
    assert client.post_form(url, {"body": "x" * 10_001, "once": token}).status_code == 400
    assert client.post_form(url, {"body": "Shorter now.", "once": token}).status_code == 302
    assert Message.objects.filter(author_person=portal.people["survivor"]).count() == 1


def test_it_passes_on_a_letter_sent_twice_once(portal):
    for kind in ("survivor", "responsible"):
        agree_to_relay(portal.world, portal.people[kind], portal.case)
    client = portal.client("survivor")
    url = reverse("portal:pass_on", args=[portal.case.pk])
    data = {"process": str(portal.process.pk), "kind": "letter", "body": "A letter.", "once": _token(client, url)}
    first = client.post_form(url, data)
    second = client.post_form(url, data)
    relay = Relay.objects.get()
    assert first["Location"] == second["Location"] == reverse("portal:relay", args=[portal.case.pk, relay.pk])
    _friendly(client.get(second["Location"]).content.decode(), "with the facilitator already")


def test_it_records_a_check_in_sent_twice_once(portal):
    client = portal.client("survivor")
    url = reverse("portal:checkin")
    data = {"meeting": f"s:{portal.joint.pk}", "moment": "before", "rating": "3", "once": _token(client, url)}
    first, html = _twice(client, url, data)
    assert first.status_code == 302
    assert DistressCheckIn.objects.filter(person=portal.people["survivor"]).count() == 1
    _friendly(html, "recorded once")


def test_it_keeps_one_persons_token_from_matching_anothers_message(portal):
    # The token is bound to who sends it: the same token from someone else is simply a new form.
    survivor, supporter = portal.client("survivor"), portal.client("supporter")
    token = _token(survivor, reverse("portal:conversation", args=[portal.case.pk]))
    for client in (survivor, supporter):
        client.post_form(reverse("portal:conversation", args=[portal.case.pk]), {"body": "Hello.", "once": token})
    assert Message.objects.count() == 2
