"""Writes about training. Each checks the actor's rights in the organisation and writes its audit row in the
same transaction."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from reparo.access.actors import organisation_ids_where
from reparo.access.capabilities import Capability
from reparo.audit.services import audit_record_for
from reparo.cases.selectors import case_access_for
from reparo.core.environment import refuse_outside_development
from reparo.organisations.models import Organisation, OrganisationKind
from reparo.processes.models import ProcessType
from reparo.training import access
from reparo.training.eligibility import hours_text, program_settings
from reparo.training.framework import competencies_of, framework_ensure
from reparo.training.models import (
    CERTIFICATION_YEARS,
    EXPIRY_WARNING_DAYS,
    Attendance,
    Certification,
    CertificationStatus,
    Competency,
    ConflictOfInterest,
    Course,
    CourseOpening,
    CourseSession,
    CPDEntry,
    Enrolment,
    FacilitatorPreference,
    FacilitatorProfile,
    Level,
    Observation,
    ObserverRole,
    ProcessRequirement,
    ProgramTrainingSettings,
    Rating,
    Reflection,
    ScenarioAttempt,
    SupervisionMeeting,
)
from reparo.training.scenarios import scenario_get

_KEEP: Any = object()


def _require(check: bool, message: str | None = None) -> None:
    if not check:
        raise PermissionDenied(message or _("You cannot do this here."))


def _hours(value: Any, field: str = "hours", *, allow_zero: bool = False) -> Decimal:
    try:
        hours = Decimal(str(value)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("Give the hours as a number.")}) from None
    if hours < 0 or (hours == 0 and not allow_zero) or hours > 1000:
        raise ValidationError({field: _("Give a number of hours above 0.")})
    return hours


# Framework ---------------------------------------------------------------------------------------------------


@transaction.atomic
def competency_save(
    *, actor: Any, organisation: Any, code: str, name: str, name_es: str = "", description: str = ""
) -> Competency:
    """Add a competency, or rename one (organisation admins)."""
    _require(access.is_admin(actor, organisation))
    framework_ensure(organisation)
    if not name.strip():
        raise ValidationError({"name": _("Give the competency a name.")})
    competency, created = Competency.objects.update_or_create(
        organisation=organisation,
        code=code,
        defaults={"name": name.strip(), "name_es": name_es.strip(), "description": description.strip()},
    )
    if created:
        competency.position = Competency.objects.filter(organisation=organisation).count()
        competency.save(update_fields=["position"])
    audit_record_for(actor, "training.competency_saved", competency, organisation, code=code, created=created)
    return competency


@transaction.atomic
def requirement_set(*, actor: Any, organisation: Any, process_type: str, competency: Competency, level: int) -> None:
    """Set the level of ``competency`` a process type needs (0: not needed). Organisation admins."""
    _require(access.is_admin(actor, organisation))
    if competency.organisation_id != organisation.pk or process_type not in ProcessType.values:
        raise ValidationError(_("Choose a competency and a type of process of this organisation."))
    level = int(level)
    if level == 0:
        ProcessRequirement.objects.filter(
            organisation=organisation, process_type=process_type, competency=competency
        ).delete()
    elif level in Level.values:
        ProcessRequirement.objects.update_or_create(
            organisation=organisation, process_type=process_type, competency=competency, defaults={"level": level}
        )
    else:
        raise ValidationError({"level": _("Choose a level.")})
    audit_record_for(
        actor, "training.requirement_set", competency, organisation, process_type=process_type, level=level,
    )  # fmt: skip


@transaction.atomic
def program_settings_update(*, actor: Any, program: Any, **values: Any) -> ProgramTrainingSettings:
    """Change a program's training requirements (organisation admins only); the audit row keeps old -> new."""
    _require(access.is_admin(actor, program.organisation), _("Only an organisation admin changes the requirements."))
    found = program_settings(program)
    changes: dict[str, list[str]] = {}
    for key, value in values.items():
        old = getattr(found, key)
        if str(old) != str(value):
            changes[key] = [str(old), str(value)]
        setattr(found, key, value)
    found.full_clean()
    found.save()
    audit_record_for(actor, "training.program_settings_updated", found, program.organisation, changes=changes)
    return found


# Facilitator data used by eligibility -----------------------------------------------------------------------


