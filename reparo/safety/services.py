"""Writes about safety. Each checks the actor's right to work on the case and writes its audit row in the same
transaction. Audit details hold codes and ids only, never answers, reasons or plan contents."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from reparo.access.actors import user_can
from reparo.access.capabilities import Capability
from reparo.access.participants import speaks_for
from reparo.audit.concurrency import ConflictError, check_version
from reparo.audit.services import audit_record, audit_record_for
from reparo.cases.models import Case, CaseParticipant, CaseTeamMember, ParticipantRole, TeamRole
from reparo.cases.selectors import case_access_for
from reparo.cases.services import task_generate
from reparo.core.once import already_made, create_once, submission_key
from reparo.organisations.models import Program
from reparo.people.models import Person
from reparo.processes.models import PreparationMeeting, Process, ProcessRole, Session
from reparo.processes.services import process_pause
from reparo.safety import selectors
from reparo.safety.instruments import instrument_get
from reparo.safety.models import (
    CheckInMoment,
    ContactRestriction,
    DistressCheckIn,
    Notice,
    Outcome,
    ProgramSafetySettings,
    RestrictionKind,
    RiskLevel,
    SafetyPlan,
    Screening,
    ScreeningKind,
)

ANSWERS = {"met": {"yes", "no", "unsure"}, "indicator": {"absent", "present", "unknown"}}
KIND_ROLES = {
    ScreeningKind.SURVIVOR_READINESS: {ProcessRole.SURVIVOR},
    ScreeningKind.RESPONSIBLE_SUITABILITY: {ProcessRole.RESPONSIBLE, ProcessRole.CORE_MEMBER},
}


def _require_work(actor: Any, case: Case) -> None:
    if not case_access_for(actor, case).can_work:
        raise PermissionDenied(_("You can see this case, but not change it."))


@transaction.atomic
def screening_complete(
    *,
    actor: Any,
    process: Process,
    kind: str,
    answers: dict[str, str],
    person: Person | None = None,
    outcome: str = "",
    risk_level: str = "",
    reasons: str = "",
    at: datetime.datetime | None = None,
) -> Screening:
    """Record a completed screening with the newest version of its instrument. It counts only once a
    supervisor signs it off, and until the instrument's validity period has passed."""
    _require_work(actor, process.case)
    if kind not in ScreeningKind.values:
        raise ValidationError({"kind": _("Choose a screening.")})
    instrument = instrument_get(kind)
    missing = [k for k in instrument.keys if answers.get(k) not in ANSWERS[instrument.answers]]
    if missing:
        raise ValidationError({"answers": _("Answer every question.")})
    answers = {k: answers[k] for k in instrument.keys}
    if kind == ScreeningKind.RISK_ASSESSMENT:
        if risk_level not in RiskLevel.values:
            raise ValidationError({"risk_level": _("Choose a risk level.")})
        person, outcome = None, ""
    else:
        if (
            person is None
            or not process.participants.filter(
                person=person, role__in=KIND_ROLES[ScreeningKind(kind)], withdrawn_at__isnull=True
            ).exists()
        ):
            raise ValidationError({"person": _("This screening is for a person taking part in this process.")})
        if outcome not in Outcome.values:
            raise ValidationError({"outcome": _("Choose an outcome.")})
        if outcome == Outcome.READY and any(v != "yes" for v in answers.values()):
            raise ValidationError(
                {"outcome": _("“Ready” needs a “yes” to every question. Choose “not yet” and say why.")}
            )
        risk_level = ""
    needs_reasons = risk_level == RiskLevel.HIGH if kind == ScreeningKind.RISK_ASSESSMENT else outcome != Outcome.READY
    if needs_reasons and not reasons.strip():
        raise ValidationError({"reasons": _("Say why.")})
    at = at or timezone.now()
    screening = Screening.objects.create(
        case=process.case, process=process, person=person, kind=kind, instrument_version=instrument.version,
        answers=answers,  # type: ignore[misc]
        outcome=outcome, risk_level=risk_level, reasons=reasons.strip() or None,
        completed_by=actor, completed_at=at, valid_until=at + datetime.timedelta(days=instrument.validity_days),
    )  # fmt: skip
    audit_record_for(
        actor, "safety.screening_completed", screening, process.case.organisation, process=str(process.pk), kind=kind,
        version=instrument.version, outcome=outcome or None, risk_level=risk_level or None,
    )  # fmt: skip
    return screening


