"""In the browser: the outcome dashboard renders its charts (accessible SVG) and the tables beside them, with small
counts shown as "fewer than 11", and no CSP violation."""

from __future__ import annotations

import re
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


CHART_TEXT = """() => {
  const problems = [];
  let smallest = Infinity, texts = 0;
  for (const svg of document.querySelectorAll('.figure svg[role=img]')) {
    const width = svg.viewBox.baseVal.width;
    for (const t of svg.querySelectorAll('text')) {
      texts += 1;
      const px = parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a;
      smallest = Math.min(smallest, px);
      const box = t.getBBox();
      if (box.x < -1 || box.x + box.width > width + 1) problems.push('cut: ' + t.textContent);
      if (t.textContent.includes('…')) problems.push('shortened: ' + t.textContent);
    }
  }
  return {problems, smallest, texts};
}"""


@pytest.mark.parametrize("width", [1280, 390])
def test_it_lays_the_panels_out_readably_with_the_headline_figures_first(
    signed_in: Any, member: Member, problems: PageProblems, width: int
) -> None:
    page = signed_in
    program = Program.objects.create(organisation=member.organisation, name="Survivor-led dialogue")
    for i in range(14):
        c = f.case(program, recorder=member.user, status=CaseStatus.CLOSED)
        f.process_with_agreement(c)
        f.scores(c, "who5", 40 + i % 5, 55 + i % 3, recorder=member.user)
        f.scores(c, "mspss", 3.0 + i % 4 / 10, 4.0, recorder=member.user)
    for _ in range(12):
        f.process_with_agreement(f.case(program, recorder=member.user, status=CaseStatus.CLOSED), type="circle")
    for _ in range(12):
        f.case(program, recorder=member.user, status=CaseStatus.INTAKE)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"/outcomes/{member.organisation.pk}/programs/{program.pk}/")

    # The headline figures come first, before any chart.
    summary = page.locator(".summary-figures")
    expect(summary.get_by_text("Processes completed")).to_be_visible()
    # 14 completed mediations shown, 12 circles "not shown" (so that the zeros of the other kinds, below 11,
    # cannot be worked out): the sum is a lower bound.
    expect(summary.locator("#summary-completed dd").first).to_have_text("at least 14")
    expect(summary.locator("#summary-met dd").first).to_have_text(re.compile(r"^(100%|—)$"))
    expect(summary.locator("#summary-wellbeing dt")).to_have_text("Change in well-being (WHO-5)")
    assert summary.bounding_box()["y"] < page.locator(".figure").first.bounding_box()["y"]
    # Every chart keeps its description and its table; its text is never below 12 pixels, nor cut.
    for figure in page.locator("section.figure").all():
        assert figure.locator("svg[role=img]").count() == 1
        assert figure.locator("figcaption").inner_text().strip()
        assert figure.locator("table.table").count() == 1
    text = page.evaluate(CHART_TEXT)
    assert text["texts"] > 50 and not text["problems"], text
    assert text["smallest"] >= 12, f"chart text is {text['smallest']:.1f} pixels at {width}"
    # The MSPSS label, long, is all there (it used to lose its start: "hensional Scale of Perceived Social …").
    mspss = page.locator("#outcomes svg").text_content() or ""
    assert "Multidimensional Scale of Perceived" in " ".join(mspss.split())
    layout = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert layout[0] <= layout[1]
    if width == 1280:  # panels side by side, not one long column
        tops = {round(p.bounding_box()["y"]) for p in page.locator("section.figure:not(.figure--wide)").all()}
        assert len(tops) < page.locator("section.figure:not(.figure--wide)").count()
    assert not problems.csp_violations() and not problems.errors
