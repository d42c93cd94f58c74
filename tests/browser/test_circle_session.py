"""In the browser: prepare, schedule and record a circle session."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from reparo.accounts.models import Membership, Role
from reparo.cases.models import CaseTeamMember, TeamRole
from reparo.organisations.models import Program
from reparo.processes import services
from reparo.processes.models import Session
from tests.browser.conftest import Member, PageProblems
from tests.training.factories import certify

pytestmark = pytest.mark.browser


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def test_it_prepares_schedules_and_records_a_circle_session(
    signed_in: Any, member: Member, problems: PageProblems
) -> None:
    from tests.cases.factories import open_case

    page = signed_in
    Membership.objects.create(user=member.user, organisation=member.organisation, role=Role.FACILITATOR)
    program = Program.objects.create(organisation=member.organisation, name="Circles")
    certify(member.user, program)  # only certified facilitators can be assigned (issue 6)
    case = open_case(actor=member.user, program=program, survivor_name=("Cira", "Circleperson"))
    CaseTeamMember.objects.create(case=case, user=member.user, role=TeamRole.LEAD_FACILITATOR)

    page.goto(f"/cases/{case.pk}/")
    page.get_by_label("Type of process").select_option("circle")
    page.get_by_role("button", name="Start a process").click()
    expect(page.get_by_role("heading", name="Restorative circle")).to_be_visible()
    process = case.processes.get()

    # Who takes part, and who facilitates.
    page.get_by_text("Add a person from the case").click()
    survivor = case.participants.get(role="survivor")
    page.get_by_label("Person").first.select_option(str(survivor.pk))
    page.get_by_label("Role in this process").select_option("survivor")
    page.locator("#participants").get_by_role("button", name="Add").click()
    expect(page.locator("#participants").get_by_text(survivor.person.display_code, exact=True)).to_be_visible()
    services.facilitator_assign(actor=member.user, process=process, user=member.user, role="facilitator")

    # Preparation with the survivor alone.
    page.reload()
    page.locator("#preparation").get_by_text("Record a preparation meeting").click()
    prep = page.locator("#preparation")
    prep.get_by_label("With", exact=True).select_option(label=f"{survivor.person.display_code} · Survivor")
    prep.get_by_label("Date").fill(timezone.localdate().isoformat())
    prep.get_by_label("Taking part is voluntary and can stop at any time, without a reason").check()
    prep.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Preparation recorded.")).to_be_visible()
    expect(page.locator("#preparation").get_by_text("1 of 8 topics covered")).to_be_visible()

    # Schedule a session with the survivor (one side: no joint-meeting gate needed).
    page.get_by_role("link", name="Schedule a session").click()
    start = timezone.localtime() + datetime.timedelta(days=2)
    page.get_by_label("Starts").fill(start.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("How", exact=True).select_option("in_person")
    page.get_by_label("Venue").fill("Community room")
    page.get_by_label(survivor.person.display_code, exact=False).check()
    page.get_by_role("button", name="Schedule", exact=True).click()
    expect(page.get_by_role("heading", name="Agenda")).to_be_visible()
    expect(page.get_by_text("Check-in round")).to_be_visible()
    session = Session.objects.get(process=process)

    # After the session: who came, and the record.
    Session.objects.filter(pk=session.pk).update(starts_at=timezone.now() - datetime.timedelta(hours=2))
    page.reload()
    page.get_by_label(survivor.person.display_code, exact=False).check()
    page.get_by_label("Session record").fill("A calm first circle.")
    page.get_by_role("button", name="Save the record").click()
    expect(page.get_by_text("The session record is saved.")).to_be_visible()
    session.refresh_from_db()
    assert session.status == "held" and session.record == "A calm first circle."
    assert session.invitations.get().attended is True
    assert not problems.csp_violations() and not problems.errors
