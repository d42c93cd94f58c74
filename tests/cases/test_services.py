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


def test_a_task_reparo_writes_reads_in_each_readers_language(world):
    from django.utils import translation
    from django.utils.translation import gettext_noop

    from reparo.cases.models import Task

    case = alice_case(world)
    with translation.override("es"):  # raised while someone works in Spanish: kept in the code's words all the same
        task = services.task_generate(
            case_id=case.pk,
            message=gettext_noop("Follow up an overdue item of the agreement (version %(version)s)"),
            params={"version": 2},
            owner_id=world["facilitator"].pk,
        )
    task = Task.objects.get(pk=task.pk)
    assert task.title == "Follow up an overdue item of the agreement (version 2)"
    assert task.display_title == "Follow up an overdue item of the agreement (version 2)"
    with translation.override("es"):
        assert task.display_title == "Dar seguimiento a un punto vencido del acuerdo (versión 2)"
    # Each reader's case page: the English team member reads English, the Spanish one Spanish.
    client = sign_in(CsrfClient(), world["facilitator"])
    assert "Follow up an overdue item of the agreement (version 2)" in client.get(f"/cases/{case.pk}/").content.decode()
    spanish = client.get(f"/cases/{case.pk}/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Dar seguimiento a un punto vencido del acuerdo (versión 2)" in spanish


def test_a_task_a_person_wrote_stays_as_they_wrote_it(world):
    case = alice_case(world)
    task = services.task_add(actor=world["coordinator"], case=case, title="Llamar a Rosa")
    assert task.display_title == "Llamar a Rosa"
