"""A person's agreements page: plain words, display code only, one-step withdrawal, CSRF, and nothing at all
for an outsider."""

import datetime
import re

import pytest
from django.utils import timezone

from reparo.audit.models import AuditEvent
from reparo.consent.models import Consent, ConsentMethod, ConsentPurpose, ContactChannel
from reparo.consent.services import consent_withdraw
from reparo.people.services import person_create
from tests.conftest import CsrfClient, page_title, sign_in
from tests.consent.conftest import case_with, record

pytestmark = pytest.mark.django_db

P = ConsentPurpose
DAY = datetime.timedelta(days=1)


def page_url(person):
    return f"/consent/people/{person.pk}/"


def record_url(person):
    return f"/consent/people/{person.pk}/record/"


def withdraw_url(consent):
    return f"/consent/people/{consent.person_id}/{consent.pk}/withdraw/"


def share_form(world, **overrides):
    data = {
        "purpose": P.SHARE,
        "recipient": str(world.partner.pk),
        "data_categories": ["contact", "needs"],
        "method": ConsentMethod.VERBAL_WITNESSED,
        "witness_name": "Rosa Delgado",
        "given_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "expires_at": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def coordinator(world):
    return sign_in(CsrfClient(), world["coordinator"])


def test_it_shows_what_the_person_agreed_to_in_plain_words(world, survivor, coordinator):
    record(world, survivor, P.CONTACT, channel=ContactChannel.SMS)
    record(world, survivor, P.SHARE, recipient=world.partner, data_categories=["case_facts", "contact"])
    ended = record(world, survivor, P.EVALUATION, given_at=timezone.now() - 10 * DAY, expires_at=timezone.now() - DAY)
    withdrawn = record(world, survivor, P.PROCESS, process_ref="P-17", process_label="Survivor-led dialogue")
    consent_withdraw(actor=world["coordinator"], consent=withdrawn)

    response = coordinator.get(page_url(survivor))
    assert response.status_code == 200
    html = response.content.decode()
    current, history = html.split('id="history"')
    assert "Be contacted by text message (SMS)" in current
    assert "Share contact details and case facts with Bob Legal Aid" in current
    assert "Take part in: Survivor-led dialogue" in history and "Withdrew on" in history
    assert "Use their answers to evaluate the program" in history and "Ended on" in history
    assert current.count("Record withdrawal") == 2 and "Record withdrawal" not in history
    assert survivor.display_code in html
    for name in ("Marisol", "Quintanilla"):
        assert name not in html
    assert page_title(html) == "Consents · Reparo"
    assert "without giving a reason" in html
    assert str(ended.pk) in history


def test_it_shows_an_empty_state(world, survivor, coordinator):
    html = coordinator.get(page_url(survivor)).content.decode()
    assert "No consents have been recorded for this person yet." in html
    assert 'id="history"' not in html


def test_it_has_labels_for_every_field_and_nothing_inline(world, survivor, coordinator):
    record(world, survivor, P.REPORTING)
    response = coordinator.get(page_url(survivor))
    html = response.content.decode()
    for field_id in re.findall(
        r'<(?:input|select|textarea)\b(?![^>]*type="(?:hidden|submit)")[^>]*\bid="([^"]+)"', html
    ):
        assert f'for="{field_id}"' in html, field_id
    assert not re.search(r"<style\b|\sstyle=|\son[a-z]+=", html)
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert f'nonce="{nonce}"' in tag and "src=" in tag


def test_it_lets_a_case_worker_on_the_case_see_the_page(world, survivor):
    worker = sign_in(CsrfClient(), world["case_worker"])
    assert worker.get(page_url(survivor)).status_code == 404
    case_with(world, survivor, team_user=world["case_worker"])
    response = worker.get(page_url(survivor))
    assert response.status_code == 200
    assert "RJ-TEST-0001" in response.content.decode()  # the case can be chosen as context


def test_it_shows_charlie_nothing_and_lets_him_change_nothing(world, survivor):
    consent = record(world, survivor, P.EVALUATION)
    charlie = sign_in(CsrfClient(), world.charlie)
    assert charlie.get(page_url(survivor)).status_code == 404
    assert charlie.post_form(record_url(survivor), share_form(world)).status_code == 404
    assert charlie.post_form(withdraw_url(consent)).status_code == 404
    assert Consent.objects.count() == 1
    assert Consent.objects.get(pk=consent.pk).withdrawn_at is None
    assert not AuditEvent.objects.filter(actor=world.charlie, action__startswith="consent.").exists()


def test_it_sends_a_stranger_to_sign_in(world, survivor, client):
    response = client.get(page_url(survivor))
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/")


def test_it_records_an_agreement_from_the_form(world, survivor, coordinator):
    response = coordinator.post_form(record_url(survivor), share_form(world))
    assert response.status_code == 302 and response["Location"] == page_url(survivor)
    consent = Consent.objects.get(person=survivor)
    assert consent.purpose == P.SHARE and consent.recipient == world.partner
    assert consent.data_categories == ["contact", "needs"]
    assert consent.witness_name == "Rosa Delgado" and consent.recorded_by == world["coordinator"]
    assert AuditEvent.objects.filter(action="consent.recorded", object_id=str(consent.pk)).exists()
    html = coordinator.get(page_url(survivor)).content.decode()
    assert "The consent has been recorded." in html
    assert "Share contact details and needs with Bob Legal Aid" in html


def test_it_ignores_parts_of_the_form_for_other_purposes(world, survivor, coordinator):
    data = share_form(world, purpose=P.CONTACT, channel=ContactChannel.PHONE, process_ref="P-9")
    response = coordinator.post_form(record_url(survivor), data)
    assert response.status_code == 302
    consent = Consent.objects.get(person=survivor)
    assert consent.channel == ContactChannel.PHONE
    assert consent.recipient is None and consent.data_categories == [] and consent.process_ref == ""


def test_it_records_an_end_date_as_the_end_of_that_day(world, survivor, coordinator):
    day = timezone.localdate() + 30 * DAY
    coordinator.post_form(record_url(survivor), share_form(world, purpose=P.REPORTING, expires_at=day.isoformat()))
    consent = Consent.objects.get(person=survivor)
    assert timezone.localtime(consent.expires_at) == timezone.make_aware(
        datetime.datetime.combine(day + DAY, datetime.time.min)
    )


def test_it_explains_a_bad_form_and_keeps_what_was_typed(world, survivor, coordinator):
    response = coordinator.post_form(record_url(survivor), share_form(world, recipient=""))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose the partner organisation the person agreed to share with." in html
    assert re.search(r'<option value="share" selected>', html)
    assert re.search(r'value="contact"[^>]*checked|checked[^>]*value="contact"', html)
    assert re.search(r'value="needs"[^>]*checked|checked[^>]*value="needs"', html)
    assert 'value="Rosa Delgado"' in html
    assert page_title(html) == "Consents · Reparo"
    assert not Consent.objects.exists()
    assert not AuditEvent.objects.filter(action="consent.recorded").exists()


def test_it_asks_for_the_basics(world, survivor, coordinator):
    response = coordinator.post_form(record_url(survivor), {})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not Consent.objects.exists()


def test_it_refuses_a_record_without_csrf_token(world, survivor, coordinator):
    response = coordinator.post(record_url(survivor), share_form(world))
    assert response.status_code == 403
    assert not Consent.objects.exists()


def test_it_records_a_withdrawal_in_one_step(world, survivor, coordinator):
    consent = record(world, survivor, P.CONTACT, channel=ContactChannel.SMS)
    response = coordinator.post_form(withdraw_url(consent))
    assert response.status_code == 302 and response["Location"] == page_url(survivor)
    stored = Consent.objects.get(pk=consent.pk)
    assert stored.withdrawn_at is not None and stored.withdrawn_by == world["coordinator"]
    assert AuditEvent.objects.filter(action="consent.withdrawn", object_id=str(consent.pk)).exists()
    html = coordinator.get(page_url(survivor)).content.decode()
    assert "The withdrawal has been recorded. It applies from now on." in html
    history = html.split('id="history"')[1]
    assert "Be contacted by text message (SMS)" in history and "Withdrew on" in history
    assert "Record withdrawal" not in html


def test_it_swaps_the_row_when_withdrawing_with_htmx(world, survivor, coordinator):
    consent = record(world, survivor, P.EVALUATION)
    response = coordinator.post_form(withdraw_url(consent), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<li id="consent-{consent.pk}"')
    assert "<html" not in html
    assert "Withdrew on" in html and "The withdrawal has been recorded." in html
    assert "Record withdrawal" not in html
    assert Consent.objects.get(pk=consent.pk).withdrawn_at is not None


def test_it_says_so_when_an_agreement_was_already_withdrawn(world, survivor, coordinator):
    consent = record(world, survivor, P.EVALUATION)
    first_answer = coordinator.post_form(withdraw_url(consent))
    first = Consent.objects.get(pk=consent.pk).withdrawn_at
    response = coordinator.post_form(withdraw_url(consent))
    # Pressed twice: the same answer as the first, and the page says so as information, not as an error.
    assert (response.status_code, response["Location"]) == (first_answer.status_code, first_answer["Location"])
    html = coordinator.get(response["Location"]).content.decode()
    assert re.search(r'class="message message--info">[^<]*already withdrawn', html)
    assert "message--error" not in html
    assert Consent.objects.get(pk=consent.pk).withdrawn_at == first
    assert AuditEvent.objects.filter(action="consent.withdrawn").count() == 1


def test_it_says_so_as_information_when_withdrawing_twice_with_htmx(world, survivor, coordinator):
    consent = record(world, survivor, P.EVALUATION)
    coordinator.post_form(withdraw_url(consent), HTTP_HX_REQUEST="true")
    response = coordinator.post_form(withdraw_url(consent), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'class="message message--info" role="status">[^<]*already withdrawn', html)
    assert "message--error" not in html and "The withdrawal has been recorded." not in html
    assert "Withdrew on" in html and "Record withdrawal" not in html
    assert AuditEvent.objects.filter(action="consent.withdrawn").count() == 1


def test_it_refuses_a_withdrawal_without_csrf_token_or_by_get(world, survivor, coordinator):
    consent = record(world, survivor, P.EVALUATION)
    assert coordinator.post(withdraw_url(consent)).status_code == 403
    assert coordinator.get(withdraw_url(consent)).status_code == 405
    assert Consent.objects.get(pk=consent.pk).withdrawn_at is None


def test_it_finds_no_consent_under_another_person(world, survivor, coordinator):
    consent = record(world, survivor, P.EVALUATION)
    other = person_create(actor=world["coordinator"], organisation=world.alice_org, kind="survivor", given_name="Ana")
    response = coordinator.post_form(f"/consent/people/{other.pk}/{consent.pk}/withdraw/")
    assert response.status_code == 404
    assert Consent.objects.get(pk=consent.pk).withdrawn_at is None


def test_it_renders_the_page_in_spanish(world, survivor, coordinator):
    record(world, survivor, P.REPORTING)
    coordinator.cookies["reparo_language"] = "es"
    response = coordinator.get(page_url(survivor))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="es" dir="ltr">' in html
    assert survivor.display_code in html and "Marisol" not in html


def test_it_offers_the_persons_processes_by_name_and_records_the_one_chosen(world, coordinator):
    from tests.processes.factories import ready_process

    process = ready_process(world, safe=False)
    survivor = process.participants.get(role="survivor").person
    html = coordinator.get(page_url(survivor)).content.decode()
    label = f"Direct mediation (dialogue) · {process.case.reference}"
    assert f'<option value="{process.pk}">{label}</option>' in html
    assert "Process reference" not in html  # nobody is asked to paste an id any more

    data = share_form(world, purpose=P.PROCESS, process_ref=str(process.pk), method=ConsentMethod.WRITTEN)
    response = coordinator.post_form(record_url(survivor), data)
    assert response.status_code == 302
    consent = Consent.objects.get(person=survivor)
    assert consent.process_ref == str(process.pk) and consent.process_label == label
    assert consent.describe() == f"Take part in: {label}"
    from reparo.consent.policy import may

    assert may(person=survivor, purpose=P.PROCESS, process_ref=str(process.pk)).allowed


def test_it_refuses_a_process_the_person_does_not_take_part_in(world, survivor, coordinator):
    from tests.processes.factories import ready_process

    other = ready_process(world, safe=False)  # a process on another person's case
    data = share_form(world, purpose=P.PROCESS, process_ref=str(other.pk), method=ConsentMethod.WRITTEN)
    response = coordinator.post_form(record_url(survivor), data)
    assert response.status_code == 400
    assert "Choose one of the processes this person takes part in." in response.content.decode()
    assert not Consent.objects.filter(person=survivor).exists()


def test_it_says_when_a_process_is_chosen_for_the_wrong_purpose(world, coordinator):
    from tests.processes.factories import ready_process

    process = ready_process(world, safe=False)
    survivor = process.participants.get(role="survivor").person
    data = share_form(world, purpose=P.SUPPORT_CIRCLE, process_ref=str(process.pk), method=ConsentMethod.WRITTEN)
    response = coordinator.post_form(record_url(survivor), data)
    assert response.status_code == 400
    assert "That is a restorative process" in response.content.decode()


def test_the_person_page_calls_the_ledger_consents(world, survivor, coordinator):
    html = coordinator.get(f"/people/{survivor.pk}/").content.decode()
    assert f'href="{page_url(survivor)}">Consents</a>' in html
    assert page_title(coordinator.get(page_url(survivor)).content.decode()) == "Consents · Reparo"
