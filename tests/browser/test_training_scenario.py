"""In the browser: practise a role-play scenario to its end (htmx player), and see the score recorded."""

from __future__ import annotations

from typing import Any

import pytest

from reparo.accounts.models import Membership, Role
from reparo.training.models import ScenarioAttempt
from reparo.training.scenarios import scenario_get
from tests.browser.conftest import Member, PageProblems

pytestmark = pytest.mark.browser


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def test_it_plays_a_scenario_to_its_end(signed_in: Any, member: Member, problems: PageProblems) -> None:
    page = signed_in
    Membership.objects.create(user=member.user, organisation=member.organisation, role=Role.FACILITATOR)
    scenario = scenario_get("interpreter-new-disclosure")
    assert scenario is not None

    page.get_by_role("link", name="Training").first.click()
    expect(page.get_by_role("heading", name="My training")).to_be_visible()
    page.get_by_role("link", name="Practise a scenario").click()
    panel = page.locator("section.panel").filter(has=page.get_by_role("heading", name=scenario.title))
    panel.get_by_role("button", name="Start").click()
    expect(page.get_by_role("heading", name=scenario.title)).to_be_visible()

    # The best answer at each point, chosen by its visible text; htmx swaps the player in place.
    node = scenario.node(scenario.start)
    steps = 0
    while node is not None and not node.is_end:
        best = max(node.choices, key=lambda c: c.total)
        expect(page.locator("#player").get_by_text(node.situation)).to_be_visible()
        page.get_by_label(best.text).check()
        page.get_by_role("button", name="Choose").click()
        expect(page.locator("#feedback").get_by_text(best.feedback)).to_be_visible()
        node = scenario.node(best.next) if best.next else None
        steps += 1

    expect(page.get_by_role("heading", name="Result")).to_be_visible()
    expect(page.get_by_text("Score: 100% (pass mark 70%).")).to_be_visible()
    attempt = ScenarioAttempt.objects.get(user=member.user)
    assert attempt.passed and attempt.percent == 100 and len(attempt.steps) == steps == 4
    assert attempt.scores == {"interpreters": 11, "safeguarding": 10, "trauma_informed": 9, "cultural": 6}

    page.get_by_role("link", name="Back to the scenarios").click()
    expect(page.get_by_text("You have passed this scenario.")).to_be_visible()
    assert not problems.csp_violations() and not problems.errors
