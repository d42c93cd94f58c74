"""Reads limited to what the actor may see: cases through a role on them or in their organisation."""

import pytest

from reparo.access import services as access_services
from reparo.accounts.models import Membership, Role
from tests.cases.factories import alice_case
from tests.conftest import CsrfClient, sign_in

pytestmark = pytest.mark.django_db


def test_it_ends_case_access_when_the_role_in_the_organisation_ends(world):
    case = alice_case(world)
    survivor = case.participants.get(role="survivor").person
    facilitator = world["facilitator"]
    Membership.objects.create(user=facilitator, organisation=world.charlie_org, role=Role.FACILITATOR)
    access_services.membership_end(actor=world["org_admin"], membership=Membership.objects.get(
        user=facilitator, organisation=world.alice_org))  # fmt: skip
    client = sign_in(CsrfClient(), facilitator)
    assert client.get(f"/cases/{case.pk}/").status_code == 404
    assert client.get(f"/people/{survivor.pk}/identity/").status_code == 404
    assert client.post_form(f"/cases/{case.pk}/notes/", {"body": "x", "confidentiality": "team"}).status_code == 404
