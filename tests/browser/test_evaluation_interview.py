"""In the browser: a survey due for a person who agreed to evaluation is completed as a staff interview, with
the questions shown in Spanish, and its score is stored."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from reparo.consent.services import consent_record
from reparo.evaluation import services
from reparo.evaluation.models import SurveyResponse
from reparo.organisations.models import Program
from tests.browser.conftest import Member, PageProblems
from tests.cases.factories import open_case

pytestmark = pytest.mark.browser

WHO5_ES = [
    "Me he sentido alegre y de buen humor",
    "Me he sentido tranquilo/a y relajado/a",
    "Me he sentido activo/a y enérgico/a",
    "Me he despertado fresco/a y descansado/a",
    "Mi vida diaria ha estado llena de cosas que me interesan",
]


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def test_it_completes_an_interview_in_spanish(signed_in: Any, member: Member, problems: PageProblems) -> None:
    page = signed_in
    program = Program.objects.create(organisation=member.organisation, name="Dialogue program")
    case = open_case(actor=member.user, program=program)
    survivor = case.participants.get(role="survivor").person
    consent_record(actor=member.user, person=survivor, purpose="evaluation", method="written",
                   given_at=timezone.now() - datetime.timedelta(days=1))  # fmt: skip
    services.schedule_line_add(actor=member.user, program=program, instrument="who5", timepoint="baseline",
                               audience="survivors")  # fmt: skip
    services.surveys_assign_due()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Surveys").click()
    expect(page).to_have_title("Surveys · Reparo")
    page.get_by_role("link", name=survivor.display_code).click()
    expect(page).to_have_title("Interview · Reparo")
    page.get_by_role("link", name="Show the questions in Spanish").click()
    for n, text in enumerate(WHO5_ES, start=1):
        page.get_by_role("group", name=f"{n}. {text}").get_by_label("La mayor parte del tiempo").check()
    page.get_by_role("button", name="Save the answers").click()

    expect(page.get_by_text("The answers are saved.")).to_be_visible()
    response = SurveyResponse.objects.get()
    assert (response.total, response.band, response.extra["percentage"], response.language) == (
        20,
        "adequate",
        80,
        "es",
    )
    assert not problems.csp_violations() and not problems.errors
