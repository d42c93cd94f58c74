"""In the browser, on a phone-sized screen (390 px): a survivor sets up their sign-in with the invitation code and the
printed list of codes, answers a WHO-5, withdraws a consent and writes a letter for the responsible person, which a
facilitator passes on from the staff side; the responsible person, on their own phone, reads it only then. No
sideways scrolling, no blocked script."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from reparo.consent.models import Consent
from reparo.consent.services import consent_record
from reparo.evaluation.models import SurveyResponse
from reparo.evaluation.services import schedule_line_add, surveys_assign_due
from reparo.messaging.models import Relay
from reparo.organisations.models import Program
from reparo.portal.services import invitation_issue
from tests.browser.conftest import TIMEOUT_MS, Member, PageProblems, main_menu, sign_in_through_browser

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def _no_sideways_scroll(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url


@pytest.fixture
def phone(chromium: Any, live_server: Any) -> Any:
    ctx = chromium.new_context(base_url=live_server.url, locale="en-GB", viewport=PHONE, is_mobile=True)
    ctx.set_default_timeout(TIMEOUT_MS)
    page = ctx.new_page()
    problems = PageProblems(console=[], errors=[])
    page.on("console", lambda m: problems.console.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda exc: problems.errors.append(str(exc)))
    yield page, problems
    ctx.close()


LETTER = "I am ready to hear what you have to say."


def _phone_page(chromium: Any, live_server: Any) -> tuple[Any, Any, PageProblems]:
    ctx = chromium.new_context(base_url=live_server.url, locale="en-GB", viewport=PHONE, is_mobile=True)
    ctx.set_default_timeout(TIMEOUT_MS)
    page = ctx.new_page()
    problems = PageProblems(console=[], errors=[])
    page.on("console", lambda m: problems.console.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda exc: problems.errors.append(str(exc)))
    return ctx, page, problems


def _participant_signs_in(page: Any, user: Any, device: Any) -> None:
    from reparo.portal.services import sign_in_name_of
    from tests.conftest import PASSWORD, totp_code

    page.goto("/my/sign-in/")
    page.get_by_label("Sign-in name").fill(sign_in_name_of(user))
    page.get_by_label("Passphrase").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Code").fill(totp_code(device))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Hello")).to_be_visible()


def _the_other_side(case: Any, coordinator: Any) -> tuple[Any, Any, Any]:
    """The responsible person of ``case`` with a portal account already set up (the set-up is the survivor's part
    of the test), a shuttle dialogue they both take part in, and a facilitator who leads the case: its relay queue
    is theirs."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from reparo.accounts.models import Membership, Role
    from reparo.cases.models import CaseTeamMember, TeamRole
    from reparo.portal.models import AccessStatus, PortalAccount
    from reparo.processes import services as process_services
    from tests.conftest import PASSWORD, TOTP_KEY_HEX, make_user

    process = process_services.process_open(actor=coordinator, case=case, type="indirect_dialogue")
    for case_participant in case.participants.all():
        process_services.participant_add(
            actor=coordinator, process=process, case_participant=case_participant, role=case_participant.role
        )
    responsible = case.participants.get(role="responsible").person
    for purpose in ("portal", "relay"):
        consent_record(actor=coordinator, person=responsible, purpose=purpose, method="written", case=case,
                       given_at=timezone.now() - datetime.timedelta(minutes=5))  # fmt: skip
    account = invitation_issue(actor=coordinator, case=case, person=responsible, channel="in_person").invitation.account
    user = account.user
    user.set_password(PASSWORD)
    user.is_active = True
    user.save()
    device = TOTPDevice.objects.create(user=user, name="phone", key=TOTP_KEY_HEX, confirmed=True)
    PortalAccount.objects.filter(pk=account.pk).update(status=AccessStatus.ACTIVE)
    facilitator = make_user("facilitator@alice.example", full_name="Alice Facilitator")
    Membership.objects.create(user=facilitator, organisation=case.organisation, role=Role.FACILITATOR)
    CaseTeamMember.objects.create(case=case, user=facilitator, role=TeamRole.LEAD_FACILITATOR)
    staff_device = TOTPDevice.objects.get(user=facilitator, confirmed=True)
    return user, device, Member(user=facilitator, device=staff_device, organisation=case.organisation)


