"""Access: facilitators see their own training records; coordinators (and supervisors, org admins) their
organisation's; outsiders nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from reparo.training import services
from tests.conftest import CsrfClient, sign_in
from tests.training.factories import certify

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(world):
    user = world["facilitator"]
    services.reflection_write(
        actor=user, organisation=world.alice_org, written_on=timezone.localdate(), text="I rushed the opening round"
    )
    services.cpd_add(
        actor=user,
        organisation=world.alice_org,
        done_on=timezone.localdate(),
        hours=2,
        activity="Webinar on interpreters",
    )
    certify(user, world.program)
    return user


def test_a_facilitator_sees_their_own_record_and_nobody_elses(world, records):
    client = sign_in(CsrfClient(), world["facilitator"])
    page = client.get(reverse("training:mine")).content.decode()
    assert "I rushed the opening round" in page and "Webinar on interpreters" in page and "Dialogue program" in page
    other = client.get(reverse("training:person", args=[world["supervisor"].pk]))
    assert other.status_code == 404
    assert client.get(reverse("training:team")).status_code == 404
    assert client.get(reverse("training:framework")).status_code == 404


@pytest.mark.parametrize("role", ["coordinator", "supervisor", "org_admin"])
def test_managers_see_their_organisations_records(world, records, role):
    page = sign_in(CsrfClient(), world[role]).get(reverse("training:person", args=[records.pk])).content.decode()
    assert "Webinar on interpreters" in page
    # Reflections are for the facilitator and the organisation's supervisors only.
    assert ("I rushed the opening round" in page) == (role in ("supervisor", "org_admin"))
    team = sign_in(CsrfClient(), world[role]).get(reverse("training:team")).content.decode()
    assert records.display_name in team


@pytest.mark.parametrize("name", ["person", "observation_add", "supervision_add", "certify"])
def test_outsiders_find_nothing(world, records, name):
    client = sign_in(CsrfClient(), world.charlie)
    url = reverse(f"training:{name}", args=[records.pk])
    response = client.get(url) if name == "person" else client.post_form(url, {})
    assert response.status_code == 404
    assert "Webinar" not in client.get(reverse("training:mine")).content.decode()


def test_the_partner_liaison_has_no_training_pages(world):
    assert sign_in(CsrfClient(), world["partner_liaison"]).get(reverse("training:mine")).status_code == 404


def test_the_team_matrix_shows_current_levels(world, records):
    page = sign_in(CsrfClient(), world["coordinator"]).get(reverse("training:team")).content.decode()
    assert "Trauma-informed practice" in page and "Advanced" in page


def test_an_admin_edits_the_framework_and_a_coordinator_cannot(world):
    from reparo.processes.models import ProcessType
    from reparo.training.framework import requirements_for

    admin = sign_in(CsrfClient(), world["org_admin"])
    assert admin.get(reverse("training:framework")).status_code == 200
    admin.post_form(
        reverse("training:requirement_set"),
        {"process_type": ProcessType.CIRCLE, "competency": "interpreters", "level": 3},
    )
    admin.post_form(
        reverse("training:competency_save"),
        {"code": "restorative_circles", "name": "Circle keeping", "name_es": "Guardar círculos"},
    )
    assert requirements_for(world.alice_org, ProcessType.CIRCLE)["interpreters"] == 3
    coordinator = sign_in(CsrfClient(), world["coordinator"])
    coordinator.post_form(
        reverse("training:requirement_set"),
        {"process_type": ProcessType.CIRCLE, "competency": "interpreters", "level": 0},
    )
    assert requirements_for(world.alice_org, ProcessType.CIRCLE)["interpreters"] == 3
    assert "Circle keeping" in admin.get(reverse("training:framework")).content.decode()
    assert requirements_for(world.charlie_org, ProcessType.CIRCLE).get("interpreters") is None
