"""Helpers that build a survivor's support circle the way staff do (through the services)."""

from __future__ import annotations

import datetime
import itertools
from typing import Any

from django.utils import timezone

from reparo.accounts.models import Membership, Role
from reparo.processes import services as process_services
from reparo.processes.models import Process
from reparo.support import services
from reparo.support.models import SupportCircle, SupportMeeting
from reparo.training import services as training_services
from reparo.training.framework import competencies_of
from tests.cases.factories import alice_case
from tests.conftest import make_user

_n = itertools.count(1)
SCREENED = datetime.date(2026, 1, 10)


def support_process(world: Any, case: Any = None) -> Process:
    """A support-circle process on Alice's case (a new case unless given)."""
    case = case or alice_case(world)
    return process_services.process_open(actor=world["coordinator"], case=case, type="support_circle")


def survivor_of(process: Process) -> Any:
    return process.case.participants.get(role="survivor").person


def trained(world: Any, *users: Any) -> None:
    """``users`` completed a survivor-support course of Alice's organisation (one session, attended)."""
    org = world.alice_org
    support = [c for c in competencies_of(org) if c.code == "survivor_support"]
    course = training_services.course_create(
        actor=world["coordinator"], organisation=org, title=f"Walking alongside survivors {next(_n)}",
        competencies=support,
    )  # fmt: skip
    session = training_services.course_session_add(
        actor=world["coordinator"], course=course, starts_at=timezone.now() - datetime.timedelta(days=20), hours="6"
    )
    for user in users:
        training_services.enrol(actor=world["coordinator"], course=course, user=user)
    training_services.attendance_record(actor=world["coordinator"], session=session, attended=list(users))


def support_volunteer(world: Any, *, train: bool = True) -> Any:
    """Another support-circle volunteer of Alice's organisation (trained unless ``train`` is False)."""
    n = next(_n)
    user = make_user(f"helper{n}@alice.example", full_name=f"Helper{n}")
    Membership.objects.create(user=user, organisation=world.alice_org, role=Role.SUPPORT_VOLUNTEER)
    if train:
        trained(world, user)
    return user


def open_circle(world: Any, process: Process | None = None, *, known_as: str = "Sunny", **kwargs: Any) -> SupportCircle:
    """A circle opened (a month ago unless ``opened_on``) with the survivor's written agreement."""
    process = process or support_process(world)
    kwargs.setdefault("opened_on", timezone.localdate() - datetime.timedelta(days=30))
    return services.support_circle_open(
        actor=world["coordinator"], process=process, survivor=survivor_of(process), known_as=known_as,
        consent_method="written", consent_given_at=timezone.now() - datetime.timedelta(minutes=5), **kwargs,
    )  # fmt: skip


def circle(world: Any, *, volunteers: int = 3, process: Process | None = None, **kwargs: Any) -> SupportCircle:
    """An open circle with ``volunteers`` trained volunteers (the world's support volunteer first)."""
    result = open_circle(world, process, **kwargs)
    users = [world["support_volunteer"]] + [support_volunteer(world, train=False) for _ in range(volunteers - 1)]
    users = users[:volunteers]
    trained(world, *users)
    for user in users:
        services.volunteer_add(
            actor=world["coordinator"], circle=result, user=user, screening_done_on=SCREENED, training_hours="24"
        )
    return result


def meeting(world: Any, c: SupportCircle, *, held_at: datetime.datetime | None = None, **kwargs: Any) -> SupportMeeting:
    return services.meeting_record(
        actor=world["support_volunteer"],
        circle=c,
        held_at=held_at or timezone.now() - datetime.timedelta(hours=1),
        attendees=list(c.volunteers.filter(active=True)),
        **kwargs,
    )
