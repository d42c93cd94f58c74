"""Writes about support circles. Each checks the actor's rights, writes its audit row (ids and codes only, never
the survivor's words) in its transaction, and asks the consent policy where the survivor's data is used.

Staff who work on the case (coordinators, facilitators, case workers on its team) open a circle, manage both
circles, record the survivor's goals and their confirmations, follow up worries and hold the closing review.
Volunteers of the inner circle (:func:`is_circle_volunteer`) record meetings, hand in minutes, propose progress
and raise worries: only while the circle is open and the survivor's agreement to it is in force.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from reparo.access.actors import holds
from reparo.access.capabilities import Capability
from reparo.access.participants import speaks_for
from reparo.audit.services import audit_record_for
from reparo.cases.models import CaseParticipant, ParticipantRole, Task, TeamRole
from reparo.cases.models import CaseTeamMember as TeamMember
from reparo.cases.selectors import case_access_for
from reparo.cases.services import task_generate
from reparo.consent.models import ConsentMethod, ConsentPurpose, DataCategory
from reparo.consent.policy import may
from reparo.consent.services import consent_record
from reparo.core.crypto import normalise_text
from reparo.core.once import AlreadyDone
from reparo.cosa.models import InnerMember as CosaInnerMember
from reparo.evaluation.extensions import Occasion
from reparo.organisations.models import Organisation, OrganisationKind
from reparo.people.models import Person
from reparo.processes import circles
from reparo.processes import services as process_services
from reparo.processes.models import Process, ProcessParticipant, ProcessRole, ProcessType
from reparo.support.models import (
    FOLLOW_UP_MONTHS,
    INNER_CIRCLE_MAX,
    INNER_CIRCLE_MIN,
    OUTCOME_INSTRUMENTS,
    ClosingReview,
    Goal,
    GoalArea,
    PartnerKind,
    Progress,
    ProgressKind,
    ProgressStatus,
    RecordedVia,
    Step,
    SupportCircle,
    SupportLateMinutesFlag,
    SupportMeeting,
    SupportPartner,
    SupportVolunteer,
    Worry,
    WorryLevel,
    follow_up_timepoint,
    occasion_code,
)
from reparo.training.eligibility import volunteer_problems
from reparo.training.framework import SURVIVOR_SUPPORT


def _told_of_late_minutes(meeting: SupportMeeting) -> list[Any]:
    """The organisation's coordinators who follow up circles and the circle's own coordinator (while they work on its
    case), by e-mail address."""
    circle = meeting.circle
    coordinators = {u.pk: u for u in circles.follow_up_coordinators(meeting)}
    if case_access_for(circle.coordinator, circle.process.case).can_work:
        coordinators.setdefault(circle.coordinator.pk, circle.coordinator)
    return sorted(coordinators.values(), key=lambda u: u.email)


# What a support circle brings to the inner circle and meeting log it shares with CoSA (``reparo.processes.circles``).
KIND = circles.CircleKind(
    volunteer=SupportVolunteer,
    meeting=SupportMeeting,
    late_flag=SupportLateMinutesFlag,
    volunteer_role=Capability.VOLUNTEER_IN_SUPPORT,
    inner_min=INNER_CIRCLE_MIN,
    inner_max=INNER_CIRCLE_MAX,
    wrong_size=gettext_lazy(
        "A support circle needs %(min)d to %(max)d active volunteers before meetings can be recorded. It has %(count)d."
    ),
    not_a_volunteer=gettext_lazy("Only active volunteers of this circle can be marked present."),
    late_task=gettext_noop("Support circle meeting minutes are late (meeting of %(date)s)"),
    coordinators=_told_of_late_minutes,
)

# What a partner of the outer circle learns: what the survivor needs help with (their goals), nothing more.
PARTNER_CATEGORIES = [DataCategory.NEEDS.value]
KNOWN_AS_MAX = 60


# --- who may do what ----------------------------------------------------------------------------------------


def consent_ref(circle_or_process: Any) -> str:
    """What the survivor's agreement to a circle names: its process's id."""
    process_id = getattr(circle_or_process, "process_id", None) or getattr(circle_or_process, "pk", None)
    return str(process_id)


def survivor_agrees(circle: SupportCircle, *, at: datetime.datetime | None = None) -> Any:
    """The consent policy's answer, now: does the survivor's agreement to this circle stand?"""
    return may(person=circle.survivor, purpose=ConsentPurpose.SUPPORT_CIRCLE, process_ref=consent_ref(circle), at=at)


def is_staff_for(actor: Any, circle: SupportCircle) -> bool:
    """A staff member who works on the circle's case (and so sees its survivor's side)."""
    return case_access_for(actor, circle.process.case).can_work


def is_circle_volunteer(actor: Any, circle: SupportCircle) -> bool:
    """An active volunteer of this circle's inner circle who still holds a support-volunteer role in the case's
    organisation, while the circle is open and the survivor's agreement to it is in force (asked afresh)."""
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False
    return (
        circle.process.is_open
        and SupportVolunteer.objects.filter(circle=circle, user=actor, active=True).exists()
        and holds(actor, circle.process.case.organisation_id, Capability.VOLUNTEER_IN_SUPPORT)
        and bool(survivor_agrees(circle))
    )


