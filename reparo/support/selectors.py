"""Reads about support circles, limited to what the actor may see.

Two kinds of people reach a circle, and see different things:

- **staff** who work on its case (they see the survivor's side of it): everything about the circle;
- **volunteers** of its inner circle: the circle only (never its case), while it is open and the survivor's
  agreement to it is in force, asked of the consent policy on every request. What they are shown of the survivor
  is the name the survivor chose for the circle, the goals the survivor shares with them, the meetings and their
  own worries: never a surname, contact details, an address, the case, its notes, harms or screenings.

For the participant portal (the survivor's own pages, ``reparo.portal``): :func:`circles_of_survivor`,
:func:`goals_for_survivor`, :func:`progress_awaiting_survivor`, :func:`next_meeting_of` and
:func:`volunteer_first_names` answer "my goals and my next meeting"; the survivor's answer to progress is
:func:`reparo.support.services.progress_answer` and ending the circle
:func:`reparo.support.services.support_circle_end`, both called with the survivor as the actor (recorded as
``RecordedVia.SELF_SERVICE``).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from reparo.access.actors import organisation_ids_where
from reparo.access.capabilities import Capability
from reparo.access.lookup import lookup, one_or_404
from reparo.accounts.models import User
from reparo.cases.models import ParticipantRole
from reparo.cases.selectors import cases_seen_in_full_by
from reparo.people.models import Person
from reparo.processes import circles
from reparo.processes.circles import MeetingRow
from reparo.processes.circles import partner_organisations as partner_organisations
from reparo.processes.models import OPEN_STAGES, Process
from reparo.support import services
from reparo.support.models import (
    ClosingReview,
    Goal,
    Progress,
    ProgressStatus,
    Step,
    SupportCircle,
    SupportMeeting,
    SupportPartner,
    SupportVolunteer,
    Worry,
)

STAFF = "staff"
VOLUNTEER = "volunteer"


# --- which circles ------------------------------------------------------------------------------------------


def circles_for_staff(actor: Any) -> QuerySet[SupportCircle]:
    """Circles on the cases the actor works on (their survivor's side included)."""
    return SupportCircle.objects.filter(process__case__in=cases_seen_in_full_by(actor))


def _served(actor: Any) -> QuerySet[SupportCircle]:
    """Open circles in whose inner circle the actor is an active volunteer, in organisations where they still hold
    a support-volunteer role (the survivor's agreement is asked separately: it is not a database filter)."""
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return SupportCircle.objects.none()
    return SupportCircle.objects.filter(
        volunteers__user=actor,
        volunteers__active=True,
        process__stage__in=list(OPEN_STAGES),
        process__case__organisation_id__in=organisation_ids_where(actor, Capability.VOLUNTEER_IN_SUPPORT),
    ).distinct()


def circles_served_by(actor: Any) -> list[SupportCircle]:
    """The circles a volunteer serves in now: open, and the survivor's agreement in force (asked of the consent
    policy for each, now)."""
    circles = list(_served(actor).select_related("survivor", "process").order_by("opened_on", "created_at"))
    return [c for c in circles if services.survivor_agrees(c)]


@lookup("support.supportcircle")
def support_circle_get_for(actor: Any, pk: Any, *, need: Capability | None = None) -> SupportCircle:
    """A support circle: for staff who work on its case; or for an active volunteer of it who still holds a
    support-volunteer role in its organisation, while the circle is open and the survivor's agreement to it is in
    force. ``need=WORK_ON_CASE``: staff only; ``need=VOLUNTEER_IN_SUPPORT``: its volunteers only. Else 404."""
    staff, served = circles_for_staff(actor), _served(actor)
    if need == Capability.WORK_ON_CASE:
        rows = staff
    elif need == Capability.VOLUNTEER_IN_SUPPORT:
        rows = served
    else:
        rows = SupportCircle.objects.filter(Q(pk__in=staff.values("pk")) | Q(pk__in=served.values("pk")))
    circle = one_or_404(
        rows.select_related("survivor", "process__case__organisation", "process__case__program", "coordinator"), pk
    )
    # A volunteer reaches it only while the survivor's agreement stands (asked now, on every request).
    if (
        need != Capability.WORK_ON_CASE
        and not services.is_staff_for(actor, circle)
        and not services.survivor_agrees(circle)
    ):
        raise Http404
    return circle


def access_of(actor: Any, circle: SupportCircle) -> str:
    """How the actor reaches a circle they got through :func:`support_circle_get_for`: ``staff`` or ``volunteer``."""
    return STAFF if services.is_staff_for(actor, circle) else VOLUNTEER


def circle_of_process(actor: Any, process: Process) -> SupportCircle | None:
    """The circle of a support-circle process the actor works on (got through ``process_get_for``)."""
    return circles_for_staff(actor).filter(process=process).first()


# --- what a circle holds ------------------------------------------------------------------------------------


def volunteers_of(circle: SupportCircle) -> QuerySet[SupportVolunteer]:
    return circles.volunteers_of(services.KIND, circle)


def active_volunteers_of(circle: SupportCircle) -> QuerySet[SupportVolunteer]:
    return volunteers_of(circle).filter(active=True)


def volunteer_in(circle: SupportCircle, pk: Any) -> SupportVolunteer:
    return one_or_404(volunteers_of(circle), pk)


def partners_of(circle: SupportCircle) -> QuerySet[SupportPartner]:
    return SupportPartner.objects.filter(circle=circle).select_related("organisation").order_by("created_at")


def goals_of(circle: SupportCircle, *, as_volunteer: bool = False) -> QuerySet[Goal]:
    """The circle's goals with their steps and progress; a volunteer gets only those the survivor shares."""
    goals = Goal.objects.filter(circle=circle)
    if as_volunteer:
        goals = goals.filter(shared_with_volunteers=True)
    return goals.prefetch_related(
        Prefetch("steps", queryset=Step.objects.select_related("helper__user", "partner__organisation")),
        Prefetch("progress", queryset=Progress.objects.select_related("step").order_by("-proposed_at")),
    ).order_by("met_on", "created_at")


@dataclass
class GoalRow:
    goal: Goal
    steps: list[Step]
    progress: list[Progress]


def goal_rows(circle: SupportCircle, *, as_volunteer: bool = False, proposed_by: Any = None) -> list[GoalRow]:
    """The goals (a volunteer's: those shared with them) with their steps and progress (only the progress
    ``proposed_by`` proposed, when given). 3 queries."""
    rows = []
    for goal in goals_of(circle, as_volunteer=as_volunteer):
        progress = [p for p in goal.progress.all() if proposed_by is None or p.proposed_by_id == proposed_by.pk]
        rows.append(GoalRow(goal, list(goal.steps.all()), progress))
    return rows


def goal_in(circle: SupportCircle, pk: Any, *, as_volunteer: bool = False) -> Goal:
    return one_or_404(goals_of(circle, as_volunteer=as_volunteer), pk)


def step_in(goal: Goal, pk: Any) -> Step:
    return one_or_404(Step.objects.filter(goal=goal), pk)


def steps_of(goal: Goal) -> QuerySet[Step]:
    return Step.objects.filter(goal=goal).order_by("created_at")


def all_steps_of(circle: SupportCircle, *, as_volunteer: bool = False) -> QuerySet[Step]:
    steps = Step.objects.filter(goal__circle=circle, done_on__isnull=True)
    if as_volunteer:
        steps = steps.filter(goal__shared_with_volunteers=True)
    return steps.order_by("created_at")


def progress_in(circle: SupportCircle, pk: Any) -> Progress:
    return one_or_404(Progress.objects.filter(goal__circle=circle).select_related("goal", "step"), pk)


def progress_awaiting(circle: SupportCircle) -> QuerySet[Progress]:
    """Progress proposed and not yet answered by the survivor, oldest first."""
    return (
        Progress.objects.filter(goal__circle=circle, status=ProgressStatus.AWAITING)
        .select_related("goal", "step", "proposed_by")
        .order_by("proposed_at")
    )


def meeting_list(circle: SupportCircle, *, now: datetime.datetime | None = None) -> list[MeetingRow]:
    """The circle's meetings, newest first, with how many volunteers came and whether the minutes are late."""
    return circles.meeting_rows(services.KIND, circle, now=now)


def meeting_in(circle: SupportCircle, pk: Any) -> SupportMeeting:
    return one_or_404(circles.meetings_of(services.KIND, circle), pk)


def minutes_to_write(circle: SupportCircle) -> QuerySet[SupportMeeting]:
    return SupportMeeting.objects.filter(circle=circle, minutes_submitted_at__isnull=True).order_by("held_at")


def worries_of(circle: SupportCircle, *, raised_by: Any = None) -> QuerySet[Worry]:
    """The circle's worries (staff); a volunteer's own only (``raised_by``)."""
    worries = Worry.objects.filter(circle=circle).select_related("raised_by", "seen_by")
    if raised_by is not None:
        worries = worries.filter(raised_by=raised_by)
    return worries.order_by("seen_at", "-raised_at")


def worry_in(circle: SupportCircle, pk: Any) -> Worry:
    return one_or_404(Worry.objects.filter(circle=circle), pk)


def closing_of(circle: SupportCircle) -> ClosingReview | None:
    return ClosingReview.objects.filter(circle=circle).first()


def volunteers_for(circle: SupportCircle) -> QuerySet[User]:
    """Users with an active support-volunteer role in the case's organisation not yet in the circle."""
    return circles.volunteers_for(services.KIND, circle)


def survivors_of_process(process: Process) -> QuerySet[Person]:
    """The survivors of the process's case, for the "open the circle" form."""
    return Person.objects.filter(
        participations__case=process.case, participations__role=ParticipantRole.SURVIVOR, erased_at__isnull=True
    ).order_by("display_code")


# --- the home screens ---------------------------------------------------------------------------------------


@dataclass
class ServedCircle:
    """One circle on a volunteer's home screen."""

    circle: SupportCircle
    minutes_due: list[SupportMeeting]
    open_steps: int


def volunteer_home(actor: Any) -> list[ServedCircle]:
    circles = circles_served_by(actor)
    due: dict[Any, list[SupportMeeting]] = {c.pk: [] for c in circles}
    for meeting in SupportMeeting.objects.filter(
        circle__in=[c.pk for c in circles], minutes_submitted_at__isnull=True
    ).order_by("held_at"):
        due[meeting.circle_id].append(meeting)
    mine: dict[Any, int] = {}
    for circle_id in Step.objects.filter(
        goal__circle__in=[c.pk for c in circles], goal__shared_with_volunteers=True, done_on__isnull=True,
        helper__user=actor,
    ).values_list("goal__circle_id", flat=True):  # fmt: skip
        mine[circle_id] = mine.get(circle_id, 0) + 1
    return [ServedCircle(c, due[c.pk], mine.get(c.pk, 0)) for c in circles]


@dataclass
class CoordinatedCircle:
    circle: SupportCircle
    open_worries: int
    awaiting: int
    late_minutes: int


def staff_home(actor: Any, *, now: datetime.datetime | None = None, limit: int = 50) -> list[CoordinatedCircle]:
    """Open circles on the cases the actor works on: theirs first, then by next meeting."""
    now = now or timezone.now()
    circles = list(
        circles_for_staff(actor)
        .filter(process__stage__in=list(OPEN_STAGES))
        .select_related("process__case", "coordinator")
        .order_by("opened_on")[:limit]
    )
    ids = [c.pk for c in circles]
    worries: dict[Any, int] = {}
    for circle_id in Worry.objects.filter(circle__in=ids, seen_at__isnull=True).values_list("circle_id", flat=True):
        worries[circle_id] = worries.get(circle_id, 0) + 1
    awaiting: dict[Any, int] = {}
    for circle_id in Progress.objects.filter(goal__circle__in=ids, status=ProgressStatus.AWAITING).values_list(
        "goal__circle_id", flat=True
    ):
        awaiting[circle_id] = awaiting.get(circle_id, 0) + 1
    late: dict[Any, int] = {}
    for circle_id in (
        SupportMeeting.objects.minutes_overdue(now).filter(circle__in=ids).values_list("circle_id", flat=True)
    ):
        late[circle_id] = late.get(circle_id, 0) + 1
    rows = [CoordinatedCircle(c, worries.get(c.pk, 0), awaiting.get(c.pk, 0), late.get(c.pk, 0)) for c in circles]
    far = datetime.datetime.max.replace(tzinfo=datetime.UTC)
    rows.sort(key=lambda r: (r.circle.coordinator_id != actor.pk, r.circle.next_meeting_at or far))
    return rows


def is_volunteer(actor: Any) -> bool:
    return bool(organisation_ids_where(actor, Capability.VOLUNTEER_IN_SUPPORT))


# --- for the participant portal (the survivor's own pages) --------------------------------------------------


def circles_of_survivor(person: Any) -> QuerySet[SupportCircle]:
    """The open circles formed around ``person`` (the portal checks that ``person`` is the signed-in survivor)."""
    return SupportCircle.objects.filter(survivor=person, process__stage__in=list(OPEN_STAGES)).order_by("opened_on")


def goals_for_survivor(circle: SupportCircle) -> QuerySet[Goal]:
    """Every goal of the circle, the survivor's own words, with steps and progress."""
    return goals_of(circle)


def progress_awaiting_survivor(circle: SupportCircle) -> QuerySet[Progress]:
    return progress_awaiting(circle)


def next_meeting_of(circle: SupportCircle) -> datetime.datetime | None:
    at = circle.next_meeting_at
    return at if at is not None and at >= timezone.now() else None


def first_name(user: Any) -> str:
    """The first word of a volunteer's name, as the survivor knows them (never a surname, never an e-mail address);
    empty when no name was recorded."""
    words = (getattr(user, "full_name", "") or "").split()
    return words[0] if words else ""


def volunteer_first_names(circle: SupportCircle) -> list[str]:
    """The first names of the circle's active volunteers ("a volunteer" for one with no name recorded: never their
    e-mail address)."""
    return [first_name(m.user) or _("A volunteer") for m in active_volunteers_of(circle)]