def test_a_survivor_sets_up_answers_a_who5_withdraws_a_consent_and_writes_to_the_other_side(
    member: Member, phone: Any, chromium: Any, live_server: Any, page: Any
) -> None:
    from tests.cases.factories import open_case

    page_of_facilitator = page
    page, problems = phone
    coordinator = member.user
    program = Program.objects.create(organisation=member.organisation, name="Dialogue")
    case = open_case(actor=coordinator, program=program, survivor_name=("Paloma", "Phoneuser"),
                     responsible_name=("Rufus", "Otherside"))  # fmt: skip
    survivor = case.participants.get(role="survivor").person
    responsible_user, responsible_device, facilitator = _the_other_side(case, coordinator)
    for purpose in ("portal", "evaluation"):
        consent_record(actor=coordinator, person=survivor, purpose=purpose, method="written", case=case,
                       given_at=timezone.now() - datetime.timedelta(minutes=5))  # fmt: skip
    schedule_line_add(actor=coordinator, program=program, instrument="who5", timepoint="baseline", audience="survivors")
    surveys_assign_due()
    issued = invitation_issue(actor=coordinator, case=case, person=survivor, channel="in_person", printed_codes=True)

    page.goto("/my/start/")
    _no_sideways_scroll(page)
    page.get_by_label("Your code").fill(issued.code.lower())
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text(issued.sign_in_name)).to_be_visible()
    page.get_by_label("Choose a passphrase").fill("sea glass lantern morning")
    page.get_by_label("Type it again").fill("sea glass lantern morning")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("link", name="The printed list of codes I was given").click()
    page.get_by_label("Code").fill(issued.printed_codes[3])
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Hello")).to_be_visible()
    assert page.title() == "Home · Appointments"
    _no_sideways_scroll(page)

    page.get_by_role("link", name="Questionnaires").click()
    page.get_by_role("link", name="WHO-5 Well-Being Index").click()
    expect(page.get_by_role("button", name="Send my answers")).to_be_visible()
    _no_sideways_scroll(page)
    for n, answer in enumerate(("Most of the time", "Some of the time", "All of the time", "At no time",
                                "More than half of the time"), start=1):  # fmt: skip
        page.get_by_role("group", name=f"{n}.").get_by_label(answer, exact=True).check()
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_text("Thank you. Your answers are saved.")).to_be_visible()
    response = SurveyResponse.objects.get(person=survivor)
    assert response.mode == "self" and response.total is not None

    main_menu(page).get_by_role("link", name="Your choices").click()
    expect(page.get_by_role("heading", name="Your choices", exact=True)).to_be_visible()
    _no_sideways_scroll(page)
    row = page.locator("#current li", has_text="Your answers to questionnaires")
    row.get_by_role("button", name="Withdraw").click()
    expect(page.get_by_text("Withdrawn. It applies from now on.")).to_be_visible()
    consent = Consent.objects.get(person=survivor, purpose="evaluation")
    assert consent.withdrawn_at is not None and consent.withdrawal_recorded_via == "self_service"
    expect(page.locator("#offers strong", has_text="Your answers to questionnaires")).to_be_visible()

    # A letter for the responsible person: first the survivor's agreement to have it passed on (one step), then the
    # words, which go to the facilitator, not to the other side.
    main_menu(page).get_by_role("link", name="Messages").click()
    expect(page.get_by_role("heading", name="Messages", exact=True)).to_be_visible()
    _no_sideways_scroll(page)
    page.get_by_role("link", name="Write something for the other side").click()
    expect(page.get_by_text("passed on only if you agree to it")).to_be_visible()
    page.get_by_role("button", name="Yes, I agree").click()
    expect(page.get_by_label("In your own words")).to_be_visible()
    _no_sideways_scroll(page)
    page.get_by_label("What it is").select_option(label="A letter")
    page.get_by_label("In your own words").fill(LETTER)
    page.get_by_role("button", name="Give it to my facilitator").click()
    expect(page.get_by_text("It is with your facilitator now.")).to_be_visible()
    expect(page.get_by_text("With your facilitator: not passed on yet")).to_be_visible()
    _no_sideways_scroll(page)
    relay = Relay.objects.get(author=survivor)
    assert relay.status == "queued" and relay.kind == "letter"
    assert Consent.objects.get(person=survivor, purpose="relay").method == "self_service"

    # The responsible person, on their own phone, finds nothing of it yet.
    other_ctx, other, other_problems = _phone_page(chromium, live_server)
    try:
        _participant_signs_in(other, responsible_user, responsible_device)
        main_menu(other).get_by_role("link", name="Messages").click()
        other.get_by_role("link", name="Read and write").click()
        expect(other.get_by_text("No messages yet.")).to_be_visible()
        assert LETTER not in other.content()

        # The facilitator passes it on from the staff side.
        sign_in_through_browser(page_of_facilitator, facilitator)
        page_of_facilitator.goto(reverse("processes:my_week"))
        page_of_facilitator.locator("#relay-queue").get_by_role("link").first.click()
        expect(page_of_facilitator.get_by_role("paragraph").filter(has_text=LETTER)).to_be_visible()
        page_of_facilitator.get_by_role("button", name="Pass it on as it is").click()
        expect(page_of_facilitator.get_by_text("Passed on.")).to_be_visible()

        # Now it is there, from "the other side", with nobody's name.
        other.reload()
        expect(other.get_by_text(LETTER)).to_be_visible()
        expect(other.get_by_text("From the other side, passed on by the facilitator")).to_be_visible()
        assert "Paloma" not in other.content() and "Phoneuser" not in other.content()
        _no_sideways_scroll(other)
        assert not other_problems.errors
    finally:
        other_ctx.close()
    page.reload()
    expect(page.locator(".status", has_text="Passed on")).to_be_visible()
    assert not [m for m in problems.console + problems.errors if "content security policy" in m.lower()]
    assert not problems.errors
