"""Who may call: a valid token of the organisation, holding the scope, within the rate limit. Everything else is
refused with problem details, and what is not the token's organisation's answers 404, as on the pages."""

from __future__ import annotations

import datetime
import hashlib
from typing import Any

import pytest
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from reparo.access.actors import active_roles, actor_kind
from reparo.access.capabilities import ActorKind
from reparo.access.services import membership_grant
from reparo.accounts.models import RateLimitWindow
from reparo.api import services
from reparo.api.models import ApiToken
from reparo.api.selectors import TOKEN_PREFIX
from reparo.audit.models import AuditEvent
from reparo.organisations.models import Organisation
from tests.api.conftest import make_token
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"

# (URL name, needs an object id, methods): every endpoint of the API.
ENDPOINTS = [
    ("api:token", None, ["GET"]),
    ("api:referrals", None, ["GET"]),
    ("api:referral", "referral", ["GET"]),
    ("api:referral_packet", "referral", ["GET"]),
    ("api:referral_accept", "referral", ["POST"]),
    ("api:referral_decline", "referral", ["POST"]),
    ("api:referral_in_service", "referral", ["POST"]),
    ("api:referral_completed", "referral", ["POST"]),
    ("api:programs", None, ["GET"]),
    ("api:incoming", None, ["GET", "POST"]),
    ("api:htcds_export", None, ["GET"]),
    ("api:releases", None, ["GET"]),
    ("api:release", "release", ["GET"]),
]


def _url(api: Any, name: str, obj: str | None) -> str:
    return reverse(name, kwargs={"pk": getattr(api, obj).pk}) if obj else reverse(name)


def _call(client: Any, method: str, url: str, **headers: str) -> Any:
    if method == "POST":
        return client.post(url, {}, content_type="application/json", headers=headers)
    return client.get(url, headers=headers)


def test_it_covers_every_endpoint_of_the_api() -> None:
    from django.urls import get_resolver

    names = {name for name in get_resolver().reverse_dict if isinstance(name, str)}
    api_names = {f"api:{n}" for n in get_resolver("reparo.api.urls").reverse_dict if isinstance(n, str)}
    assert api_names - {"api:schema", "api:docs"} == {name for name, _obj, _methods in ENDPOINTS}
    assert names  # the project's resolver is loaded


@pytest.mark.parametrize(("name", "obj", "methods"), ENDPOINTS)
def test_it_answers_401_without_a_token(api: Any, api_client: Any, name: str, obj: str | None, methods: list[str]):
    for method in methods:
        response = _call(api_client, method, _url(api, name, obj))
        assert response.status_code == 401, (name, method)
        assert response["Content-Type"] == PROBLEM
        assert response["WWW-Authenticate"].startswith("Bearer")
        assert response.json()["status"] == 401


@pytest.mark.parametrize(("name", "obj", "methods"), ENDPOINTS)
def test_a_signed_in_session_is_not_a_token(
    api: Any, client: Any, world: Any, name: str, obj: str | None, methods: list[str]
) -> None:
    from tests.conftest import sign_in

    sign_in(client, world["org_admin"])
    for method in methods:
        assert _call(client, method, _url(api, name, obj)).status_code == 401


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer rpt_0000000000000000_" + "A" * 43, "Bearer a b", "Token xyz", "Bearer ümlaut"],
)
def test_it_refuses_a_malformed_or_unknown_token(api: Any, api_client: Any, header: str) -> None:
    response = api_client.get(reverse("api:token"), headers={"Authorization": header})
    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM


def test_it_refuses_the_right_key_with_the_wrong_secret(api: Any, api_client: Any) -> None:
    wrong = api.partner.secret[:-4] + ("AAAA" if not api.partner.secret.endswith("AAAA") else "BBBB")
    assert api_client.get(reverse("api:token"), headers={"Authorization": f"Bearer {wrong}"}).status_code == 401


