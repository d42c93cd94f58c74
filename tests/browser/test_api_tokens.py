"""In the browser: an organisation admin makes an API token from the main menu, copies its secret (shown once), a
system calls the API with it, the admin revokes it and the next call is refused. The token page and the API reference
work at 1280 and 390 px wide without sideways scrolling and without a CSP complaint."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from reparo.accounts.models import Membership, Role
from tests.browser.conftest import Member, PageProblems, sign_in_through_browser
from tests.conftest import make_user

pytestmark = pytest.mark.browser

SCREENS = Path(os.environ.get("REPARO_SCREENSHOTS", "")) if os.environ.get("REPARO_SCREENSHOTS") else None


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def _fits(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def _shots(page: Any, name: str) -> None:
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        assert _fits(page), f"{name} scrolls sideways at {width} px"
        if SCREENS is not None:
            page.screenshot(path=str(SCREENS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_an_admin_makes_uses_and_revokes_a_token(
    page: Any, member: Member, problems: PageProblems, context: Any, live_server: Any
) -> None:
    admin = make_user("admin@alice.example", full_name="Alice Admin")
    Membership.objects.create(user=admin, organisation=member.organisation, role=Role.ORG_ADMIN)
    sign_in_through_browser(page, Member(admin, TOTPDevice.objects.get(user=admin), member.organisation))

    page.get_by_role("navigation").get_by_role("link", name="API tokens").first.click()
    page.get_by_role("link", name="Alice Restorative Service").click()
    page.get_by_label("Name").fill("Data warehouse")
    page.get_by_label("Read our published releases (public figures)").check()
    page.get_by_role("button", name="Make the token").click()
    secret = page.locator("#new-token").inner_text()
    assert re.fullmatch(r"rpt_[0-9a-f]{16}_[A-Za-z0-9_-]{43}", secret)
    expect(page.get_by_text("Copy it now: it is shown only this once.")).to_be_visible()
    _shots(page, "api-tokens-made")

    url = f"{live_server.url}/api/v1/token/"
    called = context.request.get(url, headers={"Authorization": f"Bearer {secret}"})
    assert called.status == 200 and called.json()["scopes"] == ["statistics:read"]

    page.goto(page.url)  # the secret is not shown again
    expect(page.locator("#new-token")).to_have_count(0)
    page.get_by_role("button", name="Revoke").click()
    expect(page.get_by_text("The token is revoked")).to_be_visible()
    expect(page.get_by_text("Revoked", exact=True)).to_be_visible()
    _shots(page, "api-tokens-list")
    refused = context.request.get(url, headers={"Authorization": f"Bearer {secret}"})
    assert refused.status == 401 and refused.headers["content-type"] == "application/problem+json"

    page.goto("/api/docs/")
    expect(page.get_by_role("heading", name="API reference", exact=True)).to_be_visible()
    _shots(page, "api-reference")
    assert not problems.csp_violations() and not problems.errors
