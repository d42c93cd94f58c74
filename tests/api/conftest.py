"""An API world on top of the shared one: Alice's organisation sends Bob Legal Aid (the partner) a referral of its
case's survivor, and publishes a release; each organisation has a token made through the service, as an admin (or
the partner's liaison) makes it on the page. Charlie's organisation has one too, and must reach nothing of Alice's."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from reparo.api import services
from reparo.api.models import ApiToken
from reparo.referrals.models import Referral
from reparo.releases import services as releases
from reparo.releases.models import Release
from tests.referrals.conftest import sharing  # noqa: F401 - the referral world these tests build on
from tests.referrals.factories import sent

PARTNER_SCOPES = ["referrals:read", "referrals:write"]
OPERATOR_SCOPES = ["htcds:export", "statistics:read"]


@dataclass
class Made:
    token: ApiToken
    secret: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secret}"}


def make_token(actor: Any, organisation: Any, scopes: list[str], *, days: int = 90, name: str = "Case system") -> Made:
    token, secret = services.api_token_create(
        actor=actor, organisation=organisation, name=name, scopes=scopes, lifetime_days=days
    )
    return Made(token, secret)


@dataclass
class ApiWorld:
    referral: Referral
    release: Release
    partner: Made  # Bob Legal Aid's: referrals:read and referrals:write
    operator: Made  # Alice's organisation's: htcds:export and statistics:read
    charlie: Made  # Charlie's organisation's, with every scope an operator may hold


@pytest.fixture
def api(world: Any, sharing: Any) -> ApiWorld:  # noqa: F811 - the fixture imported above
    referral = sent(world, sharing.case, categories=["identity", "contact", "needs"])
    release = releases.release_publish(
        actor=world["org_admin"], organisation=world.alice_org, title="Figures for funders", epsilon="1",
        tables_chosen=["cases_by_status"],
    )  # fmt: skip
    return ApiWorld(
        referral=referral,
        release=release,
        partner=make_token(world["partner_liaison"], world.partner, PARTNER_SCOPES),
        operator=make_token(world["org_admin"], world.alice_org, OPERATOR_SCOPES),
        charlie=make_token(world.charlie, world.charlie_org, OPERATOR_SCOPES),
    )


@pytest.fixture
def api_client() -> Client:
    """A plain client: the API takes no session and no CSRF token, only the token."""
    return Client()