@transaction.atomic
def screening_sign_off(*, actor: Any, screening: Screening, at: datetime.datetime | None = None) -> Screening:
    """A supervisor signs off a screening someone else completed."""
    case = screening.case
    _require_work(actor, case)
    if not selectors.can_sign_off(actor, case):
        raise PermissionDenied(_("Only a supervisor can sign off a screening."))
    locked = Screening.objects.select_for_update().get(pk=screening.pk)
    if locked.signed_off_at is not None:
        raise ValidationError(_("This screening is already signed off."))
    if locked.completed_by_id == actor.pk:
        raise ValidationError(_("A screening is signed off by a supervisor other than the person who completed it."))
    locked.signed_off_by = actor
    locked.signed_off_at = at or timezone.now()
    locked.save(update_fields=["signed_off_by", "signed_off_at", "updated_at"])
    audit_record_for(actor, "safety.screening_signed_off", locked, case.organisation, kind=locked.kind)
    return locked


def lift_refused_message() -> str:
    return _("Only a supervisor, a coordinator or an organisation admin can lift a contact restriction.")


PLAN_FIELDS = ("warning_signs", "coping_steps", "safe_contacts", "safe_words", "session_arrangements")


@transaction.atomic
def safety_plan_save(
    *, actor: Any, case: Case, person: Person, next_review_on: datetime.date, version: int | None = None,
    **texts: str,
) -> SafetyPlan:  # fmt: skip
    """Create or review the survivor's safety plan on the case. Reviewing needs the ``version`` the form was opened
    with: an older or missing one raises :class:`ConflictError`, as does losing a race to create the plan."""
    _require_work(actor, case)
    if not CaseParticipant.objects.filter(case=case, person=person, role=ParticipantRole.SURVIVOR).exists():
        raise ValidationError(_("A safety plan is for the survivor in this case."))
    unknown = set(texts) - set(PLAN_FIELDS)
    if unknown:
        raise TypeError(f"unknown safety plan fields: {sorted(unknown)}")
    if next_review_on <= timezone.localdate():
        raise ValidationError({"next_review_on": _("Choose a review date in the future.")})
    plan = SafetyPlan.objects.select_for_update().filter(case=case, person=person).first()
    created = plan is None
    if plan is None:
        plan = SafetyPlan(case=case, person=person, next_review_on=next_review_on)
    else:
        # A form opened before the plan existed posts no version: that is a conflict too, never a silent overwrite.
        check_version(plan, version)
        plan.version += 1
        plan.reviewed_at = timezone.now()
    for name in PLAN_FIELDS:
        setattr(plan, name, (texts.get(name) or "").strip() or None)
    plan.next_review_on = next_review_on
    plan.updated_by = actor
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError:
        # Two first saves at once: the other one won. Refuse this one as an edit conflict.
        existing = SafetyPlan.objects.filter(case=case, person=person).first()
        if existing is None:
            raise
        check_version(existing, None)
        raise ConflictError(current_version=existing.version, changes=[]) from None
    audit_record_for(
        actor, "safety.plan_created" if created else "safety.plan_reviewed", plan, case.organisation,
        version=plan.version, fields=[n for n in PLAN_FIELDS if getattr(plan, n)],
    )  # fmt: skip
    return plan


@transaction.atomic
def safety_plan_share(*, actor: Any, plan: SafetyPlan, shared: bool) -> SafetyPlan:
    """The facilitator's choice whether the survivor may read their own plan in the portal. It counts from the
    next page the survivor opens."""
    _require_work(actor, plan.case)
    locked = SafetyPlan.objects.select_for_update().get(pk=plan.pk)
    if locked.shared_with_person != bool(shared):
        locked.shared_with_person = bool(shared)
        locked.save(update_fields=["shared_with_person", "updated_at"])
        action = "safety.plan_shared" if shared else "safety.plan_unshared"
        audit_record_for(actor, action, locked, locked.case.organisation)
    return locked


@transaction.atomic
def safety_plan_viewed(*, actor: Any, plan: SafetyPlan, purpose: str = "") -> None:
    """Record that ``actor`` was shown the plan's contents (warning signs, safe contacts, safe words)."""
    _require_work(actor, plan.case)
    audit_record(actor=actor, action="safety.plan_viewed", obj=plan, organisation=plan.case.organisation,
                 purpose=purpose, detail={"version": plan.version})  # fmt: skip