def _require_staff(actor: Any, circle: SupportCircle) -> None:
    if not is_staff_for(actor, circle):
        raise PermissionDenied(_("Only the staff who work on this case can do this."))


def _require_member(actor: Any, circle: SupportCircle) -> bool:
    """Staff who work on the case, or a volunteer of this circle: True for staff."""
    if is_staff_for(actor, circle):
        return True
    if is_circle_volunteer(actor, circle):
        return False
    raise PermissionDenied(_("You are not part of this circle."))


def _require_open(circle: SupportCircle) -> None:
    if not circle.process.is_open:
        raise ValidationError(_("This circle has ended; nothing more can be recorded in it."))


def _audit(actor: Any, action: str, obj: Any, circle: SupportCircle, **detail: Any) -> None:
    audit_record_for(actor, action, obj, circle.process.case.organisation, circle=str(circle.pk), **detail)


def _now(value: datetime.datetime | None) -> datetime.datetime:
    return value or timezone.now()


def _text(value: Any, *, field: str, message: str, max_length: int | None = None) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: message})
    if max_length is not None and len(text) > max_length:
        raise ValidationError({field: _("Keep it to %(max)d characters.") % {"max": max_length}})
    return text


# --- the circle -----------------------------------------------------------------------------------------------


def _clean_known_as(value: Any, survivor: Person) -> str:
    """A first name or a chosen name: never the survivor's surname."""
    known_as = _text(value, field="known_as", message=_("Give the name the survivor wants the volunteers to use."),
                     max_length=KNOWN_AS_MAX)  # fmt: skip
    family = normalise_text(survivor.family_name or "")
    words = set(normalise_text(known_as).split())
    if family and (set(family.split()) & words):
        raise ValidationError({"known_as": _("Use a first name or a name the survivor chose, never a surname.")})
    return known_as


def _responsible_side_participants(process: Process, survivor: Person) -> bool:
    return ProcessParticipant.objects.filter(process=process).exclude(person=survivor).exists()


