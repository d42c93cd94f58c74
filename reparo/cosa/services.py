"""Writes about Circles of Support and Accountability. Each checks the actor's rights through the case and
writes its audit row (ids and codes only, no personal data) in its transaction.

Staff who can work on the case open circles, manage both circles, escalate concerns, record reviews and the
closing questionnaire. Volunteers of the inner circle (on the case team as CoSA volunteers) may also record
meetings, hand in minutes and raise concerns."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from reparo.access.actors import holds
from reparo.access.capabilities import Capability
from reparo.audit.services import audit_record, audit_record_for
from reparo.cases.models import Task, TeamRole
from reparo.cases.selectors import case_access_for
from reparo.consent.models import ConsentPurpose, DataCategory
from reparo.consent.policy import may
from reparo.cosa.models import (
    CLOSING_QUESTIONS,
    INNER_CIRCLE_MAX,
    INNER_CIRCLE_MIN,
    REVIEW_INTERVAL,
    Circle,
    CircleMeeting,
    ClosingQuestionnaire,
    Concern,
    InnerMember,
    LateMinutesFlag,
    OuterMember,
    QuarterlyReview,
    RiskLevel,
)
from reparo.organisations.models import Organisation, OrganisationKind
from reparo.people.models import Person
from reparo.processes import circles
from reparo.processes.models import Process, ProcessParticipant, ProcessRole, ProcessType
from reparo.processes.services import _require_work
from reparo.training.eligibility import volunteer_problems

ESCALATION_CATEGORIES = [DataCategory.SAFETY.value]

# What a CoSA brings to the inner circle and meeting log it shares with support circles (``reparo.processes.circles``).
KIND = circles.CircleKind(
    volunteer=InnerMember,
    meeting=CircleMeeting,
    late_flag=LateMinutesFlag,
    volunteer_role=Capability.VOLUNTEER_IN_COSA,
    inner_min=INNER_CIRCLE_MIN,
    inner_max=INNER_CIRCLE_MAX,
    wrong_size=gettext_lazy(
        "A circle needs %(min)d to %(max)d active volunteers in its inner circle before meetings can be recorded. "
        "It has %(count)d."
    ),
    not_a_volunteer=gettext_lazy("Only active volunteers of this inner circle can be marked present."),
    late_task=gettext_noop("Circle meeting minutes are late (meeting of %(date)s)"),
)


def is_inner_volunteer(actor: Any, circle: Circle) -> bool:
    """An active inner-circle volunteer of this circle, on the case team as a CoSA volunteer and still holding
    an active CoSA volunteer role in the case's organisation."""
    case = circle.process.case
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False
    return (
        InnerMember.objects.filter(circle=circle, user=actor, active=True).exists()
        and case.team.filter(user=actor, role=TeamRole.COSA_VOLUNTEER).exists()
        and holds(actor, case.organisation_id, Capability.VOLUNTEER_IN_COSA)
    )


def _require_circle_work(actor: Any, circle: Circle) -> None:
    """Staff who can work on the case, or a volunteer of this circle's inner circle."""
    if case_access_for(actor, circle.process.case).can_work or is_inner_volunteer(actor, circle):
        return
    raise PermissionDenied(_("You can see this circle, but not change it."))


def _require_open(circle: Circle) -> None:
    if not circle.process.is_open:
        raise ValidationError(_("This circle's process has finished; nothing more can be recorded."))


def _now(value: datetime.datetime | None) -> datetime.datetime:
    return value or timezone.now()


