"""In the browser: a coordinator sends a referral and sees the packet preview; the partner liaison signs in, accepts
it and records "in service"; the coordinator sees it on the case timeline."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from reparo.accounts.models import Membership, Role
from reparo.consent.services import consent_record
from reparo.organisations.models import HTCDSOrganisationType, Organisation, OrganisationKind, Program
from tests.browser.conftest import Member, PageProblems, sign_in_through_browser
from tests.conftest import make_user
from tests.referrals.factories import PDF, survivor_of

pytestmark = pytest.mark.browser


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def test_a_referral_goes_to_the_partner_and_comes_back_on_the_timeline(
    signed_in: Any, member: Member, problems: PageProblems, chromium: Any, live_server: Any
) -> None:
    from reparo.referrals import services
    from tests.cases.factories import open_case

    page = signed_in
    admin = make_user("admin@alice.example")
    Membership.objects.create(user=admin, organisation=member.organisation, role=Role.ORG_ADMIN)
    partner = Organisation.objects.create(
        name="Bob Legal Aid", kind=OrganisationKind.PARTNER, htcds_type=HTCDSOrganisationType.LEGAL_SERVICE
    )
    liaison_user = make_user("liaison@bob.example")
    Membership.objects.create(user=liaison_user, organisation=partner, role=Role.PARTNER_LIAISON)
    program = Program.objects.create(organisation=member.organisation, name="Dialogue")
    case = open_case(actor=member.user, program=program, survivor_name=("Amara", "Okafor"))
    consent_record(
        actor=member.user, person=survivor_of(case), purpose="share", method="written",
        given_at=timezone.now() - datetime.timedelta(days=1), recipient=partner,
        data_categories=["identity", "contact", "needs"],
    )  # fmt: skip
    agreement = services.sharing_agreement_create(
        actor=admin, operator=member.organisation, partner=partner, title="DSA 2026", purposes=["legal_aid"],
        data_categories=["identity", "contact", "needs", "safety"], retention_days=90,
        valid_from=case.referral_date, valid_to=None,
    )  # fmt: skip
    services.agreement_document_attach(actor=admin, agreement=agreement, filename="dsa.pdf", content=PDF)
    services.sharing_agreement_move(actor=admin, agreement=agreement, to_status="in_force")

    # The coordinator prepares the referral from the case, and sees what would go before anything is sent.
    page.goto(f"/cases/{case.pk}/")
    page.locator("#referrals").get_by_role("link", name="Refer to a partner").click()
    expect(page).to_have_title("Referral · Reparo")
    page.get_by_label("Partner").select_option(label="Bob Legal Aid")
    page.get_by_label("Service").select_option("legal_aid")
    plan = page.locator("#plan")
    expect(plan.get_by_text("Goes:").first).to_be_visible()  # the live preview, without a reload
    expect(plan.locator(".plan__item--held", has_text="Safety information")).to_contain_text("has not agreed")
    page.get_by_label("Why we refer (for our team)").fill("Advice on a compensation claim")
    page.get_by_role("button", name="Prepare and preview").click()
    expect(page.get_by_role("heading", name="Exactly what the partner will see")).to_be_visible()
    expect(page.locator("#preview").get_by_text("Okafor")).to_be_visible()
    page.get_by_role("button", name="Send the referral").click()
    expect(page.get_by_text("Sent. The partner can now see")).to_be_visible()

    # The partner liaison signs in, opens the inbox, accepts, and records "in service".
    partner_context = chromium.new_context(base_url=live_server.url, locale="en-GB")  # a browser of their own
    partner_context.set_default_timeout(10_000)
    partner_page = partner_context.new_page()
    device = TOTPDevice.objects.get(user=liaison_user, confirmed=True)
    sign_in_through_browser(partner_page, Member(user=liaison_user, device=device, organisation=partner))
    partner_page.get_by_role("navigation", name="Main").get_by_role("link", name="Referrals").click()
    expect(partner_page.get_by_text("Okafor")).to_have_count(0)  # the inbox never names the person
    partner_page.locator("main ul.plain a").first.click()
    partner_page.get_by_role("link", name="Open the packet").click()
    expect(partner_page.get_by_text("Okafor")).to_be_visible()
    expect(partner_page.get_by_text("compensation claim")).to_have_count(0)  # the team's reason stays home
    partner_page.get_by_role("link", name="Back to the referral").click()
    partner_page.get_by_role("button", name="Accept").click()
    expect(partner_page.get_by_text("Recorded: Accepted.")).to_be_visible()
    partner_page.get_by_role("button", name="Record “in service”").click()
    expect(partner_page.get_by_text("Recorded: In service.")).to_be_visible()
    partner_context.close()

    # The coordinator sees both on the case timeline.
    page.goto(f"/cases/{case.pk}/")
    page.get_by_text("Show the timeline").click()
    timeline = page.locator("#timeline")
    expect(timeline.get_by_text("to Bob Legal Aid: In service")).to_be_visible()
    expect(timeline.get_by_text("to Bob Legal Aid: Accepted")).to_be_visible()
    assert not problems.csp_violations() and not problems.errors
