"""In the browser: a referral taken in on the intake page becomes a case; an agreement is recorded and
withdrawn on the person's agreements page."""

from __future__ import annotations

from typing import Any

import pytest

from reparo.cases.models import Case
from reparo.organisations.models import Program
from tests.browser.conftest import Member, PageProblems

pytestmark = pytest.mark.browser


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def test_it_takes_a_referral_to_a_case_page(signed_in: Any, member: Member, problems: PageProblems) -> None:
    page = signed_in
    Program.objects.create(organisation=member.organisation, name="Survivor-led dialogue")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Cases").click()
    expect(page.get_by_text("There are no cases for you yet")).to_be_visible()
    page.get_by_role("link", name="New referral").click()
    expect(page).to_have_title("New referral · Reparo")

    page.get_by_label("Referred by").select_option("police")
    page.get_by_label("Referral date").fill("2026-02-01")
    # A first attempt without any name: a clear message, and nothing typed is lost.
    page.get_by_label("Phone").fill("+34 600 111 222")
    page.get_by_role("button", name="Open the case").click()
    expect(page.get_by_text("Give at least one name").first).to_be_visible()
    expect(page.get_by_label("Phone")).to_have_value("+34 600 111 222")

    page.get_by_label("Given name").first.fill("Lucia")
    page.get_by_label("Family name").first.fill("Browserperson")
    page.get_by_label("Forced labour").check()
    page.get_by_label("Need").first.select_option("safety")
    page.get_by_label("In their words").first.fill("A safe place to live")
    page.get_by_role("button", name="Open the case").click()

    case = Case.objects.get()
    expect(page).to_have_url(f"{page.url.split('/cases/')[0]}/cases/{case.pk}/")
    expect(page.get_by_role("heading", name=case.reference)).to_be_visible()
    expect(page.get_by_text("A safe place to live")).to_be_visible()
    survivor = case.participants.get(role="survivor").person
    expect(page.get_by_role("link", name=survivor.display_code)).to_be_visible()
    assert "Browserperson" not in page.content()  # the name stays hidden on the case page
    assert "Browserperson" not in page.title()
    # The larger forms load when opened.
    page.get_by_text("Record what happened").click()
    expect(page.locator("#harms").get_by_label("Debt bondage")).to_be_visible()
    page.get_by_text("Record a need").click()
    expect(page.locator("#needs").get_by_label("In their words")).to_be_visible()
    page.get_by_text("Add a task").click()
    tasks = page.locator("#tasks")
    tasks.get_by_label("Task", exact=True).fill("Call back about housing")
    tasks.get_by_role("button", name="Add", exact=True).click()
    expect(page.locator("#tasks").get_by_text("Call back about housing")).to_be_visible()
    expect(page.locator("#timeline").get_by_text("Call back about housing")).to_have_count(0)  # loaded when opened
    page.get_by_text("Show the timeline").click()
    expect(page.locator("#timeline").get_by_text("Call back about housing")).to_be_visible()
    assert not problems.csp_violations() and not problems.errors


def test_it_records_an_agreement_and_its_withdrawal(signed_in: Any, member: Member, problems: PageProblems) -> None:
    from tests.cases.factories import open_case

    page = signed_in
    program = Program.objects.create(organisation=member.organisation, name="Circles")
    case = open_case(actor=member.user, program=program, survivor_name=("Ana", "Agreementperson"))
    survivor = case.participants.get(role="survivor").person
    page.goto(f"/people/{survivor.pk}/")
    page.get_by_role("link", name="Consents").click()
    expect(page).to_have_title("Consents · Reparo")
    assert "Agreementperson" not in page.content()

    form = page.locator("form").filter(has=page.get_by_role("button", name="Record the consent"))
    form.get_by_label("What the person agrees to").select_option("evaluation")
    form.get_by_label("How the person agreed").select_option("written")
    form.get_by_role("button", name="Record the consent").click()
    current = page.get_by_text("Use their answers to evaluate the program")
    expect(current.first).to_be_visible()

    page.get_by_role("button", name="Record withdrawal").first.click()
    expect(page.get_by_text("The withdrawal has been recorded")).to_be_visible()
    expect(page.get_by_text("Withdrew on")).to_be_visible()
    page.reload()
    expect(page.get_by_role("button", name="Record withdrawal")).to_have_count(0)
    from reparo.consent.policy import may

    assert not may(person=survivor, purpose="evaluation").allowed
    assert not problems.csp_violations() and not problems.errors
