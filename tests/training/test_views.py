"""Every training page renders for the people it is for, in English and Spanish, with a neutral title."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from reparo.training import services
from reparo.training.models import Observation
from tests.conftest import CsrfClient, page_title, sign_in
from tests.processes.factories import ready_process

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("role", ["facilitator", "coordinator", "supervisor", "org_admin"])
def test_every_page_renders(world, role, language):
    process = ready_process(world)
    course = services.course_create(
        actor=world["coordinator"], organisation=world.alice_org, title="Law", competencies=[]
    )
    services.course_session_add(actor=world["coordinator"], course=course, starts_at=timezone.now(), hours=2)
    services.enrol(actor=world["facilitator"], course=course, user=world["facilitator"])
    attempt = services.attempt_start(
        actor=world["facilitator"],
        organisation=world.alice_org,
        scenario_id="pressured-to-forgive",
        partner=world["supervisor"],
    )
    client = sign_in(CsrfClient(), world[role])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    manager = role != "facilitator"
    urls = [
        (reverse("training:mine"), True),
        (reverse("training:courses"), True),
        (reverse("training:course", args=[course.pk]), True),
        (reverse("training:scenarios"), True),
        (reverse("training:person", args=[world["facilitator"].pk]), True),
        (reverse("training:attempt", args=[attempt.pk]), role in ("facilitator", "supervisor") or manager),
        (reverse("training:team"), manager),
        (reverse("training:expiring"), manager),
        (reverse("training:framework"), manager),
        (
            reverse("training:eligibility", args=[process.pk]),
            role != "supervisor",  # who may assign: the coordinator, an org admin, the lead facilitator
        ),
    ]
    for url, allowed in urls:
        response = client.get(url)
        assert response.status_code == (200 if allowed else 404), url
        if allowed:
            html = response.content.decode()
            title = page_title(html).lower()
            assert not any(word in title for word in ("survivor", "trafficking", "sobreviviente", "trata")), url
            assert 'style="' not in html and "<script>" not in html
            if language == "es":
                assert 'lang="es"' in html


def test_a_coordinator_records_a_conflict_a_facilitator_told_them_about(world):
    from reparo.training.eligibility import facilitator_eligibility
    from reparo.training.models import ConflictOfInterest

    process = ready_process(world)
    facilitator = world["facilitator"]
    url = reverse("training:conflict_for", args=[facilitator.pk])
    form = {"case_reference": process.case.reference, "description": "Knows the family"}
    # Neither an outsider nor a colleague without a managing role can record one for someone else.
    for who in (world.charlie, world["case_worker"]):
        assert sign_in(CsrfClient(), who).post_form(url, form).status_code == 404
    assert not ConflictOfInterest.objects.exists()

    response = sign_in(CsrfClient(), world["coordinator"]).post_form(url, form)
    assert response.status_code == 302
    conflict = ConflictOfInterest.objects.get()
    assert conflict.user == facilitator and conflict.case == process.case
    assert "conflict" in facilitator_eligibility(process, facilitator).codes_against


def test_the_colleague_form_asks_for_the_shared_session(world):
    client = sign_in(CsrfClient(), world["case_worker"])
    data = {
        "facilitator": world["facilitator"].pk,
        "observer_role": "co_facilitator",
        "observed_on": timezone.localdate().isoformat(),
        "rating_mediation": "4",
    }
    client.post_form(reverse("training:observe"), data, follow=True)
    assert not Observation.objects.exists()


def test_the_framework_page_shows_the_requirements_form_to_admins_only(world):
    url = reverse("training:program_settings", args=[world.program.pk])
    page = sign_in(CsrfClient(), world["coordinator"]).get(reverse("training:framework")).content.decode()
    assert url not in page and "Satisfactory observed sessions" in page
    page = sign_in(CsrfClient(), world["org_admin"]).get(reverse("training:framework")).content.decode()
    assert url in page