@transaction.atomic
def support_circle_open(
    *,
    actor: Any,
    process: Process,
    survivor: Person,
    known_as: str,
    consent_method: str = "",
    consent_given_at: datetime.datetime | None = None,
    witness_name: str = "",
    survivor_joins_meetings: bool = True,
    opened_on: datetime.date | None = None,
) -> SupportCircle:
    """Open the support circle of a support-circle process around ``survivor``, with their agreement: recorded
    here (``consent_method``, ``consent_given_at``) unless an agreement to this circle is already in force. The
    survivor joins the process as its one participant; the actor becomes the circle's coordinator."""
    process_services._require_work(actor, process.case)
    if process.type != ProcessType.SUPPORT_CIRCLE:
        raise ValidationError(_("Only a support-circle process can have a support circle."))
    if not process.is_open:
        raise ValidationError(_("This process has finished; open a circle on an open process."))
    Process.objects.select_for_update().filter(pk=process.pk).first()
    if SupportCircle.objects.filter(process=process).exists():
        raise ValidationError(_("This process already has its support circle."))
    survivor_role = CaseParticipant.objects.filter(
        case=process.case, person=survivor, role=ParticipantRole.SURVIVOR
    ).first()
    if survivor_role is None or survivor.erased_at is not None:
        raise ValidationError({"survivor": _("Only a survivor of this case can be the focus of a support circle.")})
    if _responsible_side_participants(process, survivor):
        raise ValidationError(_("A support circle forms around one survivor only; nobody else takes part in it."))
    known_as = _clean_known_as(known_as, survivor)
    if not may(person=survivor, purpose=ConsentPurpose.SUPPORT_CIRCLE, process_ref=consent_ref(process)):
        if consent_method not in ConsentMethod.values or consent_given_at is None:
            raise ValidationError(
                {"consent_method": _("Record how and when the survivor agreed to have a support circle.")}
            )
        consent_record(
            actor=actor, person=survivor, purpose=ConsentPurpose.SUPPORT_CIRCLE, method=consent_method,
            given_at=consent_given_at, case=process.case, process_ref=consent_ref(process),
            process_label=str(_("Support circle")), witness_name=witness_name,
        )  # fmt: skip
    if not ProcessParticipant.objects.filter(process=process, person=survivor).exists():
        process_services.participant_add(
            actor=actor, process=process, case_participant=survivor_role, role=ProcessRole.SURVIVOR
        )
    circle = SupportCircle.objects.create(
        process=process,
        survivor=survivor,
        known_as=known_as,
        coordinator=actor,
        opened_on=opened_on or timezone.localdate(),
        survivor_joins_meetings=survivor_joins_meetings,
    )
    _audit(actor, "support.circle_opened", circle, circle, process=str(process.pk), survivor=survivor.display_code)
    return circle


@transaction.atomic
def circle_settings_update(
    *,
    actor: Any,
    circle: SupportCircle,
    known_as: str,
    survivor_joins_meetings: bool,
    next_meeting_at: datetime.datetime | None,
    next_meeting_place: str = "",
) -> SupportCircle:
    """What the survivor decided about the circle (the name the volunteers use, whether they come to meetings),
    and when and where the circle meets next."""
    _require_staff(actor, circle)
    _require_open(circle)
    place = (next_meeting_place or "").strip()
    if len(place) > 200:
        raise ValidationError({"next_meeting_place": _("Keep it to %(max)d characters.") % {"max": 200}})
    locked = SupportCircle.objects.select_for_update().get(pk=circle.pk)
    locked.known_as = _clean_known_as(known_as, circle.survivor)
    locked.survivor_joins_meetings = bool(survivor_joins_meetings)
    locked.next_meeting_at = next_meeting_at
    locked.next_meeting_place = place or None
    locked.version += 1
    locked.save()
    _audit(actor, "support.circle_updated", locked, locked, survivor_joins_meetings=locked.survivor_joins_meetings,
           next_meeting=bool(next_meeting_at), next_meeting_place=bool(place))  # fmt: skip
    return locked


def is_the_survivor(actor: Any, circle: SupportCircle) -> bool:
    """The circle's survivor, acting for themself through the portal (:func:`reparo.access.participants.speaks_for`)."""
    return speaks_for(actor, circle.survivor_id)


@transaction.atomic
def support_circle_end(*, actor: Any, circle: SupportCircle) -> SupportCircle:
    """The survivor ends the circle, themself in the portal or recorded by staff on their behalf: at any time, and
    no reason is asked. They stop taking part in the process, which ends; the volunteers lose access at once; no
    more surveys about it are sent (``reparo.evaluation``: someone who stopped is asked nothing more)."""
    themself = is_the_survivor(actor, circle)
    if not themself:
        _require_staff(actor, circle)
    # Asked afresh under lock: ending it twice at once (a double tap, or staff recording it as the survivor ends it
    # in the portal) ends it once, with one task and one audit row.
    circle.process = Process.objects.select_for_update().get(pk=circle.process_id)
    _require_open(circle)
    participant = ProcessParticipant.objects.filter(process=circle.process, person=circle.survivor).first()
    if participant is not None:
        process_services.participant_withdraw(actor=actor, participant=participant)
    else:  # pragma: no cover - a circle is always opened with its survivor taking part
        process_services.process_end_early(actor=actor, process=circle.process, reason="withdrawal")
    SupportCircle.objects.filter(pk=circle.pk).update(next_meeting_at=None, next_meeting_place=None)
    if themself:
        _tell_coordinator_of_end(circle)
    circle.refresh_from_db()
    circle.process.refresh_from_db()
    _audit(actor, "support.circle_ended", circle, circle, by="survivor",
           via=RecordedVia.SELF_SERVICE if themself else RecordedVia.STAFF)  # fmt: skip
    return circle


