"""Helpers that build a Circle of Support and Accountability the way staff do (through the services)."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from reparo.accounts.models import Membership, Role
from reparo.cases.models import CaseTeamMember, TeamRole
from reparo.cosa import services
from reparo.cosa.models import Circle, CircleMeeting
from reparo.processes import services as process_services
from reparo.processes.models import Process
from tests.cases.factories import alice_case
from tests.conftest import make_user


def cosa_process(world: Any) -> Process:
    """A CoSA process on Alice's case with the responsible person taking part as its core member."""
    case = alice_case(world)
    process = process_services.process_open(actor=world["facilitator"], case=case, type="cosa")
    responsible = case.participants.get(role="responsible")
    process_services.participant_add(
        actor=world["facilitator"], process=process, case_participant=responsible, role="core_member"
    )
    return process


def volunteer(world: Any, n: int, *, case: Any = None) -> Any:
    """Another CoSA volunteer of Alice's organisation, on ``case``'s team as a CoSA volunteer when given."""
    user = make_user(f"volunteer{n}@alice.example", full_name=f"Volunteer {n}")
    Membership.objects.create(user=user, organisation=world.alice_org, role=Role.COSA_VOLUNTEER)
    if case is not None:
        CaseTeamMember.objects.create(case=case, user=user, role=TeamRole.COSA_VOLUNTEER)
    return user


def circle(world: Any, *, volunteers: int = 4, outer: bool = True) -> Circle:
    """An open circle with ``volunteers`` inner-circle volunteers (the world's CoSA volunteer first) and, by
    default, the partner organisation in the outer circle."""
    process = cosa_process(world)
    result = services.circle_open(actor=world["facilitator"], process=process)
    users = [world["cosa_volunteer"]] + [volunteer(world, n, case=process.case) for n in range(2, volunteers + 1)]
    for user in users[:volunteers]:
        services.inner_member_add(
            actor=world["facilitator"], circle=result, user=user,
            screening_done_on=datetime.date(2026, 1, 10), training_hours="24",
        )  # fmt: skip
    if outer:
        services.outer_member_add(
            actor=world["facilitator"], circle=result, organisation=world.partner, role_description="Legal advice"
        )
    return result


def meeting(world: Any, circle: Circle, *, held_at: datetime.datetime | None = None) -> CircleMeeting:
    return services.meeting_record(
        actor=world["cosa_volunteer"],
        circle=circle,
        held_at=held_at or timezone.now() - datetime.timedelta(hours=1),
        attendees=list(circle.inner_members.filter(active=True)),
        core_member_attended=True,
    )
