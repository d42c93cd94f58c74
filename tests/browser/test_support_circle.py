"""In the browser: a coordinator opens a survivor's support circle; a volunteer records a meeting on a phone."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from reparo.accounts.models import Membership, Role
from reparo.organisations.models import Program
from reparo.processes import services as process_services
from reparo.support import services
from reparo.support.models import SupportCircle, SupportMeeting
from reparo.training import services as training_services
from reparo.training.framework import competencies_of
from tests.browser.conftest import Member, PageProblems, main_menu, sign_in_through_browser
from tests.conftest import make_user

pytestmark = pytest.mark.browser


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def _volunteers(member: Member, count: int) -> list[Any]:
    """Support-circle volunteers of the member's organisation who completed a survivor-support course."""
    users = []
    for n in range(count):
        user = make_user(f"helper{n}@alice.example", full_name=f"Helper {n}")
        Membership.objects.create(user=user, organisation=member.organisation, role=Role.SUPPORT_VOLUNTEER)
        users.append(user)
    support = [c for c in competencies_of(member.organisation) if c.code == "survivor_support"]
    course = training_services.course_create(
        actor=member.user, organisation=member.organisation, title="Walking alongside survivors", competencies=support
    )
    session = training_services.course_session_add(
        actor=member.user, course=course, starts_at=timezone.now() - datetime.timedelta(days=30), hours="20"
    )
    for user in users:
        training_services.enrol(actor=member.user, course=course, user=user)
    training_services.attendance_record(actor=member.user, session=session, attended=users)
    return users


def test_a_coordinator_opens_a_circle_and_a_volunteer_records_a_meeting_on_a_phone(
    signed_in: Any, member: Member, problems: PageProblems, chromium: Any, live_server: Any
) -> None:
    from tests.cases.factories import open_case

    page = signed_in
    program = Program.objects.create(organisation=member.organisation, name="Support")
    case = open_case(actor=member.user, program=program, survivor_name=("Marisol", "Hiddensurname"))
    process = process_services.process_open(actor=member.user, case=case, type="support_circle")
    survivor = case.participants.get(role="survivor").person

    # The coordinator opens the circle from its process, with the survivor's agreement.
    page.goto(f"/processes/{process.pk}/")
    page.get_by_role("link", name="The support circle").click()
    expect(page.get_by_role("heading", name="Open the support circle")).to_be_visible()
    page.get_by_label("Survivor", exact=True).select_option(label=survivor.display_code)
    page.get_by_label("Name the volunteers use").fill("Mari")
    page.get_by_label("How the survivor agreed to have a support circle").select_option("written")
    page.get_by_role("button", name="Open the circle").click()
    expect(page.get_by_role("heading", name="Support circle with Mari")).to_be_visible()
    expect(page.get_by_text("The support circle is open.")).to_be_visible()
    circle = SupportCircle.objects.get(process=process)
    helpers = _volunteers(member, 3)
    for user in helpers:
        services.volunteer_add(actor=member.user, circle=circle, user=user,
                               screening_done_on=timezone.localdate() - datetime.timedelta(days=10),
                               training_hours="24")  # fmt: skip
    assert not problems.csp_violations() and not problems.errors

    # A volunteer, on a 390 px phone screen, records the meeting that just took place.
    phone = chromium.new_context(base_url=live_server.url, locale="en-GB", viewport={"width": 390, "height": 844})
    try:
        mobile = phone.new_page()
        volunteer = Member(user=helpers[0], device=TOTPDevice.objects.get(user=helpers[0]),
                           organisation=member.organisation)  # fmt: skip
        sign_in_through_browser(mobile, volunteer)
        main_menu(mobile).get_by_role("link", name="Support circles").click()
        expect(mobile.get_by_role("heading", name="Circle with Mari")).to_be_visible()
        mobile.get_by_role("link", name="Record a meeting").click()
        expect(mobile.get_by_role("heading", name="Record a meeting")).to_be_visible()
        # An hour ago, but not before the day the circle opened (a run just after midnight would cross it).
        opened = timezone.make_aware(datetime.datetime.combine(circle.opened_on, datetime.time.min))
        held = max(timezone.localtime() - datetime.timedelta(hours=1), timezone.localtime(opened))
        mobile.get_by_label("When it was held").fill(held.strftime("%Y-%m-%dT%H:%M"))
        expect(mobile.get_by_label("Helper 0")).to_be_checked()
        mobile.get_by_label("Helper 2").uncheck()
        mobile.get_by_label("The survivor came").check()
        mobile.get_by_label("What was done").fill("Tea, and a walk to the library to get a card")
        mobile.get_by_label("Next steps").fill("Ask about the evening course")
        assert mobile.evaluate("document.documentElement.scrollWidth") <= 390
        mobile.get_by_role("button", name="Record").click()
        expect(mobile.get_by_text("The meeting is recorded.")).to_be_visible()
        expect(mobile.get_by_role("heading", name="Circle with Mari")).to_be_visible()
        assert mobile.evaluate("document.documentElement.scrollWidth") <= 390
        html = mobile.content()
        assert "Hiddensurname" not in html and survivor.display_code not in html and case.reference not in html
    finally:
        phone.close()
    meeting = SupportMeeting.objects.get(circle=circle)
    assert meeting.survivor_came and meeting.what_was_done.startswith("Tea")
    assert meeting.minutes_by == helpers[0] and meeting.attendance.count() == 2