def _tell_coordinator_of_end(circle: SupportCircle) -> None:
    """The survivor ended the circle themself: its coordinator gets a task to check in, unless the withdrawal already
    gave them one (as a facilitator of the process or a supervisor on the case)."""
    coordinator = circle.coordinator
    told = (
        circle.process.facilitators.filter(user=coordinator).exists()
        or TeamMember.objects.filter(case=circle.process.case, user=coordinator, role=TeamRole.SUPERVISOR).exists()
    )
    if told or not coordinator.is_active:
        return
    Task.objects.create(
        case=circle.process.case,
        title=_("A survivor ended their support circle. Check in with them and offer support."),
        owner=coordinator,
        due_date=timezone.localdate(),
    )


# --- the inner circle: volunteers ---------------------------------------------------------------------------


def on_responsible_side(user: Any, circle: SupportCircle) -> bool:
    """Whether ``user`` supports the responsible person of this circle's case (on its team as a CoSA volunteer, or
    in the inner circle of a CoSA on it): they may never join the survivor's circle."""
    case = circle.process.case
    return (
        TeamMember.objects.filter(case=case, user=user, role=TeamRole.COSA_VOLUNTEER).exists()
        or CosaInnerMember.objects.filter(circle__process__case=case, user=user).exists()
    )


def _require_volunteer_fit(circle: SupportCircle, user: Any, screening_done_on: Any, training_hours: Any) -> None:
    """The CoSA volunteer requirements (screening, training hours) and a completed survivor-support course."""
    problems = volunteer_problems(
        user, program=circle.process.case.program, screening_done_on=screening_done_on,
        training_hours=circles.training_hours(training_hours), course_competency=SURVIVOR_SUPPORT,
    )  # fmt: skip
    if problems:
        raise ValidationError([_("This volunteer cannot join the circle yet:"), *problems])


def _full(circle: SupportCircle) -> ValidationError:
    return ValidationError(
        _("The circle already has %(max)d active volunteers, the most it can have.") % {"max": INNER_CIRCLE_MAX}
    )


@transaction.atomic
def volunteer_add(
    *, actor: Any, circle: SupportCircle, user: Any, screening_done_on: datetime.date | None = None,
    training_hours: Any = 0,
) -> SupportVolunteer:  # fmt: skip
    _require_staff(actor, circle)
    _require_open(circle)
    if not (holds(user, circle.process.case.organisation_id, Capability.VOLUNTEER_IN_SUPPORT) and user.is_active):
        raise ValidationError(
            _("Only people with an active support-circle volunteer role in this organisation can join the circle.")
        )
    if on_responsible_side(user, circle):
        raise ValidationError(
            _("This volunteer supports the responsible person in this case, so they cannot join the survivor's circle.")
        )
    SupportCircle.objects.select_for_update().filter(pk=circle.pk).first()
    if SupportVolunteer.objects.filter(circle=circle, user=user).exists():
        raise ValidationError(_("This volunteer is already in the circle."))
    if SupportVolunteer.objects.filter(circle=circle, active=True).count() >= INNER_CIRCLE_MAX:
        raise _full(circle)
    _require_volunteer_fit(circle, user, screening_done_on, training_hours)
    member = SupportVolunteer.objects.create(
        circle=circle,
        user=user,
        screening_done_on=screening_done_on,
        training_hours=circles.training_hours(training_hours),
    )
    _audit(actor, "support.volunteer_added", circle, circle, user=str(user.pk))
    return member