def test_it_refuses_an_expired_token_and_records_it(api: Any, api_client: Any) -> None:
    ApiToken.objects.filter(pk=api.partner.token.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    response = api_client.get(reverse("api:referrals"), headers=api.partner.headers)
    assert response.status_code == 401
    refused = AuditEvent.objects.get(action="api.token_refused")
    assert refused.detail["reason"] == "expired" and refused.organisation_id == api.partner.token.organisation_id


def test_a_revoked_token_is_refused_on_its_next_call(api: Any, api_client: Any, world: Any) -> None:
    assert api_client.get(reverse("api:referrals"), headers=api.partner.headers).status_code == 200
    services.api_token_revoke(actor=world["partner_liaison"], token=api.partner.token)
    response = api_client.get(reverse("api:referrals"), headers=api.partner.headers)
    assert response.status_code == 401
    assert AuditEvent.objects.filter(action="api.token_refused", detail__reason="revoked").exists()


def test_a_closed_organisation_s_token_is_refused(api: Any, api_client: Any) -> None:
    Organisation.objects.filter(pk=api.operator.token.organisation_id).update(is_active=False)
    assert api_client.get(reverse("api:releases"), headers=api.operator.headers).status_code == 401


def test_the_token_is_stored_only_as_its_digest(api: Any) -> None:
    """Neither the secret nor its secret part is anywhere in the database: every column of every table is read."""
    token = ApiToken.objects.get(pk=api.partner.token.pk)
    assert token.digest == hashlib.sha256(api.partner.secret.encode()).hexdigest()
    # rpt_<key id>_<secret part>: the secret part may itself hold "_", so split after the key id, not at the last "_".
    secret_part = api.partner.secret.removeprefix(TOKEN_PREFIX).split("_", 1)[1]
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - table names from the database itself
            for row in cursor.fetchall():
                text = " ".join(str(v) for v in row)
                assert secret_part not in text, table


def test_a_token_without_the_scope_is_refused_403(api: Any, api_client: Any, world: Any) -> None:
    reader = make_token(world["partner_liaison"], world.partner, ["referrals:read"])
    url = reverse("api:referral_accept", kwargs={"pk": api.referral.pk})
    response = api_client.post(url, {}, content_type="application/json", headers=reader.headers)
    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM and response.json()["code"] == "insufficient_scope"
    assert api_client.get(reverse("api:referrals"), headers=reader.headers).status_code == 200
    # The operator's token holds no referral scope, the partner's no statistics or export scope.
    assert api_client.get(reverse("api:referrals"), headers=api.operator.headers).status_code == 403
    assert api_client.get(reverse("api:releases"), headers=api.partner.headers).status_code == 403
    assert api_client.get(reverse("api:htcds_export"), headers=api.partner.headers).status_code == 403


def test_another_organisation_s_token_finds_nothing_of_alice_s(api: Any, api_client: Any, world: Any, sharing: Any):
    """Charlie's organisation's token, and the token of another partner (Quinn Shelter), as the pages would: 404."""
    release = reverse("api:release", kwargs={"pk": api.release.pk})
    assert api_client.get(release, headers=api.charlie.headers).status_code == 404
    charlie_list = api_client.get(reverse("api:releases"), headers=api.charlie.headers).json()
    assert charlie_list["count"] == 0
    liaison = make_user("liaison@quinn.example")
    membership_grant(organisation=sharing.other_partner, user=liaison, role="partner_liaison")
    quinn = make_token(liaison, sharing.other_partner, ["referrals:read", "referrals:write"])
    for name in ("api:referral", "api:referral_packet"):
        response = api_client.get(reverse(name, kwargs={"pk": api.referral.pk}), headers=quinn.headers)
        assert response.status_code == 404 and response["Content-Type"] == PROBLEM
    accept = reverse("api:referral_accept", kwargs={"pk": api.referral.pk})
    assert api_client.post(accept, {}, content_type="application/json", headers=quinn.headers).status_code == 404
    assert api_client.get(reverse("api:referrals"), headers=quinn.headers).json()["count"] == 0
    api.referral.refresh_from_db()
    assert api.referral.status == "sent"


def test_charlie_s_export_holds_only_charlie_s_cases(api: Any, api_client: Any, sharing: Any) -> None:
    url = reverse("api:htcds_export") + "?deidentified=true&format=json"
    response = api_client.get(url, headers=api.charlie.headers)
    assert response.status_code == 200
    assert sharing.case.reference.encode() not in b"".join(response.streaming_content)


def test_every_call_is_recorded(api: Any, api_client: Any) -> None:
    before = AuditEvent.objects.filter(action="api.call").count()
    api_client.get(reverse("api:referrals"), headers=api.partner.headers)
    api_client.get(reverse("api:release", kwargs={"pk": api.release.pk}), headers=api.partner.headers)  # 403
    calls = list(AuditEvent.objects.filter(action="api.call").order_by("id"))[before:]
    assert [(c.detail["route"], c.detail["status"]) for c in calls] == [("api:referrals", 200), ("api:release", 403)]
    assert all(c.actor_id == api.partner.token.account_id for c in calls)
    assert all(c.organisation_id == api.partner.token.organisation_id for c in calls)
    assert ApiToken.objects.get(pk=api.partner.token.pk).last_used_at is not None


@override_settings(API_RATE_LIMIT_PER_MINUTE=2)
def test_it_limits_the_calls_of_each_token(api: Any, api_client: Any) -> None:
    url = reverse("api:token")
    assert [api_client.get(url, headers=api.partner.headers).status_code for _ in range(3)] == [200, 200, 429]
    limited = api_client.get(url, headers=api.partner.headers)
    assert limited["Content-Type"] == PROBLEM and int(limited["Retry-After"]) >= 1
    # Another token has its own count.
    assert api_client.get(url, headers=api.operator.headers).status_code == 200


@override_settings(API_RATE_LIMIT_PER_MINUTE=2)
def test_it_records_a_flood_past_the_limit_once_a_minute_not_once_a_call(api: Any, api_client: Any, world: Any) -> None:
    url = reverse("api:token")
    calls_before = AuditEvent.objects.filter(action="api.call").count()
    statuses = [api_client.get(url, headers=api.partner.headers).status_code for _ in range(52)]
    assert statuses == [200, 200] + [429] * 50
    assert AuditEvent.objects.filter(action="api.call").count() == calls_before + 2  # each call answered, recorded
    (limited,) = AuditEvent.objects.filter(action="api.call_limited")
    assert (limited.actor_id, limited.organisation_id) == (api.partner.token.account_id, world.partner.pk)
    assert (limited.detail["route"], limited.detail["status"], limited.detail["limit"]) == ("api:token", 429, 2)
    RateLimitWindow.objects.update(expires_at=timezone.now())  # the minute is over; the flood goes on
    statuses = [api_client.get(url, headers=api.partner.headers).status_code for _ in range(10)]
    assert statuses == [200, 200] + [429] * 8
    assert AuditEvent.objects.filter(action="api.call_limited").count() == 2


def test_the_token_s_account_holds_nothing_outside_a_call(api: Any) -> None:
    account = type(api.partner.token.account).objects.get(pk=api.partner.token.account_id)
    assert actor_kind(account) == ActorKind.INTEGRATION
    assert active_roles(account) == ()
    assert not account.has_usable_password()


def test_head_needs_the_scope_get_needs(api: Any, api_client: Any, world: Any) -> None:
    """HEAD runs the view's GET: a token that may not read the packet cannot open it with HEAD either (nothing
    recorded as seen, not even its size)."""
    writer = make_token(world["partner_liaison"], world.partner, ["referrals:write"])
    packet = reverse("api:referral_packet", kwargs={"pk": api.referral.pk})
    assert api_client.get(packet, headers=writer.headers).status_code == 403
    response = api_client.head(packet, headers=writer.headers)
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="referral.packet_viewed").exists()
    assert api_client.head(reverse("api:htcds_export"), headers=api.partner.headers).status_code == 403
    assert api_client.head(packet, headers=api.partner.headers).status_code == 200  # with the scope, as GET