@transaction.atomic
def profile_update(
    *,
    actor: Any,
    organisation: Any,
    user: Any,
    languages: list[str],
    gender: str = "",
    open_process_cap: Any = _KEEP,
) -> FacilitatorProfile:
    """A facilitator's languages and gender (themselves or a manager); the workload cap (a manager)."""
    _require(actor == user or access.is_manager(actor, organisation))
    _require(access.is_member(user, organisation))
    profile, _c = FacilitatorProfile.objects.get_or_create(organisation=organisation, user=user)
    profile.languages = sorted({code for code in languages if code})
    profile.gender = gender
    if open_process_cap is not _KEEP:
        _require(access.is_manager(actor, organisation), _("Only a coordinator sets the workload cap."))
        cap_field = FacilitatorProfile._meta.get_field("open_process_cap")
        try:
            profile.open_process_cap = cap_field.clean(open_process_cap, profile)
        except ValidationError as exc:
            raise ValidationError({"open_process_cap": exc.messages}) from None
    profile.save()
    audit_record_for(actor, "training.profile_updated", profile, organisation, user=str(user.pk))
    return profile


@transaction.atomic
def preference_set(*, actor: Any, case: Any, person: Any, facilitator_gender: str) -> FacilitatorPreference:
    """Record the survivor's stated preference about the facilitator (staff who work on the case)."""
    _require(case_access_for(actor, case).can_work)
    if not case.participants.filter(person=person).exists():
        raise ValidationError(_("That person is not part of this case."))
    preference, _c = FacilitatorPreference.objects.update_or_create(
        person=person, defaults={"facilitator_gender": facilitator_gender, "recorded_by": actor}
    )
    audit_record_for(actor, "training.preference_recorded", preference, case.organisation, person=person.display_code)
    return preference


@transaction.atomic
def conflict_declare(
    *, actor: Any, organisation: Any, case: Any = None, person: Any = None, description: str = "", user: Any = None
) -> ConflictOfInterest:
    """A facilitator declares a conflict of interest with a case or a person; or a manager records one a
    facilitator told them about (``user``), before anyone thinks of assigning them."""
    user = user or actor
    if user.pk == actor.pk:
        _require(access.is_member(actor, organisation))
    else:
        _require(access.is_manager(actor, organisation) and access.is_member(user, organisation))
    if case is None and person is None:
        raise ValidationError(_("Say which case or person the conflict is with."))
    if case is not None and case.organisation_id != organisation.pk:
        raise ValidationError(_("Say which case or person the conflict is with."))
    conflict = ConflictOfInterest.objects.create(
        organisation=organisation, user=user, case=case, person=person, description=description.strip() or None
    )
    audit_record_for(actor, "training.conflict_declared", conflict, organisation, user=str(user.pk))
    return conflict


# Courses and continuing development ---------------------------------------------------------------------------


@transaction.atomic
def course_create(
    *,
    actor: Any,
    organisation: Any,
    title: str,
    competencies: list[Competency],
    description: str = "",
    is_workshop: bool = False,
) -> Course:
    _require(access.is_manager(actor, organisation))
    if not title.strip():
        raise ValidationError({"title": _("Give the course a title.")})
    if any(c.organisation_id != organisation.pk for c in competencies):
        raise ValidationError({"competencies": _("Choose competencies of this organisation.")})
    course = Course.objects.create(
        organisation=organisation, title=title.strip(), description=description.strip(), is_workshop=is_workshop
    )
    course.competencies.set(competencies)
    audit_record_for(actor, "training.course_created", course, organisation)
    return course


@transaction.atomic
def course_session_add(*, actor: Any, course: Course, starts_at: datetime.datetime, hours: Any) -> CourseSession:
    _require(access.is_manager(actor, course.organisation))
    session = CourseSession.objects.create(course=course, starts_at=starts_at, hours=_hours(hours))
    audit_record_for(actor, "training.course_session_added", course, course.organisation, session=session.pk)
    return session


@transaction.atomic
def enrol(*, actor: Any, course: Course, user: Any) -> Enrolment:
    """Enrol ``user`` (oneself, or by a manager) in a course."""
    _require(actor == user or access.is_manager(actor, course.organisation))
    _require(access.is_member(user, course.organisation))
    enrolment, created = Enrolment.objects.get_or_create(course=course, user=user)
    if not created:
        raise ValidationError(_("Already enrolled."))
    audit_record_for(actor, "training.enrolled", course, course.organisation, user=str(user.pk))
    return enrolment


