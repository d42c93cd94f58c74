"""Reads limited to what the actor may see: cases through a role on them or in their organisation."""

import pytest

from reparo.access import services as access_services
from reparo.access.capabilities import Capability
from reparo.accounts.models import Membership, Role
from reparo.cases.models import IntakeDraft
from reparo.cases.selectors import person_get_for
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


@pytest.mark.parametrize("program", ["²", "①", "99999999999999999999999", "12abc", ""])
def test_it_keeps_a_draft_in_the_actors_organisation_whatever_program_is_sent(world, program):
    # A superscript or circled digit passes str.isdigit() but not int(): it must not reach the database (a 500).
    client = sign_in(CsrfClient(), world["case_worker"])
    response = client.post_form("/cases/new/", {"program": program, "given_name": "Drafty", "save_draft": "1"})
    assert response.status_code == 302
    assert IntakeDraft.objects.get().organisation == world.alice_org


@pytest.mark.parametrize("need", [Capability.ERASE_PEOPLE, Capability.MANAGE_CASE_TEAM, Capability.RELAY_MESSAGES])
def test_it_refuses_to_look_up_a_person_for_a_need_it_cannot_check(world, need):
    # The CoSA volunteer sees the responsible person, but may do none of these: a lookup that quietly ignored the
    # need would hand them the person as if it had been checked.
    responsible = alice_case(world).participants.get(role="responsible").person
    assert person_get_for(world["cosa_volunteer"], responsible.pk) == responsible
    with pytest.raises(ValueError, match="need"):
        person_get_for(world["cosa_volunteer"], responsible.pk, need=need)
