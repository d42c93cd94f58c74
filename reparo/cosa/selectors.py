"""Reads about circles, limited to what the actor may see (through the process and its case)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from reparo.access.lookup import lookup, one_or_404
from reparo.accounts.models import User
from reparo.cosa.models import (
    Circle,
    CircleMeeting,
    ClosingQuestionnaire,
    Concern,
    InnerMember,
    OuterMember,
    QuarterlyReview,
)
from reparo.cosa.services import KIND
from reparo.organisations.models import Organisation
from reparo.processes import circles
from reparo.processes.circles import MeetingRow
from reparo.processes.circles import partner_organisations as partner_organisations
from reparo.processes.models import Process
from reparo.processes.selectors import processes_visible_to


def circles_visible_to(actor: Any) -> QuerySet[Circle]:
    return Circle.objects.filter(process__in=processes_visible_to(actor))


def circle_of(process: Process) -> Circle | None:
    """The circle of a process the caller already got through ``process_get_for``."""
    return Circle.objects.filter(process=process).select_related("core_member", "process__case").first()


@lookup("cosa.circle")
def circle_get_for(actor: Any, process: Process) -> Circle:
    """The circle of ``process``, if the actor sees it; else 404."""
    circle = circles_visible_to(actor).filter(process=process).select_related("core_member", "process__case").first()
    if circle is None:
        raise Http404
    return circle


def inner_members_of(circle: Circle) -> QuerySet[InnerMember]:
    return circles.volunteers_of(KIND, circle)


def active_inner_members_of(circle: Circle) -> QuerySet[InnerMember]:
    return inner_members_of(circle).filter(active=True)


def inner_member_in(circle: Circle, pk: Any) -> InnerMember:
    return one_or_404(inner_members_of(circle), pk)


def outer_members_of(circle: Circle) -> QuerySet[OuterMember]:
    return OuterMember.objects.filter(circle=circle).select_related("organisation")


def meeting_list(circle: Circle, *, now: datetime.datetime | None = None) -> list[MeetingRow]:
    """The circle's meetings, newest first, with how many volunteers came and whether the minutes are late."""
    return circles.meeting_rows(KIND, circle, now=now)


def meeting_in(circle: Circle, pk: Any) -> CircleMeeting:
    return one_or_404(circles.meetings_of(KIND, circle), pk)


def concerns_of(circle: Circle) -> QuerySet[Concern]:
    return Concern.objects.filter(circle=circle).select_related("escalated_to").order_by("-raised_at")


def concern_in(circle: Circle, pk: Any) -> Concern:
    return one_or_404(concerns_of(circle), pk)


def reviews_of(circle: Circle) -> QuerySet[QuarterlyReview]:
    return QuarterlyReview.objects.filter(circle=circle).order_by("-review_date")


def questionnaire_of(circle: Circle) -> ClosingQuestionnaire | None:
    return ClosingQuestionnaire.objects.filter(circle=circle).first()


def overdue_minutes(
    *, actor: Any = None, organisation: Organisation | None = None, now: datetime.datetime | None = None
) -> QuerySet[CircleMeeting]:
    """Meetings whose minutes are still missing more than 48 hours after the meeting: those the actor may see,
    or (for background work, without an actor) those of ``organisation``."""
    now = now or timezone.now()
    meetings = CircleMeeting.objects.minutes_overdue(now)
    if actor is not None:
        meetings = meetings.filter(circle__in=circles_visible_to(actor))
    if organisation is not None:
        meetings = meetings.filter(circle__process__case__organisation=organisation)
    if actor is None and organisation is None:
        raise ValueError("overdue_minutes() needs an actor or an organisation.")
    return meetings.select_related("circle__process__case").order_by("held_at")


def volunteers_for(circle: Circle) -> QuerySet[User]:
    """Users with an active CoSA volunteer role in the case's organisation who are not yet in the circle."""
    return circles.volunteers_for(KIND, circle)


def outer_organisations_of(circle: Circle) -> QuerySet[Organisation]:
    return Organisation.objects.filter(pk__in=OuterMember.objects.filter(circle=circle).values("organisation_id"))


def has_outer_circle(circle: Circle) -> bool:
    return OuterMember.objects.filter(circle=circle).exists()
