"""What each endpoint does, through the same selectors and services as the pages: the partner's inbox and its moves,
referrals in, the HTCDS export and the published releases; and errors as problem details."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.urls import reverse

from reparo.audit.models import AuditEvent
from reparo.consent.models import Consent
from reparo.consent.services import consent_withdraw
from reparo.referrals.models import IncomingReferral, ReferralEvent
from reparo.releases import report
from reparo.releases.models import Release
from tests.referrals.factories import share, survivor_of

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def _post(client: Any, url: str, data: Any, made: Any) -> Any:
    return client.post(url, data, content_type="application/json", headers=made.headers)


def _move(api: Any, client: Any, name: str, data: Any = None) -> Any:
    return _post(client, reverse(name, kwargs={"pk": api.referral.pk}), data or {}, api.partner)


# --- the partner's inbox -------------------------------------------------------------------------------------------


def test_the_inbox_lists_the_referral_never_the_person(api: Any, api_client: Any) -> None:
    response = api_client.get(reverse("api:referrals"), headers=api.partner.headers)
    body = response.json()
    assert body["count"] == 1 and body["results"][0]["id"] == str(api.referral.pk)
    assert body["results"][0]["from_organisation"] == "Alice Restorative Service"
    assert b"Amara" not in response.content and b"Okafor" not in response.content
    assert AuditEvent.objects.filter(action="referral.inbox_viewed", actor=api.partner.token.account).exists()
    finished = api_client.get(reverse("api:referrals") + "?finished=true", headers=api.partner.headers).json()
    assert finished["count"] == 0


def test_the_packet_holds_what_the_person_agreed_to_share_and_its_opening_is_recorded(api: Any, api_client: Any):
    url = reverse("api:referral_packet", kwargs={"pk": api.referral.pk})
    body = api_client.get(url, headers=api.partner.headers).json()
    assert set(body["categories"]) == {"identity", "contact", "needs"}
    assert body["content"]["identity"]["given_name"] == "Amara"
    assert AuditEvent.objects.filter(action="referral.packet_viewed", actor=api.partner.token.account).exists()


def test_the_packet_is_gone_once_the_person_withdraws_consent(api: Any, api_client: Any, world: Any) -> None:
    consent = Consent.objects.get(person=survivor_of(api.referral.case), purpose="share")
    consent_withdraw(actor=world["coordinator"], consent=consent)
    url = reverse("api:referral_packet", kwargs={"pk": api.referral.pk})
    response = api_client.get(url, headers=api.partner.headers)
    assert response.status_code == 404 and b"Amara" not in response.content
    detail = api_client.get(reverse("api:referral", kwargs={"pk": api.referral.pk}), headers=api.partner.headers)
    assert detail.json()["access_open"] is False and detail.json()["events"] == []


def test_the_partner_accepts_starts_and_completes_a_referral(api: Any, api_client: Any) -> None:
    accepted = _move(api, api_client, "api:referral_accept")
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert accepted.json()["next_moves"] == ["in_service", "closed"]
    assert _move(api, api_client, "api:referral_in_service", {"note": "First meeting on Monday"}).json()["status"] == (
        "in_service"
    )
    done = _move(api, api_client, "api:referral_completed")
    assert done.json()["status"] == "completed"
    moves = ReferralEvent.objects.filter(referral=api.referral, side="partner").order_by("at")
    assert [e.to_status for e in moves] == ["accepted", "in_service", "completed"]
    assert {e.actor_id for e in moves} == {api.partner.token.account_id}
    assert AuditEvent.objects.filter(action="referral.moved", actor=api.partner.token.account).count() == 3


def test_declining_needs_a_reason(api: Any, api_client: Any) -> None:
    refused = _move(api, api_client, "api:referral_decline", {"note": "No"})
    assert refused.status_code == 400 and refused["Content-Type"] == PROBLEM
    assert "reason_code" in refused.json()["errors"]
    other = _move(api, api_client, "api:referral_decline", {"reason_code": "other"})
    assert other.status_code == 400 and "note" in other.json()["errors"]  # the service's own rule, as on the page
    declined = _move(api, api_client, "api:referral_decline", {"reason_code": "no_capacity"})
    assert declined.json()["status"] == "declined"


def test_a_move_the_state_does_not_allow_is_refused_in_plain_words(api: Any, api_client: Any) -> None:
    response = _move(api, api_client, "api:referral_completed")
    assert response.status_code == 400
    assert "cannot become" in " ".join(response.json()["errors"]["non_field_errors"])
    api.referral.refresh_from_db()
    assert api.referral.status == "sent"


# --- referrals in -------------------------------------------------------------------------------------------------


def _incoming(program: Any, **extra: Any) -> dict[str, Any]:
    return {"program": program.pk, "person_agreed": True, "given_name": "Rosa", "about": "Needs a safe place", **extra}


def test_the_partner_refers_someone_into_a_program(api: Any, api_client: Any, world: Any) -> None:
    programs = api_client.get(reverse("api:programs"), headers=api.partner.headers).json()
    assert [p["id"] for p in programs] == [world.program.pk]
    made = _post(api_client, reverse("api:incoming"), _incoming(world.program, languages=["es"]), api.partner)
    assert made.status_code == 201
    incoming = IncomingReferral.objects.get(pk=made.json()["id"])
    assert incoming.from_partner == world.partner and incoming.given_name == "Rosa"
    assert incoming.submitted_by_id == api.partner.token.account_id and incoming.languages == ["es"]
    listed = api_client.get(reverse("api:incoming"), headers=api.partner.headers).json()
    assert [r["id"] for r in listed["results"]] == [str(incoming.pk)]
    assert b"Rosa" not in api_client.get(reverse("api:incoming"), headers=api.partner.headers).content


@pytest.mark.parametrize(
    ("change", "field"),
    [({"person_agreed": False}, "person_agreed"), ({"about": ""}, "about"), ({"program": 999999}, "program")],
)
def test_a_referral_in_is_refused_when_it_must_be(
    api: Any, api_client: Any, world: Any, change: dict[str, Any], field: str
) -> None:
    response = _post(api_client, reverse("api:incoming"), _incoming(world.program) | change, api.partner)
    assert response.status_code == 400 and field in response.json()["errors"]
    assert not IncomingReferral.objects.exists()


def test_charlie_s_program_takes_no_referral_from_this_partner(api: Any, api_client: Any, world: Any) -> None:
    from reparo.organisations.models import Program

    theirs = Program.objects.create(organisation=world.charlie_org, name="Charlie's program")
    response = _post(api_client, reverse("api:incoming"), _incoming(theirs), api.partner)
    assert response.status_code == 400 and not IncomingReferral.objects.exists()


# --- HTCDS export --------------------------------------------------------------------------------------------------


def _rows(response: Any) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_it_streams_the_file_for_a_partner_as_consent_allows(api: Any, api_client: Any, world: Any) -> None:
    url = reverse("api:htcds_export") + f"?recipient={world.partner.pk}"
    # The survivor agreed to share identity, contact and needs with the partner, not the case's facts: not in it.
    response = api_client.get(url, headers=api.operator.headers)
    assert response.status_code == 200 and response.streaming
    assert _rows(response) == [] and response["X-Reparo-People"] == "0"
    share(world, survivor_of(api.referral.case), ["case_facts", "identity"])
    response = api_client.get(url, headers=api.operator.headers)
    survivors = [r for r in _rows(response) if r["reparo_role"] == "victim"]
    assert [r["prs_FirstName"] for r in survivors] == ["Amara"]
    exported = AuditEvent.objects.filter(action="htcds.exported").latest("id")
    assert exported.actor_id == api.operator.token.account_id and exported.detail["recipient"] == world.partner.pk
    assert response["X-Reparo-People"] == str(exported.detail["people"])


@pytest.mark.parametrize(
    ("query", "field"),
    [("", "recipient"), ("?recipient=999999", "recipient"), ("?deidentified=true&program=999999", "program"),
     ("?format=pdf", "format"), ("?deidentified=maybe", "deidentified"), ("?since=2020-13-01", "since"),
     ("?colour=red", "colour"), ("?format=csv&format=json", "format")],
)  # fmt: skip
def test_export_parameters_are_checked(api: Any, api_client: Any, query: str, field: str) -> None:
    response = api_client.get(reverse("api:htcds_export") + query, headers=api.operator.headers)
    assert response.status_code == 400 and field in response.json()["errors"], response.content
    assert not AuditEvent.objects.filter(action="htcds.exported").exists()


def test_an_identified_file_cannot_go_to_an_operator(api: Any, api_client: Any, world: Any) -> None:
    url = reverse("api:htcds_export") + f"?recipient={world.charlie_org.pk}"
    assert api_client.get(url, headers=api.operator.headers).status_code == 400


# --- released statistics ------------------------------------------------------------------------------------------


def test_a_release_gives_the_same_numbers_as_its_csv(api: Any, api_client: Any) -> None:
    listed = api_client.get(reverse("api:releases"), headers=api.operator.headers).json()
    assert [r["id"] for r in listed["results"]] == [str(api.release.pk)]
    body = api_client.get(reverse("api:release", kwargs={"pk": api.release.pk}), headers=api.operator.headers).json()
    stored = Release.objects.get(pk=api.release.pk)  # as the download reads it (jsonb keeps its own key order)
    from_csv = list(csv.DictReader(io.StringIO(report.release_csv(stored).decode())))
    assert [(v["cell"], str(v["noisy_value"])) for v in body["values"]] == [
        (row["cell"], row["noisy_value"]) for row in from_csv
    ]
    assert body["tables"][0]["key"] == "cases_by_status" and "95%" in body["tables"][0]["accuracy"]
    assert AuditEvent.objects.filter(action="release.downloaded", detail__format="json").exists()


# --- errors ------------------------------------------------------------------------------------------------------


def test_errors_are_problem_details(api: Any, api_client: Any) -> None:
    missing = api_client.get("/api/v1/nowhere/", headers=api.partner.headers)
    assert missing.status_code == 404 and missing["Content-Type"] == PROBLEM
    assert missing.json() | {"detail": ""} == {
        "type": "about:blank", "title": "Not Found", "status": 404, "detail": "", "instance": "/api/v1/nowhere/",
        "code": "not_found",
    }  # fmt: skip
    wrong_method = api_client.put(reverse("api:referrals"), headers=api.partner.headers)
    assert wrong_method.status_code == 405 and wrong_method["Content-Type"] == PROBLEM
    accept = reverse("api:referral_accept", kwargs={"pk": api.referral.pk})
    for body, content_type in (("{not json", "application/json"), ("[1, 2]", "application/json"),
                               ("a=b", "application/x-www-form-urlencoded")):  # fmt: skip
        response = api_client.post(accept, body, content_type=content_type, headers=api.partner.headers)
        assert response.status_code in (400, 415) and response["Content-Type"] == PROBLEM, body
    bad_id = api_client.get("/api/v1/referrals/not-a-uuid/", headers=api.partner.headers)
    assert bad_id.status_code == 404 and bad_id["Content-Type"] == PROBLEM
