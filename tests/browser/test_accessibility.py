"""Every page people use, as a browser shows it: the living demo is seeded, each demo role signs in, and the pages
its home page leads to are walked (each URL pattern once). Each page, at 1280 and at 390 px wide, in English and in
Arabic (right to left), must have: no sideways scrolling at 390 px, no two elements with one id, checkboxes and radio
buttons beside their labels (not stretched across the page), and 0 axe-core violations of WCAG 2.2 A and AA.

axe-core comes from the npm registry (`.ci/run` installs it); without it this module skips with a reason.
"""

from __future__ import annotations

from collections import deque
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import Resolver404, resolve
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from reparo.accounts.backends import USER_BACKEND
from reparo.accounts.models import User
from reparo.demo.seed import DEMO_DOMAIN, DEMO_SIGN_IN_NAME, ROLE_USERS, seed_demo
from reparo.portal.services import sign_in_email
from tests.browser.conftest import axe_violations
from tests.conftest import CsrfClient

pytestmark = pytest.mark.browser

# Pages that are files, or that change something when opened, or that leave: never followed.
SKIP = ("sign-out", "logout", "quick-exit", "/i18n/", ".ics", "/download", "/pdf", "/csv", "/report/", "/files/")
PAGES_PER_ROLE = 30
WIDTHS = (1280, 390)

_PAGE_CHECKS = """
() => {
  const doc = document.documentElement;
  const ids = [...document.querySelectorAll('[id]')].map(e => e.id);
  const dup = [...new Set(ids.filter((id, i) => ids.indexOf(id) !== i))];
  const stretched = [...document.querySelectorAll('input[type=checkbox], input[type=radio]')]
    .filter(e => e.getBoundingClientRect().width > 48).map(e => e.name || e.id);
  return {scroll: doc.scrollWidth, client: doc.clientWidth, dir: doc.getAttribute('dir'), dup, stretched};
}
"""


def _session_cookie(user: User) -> str:
    """A signed-in session with both factors, made as the matrix makes its clients, for the browser to carry."""
    client = CsrfClient()
    client.force_login(user, backend=USER_BACKEND)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _pattern(path: str) -> str | None:
    try:
        match = resolve(urlsplit(path).path)
    except Resolver404:
        return None
    return match.view_name


def _links(page: Any) -> list[str]:
    hrefs = page.eval_on_selector_all("main a[href], header a[href]", "els => els.map(e => e.getAttribute('href'))")
    return [h.split("#")[0] for h in hrefs if h and h.startswith("/") and not h.startswith("//")]


def _check(page: Any, where: str, axe: str, problems: list[str], *, rtl: bool = False) -> None:
    found = page.evaluate(_PAGE_CHECKS)
    if page.viewport_size["width"] == 390 and found["scroll"] > found["client"]:
        problems.append(f"{where}: scrolls sideways ({found['scroll']} px wide at 390)")
    if found["dup"]:
        problems.append(f"{where}: ids used twice: {found['dup'][:5]}")
    if found["stretched"]:
        problems.append(f"{where}: checkboxes or radio buttons stretched: {found['stretched'][:5]}")
    if rtl and found["dir"] != "rtl":
        problems.append(f"{where}: Arabic page without dir=rtl")
    problems.extend(f"{where}: {v}" for v in axe_violations(page, axe))


@override_settings(DEVELOPMENT=True)
def test_every_page_a_role_reaches_is_accessible_at_both_widths_and_right_to_left(
    transactional_db: Any, live_server: Any, chromium: Any, axe_source: str
) -> None:
    seed_demo(living=True)
    slugs = [slug for slug, _role, _name in ROLE_USERS]
    users = [User.objects.get(email=f"{slug}@{DEMO_DOMAIN}") for slug in slugs]
    portal_user = User.objects.get(email=sign_in_email(DEMO_SIGN_IN_NAME))
    starts = [(user, "/") for user in users] + [(portal_user, "/my/")]

    seen: dict[str, tuple[User, str]] = {}  # URL pattern -> who reached it first, and where
    problems: list[str] = []
    for user, start in starts:
        context = chromium.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": _session_cookie(user),
                              "url": live_server.url}])  # fmt: skip
        page = context.new_page()
        queue, visited = deque([start]), 0
        while queue and visited < PAGES_PER_ROLE:
            path = queue.popleft()
            key = _pattern(path)
            if key is None or key in seen or any(s in path for s in SKIP):
                continue
            response = page.goto(path)
            if response is None or response.status != 200 or urlsplit(page.url).path != urlsplit(path).path:
                continue  # refused, or sent elsewhere: not this role's page
            seen[key] = (user, path)
            visited += 1
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 900})
                if width != 1280:
                    page.reload()
                _check(page, f"{key} ({path}) as {user.email} at {width}", axe_source, problems)
            queue.extend(_links(page))
        # The same pages in Arabic, at a phone's width.
        context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "ar", "url": live_server.url}])
        page.set_viewport_size({"width": 390, "height": 900})
        for key, (who, path) in seen.items():
            if who == user:
                page.goto(path)
                _check(page, f"{key} ({path}) as {user.email} in Arabic", axe_source, problems, rtl=True)
        context.close()

    assert len(seen) >= 25, f"only {len(seen)} pages were reached: {sorted(seen)}"
    assert not problems, f"{len(problems)} problems on {len(seen)} pages:\n" + "\n".join(problems)
