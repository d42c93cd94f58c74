"""What every circle around one person keeps the same way: its inner circle of volunteers and its meeting log.

Two kinds of circle use it:

- **Circles of Support and Accountability** (``reparo.cosa``), around a responsible person (the core member);
- **support circles** (``reparo.support``), around a survivor.

Both have an inner circle of screened, trained volunteers (a screening date, training hours, active or not) that must
have between a minimum and a maximum of active volunteers before meetings can be recorded; meetings held on a day
and hour, with the active volunteers who were present; minutes due within 48 hours of the meeting
(:data:`MINUTES_DUE_AFTER`), late when missing (or handed in) after that; and late minutes flagged once to each
coordinator, as a case task that is done when the minutes arrive. That is written once, here: the abstract models,
the reads (:func:`meeting_rows` and the volunteers), the writes (:func:`meeting_check`, :func:`volunteers_present`,
:func:`meeting_save`, :func:`minutes_hand_in`, :func:`flag_late_minutes`), the volunteer and meeting forms, and one
meeting as the pages list it (``templates/processes/_circle_meeting.html``).

What each kind supplies, in a :class:`CircleKind`:

- its own concrete models, built on :class:`VolunteerBase`, :class:`MeetingBase` and :class:`LateMinutesFlagBase`
  (each app keeps its own tables: the bases hold the fields both kinds already had, as they were, so no table
  changes; index and constraint names follow the app, ``cosa_meeting_minutes_due``...). The concrete models add the
  ``circle`` (and, for the flag, the ``meeting``) they belong to, the meeting's ``attendance`` of volunteers, who
  else came and what the minutes say (CoSA: one text; a support circle: what was done and the next steps);
- the organisation role its volunteers hold (:attr:`CircleKind.volunteer_role`) and the size of its inner circle;
- its own words for what differs between them (so each keeps its translations);
- who is told about late minutes (:attr:`CircleKind.coordinators`): by default the organisation's coordinators who
  follow up circles.

What each app keeps: who may see and record what (a CoSA's volunteers work through the case team; a support
circle's only while the survivor's agreement stands, and never see the case), the rules of its own (the survivor
chooses whether to come to meetings; a meeting cannot predate the support circle) and its audit rows. The functions
here never write an audit row and never check the actor's rights: each app's service does both, in its own
transaction, around them, with its own action codes (``cosa.meeting_recorded``, ``support.minutes_submitted`` ...).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reparo.access.actors import users_with
from reparo.access.capabilities import Capability
from reparo.cases.models import Task
from reparo.cases.services import task_generate
from reparo.core import dates
from reparo.core.forms import BoundedModelChoiceField, BoundedModelMultipleChoiceField
from reparo.core.models import TimeStampedModel, UUIDModel
from reparo.organisations.models import Organisation, OrganisationKind

MINUTES_DUE_AFTER = datetime.timedelta(hours=48)


# --- the models each kind builds its own tables on --------------------------------------------------------------


class VolunteerBase(TimeStampedModel):
    """A volunteer of the inner circle (the concrete model adds its ``circle`` and ``user``), with their screening
    and training."""

    screening_done_on = models.DateField(gettext_lazy("screening done on"), null=True, blank=True)
    training_hours = models.DecimalField(gettext_lazy("training hours"), max_digits=6, decimal_places=1, default=0)
    active = models.BooleanField(gettext_lazy("active"), default=True)

    if TYPE_CHECKING:
        circle_id: Any
        user_id: Any

    class Meta:
        abstract = True
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.circle_id} · {self.user_id}"

    @property
    def screened(self) -> bool:
        return self.screening_done_on is not None


class MeetingQuerySet(models.QuerySet[Any]):
    def minutes_overdue(self, now: datetime.datetime) -> MeetingQuerySet:
        """Meetings whose minutes are still missing more than 48 hours after them."""
        return self.filter(minutes_submitted_at__isnull=True, held_at__lt=now - MINUTES_DUE_AFTER)


class MeetingBase(UUIDModel, TimeStampedModel):
    """A meeting of the circle (the concrete model adds its ``circle``, the ``attendance`` of its volunteers, who else
    came and the minutes' own fields): when it was held, and when and by whom the minutes were handed in."""

    held_at = models.DateTimeField(gettext_lazy("held at"))
    minutes_submitted_at = models.DateTimeField(null=True, blank=True)
    minutes_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    objects = MeetingQuerySet.as_manager()

    if TYPE_CHECKING:
        circle: Any
        circle_id: Any
        attendance: Any

    class Meta:
        abstract = True
        ordering = ["-held_at"]
        indexes = [models.Index(fields=["minutes_submitted_at", "held_at"], name="%(app_label)s_meeting_minutes_due")]

    def __str__(self) -> str:
        return f"{self.held_at:%Y-%m-%d %H:%M}"

    @property
    def minutes_due_at(self) -> datetime.datetime:
        return self.held_at + MINUTES_DUE_AFTER

    def minutes_late(self, now: datetime.datetime) -> bool:
        """Minutes still missing after 48 hours (or handed in after them)."""
        if self.minutes_submitted_at is not None:
            return self.minutes_submitted_at > self.minutes_due_at
        return now > self.minutes_due_at


class LateMinutesFlagBase(TimeStampedModel):
    """The task that told one coordinator that a meeting's minutes are late (one per meeting and coordinator; the
    concrete model adds its ``meeting``)."""

    coordinator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    task = models.OneToOneField("cases.Task", null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        abstract = True
        constraints = [
            models.UniqueConstraint(fields=["meeting", "coordinator"], name="%(app_label)s_late_flag_unique"),
        ]


# --- what a kind of circle supplies ----------------------------------------------------------------------------


def follow_up_coordinators(meeting: MeetingBase) -> list[Any]:
    """The active coordinators of the case's organisation who follow up circles, by e-mail address."""
    case = meeting.circle.process.case
    return list(users_with(case.organisation_id, Capability.FOLLOW_UP_CIRCLES).order_by("email"))


@dataclass(frozen=True)
class CircleKind:
    """One kind of circle: its models, its rules of size and its words (see the module's docstring)."""

    # Its concrete models (typed loosely: their ``circle`` and ``meeting`` are the kind's own).
    volunteer: type[Any]  # a VolunteerBase
    meeting: type[Any]  # a MeetingBase
    late_flag: type[Any]  # a LateMinutesFlagBase
    # The organisation role an inner-circle volunteer holds.
    volunteer_role: Capability
    inner_min: int
    inner_max: int
    # Why meetings cannot be recorded yet: "... %(min)d to %(max)d ... It has %(count)d." (a lazy translation).
    wrong_size: str | Promise
    # Someone marked present who is not an active volunteer of this circle (a lazy translation).
    not_a_volunteer: str | Promise
    # The late-minutes task's words, marked with gettext_noop, with "%(date)s" for the meeting's date.
    late_task: str
    # Who is told about one meeting's late minutes, in the order their tasks are made.
    coordinators: Callable[[Any], Iterable[Any]] = follow_up_coordinators


# --- reads -----------------------------------------------------------------------------------------------------


def volunteers_of(kind: CircleKind, circle: Any) -> QuerySet[Any]:
    """The circle's volunteers, active first, in the order they joined."""
    return kind.volunteer.objects.filter(circle=circle).select_related("user").order_by("-active", "created_at")


def volunteers_for(kind: CircleKind, circle: Any) -> QuerySet[Any]:
    """Users with an active volunteer role of this kind in the case's organisation who are not yet in the circle."""
    members = kind.volunteer.objects.filter(circle=circle).values("user_id")
    return (
        users_with(circle.process.case.organisation_id, kind.volunteer_role).exclude(pk__in=members).order_by("email")
    )


def partner_organisations() -> QuerySet[Organisation]:
    """The active partner organisations that can make up an outer circle."""
    return Organisation.objects.filter(kind=OrganisationKind.PARTNER, is_active=True).order_by("name")


def meetings_of(kind: CircleKind, circle: Any) -> QuerySet[Any]:
    return kind.meeting.objects.filter(circle=circle).prefetch_related("attendance").order_by("-held_at")


@dataclass
class MeetingRow:
    """A meeting as the circle's pages list it (``templates/processes/_circle_meeting.html``)."""

    meeting: Any
    present: int  # how many volunteers came
    is_late: bool  # minutes missing, or handed in, more than 48 hours after it


def meeting_rows(kind: CircleKind, circle: Any, *, now: datetime.datetime | None = None) -> list[MeetingRow]:
    """The circle's meetings, newest first, with how many volunteers came and whether the minutes are late."""
    now = now or timezone.now()
    return [MeetingRow(m, len(m.attendance.all()), m.minutes_late(now)) for m in meetings_of(kind, circle)]


# --- writes (each called inside the app's own service, which checks the actor and writes the audit row) -------


def training_hours(value: Any) -> Decimal:
    """Training hours as typed: a number from 0, to one decimal."""
    try:
        hours = Decimal(str(value if value not in (None, "") else 0))
    except (InvalidOperation, ValueError):
        raise ValidationError({"training_hours": _("Give the training hours as a number.")}) from None
    if not hours.is_finite() or hours < 0 or hours >= 100000:
        raise ValidationError({"training_hours": _("Give the training hours as a number from 0.")})
    return hours.quantize(Decimal("0.1"))


def inner_circle_problem(kind: CircleKind, circle: Any) -> str:
    """Why meetings cannot be recorded yet, in plain words; empty when they can."""
    active = kind.volunteer.objects.filter(circle=circle, active=True).count()
    if kind.inner_min <= active <= kind.inner_max:
        return ""
    return kind.wrong_size % {"min": kind.inner_min, "max": kind.inner_max, "count": active}


def meeting_check(kind: CircleKind, circle: Any, *, held_at: datetime.datetime, now: datetime.datetime) -> None:
    """A meeting can be recorded: the inner circle has its size, and the meeting has been held."""
    problem = inner_circle_problem(kind, circle)
    if problem:
        raise ValidationError(problem)
    if held_at > now:
        raise ValidationError({"held_at": _("Record a meeting once it has been held.")})


def volunteers_present(kind: CircleKind, circle: Any, attendees: Iterable[Any]) -> list[Any]:
    """Those marked present, each an active volunteer of this circle."""
    present = list(attendees)
    valid = set(kind.volunteer.objects.filter(circle=circle, active=True).values_list("pk", flat=True))
    if any(a.pk not in valid for a in present):
        raise ValidationError({"attendees": str(kind.not_a_volunteer)})
    return present


def meeting_save(
    kind: CircleKind, *, actor: Any, circle: Any, held_at: datetime.datetime, present: list[Any], minutes_in: bool,
    now: datetime.datetime, **fields: Any,
) -> Any:  # fmt: skip
    """Save a meeting checked with :func:`meeting_check` and :func:`volunteers_present`, with the kind's own
    ``fields``. ``minutes_in``: its minutes came with it (handed in ``now``, by the actor)."""
    meeting = kind.meeting.objects.create(
        circle=circle, held_at=held_at, minutes_submitted_at=now if minutes_in else None,
        minutes_by=actor if minutes_in else None, recorded_by=actor, **fields,
    )  # fmt: skip
    meeting.attendance.set(present)
    return meeting


def minutes_hand_in(kind: CircleKind, *, actor: Any, meeting: Any, now: datetime.datetime, **minutes: Any) -> Any:
    """Hand in a meeting's minutes (the kind's own fields, already checked), once; the coordinators' reminders about
    them are done. Returns the meeting as saved (see ``minutes_late(now)`` for whether they came late)."""
    locked = kind.meeting.objects.select_for_update().get(pk=meeting.pk)
    if locked.minutes_submitted_at is not None:
        raise ValidationError(_("The minutes of this meeting were already handed in."))
    for field, value in minutes.items():
        setattr(locked, field, value)
    locked.minutes_submitted_at, locked.minutes_by = now, actor
    locked.save()
    tasks = kind.late_flag.objects.filter(meeting=locked, task__isnull=False).values_list("task_id", flat=True)
    Task.objects.filter(pk__in=list(tasks), done_at__isnull=True).update(done_at=now)
    return locked


def flag_late_minutes(
    kind: CircleKind, *, now: datetime.datetime, audit: Callable[[Any, dict[str, Any]], None]
) -> list[Task]:
    """Give each of the kind's coordinators one case task per meeting whose minutes are more than 48 hours late.
    Safe to run again: nobody is told twice about a meeting. ``audit(meeting, detail)`` writes the app's audit row
    (``detail``: the circle, how many coordinators were told and their tasks' ids) in the transaction that made the
    tasks."""
    overdue = (
        kind.meeting.objects.minutes_overdue(now)
        .select_related("circle__process__case__organisation")
        .order_by("held_at")
    )
    created: list[Task] = []
    for meeting in overdue:
        created.extend(_flag_meeting(kind, meeting, now=now, audit=audit))
    return created


@transaction.atomic
def _flag_meeting(
    kind: CircleKind, meeting: Any, *, now: datetime.datetime, audit: Callable[[Any, dict[str, Any]], None]
) -> list[Task]:
    case = meeting.circle.process.case
    already = set(kind.late_flag.objects.filter(meeting=meeting).values_list("coordinator_id", flat=True))
    held = timezone.localtime(meeting.held_at)
    tasks = []
    for coordinator in kind.coordinators(meeting):
        if coordinator.pk in already:
            continue
        task = task_generate(
            case_id=case.pk,
            message=kind.late_task,
            params={"date": dates.moment(held)},
            owner_id=coordinator.pk,
            due_date=timezone.localdate(now),
        )
        kind.late_flag.objects.create(meeting=meeting, coordinator=coordinator, task=task)
        tasks.append(task)
    if tasks:
        told = {"circle": str(meeting.circle.pk), "coordinators": len(tasks), "tasks": [str(t.pk) for t in tasks]}
        audit(meeting, told)
    return tasks


# --- forms -----------------------------------------------------------------------------------------------------

DATE_INPUT = forms.DateInput(attrs={"type": "date"})


class _TrainingForm(forms.Form):
    screening_done_on = forms.DateField(label=gettext_lazy("Screening done on"), required=False, widget=DATE_INPUT)
    training_hours = forms.DecimalField(
        label=gettext_lazy("Training hours"), min_value=0, max_value=99999, max_digits=6, decimal_places=1
    )


class VolunteerForm(_TrainingForm):
    """A volunteer joins the inner circle (``volunteers``: from :func:`volunteers_for`)."""

    field_order = ["user", "screening_done_on", "training_hours"]
    user = BoundedModelChoiceField(label=gettext_lazy("Volunteer"), queryset=None)  # type: ignore[arg-type,var-annotated]

    def __init__(self, *args: Any, volunteers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = volunteers  # type: ignore[attr-defined]
        self.fields["user"].label_from_instance = lambda u: u.get_short_name()  # type: ignore[attr-defined]


class VolunteerUpdateForm(_TrainingForm):
    """A volunteer's screening, training and whether they are active in the circle."""

    active = forms.BooleanField(label=gettext_lazy("Active in the circle"), required=False)


class MeetingForm(forms.Form):
    """A meeting of the circle: the kind's form adds ``held_at`` (shown first) and its own fields; ``members`` are the
    circle's active volunteers, shown by their short names."""

    field_order = ["held_at", "attendees"]
    attendees: forms.ModelMultipleChoiceField[Any] = BoundedModelMultipleChoiceField(
        label=gettext_lazy("Volunteers present"),
        queryset=None,  # type: ignore[arg-type]
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, members: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = members  # type: ignore[attr-defined]
        self.fields["attendees"].label_from_instance = lambda m: m.user.get_short_name()  # type: ignore[attr-defined]