@transaction.atomic
def circle_open(
    *, actor: Any, process: Process, core_member: Person | None = None, opened_on: datetime.date | None = None
) -> Circle:
    _require_work(actor, process.case)
    if process.type != ProcessType.COSA:
        raise ValidationError(_("Only a Circle of Support and Accountability process can have a circle."))
    if not process.is_open:
        raise ValidationError(_("This process has finished; open a circle on an open process."))
    if Circle.objects.filter(process=process).exists():
        raise ValidationError(_("This process already has its circle."))
    core = ProcessParticipant.objects.filter(process=process, role=ProcessRole.CORE_MEMBER, withdrawn_at__isnull=True)
    if core_member is not None:
        core = core.filter(person=core_member)
    participants = list(core.select_related("person"))
    if len(participants) != 1:
        raise ValidationError(
            _("Add the responsible person to this process as its core member first.")
            if not participants
            else _("Choose the core member.")
        )
    circle = Circle.objects.create(
        process=process,
        core_member=participants[0].person,
        opened_on=opened_on or timezone.localdate(),
        created_by=actor,
    )
    audit_record_for(
        actor, "cosa.circle_opened", circle, circle.process.case.organisation, circle=str(circle.pk),
        process=str(process.pk), core_member=circle.core_member.display_code,
    )  # fmt: skip
    return circle


def _require_volunteer_fit(circle: Circle, user: Any, screening_done_on: Any, training_hours: Any) -> None:
    """Inner-circle volunteers meet the program's volunteer requirements (``reparo.training.eligibility``)."""
    problems = volunteer_problems(
        user, program=circle.process.case.program, screening_done_on=screening_done_on,
        training_hours=circles.training_hours(training_hours),
    )  # fmt: skip
    if problems:
        raise ValidationError([_("This volunteer cannot join the inner circle yet:"), *problems])


@transaction.atomic
def inner_member_add(
    *,
    actor: Any,
    circle: Circle,
    user: Any,
    screening_done_on: datetime.date | None = None,
    training_hours: Any = 0,
) -> InnerMember:
    _require_work(actor, circle.process.case)
    _require_open(circle)
    is_volunteer = holds(user, circle.process.case.organisation_id, Capability.VOLUNTEER_IN_COSA)
    if not (is_volunteer and user.is_active):
        raise ValidationError(
            _("Only people with an active CoSA volunteer role in this organisation can join the inner circle.")
        )
    if InnerMember.objects.filter(circle=circle, user=user).exists():
        raise ValidationError(_("This volunteer is already in the inner circle."))
    Circle.objects.select_for_update().filter(pk=circle.pk).first()
    active = InnerMember.objects.filter(circle=circle, active=True).count()
    if active >= INNER_CIRCLE_MAX:
        raise ValidationError(
            _("The inner circle already has %(max)d active volunteers, the most it can have.")
            % {"max": INNER_CIRCLE_MAX}
        )
    _require_volunteer_fit(circle, user, screening_done_on, training_hours)
    member = InnerMember.objects.create(
        circle=circle,
        user=user,
        screening_done_on=screening_done_on,
        training_hours=circles.training_hours(training_hours),
    )
    audit_record_for(
        actor, "cosa.inner_member_added", circle, circle.process.case.organisation, circle=str(circle.pk),
        user=str(user.pk),
    )  # fmt: skip
    return member


@transaction.atomic
def inner_member_update(
    *,
    actor: Any,
    member: InnerMember,
    screening_done_on: datetime.date | None,
    training_hours: Any,
    active: bool,
) -> InnerMember:
    circle = member.circle
    _require_work(actor, circle.process.case)
    locked = InnerMember.objects.select_for_update().get(pk=member.pk)
    full = InnerMember.objects.filter(circle=circle, active=True).count() >= INNER_CIRCLE_MAX
    if active and not locked.active and full:
        raise ValidationError(
            _("The inner circle already has %(max)d active volunteers, the most it can have.")
            % {"max": INNER_CIRCLE_MAX}
        )
    if active:
        _require_volunteer_fit(circle, locked.user, screening_done_on, training_hours)
    locked.screening_done_on = screening_done_on
    locked.training_hours = circles.training_hours(training_hours)
    locked.active = active
    locked.save()
    audit_record_for(
        actor, "cosa.inner_member_updated", circle, circle.process.case.organisation, circle=str(circle.pk),
        user=str(locked.user_id), active=active,
    )  # fmt: skip
    return locked


