"""The activity trail an organisation admin sees: their organisation's events only."""

import pytest
from django.core.exceptions import ValidationError

from reparo.access import services as access_services
from reparo.accounts.models import Membership, Role
from tests.cases.factories import alice_case
from tests.conftest import CsrfClient, sign_in

pytestmark = pytest.mark.django_db


def test_it_does_not_show_another_organisations_trail_to_an_admin(world):
    case = alice_case(world)
    survivor = case.participants.get(role="survivor").person
    sign_in(CsrfClient(), world["case_worker"]).get(f"/people/{survivor.pk}/identity/")
    with pytest.raises(ValidationError):
        access_services.membership_add(
            actor=world.charlie, organisation=world.charlie_org, email=world["case_worker"].email, role=Role.EVALUATOR
        )
    # Even someone who really works for both organisations does not carry Alice's events to Charlie.
    Membership.objects.create(user=world["case_worker"], organisation=world.charlie_org, role=Role.EVALUATOR)
    html = sign_in(CsrfClient(), world.charlie).get("/activity/").content.decode()
    assert "identity viewed" not in html and str(survivor.pk)[:8] not in html
    admin = sign_in(CsrfClient(), world["org_admin"]).get("/activity/").content.decode()
    assert "Person&#x27;s identity viewed" in admin