@transaction.atomic
def course_open_to_partners(*, actor: Any, course: Course, organisations: list[Organisation]) -> set[int]:
    """Open ``course`` to exactly these partner organisations (those who manage the operator's training): their
    staff see it and may enrol. An organisation left out is closed again (its staff's records stay theirs).
    Returns the ids of the organisations it is open to."""
    _require(access.is_manager(actor, course.organisation))
    wanted = {o.pk: o for o in organisations}
    if any(o.kind != OrganisationKind.PARTNER or not o.is_active for o in organisations):
        raise ValidationError({"organisations": _("Choose partner organisations from the directory.")})
    now = timezone.now()
    existing = {o.organisation_id: o for o in CourseOpening.objects.select_for_update().filter(course=course)}
    opened, closed = [], []
    for org_id, organisation in wanted.items():
        opening = existing.get(org_id)
        if opening is None:
            CourseOpening.objects.create(course=course, organisation=organisation, opened_by=actor)
            opened.append(org_id)
        elif opening.closed_at is not None:
            opening.closed_at = None
            opening.opened_by = actor
            opening.save(update_fields=["closed_at", "opened_by", "updated_at"])
            opened.append(org_id)
    for org_id, opening in existing.items():
        if org_id not in wanted and opening.closed_at is None:
            opening.closed_at = now
            opening.save(update_fields=["closed_at", "updated_at"])
            closed.append(org_id)
    if opened or closed:
        audit_record_for(
            actor, "training.course_opened_to_partners", course, course.organisation, opened=opened, closed=closed
        )
    return set(wanted)


@transaction.atomic
def joint_enrol(*, actor: Any, course: Course) -> Enrolment:
    """A partner organisation's staff member enrols themselves in a course opened to their organisation; their
    attendance then counts for that organisation, and in their own record."""
    mine = organisation_ids_where(actor, Capability.JOIN_PARTNER_TRAINING)
    opening = (
        CourseOpening.objects.filter(course=course, organisation_id__in=mine, closed_at__isnull=True)
        .select_related("organisation")
        .order_by("organisation_id")
        .first()
    )
    if opening is None:
        raise PermissionDenied
    enrolment, created = Enrolment.objects.get_or_create(
        course=course, user=actor, defaults={"partner_organisation": opening.organisation}
    )
    if not created:
        raise ValidationError(_("Already enrolled."))
    audit_record_for(
        actor, "training.enrolled", course, course.organisation, user=str(actor.pk), partner=opening.organisation_id
    )
    return enrolment


@transaction.atomic
def attendance_record(
    *, actor: Any, session: CourseSession, attended: list[Any], at: datetime.datetime | None = None
) -> int:
    """Who came to a course session (managers), once it has started. Only people enrolled are recorded."""
    course = session.course
    _require(access.is_manager(actor, course.organisation))
    if session.starts_at > (at or timezone.now()):
        raise ValidationError(_("Record attendance once the session has started."))
    enrolled = {str(e.user_id): e.user for e in course.enrolments.select_related("user")}
    present = {str(getattr(u, "pk", u)) for u in attended}
    if present - set(enrolled):
        raise ValidationError(_("Only people enrolled in the course can be marked present."))
    for user_id, user in enrolled.items():
        Attendance.objects.update_or_create(session=session, user=user, defaults={"attended": user_id in present})
    audit_record_for(
        actor, "training.attendance_recorded", course, course.organisation, session=session.pk, present=len(present),
    )  # fmt: skip
    return len(present)


@transaction.atomic
def cpd_add(
    *, actor: Any, organisation: Any, done_on: datetime.date, hours: Any, activity: str, evidence: str = ""
) -> CPDEntry:
    _require(access.is_member(actor, organisation))
    if done_on > timezone.localdate():
        raise ValidationError({"done_on": _("Record development once it is done.")})
    if not activity.strip():
        raise ValidationError({"activity": _("Say what the activity was.")})
    entry = CPDEntry.objects.create(
        organisation=organisation,
        user=actor,
        done_on=done_on,
        hours=_hours(hours),
        activity=activity.strip(),
        evidence=evidence.strip(),
    )
    audit_record_for(actor, "training.cpd_added", entry, organisation)
    return entry


# Role-play practice -------------------------------------------------------------------------------------------