@transaction.atomic
def outer_member_add(*, actor: Any, circle: Circle, organisation: Organisation, role_description: str) -> OuterMember:
    _require_work(actor, circle.process.case)
    _require_open(circle)
    if organisation.kind != OrganisationKind.PARTNER or not organisation.is_active:
        raise ValidationError(_("The outer circle is made of active partner organisations."))
    role_description = (role_description or "").strip()
    if not role_description:
        raise ValidationError({"role_description": _("Say what this organisation does in the outer circle.")})
    member, created = OuterMember.objects.get_or_create(
        circle=circle, organisation=organisation, defaults={"role_description": role_description[:200]}
    )
    if not created:
        raise ValidationError(_("This organisation is already in the outer circle."))
    audit_record_for(
        actor, "cosa.outer_member_added", circle, circle.process.case.organisation, circle=str(circle.pk),
        organisation=organisation.pk,
    )  # fmt: skip
    return member


def inner_circle_problem(circle: Circle) -> str:
    """Why meetings cannot be recorded yet, in plain words; empty when they can."""
    return circles.inner_circle_problem(KIND, circle)


@transaction.atomic
def meeting_record(
    *,
    actor: Any,
    circle: Circle,
    held_at: datetime.datetime,
    attendees: Iterable[InnerMember] = (),
    core_member_attended: bool = False,
    minutes: str = "",
    now: datetime.datetime | None = None,
) -> CircleMeeting:
    _require_circle_work(actor, circle)
    _require_open(circle)
    now = _now(now)
    circles.meeting_check(KIND, circle, held_at=held_at, now=now)
    attendee_list = circles.volunteers_present(KIND, circle, attendees)
    minutes = (minutes or "").strip()
    meeting = circles.meeting_save(
        KIND, actor=actor, circle=circle, held_at=held_at, present=attendee_list, minutes_in=bool(minutes), now=now,
        core_member_attended=core_member_attended, minutes=minutes or None,
    )  # fmt: skip
    audit_record_for(
        actor, "cosa.meeting_recorded", meeting, circle.process.case.organisation, circle=str(circle.pk),
        present=len(attendee_list), core_member_attended=core_member_attended, minutes=bool(minutes),
    )  # fmt: skip
    return meeting


@transaction.atomic
def minutes_submit(
    *, actor: Any, meeting: CircleMeeting, minutes: str, now: datetime.datetime | None = None
) -> CircleMeeting:
    circle = meeting.circle
    _require_circle_work(actor, circle)
    now = _now(now)
    minutes = (minutes or "").strip()
    if not minutes:
        raise ValidationError({"minutes": _("Write the minutes before handing them in.")})
    locked = circles.minutes_hand_in(KIND, actor=actor, meeting=meeting, now=now, minutes=minutes)
    late = locked.minutes_late(now)
    audit_record_for(
        actor, "cosa.minutes_submitted", locked, circle.process.case.organisation, circle=str(circle.pk), late=late,
    )  # fmt: skip
    return locked


def flag_late_minutes(*, now: datetime.datetime | None = None) -> list[Task]:
    """Give each coordinator of the organisation one case task per meeting whose minutes are more than 48 hours
    late. Safe to run again: a coordinator already told about a meeting is not told twice."""
    return circles.flag_late_minutes(KIND, now=_now(now), audit=_audit_late_minutes)


def _audit_late_minutes(meeting: CircleMeeting, detail: dict[str, Any]) -> None:
    organisation = meeting.circle.process.case.organisation
    audit_record_for(None, "cosa.minutes_flagged_late", meeting, organisation, system_label="system", **detail)


