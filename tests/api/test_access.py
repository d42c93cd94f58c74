"""How a token's account holds its scopes (reparo.access.actors.act_for_token): as roles in the token's organisation,
on the call that presents the token, and nowhere else."""

from __future__ import annotations

from typing import Any

import pytest

from reparo.access.actors import act_for_token, active_roles, organisation_ids_where, user_can
from reparo.access.capabilities import Capability
from tests.api.conftest import make_token

pytestmark = pytest.mark.django_db


def test_a_token_holds_its_scopes_in_its_organisation_only(world: Any) -> None:
    made = make_token(world["partner_liaison"], world.partner, ["referrals:read"])
    account = act_for_token(made.token.account, organisation_id=world.partner.pk, scopes=made.token.scopes)
    assert active_roles(account) == ((world.partner.pk, "referrals:read"),)
    assert user_can(account, Capability.RECEIVE_REFERRALS, organisation=world.partner)
    assert not user_can(account, Capability.RECEIVE_REFERRALS, organisation=world.alice_org)
    assert organisation_ids_where(account, Capability.EXPORT_HTCDS) == []
    assert not user_can(account, Capability.MANAGE_API_TOKENS)  # a token never keeps tokens


def test_only_scopes_count_and_only_for_a_token_s_account(world: Any) -> None:
    made = make_token(world["org_admin"], world.alice_org, ["statistics:read"])
    account = act_for_token(made.token.account, organisation_id=world.alice_org.pk, scopes=["org_admin", "x:y"])
    assert active_roles(account) == ()  # a role's name is not a scope
    with pytest.raises(ValueError, match="API token"):
        act_for_token(world["coordinator"], organisation_id=world.alice_org.pk, scopes=["statistics:read"])
