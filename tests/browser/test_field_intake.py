"""In the browser: what arrived from ODK Central is listed for the coordinator, each submission opens as an intake
draft, and the page fits a phone. ODK Central is the recorded answer served at the HTTP layer."""

from __future__ import annotations

from typing import Any

import pytest

from reparo.cases.models import Case
from reparo.interop import services
from reparo.organisations.models import Program
from tests.browser.conftest import Member, PageProblems
from tests.interop.central_stub import CONF, StubCentral

pytestmark = pytest.mark.browser

SCREENSHOTS = "/tmp/reparo-field-intake-{width}.png"  # noqa: S108 - files for a human to look at, not secrets


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def test_a_coordinator_reviews_field_intake_and_opens_a_case(
    signed_in: Any, member: Member, problems: PageProblems, monkeypatch: Any, settings: Any
) -> None:
    page = signed_in
    settings.ODK_CENTRAL = CONF
    StubCentral().install(monkeypatch)
    program = Program.objects.create(organisation=member.organisation, name="Field referrals")
    services.field_intake_pull(actor=member.user, organisation=member.organisation, program=program)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Data exchange").click()
    page.get_by_role("link", name="Field intake").click()
    expect(page).to_have_title("Field intake · Reparo")
    expect(page.get_by_text("Waiting for your review")).to_have_count(3)
    page.get_by_text("2 answers to check").click()
    expect(page.get_by_text("“Female” is not one of the standard's values for Gender.")).to_be_visible()
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=SCREENSHOTS.format(width=width), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_role("link", name="Review the draft").nth(1).click()  # Amara's, sent second
    expect(page.get_by_text("This draft came from field intake")).to_be_visible()
    expect(page.get_by_label("Given name").first).to_have_value("Amara")
    page.get_by_role("button", name="Open the case").click()
    case = Case.objects.get()
    expect(page.get_by_role("heading", name=case.reference)).to_be_visible()
    assert case.htcds_extra["cas_ReferringOrganisation"] == "Harbour Outreach"

    page.goto(f"/exchange/{member.organisation.pk}/field-intake/")
    expect(page.get_by_text("Case opened")).to_have_count(1)
    expect(page.get_by_role("link", name=case.reference)).to_be_visible()
    assert not problems.csp_violations() and not problems.errors