@transaction.atomic
def volunteer_update(
    *, actor: Any, member: SupportVolunteer, screening_done_on: datetime.date | None, training_hours: Any,
    active: bool,
) -> SupportVolunteer:  # fmt: skip
    circle = member.circle
    _require_staff(actor, circle)
    SupportCircle.objects.select_for_update().filter(pk=circle.pk).first()
    locked = SupportVolunteer.objects.select_for_update().get(pk=member.pk)
    if active and not locked.active:
        if SupportVolunteer.objects.filter(circle=circle, active=True).count() >= INNER_CIRCLE_MAX:
            raise _full(circle)
        if on_responsible_side(locked.user, circle):
            raise ValidationError(_("This volunteer supports the responsible person in this case."))
    if active:
        _require_volunteer_fit(circle, locked.user, screening_done_on, training_hours)
    locked.screening_done_on = screening_done_on
    locked.training_hours = circles.training_hours(training_hours)
    locked.active = bool(active)
    locked.save()
    _audit(actor, "support.volunteer_updated", circle, circle, user=str(locked.user_id), active=locked.active)
    return locked


def inner_circle_problem(circle: SupportCircle) -> str:
    """Why meetings cannot be recorded yet, in plain words; empty when they can."""
    return circles.inner_circle_problem(KIND, circle)


# --- the outer circle: partners -----------------------------------------------------------------------------


@transaction.atomic
def partner_add(
    *, actor: Any, circle: SupportCircle, organisation: Organisation, kind: str, role_description: str
) -> SupportPartner:
    """Involve a partner organisation: only one the survivor agreed to share their needs with (asked of the
    consent policy now)."""
    _require_staff(actor, circle)
    _require_open(circle)
    if organisation.kind != OrganisationKind.PARTNER or not organisation.is_active:
        raise ValidationError({"organisation": _("The outer circle is made of active partner organisations.")})
    if kind not in PartnerKind.values:
        raise ValidationError({"kind": _("Choose what they help with.")})
    role = _text(role_description, field="role_description",
                 message=_("Say what this organisation does in the circle."), max_length=200)  # fmt: skip
    decision = may(
        person=circle.survivor, purpose=ConsentPurpose.SHARE, recipient=organisation, categories=PARTNER_CATEGORIES
    )
    if not decision:
        raise ValidationError(
            {"organisation": _("%(reason)s Record the survivor's agreement first.") % {"reason": decision.reason}}
        )
    if SupportPartner.objects.filter(circle=circle, organisation=organisation).exists():
        raise ValidationError(_("This organisation is already in the outer circle."))
    partner = SupportPartner.objects.create(
        circle=circle, organisation=organisation, kind=kind, role_description=role, added_by=actor
    )
    _audit(actor, "support.partner_added", partner, circle, organisation=organisation.pk, kind=kind,
           consents=[str(c.pk) for c in decision.consents])  # fmt: skip
    return partner


# --- goals, steps and progress ------------------------------------------------------------------------------


@transaction.atomic
def goal_set(
    *, actor: Any, circle: SupportCircle, area: str, words: str, shared_with_volunteers: bool = True,
    via: str = RecordedVia.STAFF,
) -> Goal:  # fmt: skip
    """A goal the survivor set, in their words (recorded by staff on their behalf for now)."""
    _require_staff(actor, circle)
    _require_open(circle)
    if area not in GoalArea.values:
        raise ValidationError({"area": _("Choose the area of the goal.")})
    if via not in RecordedVia.values:
        raise ValueError(f"Unknown way of recording {via!r}.")
    text = _text(words, field="words", message=_("Write the goal in the survivor's own words."), max_length=2000)
    goal = Goal.objects.create(
        circle=circle, area=area, words=text, shared_with_volunteers=bool(shared_with_volunteers), set_via=via,
        set_by=actor,
    )  # fmt: skip
    _audit(actor, "support.goal_set", goal, circle, area=area, shared=goal.shared_with_volunteers, via=via)
    return goal


@transaction.atomic
def goal_update(*, actor: Any, goal: Goal, words: str, shared_with_volunteers: bool) -> Goal:
    """The survivor changed the words of a goal, or who may see it."""
    circle = goal.circle
    _require_staff(actor, circle)
    _require_open(circle)
    locked = Goal.objects.select_for_update().get(pk=goal.pk)
    locked.words = _text(words, field="words", message=_("Write the goal in the survivor's own words."),
                         max_length=2000)  # fmt: skip
    locked.shared_with_volunteers = bool(shared_with_volunteers)
    locked.save()
    _audit(actor, "support.goal_updated", locked, circle, shared=locked.shared_with_volunteers)
    return locked


