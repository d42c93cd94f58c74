"""Browser fixtures: Playwright driving the system Chromium against pytest-django's live server.

Nothing is downloaded: the browser is Debian's ``chromium`` package at ``/usr/bin/chromium`` (``.ci/run``
installs it). Without it, or without the ``playwright`` package, every browser test is skipped with a reason.
Only 127.0.0.1 is reached: quick exit goes to ``about:blank`` in the test settings.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from reparo.accounts.models import Membership, Role, User
from reparo.organisations.models import HTCDSOrganisationType, Organisation, OrganisationKind
from tests.conftest import PASSWORD, make_user, totp_code

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """The system Chromium, launched headless once per module; skips when it (or Playwright) is missing."""
    if not CHROMIUM.exists():
        pytest.skip(f"system Chromium not installed at {CHROMIUM}; .ci/run installs it (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the playwright package is not installed; install the dev extras (pip install -e '.[dev]')")
    # Playwright's sync API keeps an asyncio loop running in this thread, so Django's "async unsafe" guard
    # would refuse the ORM calls the tests make (creating users, flushing the database). Allowed only while
    # the browser is up, so the rest of the suite keeps the guard.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def context(chromium: Any, live_server: Any) -> Iterator[Any]:
    """A fresh browser profile (cookies, storage) per test, pointed at the live server."""
    ctx = chromium.new_context(base_url=live_server.url, locale="en-GB", viewport={"width": 1280, "height": 900})
    ctx.set_default_timeout(TIMEOUT_MS)
    ctx.set_default_navigation_timeout(TIMEOUT_MS)
    try:
        yield ctx
    finally:
        ctx.close()


@dataclass
class PageProblems:
    """Everything the browser complained about while a page was open."""

    console: list[str]
    errors: list[str]

    def csp_violations(self) -> list[str]:
        return [m for m in self.console + self.errors if "content security policy" in m.lower()]


# Reports CSP violations to the console even in the (unlikely) case Chromium's own report is not relayed.
_CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.error("Content Security Policy violation: " + e.violatedDirective + " blocked " + e.blockedURI);
});
"""


@pytest.fixture
def page(context: Any) -> Iterator[Any]:
    p = context.new_page()
    p.add_init_script(_CSP_LISTENER)
    yield p
    p.close()


@pytest.fixture
def problems(page: Any) -> PageProblems:
    """Console messages (warnings and errors) and uncaught page errors, collected from the start."""
    collected = PageProblems(console=[], errors=[])
    page.on(
        "console",
        lambda msg: collected.console.append(f"{msg.type}: {msg.text}") if msg.type in ("error", "warning") else None,
    )
    page.on("pageerror", lambda exc: collected.errors.append(str(exc)))
    return collected


@dataclass
class Member:
    user: User
    device: TOTPDevice
    organisation: Organisation

    @property
    def email(self) -> str:
        return self.user.email


@pytest.fixture
def member(transactional_db: Any) -> Member:
    """A coordinator in one organisation, enrolled with a TOTP device (committed, so the live server sees it)."""
    organisation = Organisation.objects.create(
        name="Alice Restorative Service", kind=OrganisationKind.OPERATOR, htcds_type=HTCDSOrganisationType.NGO
    )
    user = make_user("coordinator@alice.example", full_name="Alice Coordinator")
    Membership.objects.create(user=user, organisation=organisation, role=Role.COORDINATOR)
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    return Member(user=user, device=device, organisation=organisation)


def sign_in_through_browser(page: Any, member: Member) -> None:
    """The whole sign-in as a person does it: e-mail and password, then the code, ending on the home page."""
    from playwright.sync_api import expect

    page.goto("/sign-in/")
    page.get_by_label("E-mail address").fill(member.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    page.get_by_label("Code").fill(totp_code(member.device))
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Welcome")).to_be_visible()
    # The quick-exit script is deferred: it has run once the DOM content is loaded.
    page.wait_for_load_state("domcontentloaded")


@pytest.fixture
def signed_in(page: Any, member: Member) -> Any:
    sign_in_through_browser(page, member)
    return page


def wait_until(condition: Callable[[], bool], *, timeout: float = 5.0, interval: float = 0.05) -> bool:
    """Poll ``condition`` until it holds or ``timeout`` seconds pass; returns its last value."""
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def main_menu(page: Any) -> Any:
    """The main navigation; on a phone it is folded behind its "Menu" button, which this opens first."""
    menu = page.get_by_role("button", name="Menu")
    if menu.is_visible() and menu.get_attribute("aria-expanded") != "true":
        menu.click()
    return page.get_by_role("navigation", name="Main")


# --- accessibility: axe-core ----------------------------------------------------------------------------------------

# axe-core comes from the npm registry (`.ci/run` installs the pinned version into var/axe); AXE_CORE_JS may name
# another copy. Without it, the accessibility checks skip with this reason.
AXE_CORE_JS = Path(
    os.environ.get("AXE_CORE_JS", Path(__file__).resolve().parents[2] / "var/axe/node_modules/axe-core/axe.min.js")
)
# WCAG 2.0, 2.1 and 2.2, levels A and AA: what the project promises.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE_CORE_JS.exists():
        pytest.skip(
            f"axe-core not found at {AXE_CORE_JS}; .ci/run installs it "
            "(npm install --prefix var/axe axe-core@4.14.1), or set AXE_CORE_JS"
        )
    return AXE_CORE_JS.read_text()


def axe_violations(page: Any, source: str) -> list[str]:
    """Run axe-core in the page (evaluated through the DevTools protocol, so the page's CSP, which allows no inline
    script, is left as it is) and describe each WCAG 2.2 A/AA violation: rule, impact, and the first elements."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(source)
    result = page.evaluate(
        "async (tags) => { const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}}); "
        "return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, "
        "targets: v.nodes.slice(0, 3).map(n => n.target.join(' '))})); }",
        AXE_TAGS,
    )
    return [f"{v['id']} ({v['impact']}): {v['help']} at {', '.join(v['targets'])}" for v in result]
