"""Sign-in and quick exit in a real browser: what a person sees and what they can do with a keyboard."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.sessions.models import Session

from tests.browser.conftest import Member, PageProblems, sign_in_through_browser, wait_until
from tests.conftest import PASSWORD, totp_code

pytestmark = pytest.mark.browser

SCREENSHOT = "/tmp/reparo-home.png"  # noqa: S108 - a file for a human to look at, not a secret


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def session_key(page: Any) -> str:
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    assert "reparo_session" in cookies, "signed in, the browser should hold a session cookie"
    return cookies["reparo_session"]


def assert_left_and_signed_out(page: Any, key: str, live_server: Any) -> None:
    """The page is gone to the neutral site, the session is over, and coming back asks to sign in."""
    page.wait_for_url("about:blank")
    assert page.title() == ""
    # The sign-out travels by sendBeacon, which does not hold up leaving: wait for the server to act on it.
    assert wait_until(lambda: not Session.objects.filter(session_key=key).exists()), (
        "the quick-exit beacon should have ended the session on the server"
    )
    fresh = page.context.new_page()
    fresh.goto(live_server.url + "/")
    expect(fresh).to_have_url(re.compile(re.escape(live_server.url) + r"/sign-in/(\?next=.*)?$"))
    expect(fresh.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(fresh.get_by_role("heading", name="Welcome")).to_have_count(0)
    fresh.close()


def test_it_signs_in_with_password_and_totp(page: Any, member: Member, live_server: Any) -> None:
    page.goto("/sign-in/")
    expect(page).to_have_title("Sign in · Reparo")
    page.get_by_label("E-mail address").fill(member.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()

    expect(page).to_have_url(live_server.url + "/two-factor/")
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    page.get_by_label("Code").fill(totp_code(member.device))
    page.get_by_role("main").get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(live_server.url + "/")
    expect(page.get_by_role("heading", name="Welcome")).to_be_visible()
    expect(page.get_by_role("link", name="Alice Restorative Service")).to_be_visible()
    expect(page.get_by_text("Coordinator", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_role("button", name="Exit this page")).to_be_visible()
    page.screenshot(path=SCREENSHOT, full_page=True)


def test_it_refuses_a_wrong_code_and_stays_on_the_code_page(page: Any, member: Member, live_server: Any) -> None:
    page.goto("/sign-in/")
    page.get_by_label("E-mail address").fill(member.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    page.get_by_label("Code").fill("000000")
    page.get_by_role("main").get_by_role("button", name="Sign in").click()

    expect(page.get_by_text("That code did not work.")).to_be_visible()
    expect(page).to_have_url(live_server.url + "/two-factor/")
    page.goto("/")
    expect(page).to_have_url(live_server.url + "/two-factor/")


def test_it_leaves_with_the_quick_exit_button(signed_in: Any, live_server: Any) -> None:
    page = signed_in
    key = session_key(page)
    page.get_by_role("button", name="Exit this page").click()
    assert_left_and_signed_out(page, key, live_server)


def test_it_leaves_when_shift_is_pressed_three_times(signed_in: Any, live_server: Any) -> None:
    page = signed_in
    key = session_key(page)
    for _ in range(3):
        page.keyboard.press("Shift")
    assert_left_and_signed_out(page, key, live_server)


def test_it_does_not_leave_on_two_shift_presses_spread_out(page: Any, member: Member, live_server: Any) -> None:
    # A controllable clock, so "more than five seconds later" takes no real time.
    page.clock.install()
    sign_in_through_browser(page, member)
    key = session_key(page)

    page.keyboard.press("Shift")
    page.keyboard.press("Shift")
    # The key handler runs synchronously and blanks the page before leaving: a title and heading mean it stayed.
    assert page.title() == "Home · Reparo"
    expect(page).to_have_url(live_server.url + "/")

    # Two presses, then a third more than five seconds later: still not three within five seconds.
    page.clock.fast_forward("00:06")
    page.keyboard.press("Shift")
    assert page.title() == "Home · Reparo"
    expect(page.get_by_role("heading", name="Welcome")).to_be_visible()
    expect(page).to_have_url(live_server.url + "/")
    assert Session.objects.filter(session_key=key).exists(), "the session should still be open"

    # Reloading the page still works: still signed in.
    page.reload()
    expect(page.get_by_role("heading", name="Welcome")).to_be_visible()


def test_it_shows_no_csp_violations(page: Any, problems: PageProblems, member: Member) -> None:
    sign_in_through_browser(page, member)  # the sign-in page, the code page, then the home page
    expect(page.get_by_role("heading", name="Welcome")).to_be_visible()
    page.wait_for_load_state("load")

    assert problems.csp_violations() == []
    assert problems.errors == [], "no uncaught JavaScript error"
    assert [m for m in problems.console if m.startswith("error")] == []

    # The check can see a violation: an inline script is refused by the policy, and reported.
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.probe = 1';"
        " document.body.appendChild(s); }"
    )
    assert page.evaluate("() => window.probe") is None
    assert wait_until(lambda: bool(problems.csp_violations()), timeout=2)


def test_it_is_usable_by_keyboard(page: Any) -> None:
    page.goto("/sign-in/")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused(timeout=1000)
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Exit this page")).to_be_focused(timeout=1000)


def test_it_reaches_the_quick_exit_by_tab_on_the_sign_in_page(page: Any) -> None:
    page.goto("/sign-in/")
    exit_button = page.get_by_role("button", name="Exit this page")
    for _ in range(12):
        page.keyboard.press("Tab")
        if exit_button.evaluate("el => el === document.activeElement"):
            break
    expect(exit_button).to_be_focused()


def assert_still_on(page: Any, url: str, title: str) -> None:
    page.wait_for_timeout(250)  # a leave would have started by now: the handler runs on the key press
    assert page.url == url
    expect(page).to_have_title(title, timeout=1000)


def test_it_does_not_leave_when_typing_capital_letters(page: Any, live_server: Any) -> None:
    page.goto("/sign-in/")
    page.get_by_label("E-mail address").focus()
    for letter in "ANA":
        page.keyboard.press(f"Shift+{letter}")
    assert_still_on(page, live_server.url + "/sign-in/", "Sign in · Reparo")
    expect(page.get_by_label("E-mail address")).to_have_value("ANA")


def test_it_does_not_leave_when_moving_back_with_shift_tab(page: Any, live_server: Any) -> None:
    page.goto("/sign-in/")
    page.get_by_role("link", name="Forgotten your password?").focus()
    for _ in range(3):
        page.keyboard.press("Shift+Tab")
    assert_still_on(page, live_server.url + "/sign-in/", "Sign in · Reparo")
    expect(page.get_by_label("E-mail address")).to_be_focused()


def test_it_is_usable_by_keyboard_when_signed_in(signed_in: Any, live_server: Any) -> None:
    page = signed_in
    key = session_key(page)
    skip_link = page.get_by_role("link", name="Skip to main content")

    page.keyboard.press("Tab")
    expect(skip_link).to_be_focused()
    box = skip_link.bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0, "the focused skip link should be on screen"
    page.keyboard.press("Enter")
    expect(page.get_by_role("main")).to_be_focused()

    page.goto("/")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Exit this page")).to_be_focused()
    page.keyboard.press("Enter")
    assert_left_and_signed_out(page, key, live_server)


def test_it_leaves_without_javascript(chromium: Any, live_server: Any, member: Member, settings: Any) -> None:
    # Chromium refuses a server redirect to about:blank, so stand in a local page for the neutral site.
    settings.QUICK_EXIT_URL = f"{live_server.url}/healthz"
    context = chromium.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in_through_browser(page, member)
        key = session_key(page)
        with page.expect_response(lambda r: r.url.endswith("/exit/")) as exit_response:
            page.get_by_role("button", name="Exit this page").click()
        page.wait_for_url(f"{live_server.url}/healthz")
        assert exit_response.value.status == 303
        assert not Session.objects.filter(session_key=key).exists()
    finally:
        context.close()