def _helper_in(circle: SupportCircle, helper: SupportVolunteer | None, partner: SupportPartner | None) -> None:
    if helper is not None and helper.circle_id != circle.pk:
        raise ValidationError({"helper": _("Choose a volunteer of this circle.")})
    if partner is not None and partner.circle_id != circle.pk:
        raise ValidationError({"partner": _("Choose a partner of this circle.")})


@transaction.atomic
def step_add(
    *, actor: Any, goal: Goal, words: str, helper: SupportVolunteer | None = None,
    partner: SupportPartner | None = None,
) -> Step:  # fmt: skip
    circle = goal.circle
    _require_staff(actor, circle)
    _require_open(circle)
    _helper_in(circle, helper, partner)
    text = _text(words, field="words", message=_("Say what the step is."), max_length=1000)
    step = Step.objects.create(goal=goal, words=text, helper=helper, partner=partner)
    _audit(actor, "support.step_added", goal, circle, step=str(step.pk), helper=bool(helper), partner=bool(partner))
    return step


@transaction.atomic
def progress_propose(
    *, actor: Any, goal: Goal, kind: str, words: str = "", step: Step | None = None,
    now: datetime.datetime | None = None,
) -> Progress:  # fmt: skip
    """Someone of the circle says a goal moved on. It stays "awaiting the survivor's confirmation" until the
    survivor confirms it: only then is a step done or a goal met."""
    circle = goal.circle
    staff = _require_member(actor, circle)
    _require_open(circle)
    if not staff and not goal.shared_with_volunteers:
        raise PermissionDenied
    if kind not in ProgressKind.values:
        raise ValidationError({"kind": _("Choose what kind of progress it is.")})
    if step is not None and step.goal_id != goal.pk:
        raise ValidationError({"step": _("Choose a step of this goal.")})
    if kind == ProgressKind.STEP_DONE and step is None:
        raise ValidationError({"step": _("Choose the step that is done.")})
    if kind == ProgressKind.GOAL_MET and goal.met_on is not None:
        raise ValidationError(_("The survivor already confirmed that this goal is met."))
    text = (words or "").strip()
    if kind == ProgressKind.NOTE and not text:
        raise ValidationError({"words": _("Say what moved on.")})
    if len(text) > 2000:
        raise ValidationError({"words": _("Keep it to %(max)d characters.") % {"max": 2000}})
    progress = Progress.objects.create(
        goal=goal, step=step, kind=kind, words=text or None, proposed_by=actor, proposed_at=_now(now)
    )
    _audit(actor, "support.progress_proposed", goal, circle, progress=str(progress.pk), kind=kind)
    return progress


@transaction.atomic
def progress_answer(
    *, actor: Any, progress: Progress, confirmed: bool, via: str = RecordedVia.STAFF,
    now: datetime.datetime | None = None,
) -> Progress:  # fmt: skip
    """The survivor's answer to proposed progress: given by the survivor themself in the portal (``via`` is then
    always ``self_service``), or recorded by staff on their behalf. Confirmed, a step is done or a goal is met from
    today. A volunteer never answers for the survivor."""
    goal = progress.goal
    circle = goal.circle
    if is_the_survivor(actor, circle):
        via = RecordedVia.SELF_SERVICE
        _require_open(circle)
    else:
        _require_staff(actor, circle)
    if via not in RecordedVia.values:
        raise ValueError(f"Unknown way of recording {via!r}.")
    now = _now(now)
    locked = Progress.objects.select_for_update().get(pk=progress.pk)
    if locked.status != ProgressStatus.AWAITING:  # answered already (the same answer sent twice, say)
        raise AlreadyDone(_("The survivor has already answered about this. Nothing has changed."), result=locked)
    locked.status = ProgressStatus.CONFIRMED if confirmed else ProgressStatus.NOT_CONFIRMED
    locked.answered_at, locked.answered_via, locked.answered_by = now, via, actor
    locked.save()
    today = timezone.localdate(now)
    if confirmed and locked.kind == ProgressKind.GOAL_MET:
        Goal.objects.filter(pk=goal.pk, met_on__isnull=True).update(met_on=today)
    if confirmed and locked.kind == ProgressKind.STEP_DONE and locked.step_id:
        Step.objects.filter(pk=locked.step_id, done_on__isnull=True).update(done_on=today)
    _audit(actor, "support.progress_answered", goal, circle, progress=str(locked.pk), status=locked.status, via=via)
    return locked


