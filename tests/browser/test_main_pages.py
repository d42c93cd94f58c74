"""In the browser, over the main pages at 1280 and 390 pixels wide: no page scrolls sideways, no two elements share
an id, every checkbox and radio button sits beside its words (never stretched to the width of a text box), the header
keeps to two rows at 1280 pixels and folds behind a "Menu" button on a phone, and a link to a section lands below the
quick-exit bar. With REPARO_SCREENSHOTS=<folder>, each page is saved there at both widths to be looked at."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from reparo.accounts.models import Membership, Role
from reparo.cases.models import CaseStatus
from reparo.processes import services as process_services
from tests.analytics import factories as f
from tests.browser.conftest import Member, PageProblems, sign_in_through_browser

pytestmark = pytest.mark.browser

WIDTHS = (1280, 390)
SHOTS = os.environ.get("REPARO_SCREENSHOTS", "")

# Every visible checkbox and radio button: its words (the text of its label) start on its line, after it, and it is
# no wider than a box.
CHECKBOXES = """() => {
  const problems = [];
  for (const input of document.querySelectorAll('main input[type=checkbox], main input[type=radio]')) {
    const box = input.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    const name = input.name + '=' + input.value;
    if (box.width > 40) { problems.push(name + ': stretched to ' + Math.round(box.width) + 'px'); continue; }
    const byId = input.id && document.querySelector('label[for="' + CSS.escape(input.id) + '"]');
    const label = byId || input.closest('label');
    if (!label) { problems.push(name + ': no label'); continue; }
    const walker = document.createTreeWalker(label, NodeFilter.SHOW_TEXT);
    let words = null;
    while (walker.nextNode()) {
      if (walker.currentNode.textContent.trim()) {
        const range = document.createRange();
        range.selectNodeContents(walker.currentNode);
        words = range.getClientRects()[0];
        break;
      }
    }
    if (!words) { problems.push(name + ': a label without words'); continue; }
    const sameLine = words.top < box.bottom && words.bottom > box.top;
    const after = words.left >= box.right - 1;
    if (!sameLine || !after) problems.push(name + ': its words are not beside it');
  }
  return problems;
}"""

LAYOUT = """() => {
  const ids = {};
  document.querySelectorAll('[id]').forEach(e => { ids[e.id] = (ids[e.id] || 0) + 1; });
  const root = document.documentElement;
  return {
    duplicates: Object.keys(ids).filter(id => ids[id] > 1),
    scrollWidth: root.scrollWidth,
    clientWidth: root.clientWidth,
  };
}"""

OPEN_EVERYTHING = "() => document.querySelectorAll('main details').forEach(d => { d.open = true; })"


@pytest.fixture
def everyone(world: Any, transactional_db: Any) -> Member:
    """Alice's coordinator, also organisation admin, facilitator, supervisor and evaluator (the fullest menu), on a
    case with a direct mediation ready for a joint meeting, a joint session booked, an agreement in force with
    restitution in instalments, and a program with enough cases for its outcome dashboard."""
    from tests.agreements.factories import binding_agreement
    from tests.processes.factories import both, ready_process, tomorrow

    user = world["coordinator"]
    for role in (Role.ORG_ADMIN, Role.FACILITATOR, Role.SUPERVISOR, Role.EVALUATOR):
        Membership.objects.create(user=user, organisation=world.alice_org, role=role)
    process = ready_process(world)
    process_services.session_schedule(
        actor=world["facilitator"], process=process, starts_at=tomorrow(), duration_minutes=90, mode="in_person",
        invited=both(process), venue="Room 4",
    )  # fmt: skip
    binding_agreement(world, process, due=timezone.localdate())
    for i in range(24):
        c = f.case(world.program, recorder=user, status=CaseStatus.CLOSED)
        f.process_with_agreement(c, restitution=(Decimal("100.00"), Decimal("60.00")) if i < 12 else None)
        f.scores(c, "who5", 40 + i % 7, 52 + i % 5, recorder=user)
    for _ in range(12):
        f.case(world.program, recorder=user, status=CaseStatus.INTAKE)
    world.process = process
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    return Member(user=user, device=device, organisation=world.alice_org)


def main_pages(world: Any) -> dict[str, str]:
    process = world.process
    case = process.case
    survivor = process.participants.get(role="survivor").person
    session = process.sessions.first()
    org, program = world.alice_org, world.program
    return {
        "home": reverse("home:index"),
        "case-list": reverse("cases:list"),
        "case": reverse("cases:detail", args=[case.pk]),
        "intake": reverse("cases:intake"),
        "person": f"/people/{survivor.pk}/",
        "consents": reverse("consent:person", args=[survivor.pk]),
        "process": reverse("processes:detail", args=[process.pk]),
        "session-new": reverse("processes:session_new", args=[process.pk]),
        "session": reverse("processes:session", args=[process.pk, session.pk]),
        "my-week": reverse("processes:my_week"),
        "agreement": reverse("agreements:detail", args=[process.pk]),
        "screenings": reverse("safety:process", args=[process.pk]),
        "screening-new": reverse("safety:screening_new", args=[process.pk, "survivor_readiness"]),
        "safety": reverse("safety:case", args=[case.pk]),
        "check-in": reverse("safety:checkin", args=[process.pk]),
        "training": reverse("training:mine"),
        "scenarios": reverse("training:scenarios"),
        "courses": reverse("training:courses"),
        "team-training": reverse("training:team"),
        "eligibility": reverse("training:eligibility", args=[process.pk]),
        "outcomes": reverse("analytics:organisation", args=[org.pk]),
        "program-outcomes": reverse("analytics:program", args=[org.pk, program.pk]),
        "surveys": reverse("evaluation:home"),
        "organisation": reverse("organisations:detail", args=[org.pk]),
        "activity-log": reverse("audit:list"),
        "partners": reverse("partners:directory"),
        "referrals": reverse("referrals:incoming"),
        "funding": reverse("funding:grants"),
        "account": reverse("accounts:security"),
    }


def test_the_main_pages_fit_a_phone_have_unique_ids_and_checkboxes_beside_their_words(
    page: Any, world: Any, everyone: Member, problems: PageProblems
) -> None:
    sign_in_through_browser(page, everyone)
    failures: list[str] = []
    for name, url in main_pages(world).items():
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            response = page.goto(url)
            if response is None or response.status != 200:
                failures.append(f"{name}: answered {response.status if response else 'nothing'}")
                break
            page.wait_for_load_state("load")
            layout = page.evaluate(LAYOUT)
            if layout["duplicates"]:
                failures.append(f"{name} ({width}): ids used twice: {layout['duplicates']}")
            if layout["scrollWidth"] > layout["clientWidth"]:
                failures.append(f"{name} ({width}): scrolls sideways ({layout['scrollWidth']} > {width})")
            if SHOTS:
                Path(SHOTS).mkdir(parents=True, exist_ok=True)
                page.screenshot(path=f"{SHOTS}/{name}-{width}.png", full_page=True)
            # Everything folded away, unfolded: the forms inside must fit and read as well.
            page.evaluate(OPEN_EVERYTHING)
            page.wait_for_timeout(50)
            layout = page.evaluate(LAYOUT)
            if layout["scrollWidth"] > layout["clientWidth"]:
                failures.append(f"{name} ({width}, opened): scrolls sideways ({layout['scrollWidth']} > {width})")
            failures.extend(f"{name} ({width}): {p}" for p in page.evaluate(CHECKBOXES))
    assert not failures, "\n".join(failures)
    assert not problems.csp_violations() and not problems.errors


@pytest.mark.parametrize("role", ["org_admin", "facilitator", "coordinator"])
def test_the_header_keeps_to_two_rows_and_folds_into_a_menu_on_a_phone(
    page: Any, world: Any, transactional_db: Any, role: str
) -> None:
    from playwright.sync_api import expect

    user = world[role]
    sign_in_through_browser(page, Member(user, TOTPDevice.objects.get(user=user), world.alice_org))
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(reverse("cases:list"))
    links = page.get_by_role("navigation", name="Main").get_by_role("link")
    tops = {round(links.nth(i).bounding_box()["y"]) for i in range(links.count())}
    assert len(tops) == 1, f"the menu wraps at 1280 pixels: {links.count()} links on {len(tops)} lines"
    assert page.locator(".site-header").bounding_box()["height"] <= 100

    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(reverse("cases:list"))
    header = page.locator(".site-header").bounding_box()["height"]
    assert header <= 80, f"the header takes {header} pixels of a phone's height"
    menu = page.get_by_role("button", name="Menu")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Cases").click()
    expect(page).to_have_title("Cases · Reparo")


def test_the_checkbox_check_finds_a_stretched_box_and_words_set_apart(page: Any, everyone: Member) -> None:
    """The check above would prove nothing if it could not fail: a box drawn the old way is caught."""
    sign_in_through_browser(page, everyone)
    page.goto(reverse("cases:list"))
    page.evaluate(
        """() => {
          const div = document.createElement('div');
          div.innerHTML = '<label for="odd">Odd one</label><input type="checkbox" id="odd" name="odd" value="1">';
          div.querySelector('input').style.width = '300px';
          document.querySelector('main').appendChild(div);
          const other = document.createElement('div');
          other.innerHTML = '<label for="apart">Apart</label><br>'
            + '<input type="radio" id="apart" name="apart" value="1">';
          document.querySelector('main').appendChild(other);
        }"""
    )
    found = page.evaluate(CHECKBOXES)
    assert any(p.startswith("odd=1: stretched") for p in found), found
    assert any(p.startswith("apart=1: its words are not beside it") for p in found), found


def test_a_link_to_a_section_lands_below_the_quick_exit_bar(page: Any, world: Any, everyone: Member) -> None:
    sign_in_through_browser(page, everyone)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 700})
        page.goto(reverse("processes:detail", args=[world.process.pk]) + "#preparation")
        page.wait_for_timeout(100)
        bar = page.locator(".quick-exit").bounding_box()
        section = page.locator("#preparation").bounding_box()
        assert section["y"] >= bar["y"] + bar["height"], (width, section, bar)
