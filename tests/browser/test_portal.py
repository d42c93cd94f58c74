"""In the browser, on a phone-sized screen (390 px): a survivor sets up their sign-in with the invitation code and the
printed list of codes, answers a WHO-5 and withdraws a consent, without sideways scrolling or a blocked script."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from reparo.consent.models import Consent
from reparo.consent.services import consent_record
from reparo.evaluation.models import SurveyResponse
from reparo.evaluation.services import schedule_line_add, surveys_assign_due
from reparo.organisations.models import Program
from reparo.portal.services import invitation_issue
from tests.browser.conftest import TIMEOUT_MS, Member, PageProblems, main_menu

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def _no_sideways_scroll(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url


@pytest.fixture
def phone(chromium: Any, live_server: Any) -> Any:
    ctx = chromium.new_context(base_url=live_server.url, locale="en-GB", viewport=PHONE, is_mobile=True)
    ctx.set_default_timeout(TIMEOUT_MS)
    page = ctx.new_page()
    problems = PageProblems(console=[], errors=[])
    page.on("console", lambda m: problems.console.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda exc: problems.errors.append(str(exc)))
    yield page, problems
    ctx.close()


def test_a_survivor_sets_up_answers_a_who5_and_withdraws_a_consent(member: Member, phone: Any) -> None:
    from tests.cases.factories import open_case

    page, problems = phone
    coordinator = member.user
    program = Program.objects.create(organisation=member.organisation, name="Dialogue")
    case = open_case(actor=coordinator, program=program, survivor_name=("Paloma", "Phoneuser"))
    survivor = case.participants.get(role="survivor").person
    for purpose in ("portal", "evaluation"):
        consent_record(actor=coordinator, person=survivor, purpose=purpose, method="written", case=case,
                       given_at=timezone.now() - datetime.timedelta(minutes=5))  # fmt: skip
    schedule_line_add(actor=coordinator, program=program, instrument="who5", timepoint="baseline", audience="survivors")
    surveys_assign_due()
    issued = invitation_issue(actor=coordinator, case=case, person=survivor, channel="in_person", printed_codes=True)

    page.goto("/my/start/")
    _no_sideways_scroll(page)
    page.get_by_label("Your code").fill(issued.code.lower())
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text(issued.sign_in_name)).to_be_visible()
    page.get_by_label("Choose a passphrase").fill("sea glass lantern morning")
    page.get_by_label("Type it again").fill("sea glass lantern morning")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("link", name="The printed list of codes I was given").click()
    page.get_by_label("Code").fill(issued.printed_codes[3])
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Hello")).to_be_visible()
    assert page.title() == "Home · Appointments"
    _no_sideways_scroll(page)

    page.get_by_role("link", name="Questionnaires").click()
    page.get_by_role("link", name="WHO-5 Well-Being Index").click()
    _no_sideways_scroll(page)
    for n, answer in enumerate(("Most of the time", "Some of the time", "All of the time", "At no time",
                                "More than half of the time"), start=1):  # fmt: skip
        page.get_by_role("group", name=f"{n}.").get_by_label(answer, exact=True).check()
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_text("Thank you. Your answers are saved.")).to_be_visible()
    response = SurveyResponse.objects.get(person=survivor)
    assert response.mode == "self" and response.total is not None

    main_menu(page).get_by_role("link", name="Your choices").click()
    _no_sideways_scroll(page)
    row = page.locator("#current li", has_text="Your answers to questionnaires")
    row.get_by_role("button", name="Withdraw").click()
    expect(page.get_by_text("Withdrawn. It applies from now on.")).to_be_visible()
    consent = Consent.objects.get(person=survivor, purpose="evaluation")
    assert consent.withdrawn_at is not None and consent.withdrawal_recorded_via == "self_service"
    expect(page.locator("#offers strong", has_text="Your answers to questionnaires")).to_be_visible()
    assert not [m for m in problems.console + problems.errors if "content security policy" in m.lower()]
    assert not problems.errors