# --- meetings and minutes -----------------------------------------------------------------------------------


def _minutes(what_was_done: Any, next_steps: Any) -> tuple[str, str]:
    done, nxt = (what_was_done or "").strip(), (next_steps or "").strip()
    for field, text in (("what_was_done", done), ("next_steps", nxt)):
        if len(text) > 5000:
            raise ValidationError({field: _("Keep it to %(max)d characters.") % {"max": 5000}})
    if nxt and not done:
        raise ValidationError({"what_was_done": _("Say what was done at the meeting.")})
    return done, nxt


@transaction.atomic
def meeting_record(
    *,
    actor: Any,
    circle: SupportCircle,
    held_at: datetime.datetime,
    attendees: Iterable[SupportVolunteer] = (),
    survivor_came: bool = False,
    what_was_done: str = "",
    next_steps: str = "",
    now: datetime.datetime | None = None,
) -> SupportMeeting:
    """A meeting that was held: who came and, now or within 48 hours, what was done and the next steps."""
    _require_member(actor, circle)
    _require_open(circle)
    now = _now(now)
    circles.meeting_check(KIND, circle, held_at=held_at, now=now)
    if held_at < timezone.make_aware(datetime.datetime.combine(circle.opened_on, datetime.time.min)):
        raise ValidationError({"held_at": _("The circle did not exist yet on that day.")})
    if survivor_came and not circle.survivor_joins_meetings:
        raise ValidationError(
            {"survivor_came": _("The survivor chose not to come to meetings. Ask the coordinator if that changed.")}
        )
    present = circles.volunteers_present(KIND, circle, attendees)
    done, nxt = _minutes(what_was_done, next_steps)
    meeting = circles.meeting_save(
        KIND, actor=actor, circle=circle, held_at=held_at, present=present, minutes_in=bool(done), now=now,
        survivor_came=bool(survivor_came), what_was_done=done or None, next_steps=nxt or None,
    )  # fmt: skip
    _audit(actor, "support.meeting_recorded", meeting, circle, present=len(present),
           survivor_came=bool(survivor_came), minutes=bool(done))  # fmt: skip
    return meeting


@transaction.atomic
def minutes_submit(
    *, actor: Any, meeting: SupportMeeting, what_was_done: str, next_steps: str = "",
    now: datetime.datetime | None = None,
) -> SupportMeeting:  # fmt: skip
    circle = meeting.circle
    _require_member(actor, circle)
    _require_open(circle)
    now = _now(now)
    done, nxt = _minutes(what_was_done, next_steps)
    if not done:
        raise ValidationError({"what_was_done": _("Write what was done before handing the minutes in.")})
    locked = circles.minutes_hand_in(KIND, actor=actor, meeting=meeting, now=now, what_was_done=done,
                                     next_steps=nxt or None)  # fmt: skip
    _audit(actor, "support.minutes_submitted", locked, circle, late=locked.minutes_late(now))
    return locked


def flag_late_minutes(*, now: datetime.datetime | None = None) -> list[Task]:
    """Give the circle's coordinator, and each coordinator of the organisation who follows up circles, one case
    task per meeting whose minutes are more than 48 hours late. Safe to run again: nobody is told twice."""
    return circles.flag_late_minutes(KIND, now=_now(now), audit=_audit_late_minutes)


def _audit_late_minutes(meeting: SupportMeeting, detail: dict[str, Any]) -> None:
    organisation = meeting.circle.process.case.organisation
    audit_record_for(None, "support.minutes_flagged_late", meeting, organisation, system_label="system", **detail)


# --- worries ------------------------------------------------------------------------------------------------


@transaction.atomic
def worry_raise(
    *, actor: Any, circle: SupportCircle, level: str, words: str, now: datetime.datetime | None = None
) -> Worry:
    """A worry about the survivor's safety, straight to the circle's coordinator (a task due today that says
    only that a worry is waiting). It never goes into the minutes, and the other volunteers do not see it."""
    _require_member(actor, circle)
    _require_open(circle)
    if level not in WorryLevel.values:
        raise ValidationError({"level": _("Say how soon the coordinator should look at it.")})
    text = _text(words, field="words", message=_("Say what worries you."), max_length=5000)
    now = _now(now)
    task = task_generate(
        case_id=circle.process.case_id,
        message=gettext_noop("A volunteer raised a worry in a support circle: read it in the circle today."),
        owner_id=circle.coordinator_id,
        due_date=timezone.localdate(now),
    )
    worry = Worry.objects.create(circle=circle, raised_by=actor, raised_at=now, level=level, words=text, task=task)
    _audit(actor, "support.worry_raised", worry, circle, level=level, task=str(task.pk))
    return worry