@transaction.atomic
def screenings_viewed(*, actor: Any, case: Case, screenings: list[Screening], process: Process | None = None) -> None:
    """Record that ``actor`` was shown these screenings (outcomes and the reasons given). Nothing shown, no row."""
    _require_work(actor, case)
    if not screenings:
        return
    audit_record(actor=actor, action="safety.screenings_viewed", obj=process or case, organisation=case.organisation,
                 detail={"screenings": [str(s.pk) for s in screenings]})  # fmt: skip


@transaction.atomic
def restriction_record(
    *, actor: Any, case: Case, person_a: Person, person_b: Person, kind: str, valid_from: datetime.date,
    valid_to: datetime.date | None = None, source: str = "",
) -> ContactRestriction:  # fmt: skip
    _require_work(actor, case)
    people = set(CaseParticipant.objects.filter(case=case).values_list("person_id", flat=True))
    if person_a.pk not in people or person_b.pk not in people:
        raise ValidationError(_("Both people must take part in this case."))
    if person_a.pk == person_b.pk:
        raise ValidationError(_("Choose two different people."))
    if kind not in RestrictionKind.values:
        raise ValidationError({"kind": _("Choose a kind of restriction.")})
    if valid_to is not None and valid_to < valid_from:
        raise ValidationError({"valid_to": _("The end cannot come before the start.")})
    restriction = ContactRestriction.objects.create(
        case=case, person_a=person_a, person_b=person_b, kind=kind, source=source.strip() or None,
        valid_from=valid_from, valid_to=valid_to, recorded_by=actor,
    )  # fmt: skip
    audit_record_for(
        actor, "safety.restriction_recorded", restriction, case.organisation, kind=kind,
        valid_from=valid_from.isoformat(), valid_to=valid_to.isoformat() if valid_to else None,
    )  # fmt: skip
    return restriction


@transaction.atomic
def restriction_lift(*, actor: Any, restriction: ContactRestriction) -> ContactRestriction:
    """Lift a restriction: it may reopen the joint-meeting gate, so only a supervisor, coordinator or
    organisation admin may do it."""
    _require_work(actor, restriction.case)
    if not selectors.can_lift_restrictions(actor, restriction.case):
        raise PermissionDenied(lift_refused_message())
    if restriction.lifted_at is not None:
        raise ValidationError(_("This restriction was already lifted."))
    restriction.lifted_at = timezone.now()
    restriction.save(update_fields=["lifted_at", "updated_at"])
    audit_record_for(actor, "safety.restriction_lifted", restriction, restriction.case.organisation)
    return restriction


@transaction.atomic
def program_threshold_set(*, actor: Any, program: Program, threshold: int) -> ProgramSafetySettings:
    """Set a program's distress threshold (organisation admins and coordinators)."""
    if not user_can(actor, Capability.SEE_ALL_ORG_CASES, organisation=program.organisation):
        raise PermissionDenied(_("Only a coordinator can change this."))
    if not 1 <= int(threshold) <= 10:
        raise ValidationError({"threshold": _("Choose a number from 1 to 10.")})
    settings, _created = ProgramSafetySettings.objects.update_or_create(
        program=program, defaults={"distress_threshold": int(threshold)}
    )
    audit_record(actor=actor, action="safety.threshold_set", obj=settings, organisation=program.organisation,
                 detail={"program": program.pk, "threshold": int(threshold)})  # fmt: skip
    return settings


def _notify(*, case: Case, process: Process | None, kind: str, users: set[Any]) -> None:
    Notice.objects.bulk_create([Notice(user=u, case=case, process=process, kind=kind) for u in users if u])


@transaction.atomic
def notices_post(*, case: Case, kind: str, users: set[Any], process: Process | None = None) -> int:
    """Tell ``users`` discreetly, in their Notices, that something of ``kind`` is waiting on ``case`` (for apps above
    this one: messages, relays). One unread notice of a kind per case and person at most: another before the first
    is read adds nothing. Returns how many were added. Called inside the caller's transaction, which audits."""
    if kind not in Notice.Kind.values:
        raise ValueError(f"Unknown notice kind {kind!r}.")
    waiting = set(
        Notice.objects.filter(
            case=case, kind=kind, read_at__isnull=True, user__in=[u.pk for u in users if u]
        ).values_list("user_id", flat=True)
    )
    fresh = sorted((u for u in users if u and u.pk not in waiting), key=lambda u: str(u.pk))
    Notice.objects.bulk_create([Notice(user=u, case=case, process=process, kind=kind) for u in fresh])
    return len(fresh)