@transaction.atomic
def attempt_start(*, actor: Any, organisation: Any, scenario_id: str, partner: Any = None) -> ScenarioAttempt:
    _require(access.is_member(actor, organisation))
    scenario = scenario_get(scenario_id)
    if scenario is None:
        raise ValidationError(_("This scenario is not available."))
    if partner is not None and (partner == actor or not access.is_member(partner, organisation)):
        raise ValidationError({"partner": _("Choose someone else in your organisation to practise with.")})
    attempt = ScenarioAttempt.objects.create(
        organisation=organisation,
        user=actor,
        partner=partner,
        scenario=scenario.id,
        scenario_version=scenario.version,
        current_node=scenario.start,
    )
    audit_record_for(actor, "training.attempt_started", attempt, organisation, scenario=scenario.id)
    return attempt


@transaction.atomic
def attempt_choose(*, actor: Any, attempt: ScenarioAttempt, choice_id: str) -> ScenarioAttempt:
    """Record a choice at the attempt's current point and move on; at an ending the score is recorded."""
    _require(actor.pk in {attempt.user_id, attempt.partner_id})
    locked = ScenarioAttempt.objects.select_for_update().get(pk=attempt.pk)
    if locked.finished_at:
        raise ValidationError(_("This attempt is finished. Start a new one to practise again."))
    scenario = scenario_get(locked.scenario)
    node = scenario.node(locked.current_node) if scenario else None
    if scenario is None or node is None:
        raise ValidationError(_("This scenario has changed or is no longer available."))
    choice = node.choice(choice_id)
    if choice is None:
        raise ValidationError(_("Choose one of the answers."))
    locked.steps = [*locked.steps, {"node": node.id, "choice": choice.id, "scores": choice.scores, "best": node.best}]
    for code, points in choice.scores.items():
        locked.scores[code] = locked.scores.get(code, 0) + points
    locked.earned += choice.total
    locked.possible += node.best
    following = scenario.node(choice.next) if choice.next else None
    if following is None or following.is_end:
        locked.current_node = following.id if following else node.id
        locked.finished_at = timezone.now()
        locked.percent = round(100 * locked.earned / locked.possible) if locked.possible else 100
        locked.passed = locked.percent >= scenario.pass_mark
    else:
        locked.current_node = following.id
    locked.save()
    if locked.finished_at:
        audit_record_for(
            actor, "training.attempt_finished", locked, locked.organisation, scenario=scenario.id,
            percent=locked.percent, passed=locked.passed,
        )  # fmt: skip
    return locked


# Supervision and peer feedback --------------------------------------------------------------------------------


def _ratings(organisation: Any, ratings: dict[str, Any]) -> dict[str, int]:
    known = {c.code for c in competencies_of(organisation)}
    clean = {}
    for code, value in ratings.items():
        if value in (None, ""):
            continue
        if code not in known or int(value) not in Rating.values:
            raise ValidationError({"ratings": _("Rate only this organisation's competencies, from 1 to 4.")})
        clean[code] = int(value)
    if not clean:
        raise ValidationError({"ratings": _("Rate at least one competency.")})
    return clean


@transaction.atomic
def observation_record(
    *,
    actor: Any,
    organisation: Any,
    facilitator: Any,
    observer_role: str,
    observed_on: datetime.date,
    ratings: dict[str, Any],
    feedback: str = "",
    session: Any = None,
) -> Observation:
    """A co-facilitator or a supervisor rates a facilitator's session. Nobody observes themselves."""
    _require(access.is_member(actor, organisation) and access.is_member(facilitator, organisation))
    if actor == facilitator:
        raise ValidationError(_("Someone else observes your sessions."))
    if observer_role not in ObserverRole.values:
        raise ValidationError({"observer_role": _("Choose how you observed.")})
    if observer_role == ObserverRole.SUPERVISOR:
        _require(access.is_supervisor(actor, organisation), _("Only a supervisor can observe as a supervisor."))
    if observed_on > timezone.localdate():
        raise ValidationError({"observed_on": _("Record an observation once it is done.")})
    if session is not None and (
        facilitator.pk not in {session.facilitator_id, session.co_facilitator_id}
        or session.process.case.organisation_id != organisation.pk
    ):
        raise ValidationError({"session": _("Choose a session this facilitator led.")})
    if observer_role == ObserverRole.CO_FACILITATOR and (
        session is None or actor.pk not in {session.facilitator_id, session.co_facilitator_id}
    ):
        raise ValidationError({"session": _("Choose a session you facilitated together.")})
    observation = Observation.objects.create(
        organisation=organisation,
        facilitator=facilitator,
        observer=actor,
        observer_role=observer_role,
        observed_on=observed_on,
        ratings=_ratings(organisation, ratings),
        feedback=feedback.strip() or None,
        session=session,
    )
    audit_record_for(actor, "training.observation_recorded", observation, organisation, facilitator=str(facilitator.pk))
    return observation


