"""In the browser: a job's page follows the work as the worker does it (htmx polling, no inline script), then offers
the download; the list of downloads; both at a phone's width without sideways scrolling."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from reparo.jobs import services
from reparo.jobs.models import JobStep
from tests.browser.conftest import Member, PageProblems
from tests.jobs.fixtures import TEST_KIND

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("REPARO_SCREENSHOTS", "")  # a folder to keep screenshots of the pages in, when set


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def shoot(page: Any, name: str) -> None:
    if SHOTS:
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=str(Path(SHOTS) / f"{name}-{width}.png"), full_page=True)
        page.set_viewport_size({"width": 1280, "height": 900})


def no_sideways_scrolling(page: Any) -> bool:
    page.set_viewport_size({"width": 390, "height": 844})
    fits = page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    page.set_viewport_size({"width": 1280, "height": 900})
    return bool(fits)


def test_the_job_page_follows_the_work_and_then_offers_the_file(
    signed_in: Any, member: Member, problems: PageProblems, sample: Any, settings: Any
) -> None:
    page = signed_in
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}  # queued, not run
    job = services.job_start(
        actor=member.user, organisation=member.organisation, kind=TEST_KIND,
        params={"organisation": member.organisation.pk}, subject=member.organisation.name,
    )  # fmt: skip
    page.goto(f"/downloads/{job.pk}/")
    expect(page.get_by_role("heading", name="Sample file", level=1)).to_be_visible()
    expect(page.get_by_text("Waiting to start")).to_be_visible()
    shoot(page, "job-waiting")

    def slow(w: Any) -> None:
        w.progress(JobStep.WRITING, 0.5)
        # The page learns of it by itself (it asks every two seconds), without a reload.
        expect(page.get_by_text("Writing the file")).to_be_visible(timeout=8000)
        expect(page.locator("progress")).to_have_attribute("value", "50")
        shoot(page, "job-running")
        w.write("first line\n")
        w.done(filename="sample.txt", content_type="text/plain; charset=utf-8")

    sample.run = slow
    services.job_run(str(job.pk))  # what the worker does
    expect(page.get_by_text("Ready", exact=True)).to_be_visible(timeout=8000)
    expect(page.get_by_role("main").get_by_role("link", name="Download", exact=True)).to_be_visible()
    shoot(page, "job-ready")
    with page.expect_download() as download:
        page.get_by_role("main").get_by_role("link", name="Download", exact=True).click()
    assert Path(download.value.path()).read_bytes() == b"first line\n"
    assert no_sideways_scrolling(page)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Downloads").click()
    expect(page.get_by_role("heading", name="Downloads", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Sample file", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Download Sample file")).to_be_visible()
    shoot(page, "job-list")
    assert no_sideways_scrolling(page)
    assert not problems.csp_violations() and not problems.errors


def test_a_failed_job_says_why(signed_in: Any, member: Member, problems: PageProblems, sample: Any) -> None:
    def broken(w: Any) -> None:
        raise RuntimeError("out of memory")

    sample.run = broken
    job = services.job_start(
        actor=member.user, organisation=member.organisation, kind=TEST_KIND,
        params={"organisation": member.organisation.pk}, subject=member.organisation.name,
    )  # fmt: skip
    page = signed_in
    page.goto(f"/downloads/{job.pk}/")
    expect(page.get_by_role("alert")).to_contain_text("Something went wrong on our side")
    expect(page.get_by_text("Could not be finished", exact=True)).to_be_visible()
    shoot(page, "job-failed")
    assert no_sideways_scrolling(page)
    assert not problems.csp_violations() and not problems.errors
