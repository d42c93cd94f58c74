"""Writes on a case: each refuses what does not fit, in plain words, and changes nothing then."""

import pytest
from django.core.exceptions import ValidationError

from reparo.cases import services
from reparo.cases.models import Harm
from tests.cases.factories import alice_case
from tests.conftest import CsrfClient, sign_in

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "team_role"),
    [("evaluator", "lead_facilitator"), ("cosa_volunteer", "case_worker"), ("case_worker", "supervisor")],
)
def test_it_refuses_a_team_role_that_does_not_fit_the_organisation_role(world, role, team_role):
    case = alice_case(world)
    with pytest.raises(ValidationError):
        services.team_member_add(actor=world["coordinator"], case=case, user=world[role], role=team_role)
    assert not case.team.filter(user=world[role], role=team_role).exists()


def test_it_refuses_an_empty_harm(world):
    case = alice_case(world)
    before = Harm.objects.count()
    with pytest.raises(ValidationError):
        services.harm_add(actor=world["facilitator"], case=case)
    client = sign_in(CsrfClient(), world["facilitator"])
    client.post_form(f"/cases/{case.pk}/harms/", {})
    assert Harm.objects.count() == before