@transaction.atomic
def supervision_log(
    *, actor: Any, organisation: Any, facilitator: Any, held_on: datetime.date, notes: str = "", actions: str = ""
) -> SupervisionMeeting:
    _require(access.is_assessor(actor, organisation) and access.is_member(facilitator, organisation))
    meeting = SupervisionMeeting.objects.create(
        organisation=organisation,
        facilitator=facilitator,
        supervisor=actor,
        held_on=held_on,
        notes=notes.strip() or None,
        actions=actions.strip() or None,
    )
    audit_record_for(actor, "training.supervision_logged", meeting, organisation, facilitator=str(facilitator.pk))
    return meeting


@transaction.atomic
def reflection_write(*, actor: Any, organisation: Any, written_on: datetime.date, text: str) -> Reflection:
    _require(access.is_member(actor, organisation))
    if not text.strip():
        raise ValidationError({"text": _("Write your reflection.")})
    reflection = Reflection.objects.create(
        organisation=organisation, user=actor, written_on=written_on, text=text.strip()
    )
    audit_record_for(actor, "training.reflection_written", reflection, organisation)
    return reflection


# Certifications -----------------------------------------------------------------------------------------------


def certification_requirements(user: Any, program: Any) -> list[str]:
    """What ``user`` still lacks for a certification in ``program`` (empty when every requirement is met)."""
    from reparo.training.selectors import course_hours, passed_scenarios, satisfactory_observations

    rules = program_settings(program)
    organisation = program.organisation
    missing = []
    hours = course_hours(user, organisation)
    if hours < rules.certification_course_hours:
        missing.append(
            _("Course hours attended: %(hours)s of %(needed)s.")
            % {"hours": hours_text(hours), "needed": hours_text(rules.certification_course_hours)}
        )
    passed = passed_scenarios(user, organisation)
    if len(passed) < rules.certification_scenarios:
        missing.append(
            _("Practice scenarios passed: %(count)d of %(needed)d.")
            % {"count": len(passed), "needed": rules.certification_scenarios}
        )
    observed = satisfactory_observations(user, organisation)
    if observed < rules.certification_observations:
        missing.append(
            _("Observed sessions rated satisfactory: %(count)d of %(needed)d.")
            % {"count": observed, "needed": rules.certification_observations}
        )
    return missing


def _add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@transaction.atomic
def certification_issue(
    *,
    actor: Any,
    user: Any,
    program: Any,
    levels: dict[str, Any],
    issued_on: datetime.date | None = None,
    expires_on: datetime.date | None = None,
    renewal_of: Certification | None = None,
) -> Certification:
    """An assessor certifies ``user`` in ``program`` at ``levels`` — only when the program's requirements are met.
    Expires after two years unless another date is given."""
    organisation = program.organisation
    _require(access.is_assessor(actor, organisation), _("Only an assessor can issue a certification."))
    if actor == user:
        raise ValidationError(_("Nobody certifies themselves."))
    _require(access.is_member(user, organisation))
    suspended = Certification.objects.filter(user=user, program=program, status=CertificationStatus.SUSPENDED)
    if suspended.exists():
        raise ValidationError(
            _("This person has a suspended certification in this program; it must be resolved before a new one.")
        )
    known = {c.code for c in competencies_of(organisation)}
    clean = {code: int(level) for code, level in levels.items() if level not in (None, "", 0, "0")}
    if not clean or set(clean) - known or any(v not in Level.values for v in clean.values()):
        raise ValidationError({"levels": _("Give a level for at least one competency of this organisation.")})
    missing = certification_requirements(user, program)
    if missing:
        raise ValidationError([_("The program's requirements are not met yet."), *missing])
    issued_on = issued_on or timezone.localdate()
    expires_on = expires_on or _add_years(issued_on, CERTIFICATION_YEARS)
    if expires_on <= issued_on:
        raise ValidationError({"expires_on": _("The expiry must come after the issue date.")})
    certification = Certification.objects.create(
        program=program,
        user=user,
        levels=clean,
        issued_on=issued_on,
        expires_on=expires_on,
        assessor=actor,
        renewal_of=renewal_of,
    )
    audit_record_for(
        actor, "training.certification_issued", certification, organisation, user=str(user.pk),
        expires_on=expires_on.isoformat(),
    )  # fmt: skip
    return certification