@transaction.atomic
def worry_seen(*, actor: Any, worry: Worry, now: datetime.datetime | None = None) -> Worry:
    circle = worry.circle
    _require_staff(actor, circle)
    now = _now(now)
    locked = Worry.objects.select_for_update().get(pk=worry.pk)
    if locked.seen_at is None:
        locked.seen_at, locked.seen_by = now, actor
        locked.save(update_fields=["seen_at", "seen_by", "updated_at"])
        if locked.task_id:
            Task.objects.filter(pk=locked.task_id, done_at__isnull=True).update(done_at=now)
        _audit(actor, "support.worry_seen", locked, circle)
    return locked


# --- the closing review -------------------------------------------------------------------------------------


@transaction.atomic
def closing_review_record(
    *, actor: Any, circle: SupportCircle, held_on: datetime.date, survivor_took_part: bool = True,
    what_changed: str = "", what_helped: str = "",
) -> ClosingReview:  # fmt: skip
    """The closing review with the survivor (they may choose not to take part; it is recorded all the same)."""
    _require_staff(actor, circle)
    if ClosingReview.objects.filter(circle=circle).exists():
        raise ValidationError(_("The closing review was already recorded."))
    if held_on > timezone.localdate() or held_on < circle.opened_on:
        raise ValidationError({"held_on": _("Give the day of the review (not in the future).")})
    changed, helped = (what_changed or "").strip(), (what_helped or "").strip()
    if len(changed) > 5000 or len(helped) > 5000:
        raise ValidationError(_("Keep each answer to %(max)d characters.") % {"max": 5000})
    review = ClosingReview.objects.create(
        circle=circle, held_on=held_on, survivor_took_part=bool(survivor_took_part), what_changed=changed or None,
        what_helped=helped or None, recorded_by=actor,
    )  # fmt: skip
    _audit(actor, "support.closing_review", review, circle, survivor_took_part=review.survivor_took_part)
    return review


@transaction.atomic
def circle_read(*, actor: Any, circle: SupportCircle, as_volunteer: bool) -> None:
    """Record that ``actor`` was shown the circle: the survivor's chosen name and goals (a volunteer), or the whole
    of it (staff)."""
    _audit(actor, "support.circle_viewed", circle, circle, as_volunteer=as_volunteer)


# --- surveys (registered with the evaluation sweep) ---------------------------------------------------------


def _add_months(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return datetime.date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def survey_occasions(today: datetime.date) -> Iterator[Occasion]:
    """Self-esteem (RSES) and social support (MSPSS) at each circle's start and 3, 6 and 12 months after it, for
    survivors still taking part (someone who ended their circle is asked nothing more about it). The sweep asks
    the consent policy before making each one."""
    rows = (
        SupportCircle.objects.filter(
            process__participants__person_id=F("survivor_id"),
            process__participants__withdrawn_at__isnull=True,
            opened_on__lte=today,
        )
        .values_list("pk", "process_id", "process__case_id", "process__case__program_id", "survivor_id", "opened_on")
        .distinct()
    )
    for _pk, process_id, case_id, program_id, survivor_id, opened_on in rows:
        ref = SupportCircle(process_id=process_id)
        for months in (0, *FOLLOW_UP_MONTHS):
            due = _add_months(opened_on, months)
            if due > today:
                break
            for instrument in OUTCOME_INSTRUMENTS:
                yield Occasion(
                    program_id=program_id, case_id=case_id, person_id=survivor_id,
                    participant_role=ParticipantRole.SURVIVOR, instrument=instrument,
                    timepoint="circle_start" if months == 0 else follow_up_timepoint(months),
                    occasion=occasion_code(ref, months), due_on=due, process_id=process_id,
                )  # fmt: skip
