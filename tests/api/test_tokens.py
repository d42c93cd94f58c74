"""The page where an organisation keeps its API tokens: organisation admins (and a partner organisation's liaison)
make a token (its secret shown once), see the list, and revoke one; everything is audited; nobody else gets in."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from reparo.api.models import ApiToken
from reparo.audit.models import AuditEvent
from tests.api.conftest import make_token
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

SECRET = re.compile(r"rpt_[0-9a-f]{16}_[A-Za-z0-9_-]{43}")


def _page(world: Any, org: Any = None) -> str:
    return reverse("api_tokens:organisation", kwargs={"organisation_pk": (org or world.alice_org).pk})


def test_an_org_admin_makes_a_token_and_sees_its_secret_once(client: Any, world: Any) -> None:
    sign_in(client, world["org_admin"])
    data = {"name": "Data warehouse", "scopes": ["htcds:export", "statistics:read"], "lifetime_days": "90"}
    made = client.post_form(_page(world), data)
    assert made.status_code == 200
    secrets_shown = SECRET.findall(made.content.decode())
    assert len(secrets_shown) == 1
    token = ApiToken.objects.get()
    assert token.name == "Data warehouse"
    assert token.scopes == ["htcds:export", "statistics:read"] and token.organisation == world.alice_org
    assert secrets_shown[0].startswith(f"rpt_{token.key_id}_")
    again = client.get(_page(world))
    assert not SECRET.findall(again.content.decode()) and b"Data warehouse" in again.content
    created = AuditEvent.objects.get(action="api_token.created")
    assert created.actor == world["org_admin"] and created.organisation == world.alice_org
    assert secrets_shown[0] not in str(created.detail)


def test_the_choices_are_those_of_the_organisation_s_kind(client: Any, world: Any) -> None:
    sign_in(client, world["partner_liaison"])
    page = client.get(_page(world, world.partner))
    assert b"referrals:read" in page.content and b"htcds:export" not in page.content
    refused = client.post_form(
        _page(world, world.partner), {"name": "Case system", "scopes": ["htcds:export"], "lifetime_days": "30"}
    )
    assert refused.status_code == 400 and not ApiToken.objects.exists()
    made = client.post_form(
        _page(world, world.partner), {"name": "Case system", "scopes": ["referrals:read"], "lifetime_days": "30"}
    )
    assert made.status_code == 200 and ApiToken.objects.get().organisation == world.partner


@pytest.mark.parametrize("data", [{}, {"name": "x" * 101, "scopes": ["htcds:export"], "lifetime_days": "90"},
                                  {"name": "A", "scopes": ["htcds:export"], "lifetime_days": "7"}])  # fmt: skip
def test_a_bad_form_is_answered_in_plain_words(client: Any, world: Any, data: dict[str, Any]) -> None:
    sign_in(client, world["org_admin"])
    assert client.post_form(_page(world), data).status_code == 400
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("who", ["coordinator", "evaluator", "partner_worker", "facilitator"])
def test_nobody_else_keeps_the_tokens(client: Any, world: Any, who: str) -> None:
    token = make_token(world["org_admin"], world.alice_org, ["statistics:read"]).token
    sign_in(client, world[who])
    assert client.get(_page(world)).status_code == 404
    data = {"name": "x", "scopes": ["statistics:read"], "lifetime_days": "30"}
    assert client.post_form(_page(world), data).status_code == 404
    assert client.post_form(reverse("api_tokens:revoke", kwargs={"pk": token.pk})).status_code == 404
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


def test_charlie_sees_none_of_alice_s_tokens(client: Any, world: Any) -> None:
    token = make_token(world["org_admin"], world.alice_org, ["statistics:read"], name="Alice's warehouse").token
    sign_in(client, world.charlie)
    assert client.get(_page(world)).status_code == 404
    assert client.post_form(reverse("api_tokens:revoke", kwargs={"pk": token.pk})).status_code == 404
    index = client.get(reverse("api_tokens:index"))
    assert b"Charlie Mediation" in index.content and b"Alice" not in index.content


def test_an_admin_revokes_a_token(client: Any, world: Any) -> None:
    token = make_token(world["org_admin"], world.alice_org, ["statistics:read"]).token
    sign_in(client, world["org_admin"])
    response = client.post_form(reverse("api_tokens:revoke", kwargs={"pk": token.pk}))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == world["org_admin"]
    assert not token.account.is_active
    assert AuditEvent.objects.filter(action="api_token.revoked", actor=world["org_admin"]).exists()
    again = client.post_form(reverse("api_tokens:revoke", kwargs={"pk": token.pk}), follow=True)
    assert b"already revoked" in again.content


def test_the_reference_page_lists_every_operation_without_script(client: Any) -> None:
    page = client.get(reverse("api:docs"))
    assert page.status_code == 200
    html = page.content.decode()
    for path in ("/api/v1/referrals/{id}/accept/", "/api/v1/htcds/export/", "/api/v1/releases/{id}/"):
        assert path in html
    assert "<script>" not in html and "unsafe-inline" not in page["Content-Security-Policy"]