def on_participant_withdrew(*, process: Process, users: set[Any], **_kwargs: Any) -> None:
    """A participant stopped and the process ended: the team's Notices say only that a process changed."""
    notices_post(case=process.case, kind=Notice.Kind.PROCESS, users=set(users), process=process)


def supervisors_of(case: Case) -> set[Any]:
    return {m.user for m in CaseTeamMember.objects.filter(case=case, role=TeamRole.SUPERVISOR).select_related("user")}


RECORDED_ALREADY = gettext_lazy("This was sent already. Thank you: it was recorded once.")


@transaction.atomic
def distress_record(
    *,
    actor: Any,
    process: Process,
    person: Person,
    moment: str,
    rating: int,
    session: Session | None = None,
    preparation: PreparationMeeting | None = None,
    at: datetime.datetime | None = None,
    submission: str = "",
) -> DistressCheckIn:
    """Record a 0-10 distress rating. At or above the program's threshold the process pauses, the facilitators
    and supervisors are told discreetly, and a follow-up task is created.

    A participant records their own rating through the portal, before or after a session (the actor is then the
    person rated): the same threshold, pause, notices and task follow as for one recorded by staff. ``submission``:
    the one-time token of the form it was sent with; the same form sent again records nothing more and raises
    :class:`reparo.core.once.AlreadyDone` with the first check-in."""
    case = process.case
    themself = speaks_for(actor, person)
    key = submission_key(submission, scope=f"checkin:{process.pk}:{person.pk}:{getattr(actor, 'pk', '')}")
    already_made(DistressCheckIn, key, RECORDED_ALREADY)
    if not themself:
        _require_work(actor, case)
    moments = (CheckInMoment.BEFORE, CheckInMoment.AFTER) if themself else CheckInMoment.values
    if moment not in moments:
        raise ValidationError({"moment": _("Choose when the check-in happened.")})
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = -1
    if not 0 <= rating <= 10:
        raise ValidationError({"rating": _("Choose a number from 0 to 10.")})
    if not process.participants.filter(person=person).exists():
        raise ValidationError({"person": _("That person does not take part in this process.")})
    if session is not None and session.process_id != process.pk:
        raise ValidationError(_("That session belongs to another process."))
    if preparation is not None and preparation.process_id != process.pk:
        raise ValidationError(_("That preparation meeting belongs to another process."))
    threshold = selectors.distress_threshold(case.program)
    checkin = create_once(
        DistressCheckIn, key, RECORDED_ALREADY,
        process=process, person=person, session=session, preparation=preparation, moment=moment, rating=rating,
        threshold=threshold, recorded_by=actor, recorded_at=at or timezone.now(),
    )  # fmt: skip
    audit_record_for(
        actor, "safety.distress_recorded", checkin, case.organisation, process=str(process.pk), moment=moment,
        at_threshold=checkin.at_threshold,
    )  # fmt: skip
    if checkin.at_threshold:
        staff = None if themself else actor  # the pause and the task are the system's when the person rated
        if process.is_open and not process.paused:
            process_pause(actor=staff, process=process, why="distress_threshold")
        facilitators = {f.user for f in process.facilitators.select_related("user")}
        team = facilitators | supervisors_of(case)
        _notify(case=case, process=process, kind=Notice.Kind.DISTRESS, users=team)
        supervisors = sorted(supervisors_of(case), key=lambda u: u.pk)
        owner = next(iter(sorted(facilitators, key=lambda u: u.pk)), None) or staff or next(iter(supervisors), None)
        task_generate(
            case_id=case.pk,
            message=gettext_noop(
                "Follow up a check-in at or above the threshold: talk with the person and review the safety plan."
            ),
            owner_id=owner.pk if owner else None,
            due_date=timezone.localdate(),
            created_by=staff,
        )
    return checkin


@transaction.atomic
def notice_read(*, actor: Any, notice: Notice) -> Notice:
    if notice.user_id != actor.pk:
        raise PermissionDenied
    if notice.read_at is None:
        notice.read_at = timezone.now()
        notice.save(update_fields=["read_at", "updated_at"])
        audit_record_for(actor, "safety.notice_read", notice, notice.case.organisation, kind=notice.kind)
    return notice