@transaction.atomic
def certification_renew(*, actor: Any, certification: Certification) -> Certification:
    """Renew: a new certification with the same levels (requirements checked again); the old one is replaced.
    The old one is locked first, so two renewals at once make one new certification, not two."""
    certification = (
        Certification.objects.select_for_update(of=("self",)).select_related("user", "program").get(pk=certification.pk)
    )
    if certification.status == CertificationStatus.RENEWED:
        raise ValidationError(_("This certification has already been renewed."))
    if certification.status == CertificationStatus.SUSPENDED:
        raise ValidationError(_("A suspended certification cannot be renewed."))
    start = max(timezone.localdate(), certification.expires_on)
    renewed = certification_issue(
        actor=actor,
        user=certification.user,
        program=certification.program,
        levels=certification.levels,
        issued_on=timezone.localdate(),
        expires_on=_add_years(start, CERTIFICATION_YEARS),
        renewal_of=certification,
    )
    Certification.objects.filter(pk=certification.pk).update(status=CertificationStatus.RENEWED)
    return renewed


@transaction.atomic
def certification_suspend(*, actor: Any, certification: Certification, reason: str) -> Certification:
    organisation = certification.program.organisation
    _require(access.is_assessor(actor, organisation), _("Only an assessor can suspend a certification."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the certification is suspended.")})
    if certification.status != CertificationStatus.ACTIVE:
        raise ValidationError(_("Only an active certification can be suspended."))
    certification.status = CertificationStatus.SUSPENDED
    certification.suspended_reason = reason.strip()
    certification.save(update_fields=["status", "suspended_reason", "updated_at"])
    audit_record_for(
        actor, "training.certification_suspended", certification, organisation, user=str(certification.user_id),
    )  # fmt: skip
    return certification


def _send_reminder(email: str) -> None:
    send_mail(
        _("Something is waiting for you in Reparo"),
        _("Sign in to Reparo to see what is waiting for you."),
        None,
        [email],
    )


def send_expiry_reminders(*, today: datetime.date | None = None) -> int:
    """Remind each facilitator whose active certification expires within 90 days, once per certification. The
    e-mail says only that something is waiting; it goes only to active users, and only once the reminder is
    recorded (after the transaction commits). Returns how many were reminded."""
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=EXPIRY_WARNING_DAYS)
    reminded = 0
    with transaction.atomic():
        due = (
            Certification.objects.select_for_update(of=("self",))
            .filter(
                status=CertificationStatus.ACTIVE,
                reminded_at__isnull=True,
                user__is_active=True,
                expires_on__gt=today,
                expires_on__lte=horizon,
            )
            .select_related("user", "program__organisation")
        )
        for certification in due:
            if not certification.user.email:
                continue
            updated = Certification.objects.filter(pk=certification.pk, reminded_at__isnull=True).update(
                reminded_at=timezone.now()
            )
            if not updated:
                continue
            transaction.on_commit(partial(_send_reminder, certification.user.email))
            audit_record_for(None, "training.expiry_reminder_sent", certification, certification.program.organisation)
            reminded += 1
    return reminded


def certify_for_demo(*, user: Any, program: Any) -> Certification:
    """Development only (``seed_demo``): a current certification at the advanced level in every competency."""
    refuse_outside_development()
    existing = (
        Certification.objects.filter(user=user, program=program, status=CertificationStatus.ACTIVE)
        .order_by("-expires_on")
        .first()
    )
    if existing and existing.expires_on > timezone.localdate():
        return existing
    today = timezone.localdate()
    return Certification.objects.create(
        program=program,
        user=user,
        levels={c.code: Level.ADVANCED for c in competencies_of(program.organisation)},
        issued_on=today,
        expires_on=_add_years(today, CERTIFICATION_YEARS),
    )
