"""In the browser: the home page's desks and the help pages at 1280 and 390 px (nothing scrolls sideways), the
"what this page is for" note opening without a script, and a role's guide printing on one page."""

from __future__ import annotations

import io
from typing import Any

import pytest

from tests.browser.conftest import PageProblems

pytestmark = pytest.mark.browser

PAGES = ["/", "/help/", "/help/glossary/", "/help/guides/coordinator/", "/help/guides/partner_liaison/"]


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


@pytest.mark.parametrize("width", [1280, 390])
def test_it_fits_the_screen_at_every_width(signed_in: Any, problems: PageProblems, width: int) -> None:
    page = signed_in
    page.set_viewport_size({"width": width, "height": 900})
    for path in PAGES:
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, path
    assert problems.csp_violations() == []


def test_the_home_page_shows_the_coordinators_desk(signed_in: Any) -> None:
    page = signed_in
    expect(page.get_by_role("heading", name="Coordination", level=2)).to_be_visible()
    expect(page.get_by_role("heading", name="Cases needing attention")).to_be_visible()
    expect(page.get_by_role("heading", name="Overdue tasks")).to_be_visible()
    expect(page.get_by_text("No task is overdue.")).to_be_visible()
    page.get_by_role("link", name="The one-page guide for: Coordinator").click()
    expect(page.get_by_role("heading", name="Guide for coordinators", level=1)).to_be_visible()


def test_what_this_page_is_for_opens_and_leads_to_the_glossary(signed_in: Any, problems: PageProblems) -> None:
    page = signed_in
    page.goto("/cases/")
    note = page.locator("details.page-help")
    expect(note.get_by_text("Every case you can see")).to_be_hidden()
    note.get_by_text("What this page is for").click()
    expect(note.get_by_text("Every case you can see")).to_be_visible()
    note.get_by_role("link", name="Words used here, explained").click()
    expect(page.get_by_role("heading", name="Glossary", level=1)).to_be_visible()
    expect(page.locator("#case")).to_be_visible()
    assert problems.csp_violations() == []


def test_a_guide_prints_on_one_page_without_the_screens_furniture(signed_in: Any) -> None:
    from pypdf import PdfReader

    page = signed_in
    page.goto("/help/guides/facilitator/")
    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="Exit this page")).to_be_hidden()
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    pdf = PdfReader(io.BytesIO(page.pdf(format="A4")))
    assert len(pdf.pages) == 1
    assert "Guide for facilitators" in pdf.pages[0].extract_text()
