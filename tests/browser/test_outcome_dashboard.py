"""In the browser: the outcome dashboard renders its charts (accessible SVG) and the tables beside them, with small
counts shown as "fewer than 11", and no CSP violation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from reparo.cases.models import CaseStatus
from reparo.organisations.models import Program
from tests.analytics import factories as f
from tests.browser.conftest import Member, PageProblems

pytestmark = pytest.mark.browser


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def test_it_renders_the_charts_and_their_tables(signed_in: Any, member: Member, problems: PageProblems) -> None:
    page = signed_in
    program = Program.objects.create(organisation=member.organisation, name="Survivor-led dialogue")
    for _ in range(12):
        f.process_with_agreement(f.case(program, recorder=member.user, status=CaseStatus.CLOSED))
    for _ in range(20):
        f.case(program, recorder=member.user, status=CaseStatus.WITHDRAWN)
    for _ in range(3):
        f.case(program, recorder=member.user, status=CaseStatus.INTAKE)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Outcomes").click()
    page.get_by_role("link", name="Survivor-led dialogue").click()
    expect(page).to_have_title("Outcomes · Reparo")
    expect(page.get_by_role("heading", name="Survivor-led dialogue", level=1)).to_be_visible()

    stages = page.locator("#funnel")
    expect(stages.get_by_role("img", name="Cases by stage")).to_be_visible()
    table = stages.get_by_role("table")
    expect(table.get_by_role("row", name="Withdrawn 20")).to_be_visible()
    expect(table.get_by_role("row", name="Intake fewer than 11")).to_be_visible()
    # 3 + 12 = 15: the closed cases are hidden too, or "all but withdrawn" would give the 3 away.
    expect(table.get_by_role("row", name="Closed not shown")).to_be_visible()
    expect(table.get_by_role("row", name="Total 35")).to_be_visible()
    # Ten outcome panels and the two support-circle panels (self-esteem and social support; goals).
    expect(page.locator("svg[role=img]")).to_have_count(12)
    expect(page.locator("table.table")).to_have_count(12)
    expect(page.get_by_role("heading", name="Improvement log")).to_be_visible()
    # The report is made in the background: the button goes to its page, which offers the download when it is done
    # (at once with the tests' task backend).
    page.get_by_role("button", name="Make the report (PDF)").click()
    expect(page.get_by_role("heading", name="Outcome report (PDF)", level=1)).to_be_visible()
    expect(page.get_by_text("Ready", exact=True)).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("main").get_by_role("link", name="Download", exact=True).click()
    assert download.value.suggested_filename == "outcome-report.pdf"
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
    page.get_by_role("link", name="Back to where you started").click()
    expect(page.get_by_role("heading", name="Survivor-led dialogue", level=1)).to_be_visible()
    assert not problems.csp_violations() and not problems.errors
