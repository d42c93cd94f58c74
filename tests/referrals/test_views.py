"""The screens: directory, agreements, the send page with its preview, the sender's referral page, the partner's
inbox and packet (each look audited), the program's inbox of referrals in. Discreet titles, empty states."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from reparo.audit.models import AuditEvent
from reparo.cases import services as case_services
from reparo.cases.models import Task
from reparo.consent.models import Consent
from reparo.consent.services import consent_withdraw
from reparo.referrals import services
from reparo.referrals.models import IncomingReferral, Referral, SharingAgreement
from tests.conftest import CsrfClient, page_title, sign_in
from tests.referrals.factories import PDF, draft, sent, survivor_of

pytestmark = pytest.mark.django_db

SENSITIVE = ("trafficking", "victim", "Amara", "Okafor", "Survivor")


def discreet(response) -> str:
    html = response.content.decode()
    title = page_title(html)
    assert title and not any(word.lower() in title.lower() for word in SENSITIVE), title
    assert 'class="quick-exit"' in html
    return html


# --- sending -----------------------------------------------------------------------------------------------------


def test_a_coordinator_prepares_previews_and_sends_a_referral(world, sharing):
    case = sharing.case
    person = survivor_of(case)
    client = sign_in(CsrfClient(), world["coordinator"])
    html = discreet(client.get(f"/referrals/case/{case.pk}/new/"))
    assert "Choose who is referred" in html
    preview = client.get(
        f"/referrals/case/{case.pk}/preview/",
        {"person": person.pk, "partner": world.partner.pk, "service": "legal_aid",
         "categories": ["identity", "contact", "safety"]},
        headers={"HX-Request": "true"},
    ).content.decode()  # fmt: skip
    assert "Goes:</strong> Identity" in preview and "Goes:</strong> Contact details" in preview
    assert "Held back:</strong> Safety information" in preview and "has not agreed to share safety" in preview
    assert "Amara" not in preview  # the live preview names fields, never values
    response = client.post_form(
        f"/referrals/case/{case.pk}/new/",
        {"person": person.pk, "partner": world.partner.pk, "service": "legal_aid", "urgency": "soon",
         "categories": ["identity", "contact", "safety"], "reason": "Visa question"},
    )  # fmt: skip
    referral = Referral.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/referrals/{referral.pk}/"
    page = discreet(client.get(f"/referrals/{referral.pk}/"))
    assert "Exactly what the partner will see" in page and "Amara" in page and person.phone in page
    assert "Send the referral" in page
    client.post_form(f"/referrals/{referral.pk}/send/")
    referral.refresh_from_db()
    assert referral.status == "sent" and referral.categories == ["identity", "contact"]


def test_the_send_page_refuses_with_the_reason(world, sharing):
    case = sharing.case
    SharingAgreement.objects.update(status="ended")
    client = sign_in(CsrfClient(), world["coordinator"])
    response = client.post_form(
        f"/referrals/case/{case.pk}/new/",
        {"person": survivor_of(case).pk, "partner": world.partner.pk, "service": "legal_aid", "urgency": "routine",
         "categories": ["contact"]},
    )  # fmt: skip
    assert response.status_code == 400
    assert "There is no data-sharing agreement in force with Bob Legal Aid" in response.content.decode()
    assert not Referral.objects.exists()


def test_the_case_page_shows_the_referrals_panel_and_the_timeline(world, sharing):
    referral = sent(world, sharing.case)
    services.referral_move(actor=world["partner_liaison"], referral=referral, to_status="accepted")
    client = sign_in(CsrfClient(), world["coordinator"])
    html = client.get(f"/cases/{sharing.case.pk}/").content.decode()
    assert 'id="referrals"' in html and "Refer to a partner" in html
    timeline = client.get(f"/cases/{sharing.case.pk}/timeline/", headers={"HX-Request": "true"}).content.decode()
    assert f"Referral {referral.code} to Bob Legal Aid: Accepted" in timeline
    assert f"Referral {referral.code} to Bob Legal Aid: Sent, waiting for an answer" in timeline
    volunteer = sign_in(CsrfClient(), world["cosa_volunteer"])  # the responsible-person side: no referrals
    assert referral.code not in volunteer.get(f"/cases/{sharing.case.pk}/", follow=True).content.decode()
    for headers in ({}, {"HX-Request": "true"}):
        answer = volunteer.get(f"/cases/{sharing.case.pk}/timeline/", headers=headers, follow=True)
        assert answer.status_code == 200 and referral.code not in answer.content.decode()


# --- the partner -------------------------------------------------------------------------------------------------


def test_the_partner_sees_the_inbox_and_opens_the_packet_each_look_audited(world, sharing):
    referral = sent(world, sharing.case)
    client = sign_in(CsrfClient(), world["partner_worker"])
    inbox = discreet(client.get("/referrals/inbox/"))
    assert referral.code in inbox and "Legal aid" in inbox and "Amara" not in inbox
    page = discreet(client.get(f"/referrals/inbox/{referral.pk}/"))
    assert "Open the packet" in page and "Amara" not in page and "Visa" not in page  # the team's reason stays home
    packet = discreet(client.get(f"/referrals/inbox/{referral.pk}/packet/"))
    assert "Amara" in packet and "Okafor" in packet and "I need to feel safe at home" in packet
    actions = list(AuditEvent.objects.filter(actor=world["partner_worker"]).values_list("action", flat=True))
    assert {"referral.inbox_viewed", "referral.referral_viewed", "referral.packet_viewed"} <= set(actions)


def test_the_partner_accepts_records_in_service_and_writes_an_update(world, sharing):
    referral = sent(world, sharing.case)
    client = sign_in(CsrfClient(), world["partner_liaison"])
    base = f"/referrals/inbox/{referral.pk}"
    client.post_form(f"{base}/move/", {"to_status": "accepted"})
    client.post_form(f"{base}/move/", {"to_status": "in_service"})
    client.post_form(f"{base}/update/", {"note": "First appointment on Monday"})
    referral.refresh_from_db()
    assert referral.status == "in_service"
    team = sign_in(CsrfClient(), world["coordinator"]).get(f"/referrals/{referral.pk}/").content.decode()
    assert "First appointment on Monday" in team and "In service" in team


def test_the_partner_sees_only_withdrawn_after_the_consent_is_withdrawn(world, sharing):
    referral = sent(world, sharing.case)
    client = sign_in(CsrfClient(), world["partner_liaison"])
    assert client.get(f"/referrals/inbox/{referral.pk}/packet/").status_code == 200
    consent_withdraw(actor=world["coordinator"], consent=Consent.objects.get(purpose="share"))
    page = client.get(f"/referrals/inbox/{referral.pk}/")
    html = discreet(page)
    assert page.status_code == 200 and "This referral was withdrawn." in html
    assert "Legal aid" not in html and "Open the packet" not in html and "Amara" not in html
    inbox = client.get("/referrals/inbox/?show=finished").content.decode()
    assert referral.code in inbox and "Legal aid" not in inbox
    assert Task.objects.filter(case=sharing.case, title__isnull=False).count() == 1


def test_the_partner_sees_only_withdrawn_once_the_agreement_lapses_and_the_team_gets_a_task(world, sharing):
    referral = sent(world, sharing.case)
    # The agreement's end date passes (no one ended it): the partner's next request finds out.
    SharingAgreement.objects.update(valid_to=timezone.localdate() - datetime.timedelta(days=1))
    client = sign_in(CsrfClient(), world["partner_liaison"])
    html = client.get(f"/referrals/inbox/{referral.pk}/").content.decode()
    assert "This referral was withdrawn." in html
    assert client.get(f"/referrals/inbox/{referral.pk}/packet/").status_code == 404
    client.get(f"/referrals/inbox/{referral.pk}/")
    tasks = Task.objects.filter(case=sharing.case)
    assert tasks.count() == 1 and "no longer in force" in tasks.get().title


def test_the_partner_sees_the_packet_as_sent_not_the_live_case(world, sharing):
    referral = sent(world, sharing.case)
    person = survivor_of(sharing.case)
    case_services.person_update(actor=world["coordinator"], person=person, version=person.version, given_name="Zoe")
    html = sign_in(CsrfClient(), world["partner_liaison"]).get(f"/referrals/inbox/{referral.pk}/packet/")
    assert "Amara" in html.content.decode() and "Zoe" not in html.content.decode()


def test_a_partner_without_reparo_gets_a_downloaded_packet(world, sharing):
    referral = sent(world, sharing.case)
    client = sign_in(CsrfClient(), world["coordinator"])
    page = client.get(f"/referrals/{referral.pk}/").content.decode()
    assert "Download the packet" in page and "The partner's answer" in page
    response = client.get(f"/referrals/{referral.pk}/packet.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="referral.packet_download_viewed", object_id=str(referral.pk)).exists()
    client.post_form(f"/referrals/{referral.pk}/move/", {"to_status": "accepted", "on_behalf": "on"})
    referral.refresh_from_db()
    assert referral.status == "accepted" and referral.events.get(to_status="accepted").on_behalf


# --- directory and agreements ------------------------------------------------------------------------------------


def test_the_directory_is_searched_by_service_language_and_area(world):
    admin = world["org_admin"]
    services.partner_add(actor=admin, name="Harbour Shelter", htcds_type="NGO", services=["shelter"],
                         languages=["es"], area_served="North district")  # fmt: skip
    services.partner_add(actor=admin, name="Hill Clinic", htcds_type="HealthServiceOrganisation",
                         services=["health", "mental_health"], languages=["en"], area_served="South")  # fmt: skip
    client = sign_in(CsrfClient(), world["case_worker"])
    html = discreet(client.get("/partners/"))
    assert "Harbour Shelter" in html and "Hill Clinic" in html and "Bob Legal Aid" in html

    def names(**params):
        html = client.get("/partners/", params, headers={"HX-Request": "true"}).content.decode()
        return {n for n in ("Harbour Shelter", "Hill Clinic", "Bob Legal Aid") if n in html}

    assert names(service="shelter") == {"Harbour Shelter"}
    assert names(language="en") == {"Hill Clinic"}
    assert names(area="south") == {"Hill Clinic"}
    assert names(service="legal_aid", language="es") == set()
    assert "No partner matches this search" in client.get("/partners/", {"service": "employment"}).content.decode()


def test_an_admin_drafts_uploads_and_puts_an_agreement_in_force(world):
    client = sign_in(CsrfClient(), world["org_admin"])
    response = client.post_form(
        "/partners/agreements/new/",
        {"operator": world.alice_org.pk, "partner": world.partner.pk, "title": "DSA 2026",
         "purposes": ["legal_aid"], "data_categories": ["contact", "needs"], "retention_days": 90,
         "valid_from": timezone.localdate().isoformat()},
    )  # fmt: skip
    agreement = SharingAgreement.objects.get()
    assert response.status_code == 302 and agreement.status == "draft"
    url = f"/partners/agreements/{agreement.pk}"
    fake = SimpleUploadedFile("signed.pdf", b"<html>not a pdf</html>", content_type="application/pdf")
    refused = client.post(f"{url}/document/", {"csrfmiddlewaretoken": client.csrf_token(), "document": fake})
    assert refused.status_code == 400 and "not a PDF" in refused.content.decode()
    real = SimpleUploadedFile("signed.pdf", PDF, content_type="application/pdf")
    client.post(f"{url}/document/", {"csrfmiddlewaretoken": client.csrf_token(), "document": real})
    client.post_form(f"{url}/status/", {"to_status": "in_force"})
    agreement.refresh_from_db()
    assert agreement.status == "in_force"
    download = client.get(f"{url}/document/")
    assert download.content == PDF and download["Content-Disposition"].startswith("attachment")
    assert AuditEvent.objects.filter(action="sharing_agreement.document_read").exists()
    page = discreet(client.get(f"{url}/"))
    assert "Suspend" in page and "End" in page


def test_an_admin_sets_the_time_partners_have_to_answer(world, sharing):
    client = sign_in(CsrfClient(), world["org_admin"])
    client.post_form(f"/partners/programs/{world.program.pk}/answer-time/", {"answer_days": 5})
    referral = sent(world, sharing.case)
    assert referral.answer_by == timezone.localdate() + datetime.timedelta(days=5)
    assert 'value="5"' in client.get("/partners/agreements/").content.decode()


# --- referrals in ------------------------------------------------------------------------------------------------


def test_a_partner_refers_someone_in_and_the_team_accepts_it_into_an_intake(world, sharing):
    partner = sign_in(CsrfClient(), world["partner_liaison"])
    html = discreet(partner.get("/referrals/refer/"))
    assert "Dialogue program" in html
    partner.post_form(
        "/referrals/refer/",
        {"program": world.program.pk, "given_name": "Lucia", "family_name": "Mendez", "phone": "+34 600 1",
         "about": "Needs a safe place to talk", "urgency": "soon", "person_agreed": "on"},
    )  # fmt: skip
    incoming = IncomingReferral.objects.get()
    staff = sign_in(CsrfClient(), world["case_worker"])
    inbox = discreet(staff.get("/referrals/incoming/"))
    assert incoming.code in inbox and "Bob Legal Aid" in inbox and "Lucia" not in inbox
    detail = discreet(staff.get(f"/referrals/incoming/{incoming.pk}/"))
    assert "Lucia" in detail
    response = staff.post_form(f"/referrals/incoming/{incoming.pk}/accept/")
    assert response.status_code == 302 and "/cases/new/?draft=" in response["Location"]
    intake = staff.get(response["Location"]).content.decode()
    assert "Lucia" in intake and "Referred by Bob Legal Aid" in intake
    assert "Accepted" in partner.get("/referrals/refer/").content.decode()


def test_staff_record_a_referral_received_by_letter(world):
    client = sign_in(CsrfClient(), world["coordinator"])
    response = client.post_form(
        "/referrals/incoming/new/",
        {"program": world.program.pk, "received_via": "letter", "received_on": timezone.localdate().isoformat(),
         "referral_source": "court", "referrer": "Court liaison office", "family_name": "Ortiz",
         "about": "Referred after the hearing", "urgency": "routine"},
    )  # fmt: skip
    incoming = IncomingReferral.objects.get()
    assert response.status_code == 302 and incoming.received_via == "letter" and incoming.referrer
    assert AuditEvent.objects.filter(action="incoming_referral.recorded").exists()


def test_empty_states(world):
    staff = sign_in(CsrfClient(), world["coordinator"])
    assert "No referrals here." in staff.get("/referrals/incoming/").content.decode()
    partner = sign_in(CsrfClient(), world["partner_worker"])
    assert "No referrals waiting for you." in partner.get("/referrals/inbox/").content.decode()
    assert "No program takes referrals from your organisation yet" in partner.get("/referrals/refer/").content.decode()
    admin = sign_in(CsrfClient(), world["org_admin"])
    assert "No data-sharing agreement yet" in admin.get("/partners/agreements/").content.decode()


def test_the_navigation_shows_what_each_actor_may_use(world):
    def nav(user):
        html = sign_in(CsrfClient(), user).get("/").content.decode()
        urls = ("/partners/", "/referrals/incoming/", "/referrals/inbox/", "/cases/")
        return {u for u in urls if f'href="{u}"' in html}

    assert nav(world["coordinator"]) == {"/partners/", "/referrals/incoming/", "/cases/"}
    assert nav(world["facilitator"]) == {"/partners/", "/cases/"}
    assert nav(world["partner_worker"]) == {"/referrals/inbox/"}
    assert nav(world["partner_liaison"]) == {"/referrals/inbox/"}


def test_a_draft_is_not_in_the_partners_inbox(world, sharing):
    prepared = draft(world, sharing.case)
    html = sign_in(CsrfClient(), world["partner_liaison"]).get("/referrals/inbox/").content.decode()
    assert prepared.code not in html
