"""In the browser: record a survivor's withdrawal and see the future sessions cancelled."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from reparo.accounts.models import Membership, Role
from reparo.cases.models import CaseTeamMember, TeamRole
from reparo.organisations.models import Program
from reparo.processes import services
from reparo.processes.content import checklist_for
from reparo.processes.models import Session
from tests.browser.conftest import Member, PageProblems
from tests.conftest import make_user
from tests.safety.factories import make_safe
from tests.training.factories import certify

pytestmark = pytest.mark.browser


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def test_it_records_a_withdrawal_and_cancels_the_sessions(
    signed_in: Any, member: Member, problems: PageProblems
) -> None:
    from tests.cases.factories import open_case

    page = signed_in
    Membership.objects.create(user=member.user, organisation=member.organisation, role=Role.FACILITATOR)
    supervisor = make_user("supervisor@alice.example")
    Membership.objects.create(user=supervisor, organisation=member.organisation, role=Role.SUPERVISOR)
    program = Program.objects.create(organisation=member.organisation, name="Dialogue")
    case = open_case(actor=member.user, program=program, survivor_name=("Wren", "Withdrawing"))
    CaseTeamMember.objects.create(case=case, user=member.user, role=TeamRole.LEAD_FACILITATOR)
    CaseTeamMember.objects.create(case=case, user=supervisor, role=TeamRole.SUPERVISOR)
    process = services.process_open(actor=member.user, case=case, type="direct_mediation")
    for case_participant in case.participants.all():
        services.participant_add(
            actor=member.user, process=process, case_participant=case_participant, role=case_participant.role
        )
    certify(member.user, program)  # only certified facilitators can be assigned (issue 6)
    services.facilitator_assign(actor=member.user, process=process, user=member.user, role="facilitator")
    for participant in process.participants.all():
        services.preparation_record(actor=member.user, process=process, participant=participant,
                                    held_on=timezone.localdate(),
                                    covered=[key for key, _label in checklist_for(process.type)])  # fmt: skip
    make_safe({"facilitator": member.user, "supervisor": supervisor}, process)
    starts = timezone.now() + datetime.timedelta(days=3)
    for offset in (0, 7):
        services.session_schedule(
            actor=member.user, process=process, starts_at=starts + datetime.timedelta(days=offset),
            duration_minutes=60, mode="in_person", invited=list(process.participants.all()), venue="Room 2",
        )  # fmt: skip
    survivor = process.participants.get(role="survivor")

    page.goto(f"/processes/{process.pk}/")
    expect(page.locator("#upcoming").get_by_text("joint").first).to_be_visible()
    row = page.locator("#participants li", has_text=survivor.person.display_code)
    expect(
        row.get_by_label("They also ask to close the case (otherwise it stays open for support)")
    ).not_to_be_checked()
    row.get_by_role("button", name="Record that they stop").click()
    expect(page.get_by_text("Recorded. No reason is needed.")).to_be_visible()
    expect(page.locator("#upcoming").get_by_text("Nothing scheduled.")).to_be_visible()
    expect(page.locator("#sessions").get_by_text("Cancelled")).to_have_count(2)
    assert set(Session.objects.filter(process=process).values_list("status", flat=True)) == {"cancelled"}
    case.refresh_from_db()
    assert case.is_open  # stays open for support
    assert not problems.csp_violations() and not problems.errors