@transaction.atomic
def concern_raise(
    *,
    actor: Any,
    circle: Circle,
    risk_level: str,
    description: str,
    raised_at: datetime.datetime | None = None,
) -> Concern:
    _require_circle_work(actor, circle)
    _require_open(circle)
    if risk_level not in RiskLevel.values:
        raise ValidationError({"risk_level": _("Choose a risk level.")})
    description = (description or "").strip()
    if not description:
        raise ValidationError({"description": _("Say what was seen or heard.")})
    concern = Concern.objects.create(
        circle=circle, raised_at=_now(raised_at), raised_by=actor, risk_level=risk_level, description=description
    )
    audit_record_for(
        actor, "cosa.concern_raised", concern, circle.process.case.organisation, circle=str(circle.pk),
        risk_level=risk_level,
    )  # fmt: skip
    return concern


@transaction.atomic
def concern_escalate(*, actor: Any, concern: Concern, organisation: Organisation) -> Concern:
    """Pass a concern to an organisation of the outer circle — only as far as the core member's consent to share
    safety information with that organisation allows, asked of the consent policy right now."""
    circle = concern.circle
    _require_work(actor, circle.process.case)
    locked = Concern.objects.select_for_update().get(pk=concern.pk)
    if locked.escalated_at is not None:
        raise ValidationError(_("This concern was already passed to the outer circle."))
    if not OuterMember.objects.filter(circle=circle, organisation=organisation).exists():
        raise ValidationError({"organisation": _("Choose an organisation of this circle's outer circle.")})
    decision = may(
        person=circle.core_member,
        purpose=ConsentPurpose.SHARE,
        recipient=organisation,
        categories=ESCALATION_CATEGORIES,
    )
    if not decision.allowed:
        raise ValidationError(decision.reason)
    locked.escalated_to = organisation
    locked.escalated_at = timezone.now()
    locked.escalated_by = actor
    locked.save()
    audit_record(
        actor=actor,
        action="cosa.concern_escalated",
        obj=locked,
        purpose="share",
        organisation=circle.process.case.organisation,
        detail={
            "circle": str(circle.pk),
            "recipient": organisation.pk,
            "risk_level": locked.risk_level,
            "categories": ESCALATION_CATEGORIES,
            "consents": [str(c.pk) for c in decision.consents],
        },
    )
    return locked


@transaction.atomic
def review_add(
    *,
    actor: Any,
    circle: Circle,
    review_date: datetime.date,
    summary: str,
    next_review_due: datetime.date | None = None,
) -> QuarterlyReview:
    _require_work(actor, circle.process.case)
    summary = (summary or "").strip()
    if not summary:
        raise ValidationError({"summary": _("Summarise the review.")})
    next_due = next_review_due or review_date + REVIEW_INTERVAL
    if next_due <= review_date:
        raise ValidationError({"next_review_due": _("The next review comes after this one.")})
    review = QuarterlyReview.objects.create(
        circle=circle, review_date=review_date, summary=summary, next_review_due=next_due, recorded_by=actor
    )
    audit_record_for(actor, "cosa.review_added", review, circle.process.case.organisation, circle=str(circle.pk))
    return review


@transaction.atomic
def questionnaire_complete(
    *, actor: Any, circle: Circle, ratings: Mapping[str, Any], comment: str = ""
) -> ClosingQuestionnaire:
    _require_work(actor, circle.process.case)
    if ClosingQuestionnaire.objects.filter(circle=circle).exists():
        raise ValidationError(_("The closing questionnaire was already completed."))
    clean: dict[str, int] = {}
    for code, _label in CLOSING_QUESTIONS:
        try:
            value = int(ratings.get(code))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            value = 0
        if not 1 <= value <= 5:
            raise ValidationError(_("Answer every question with a rating from 1 to 5."))
        clean[code] = value
    questionnaire = ClosingQuestionnaire.objects.create(
        circle=circle,
        ratings=clean,
        comment=(comment or "").strip() or None,
        completed_at=timezone.now(),
        completed_by=actor,
    )
    audit_record_for(
        actor, "cosa.questionnaire_completed", questionnaire, circle.process.case.organisation, circle=str(circle.pk),
    )  # fmt: skip
    return questionnaire