def test_options_is_not_offered(api: Any, api_client: Any) -> None:
    response = api_client.options(reverse("api:referrals"), headers=api.operator.headers)
    assert response.status_code == 405 and response["Content-Type"] == PROBLEM
    assert "OPTIONS" not in response["Allow"]


@override_settings(API_RATE_LIMIT_PER_MINUTE=2)
def test_calls_refused_for_their_scope_count_against_the_limit(api: Any, api_client: Any) -> None:
    url = reverse("api:releases")  # the partner's token does not hold statistics:read
    assert [api_client.get(url, headers=api.partner.headers).status_code for _ in range(3)] == [403, 403, 429]
    assert api_client.get(reverse("api:token"), headers=api.partner.headers).status_code == 429


@override_settings(API_RATE_LIMIT_PER_MINUTE=2)
def test_a_token_that_no_longer_works_is_limited_too(api: Any, api_client: Any, world: Any) -> None:
    services.api_token_revoke(actor=world["partner_liaison"], token=api.partner.token)
    url = reverse("api:token")
    assert [api_client.get(url, headers=api.partner.headers).status_code for _ in range(4)] == [401, 401, 429, 429]
    assert AuditEvent.objects.filter(action="api.token_refused").count() == 2


def test_a_call_that_fails_on_our_side_is_recorded_and_answered_as_a_problem(
    api: Any, api_client: Any, monkeypatch: Any
) -> None:
    from reparo.api import views

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(views.s, "TokenInfo", broken)
    api_client.raise_request_exception = False
    response = api_client.get(reverse("api:token"), headers=api.partner.headers)
    assert response.status_code == 500 and response["Content-Type"] == PROBLEM
    assert response.json()["code"] == "server_error" and "a bug" not in response.content.decode()
    call = AuditEvent.objects.filter(action="api.call").latest("id")
    assert (call.detail["route"], call.detail["status"]) == ("api:token", 500)
    assert call.actor_id == api.partner.token.account_id


def test_the_token_s_account_never_signs_in_and_no_session_can_name_it(api: Any, client: Any) -> None:
    """Even with a password somehow set, the sign-in page refuses the token's account; a session made for it out of
    band is treated as no session and ended."""
    account = type(api.partner.token.account).objects.get(pk=api.partner.token.account_id)
    account.set_password("a long enough passphrase 42")
    account.save()
    answer = client.post_form(
        reverse("accounts:login"), {"username": account.email, "password": "a long enough passphrase 42"}
    )
    assert answer.status_code == 200 and "_auth_user_id" not in client.session
    client.force_login(account)
    home = client.get("/")
    assert home.status_code == 302 and home["Location"].startswith(reverse("accounts:login"))
    assert "_auth_user_id" not in client.session
