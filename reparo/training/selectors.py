"""Reads about training, limited to what the actor may see: their own records, or (for coordinators, org admins
and supervisors) their organisation's. Anything else is "not found"."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import F, Prefetch, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from reparo.access.actors import organisation_ids_where, users_with
from reparo.access.capabilities import Capability
from reparo.access.lookup import lookup, one_or_404
from reparo.accounts.models import User
from reparo.cases.models import Case
from reparo.cases.selectors import cases_visible_to
from reparo.organisations.models import Organisation, Program
from reparo.organisations.selectors import partners_directory
from reparo.processes.models import ProcessParticipant, ProcessRole, Session
from reparo.processes.selectors import processes_visible_to
from reparo.training import access
from reparo.training.eligibility import program_settings
from reparo.training.framework import competencies_of
from reparo.training.models import (
    EXPIRY_WARNING_DAYS,
    Attendance,
    Certification,
    CertificationStatus,
    Competency,
    Course,
    CourseOpening,
    CourseSession,
    CPDEntry,
    Enrolment,
    FacilitatorPreference,
    FacilitatorProfile,
    Observation,
    ObserverRole,
    ProcessRequirement,
    Reflection,
    ScenarioAttempt,
    SupervisionMeeting,
)


def team_of(actor: Any, organisation: Any) -> QuerySet[Any]:
    """The organisation's facilitators (and supervisors), for managers; otherwise just the actor."""
    if not access.is_manager(actor, organisation):
        return User.objects.filter(pk=actor.pk)
    return users_with(organisation, Capability.FACILITATE).order_by("email")


def members_of(organisation: Any) -> QuerySet[Any]:
    """Everyone who works in the organisation's programs (not its partners' staff)."""
    return users_with(organisation, Capability.WORK_IN_PROGRAM).order_by("email")


def other_members_of(organisation: Any, actor: Any) -> QuerySet[Any]:
    """The organisation's members except the actor: the colleagues they may pick."""
    return members_of(organisation).exclude(pk=actor.pk)


def facilitator_profile_of(user: Any, organisation: Any) -> FacilitatorProfile:
    """The user's profile in the organisation, or a blank unsaved one."""
    found = FacilitatorProfile.objects.filter(organisation=organisation, user=user).first()
    return found or FacilitatorProfile(organisation=organisation, user=user)


def case_with_reference(actor: Any, organisation: Any, reference: str) -> Case | None:
    """The case of ``organisation`` with that reference, if the actor may see it."""
    return cases_visible_to(actor).filter(organisation=organisation, reference=reference.strip()).first()


@lookup("training.facilitator")
def facilitator_get_for(actor: Any, organisation: Any, pk: Any) -> Any:
    """A person whose training records the actor may see: themselves, or (managers) their organisation's."""
    if str(actor.pk) == str(pk):
        return actor
    if not access.is_manager(actor, organisation):
        raise Http404
    return one_or_404(members_of(organisation), pk)


def programs_of(organisation: Any) -> QuerySet[Program]:
    return Program.objects.filter(organisation=organisation, is_active=True).order_by("name")


def program_in(organisation: Any, pk: Any) -> Program:
    return one_or_404(programs_of(organisation), pk)


def requirements_table(organisation: Any) -> dict[str, dict[str, int]]:
    """process type -> competency code -> level."""
    competencies_of(organisation)
    table: dict[str, dict[str, int]] = {}
    for row in ProcessRequirement.objects.filter(organisation=organisation).select_related("competency"):
        table.setdefault(row.process_type, {})[row.competency.code] = row.level
    return table


def courses_of(organisation: Any) -> QuerySet[Course]:
    """Each with ``competency_list`` and ``session_list``, its competencies and sessions, for the pages."""
    return Course.objects.filter(organisation=organisation).prefetch_related(
        Prefetch("competencies", to_attr="competency_list"), Prefetch("sessions", to_attr="session_list")
    )


def courses_listed(organisation: Any, *, limit: int = 100) -> list[Course]:
    """The organisation's courses by title (sorted here: titles are encrypted, so SQL cannot order them)."""
    courses = sorted(courses_of(organisation), key=lambda c: (c.title.casefold(), c.created_at, c.pk))
    return courses[:limit]


def course_in(organisation: Any, pk: Any) -> Course:
    return one_or_404(courses_of(organisation), pk)


def course_hours(user: Any, organisation: Any, *, year: int | None = None) -> Decimal:
    rows = Attendance.objects.filter(
        user=user, attended=True, session__course__organisation=organisation, session__course__enrolments__user=user
    )
    if year is not None:
        rows = rows.filter(session__starts_at__year=year)
    return rows.aggregate(total=Sum("session__hours"))["total"] or Decimal("0")


def cpd_entries(user: Any, organisation: Any) -> QuerySet[CPDEntry]:
    return CPDEntry.objects.filter(user=user, organisation=organisation)


@dataclass(frozen=True)
class ProgramProgress:
    program: Program
    required: Decimal
    met: bool


@dataclass(frozen=True)
class CPDProgress:
    year: int
    logged: Decimal
    courses: Decimal
    total: Decimal
    programs: list[ProgramProgress]


def cpd_progress(user: Any, organisation: Any, *, year: int | None = None) -> CPDProgress:
    """Hours of continuing development in ``year``: logged activities plus course sessions attended, against
    each program's yearly requirement."""
    year = year or timezone.localdate().year
    logged = cpd_entries(user, organisation).filter(done_on__year=year).aggregate(total=Sum("hours"))["total"]
    logged = logged or Decimal("0")
    courses = course_hours(user, organisation, year=year)
    total = logged + courses
    programs = [
        ProgramProgress(
            program=p,
            required=program_settings(p).cpd_hours_per_year,
            met=total >= program_settings(p).cpd_hours_per_year,
        )
        for p in programs_of(organisation)
    ]
    return CPDProgress(year=year, logged=logged, courses=courses, total=total, programs=programs)


def attempts_of(user: Any, organisation: Any) -> QuerySet[ScenarioAttempt]:
    return ScenarioAttempt.objects.filter(organisation=organisation).filter(Q(user=user) | Q(partner=user))


@lookup("training.scenarioattempt")
def attempt_get_for(actor: Any, pk: Any) -> ScenarioAttempt:
    """An attempt of the actor (or their practice partner's), or any of the organisation's for a manager."""
    attempt = one_or_404(ScenarioAttempt.objects.select_related("organisation", "partner", "user"), pk)
    if actor.pk in {attempt.user_id, attempt.partner_id} or access.is_manager(actor, attempt.organisation):
        return attempt
    raise Http404


def passed_scenarios(user: Any, organisation: Any) -> set[str]:
    """Scenarios ``user`` passed themselves (being someone's practice partner does not count)."""
    return set(
        ScenarioAttempt.objects.filter(organisation=organisation, user=user, passed=True).values_list(
            "scenario", flat=True
        )
    )


def observations_of(user: Any, organisation: Any) -> QuerySet[Observation]:
    return Observation.objects.filter(organisation=organisation, facilitator=user).select_related("observer")


def counted_observations(user: Any, organisation: Any) -> QuerySet[Observation]:
    """Observations that count towards certification: by someone who is a supervisor in the organisation, or by
    the co-facilitator of the session observed (a co-facilitator observation without that session never counts)."""
    supervisors = users_with(organisation, Capability.SUPERVISE_FACILITATORS)
    by_supervisor = Q(observer_role=ObserverRole.SUPERVISOR, observer__in=supervisors.values("pk"))
    by_co_facilitator = Q(observer_role=ObserverRole.CO_FACILITATOR, session__isnull=False) & (
        Q(session__facilitator=F("observer"), session__co_facilitator=F("facilitator"))
        | Q(session__co_facilitator=F("observer"), session__facilitator=F("facilitator"))
    )
    return observations_of(user, organisation).filter(by_supervisor | by_co_facilitator)


def satisfactory_observations(user: Any, organisation: Any) -> int:
    return sum(1 for o in counted_observations(user, organisation) if o.satisfactory)


def supervision_of(user: Any, organisation: Any) -> QuerySet[SupervisionMeeting]:
    return SupervisionMeeting.objects.filter(organisation=organisation, facilitator=user).select_related("supervisor")


def reflections_of(actor: Any, user: Any, organisation: Any) -> QuerySet[Reflection]:
    """A facilitator's reflections: for themselves and their organisation's supervisors only."""
    if actor != user and not access.is_assessor(actor, organisation):
        return Reflection.objects.none()
    return Reflection.objects.filter(organisation=organisation, user=user)


def certifications_of(user: Any, organisation: Any) -> QuerySet[Certification]:
    return (
        Certification.objects.filter(user=user, program__organisation=organisation)
        .select_related("program", "assessor")
        .order_by("-issued_on")
    )


@lookup("training.certification")
def certification_get_for(actor: Any, pk: Any) -> Certification:
    """The actor's own certification, or any of their organisation's for someone who manages training."""
    cert = one_or_404(Certification.objects.select_related("program__organisation", "user"), pk)
    if cert.user_id == actor.pk or access.is_manager(actor, cert.program.organisation):
        return cert
    raise Http404


def expiring_certifications(
    actor: Any, organisation: Any, *, today: datetime.date | None = None, days: int = EXPIRY_WARNING_DAYS
) -> QuerySet[Certification]:
    """Active certifications in the organisation that expire within ``days`` (managers only)."""
    if not access.is_manager(actor, organisation):
        raise Http404
    today = today or timezone.localdate()
    return (
        Certification.objects.filter(
            program__organisation=organisation,
            status=CertificationStatus.ACTIVE,
            expires_on__gt=today,
            expires_on__lte=today + datetime.timedelta(days=days),
        )
        .select_related("user", "program")
        .order_by("expires_on")
    )


def competency_matrix(actor: Any, organisation: Any) -> tuple[list[Any], list[tuple[Any, list[int]]]]:
    """(competencies, [(person, [highest current level per competency])]) for the actor's team."""
    competencies = competencies_of(organisation)
    people = list(team_of(actor, organisation)[:200])
    today = timezone.localdate()
    held: dict[Any, dict[str, int]] = {p.pk: {} for p in people}
    for cert in Certification.objects.filter(
        user__in=people,
        program__organisation=organisation,
        status=CertificationStatus.ACTIVE,
        issued_on__lte=today,
        expires_on__gt=today,
    ):
        for code, level in cert.levels.items():
            held[cert.user_id][code] = max(held[cert.user_id].get(code, 0), int(level))
    rows = [(p, [held[p.pk].get(c.code, 0) for c in competencies]) for p in people]
    return competencies, rows


def course_session_in(organisation: Any, pk: Any) -> Any:
    return one_or_404(CourseSession.objects.select_related("course"), pk, course__organisation=organisation)


@lookup("training.observable_colleague")
def observable_get_for(actor: Any, organisation: Any, pk: Any) -> Any:
    """Someone whose session the actor may rate: any other member of their organisation."""
    if not access.is_member(actor, organisation):
        raise Http404
    return one_or_404(members_of(organisation).exclude(pk=actor.pk), pk)


def competency_queryset(organisation: Any) -> QuerySet[Any]:
    competencies_of(organisation)
    return Competency.objects.filter(organisation=organisation)


def enrolled_course_ids(user: Any) -> set[int]:
    return set(Enrolment.objects.filter(user=user).values_list("course_id", flat=True))


def attendance_in(user: Any, course: Course) -> dict[int, bool]:
    return {a.session_id: a.attended for a in Attendance.objects.filter(user=user, session__course=course)}


def enrolments_of(course: Course) -> list[Enrolment]:
    return list(Enrolment.objects.filter(course=course).select_related("user", "partner_organisation"))


def present_at(course: Course) -> set[tuple[int, Any]]:
    """(session id, user id) for everyone marked present at one of the course's sessions."""
    return set(Attendance.objects.filter(session__course=course, attended=True).values_list("session_id", "user_id"))


def survivor_of(process: Any) -> Any:
    """The survivor taking part in ``process`` (their person record), or None."""
    participant = (
        ProcessParticipant.objects.filter(process=process, role=ProcessRole.SURVIVOR, withdrawn_at__isnull=True)
        .select_related("person")
        .first()
    )
    return participant.person if participant else None


def preference_of(person: Any) -> str:
    if person is None:
        return ""
    found = FacilitatorPreference.objects.filter(person=person).first()
    return found.facilitator_gender if found else ""


def observable_sessions(actor: Any, facilitator: Any) -> QuerySet[Any]:
    """Sessions of the last year (and those scheduled) the facilitator led or co-led, on processes the actor can
    see."""
    return (
        Session.objects.filter(process__in=processes_visible_to(actor))
        .filter(Q(facilitator=facilitator) | Q(co_facilitator=facilitator))
        .filter(starts_at__gte=timezone.now() - datetime.timedelta(days=365))
        .select_related("process__case")
        .order_by("-starts_at")
    )


def sessions_led_by(actor: Any) -> QuerySet[Any]:
    """Sessions of the last year the actor led or co-led (a co-facilitator observes a session they shared)."""
    return observable_sessions(actor, actor)


# Joint training: courses opened to partner organisations ----------------------------------------------------


def joining_organisation_ids(actor: Any) -> list[int]:
    """The partner organisations through which ``actor`` may join courses opened to them."""
    return organisation_ids_where(actor, Capability.JOIN_PARTNER_TRAINING)


def _open_to(organisation_ids: list[int]) -> QuerySet[CourseOpening]:
    return CourseOpening.objects.filter(organisation_id__in=organisation_ids, closed_at__isnull=True)


def joint_courses_for(actor: Any, *, limit: int = 200) -> list[Course]:
    """Courses opened to an organisation in which ``actor`` may join partner training, by title (encrypted, so
    sorted here). Nothing else of an operator's training."""
    ids = joining_organisation_ids(actor)
    if not ids:
        return []
    courses = Course.objects.filter(pk__in=_open_to(ids).values("course_id")).prefetch_related("sessions")
    return sorted(courses, key=lambda c: (c.title.casefold(), c.created_at, c.pk))[:limit]


@lookup("training.joint_course")
def joint_course_get_for(actor: Any, pk: Any) -> Course:
    """A course opened (and not closed again) to an organisation in which the actor may join partner training
    (a partner's staff); else 404, whether the course is missing, another organisation's or closed to theirs."""
    ids = joining_organisation_ids(actor)
    return one_or_404(Course.objects.filter(pk__in=_open_to(ids).values("course_id")), pk)


def joining_organisation_for(actor: Any, course: Course) -> Organisation | None:
    """The organisation through which ``actor`` joins ``course`` (the lowest id if the course is opened to more
    than one of theirs), or None."""
    opening = (
        _open_to(joining_organisation_ids(actor))
        .filter(course=course)
        .select_related("organisation")
        .order_by("organisation_id")
        .first()
    )
    return opening.organisation if opening else None


def open_partner_ids(course: Course) -> set[int]:
    """Partner organisations the course is open to now."""
    return set(_open_to_any(course).values_list("organisation_id", flat=True))


def _open_to_any(course: Course) -> QuerySet[CourseOpening]:
    return CourseOpening.objects.filter(course=course, closed_at__isnull=True)


def course_openings(course: Course) -> QuerySet[CourseOpening]:
    """The partner organisations a course is open to now, by name (for those who manage the operator's training)."""
    return _open_to_any(course).select_related("organisation").order_by("organisation__name")


def partner_choices(actor: Any) -> QuerySet[Organisation]:
    """Partner organisations a course can be opened to: the active partners of the directory."""
    return partners_directory(actor)


@dataclass(frozen=True)
class JointSession:
    course: Course
    session: CourseSession
    attended: bool | None  # None: not recorded yet


@dataclass(frozen=True)
class JointRecord:
    """A partner staff member's own record of joint training: what they enrolled in, what they attended."""

    enrolments: list[Enrolment]
    sessions: list[JointSession]
    hours: Decimal
    hours_this_year: Decimal
    year: int


def course_sessions_for(user: Any, course: Course) -> list[JointSession]:
    """The sessions of ``course``, each with whether ``user`` attended (None: not recorded)."""
    came = attendance_in(user, course)
    return [
        JointSession(course=course, session=s, attended=came.get(s.pk))
        for s in CourseSession.objects.filter(course=course).order_by("starts_at")
    ]


def joint_record(user: Any, *, today: datetime.date | None = None) -> JointRecord:
    """``user``'s joint training: enrolments made through a partner organisation, each session of those courses
    and whether they attended, and the hours attended (all time and this year). Their own record: it stays theirs
    when a course is later closed to their organisation."""
    today = today or timezone.localdate()
    enrolments = list(
        Enrolment.objects.filter(user=user, partner_organisation__isnull=False)
        .select_related("course", "partner_organisation")
        .order_by("-created_at")
    )
    course_ids = [e.course_id for e in enrolments]
    present = {
        a.session_id: a.attended for a in Attendance.objects.filter(user=user, session__course_id__in=course_ids)
    }
    sessions = [
        JointSession(course=s.course, session=s, attended=present.get(s.pk))
        for s in CourseSession.objects.filter(course_id__in=course_ids).select_related("course").order_by("-starts_at")
    ]
    attended = [j.session for j in sessions if j.attended]
    hours = sum((s.hours for s in attended), Decimal("0"))
    this_year = sum((s.hours for s in attended if timezone.localtime(s.starts_at).year == today.year), Decimal("0"))
    return JointRecord(
        enrolments=enrolments, sessions=sessions, hours=hours, hours_this_year=this_year, year=today.year
    )


@dataclass(frozen=True)
class PartnerAttendance:
    """Attendance of one partner organisation's staff, in one course or in all of an operator's courses."""

    organisation: Organisation
    enrolled: int
    attended_people: int
    sessions_attended: int
    hours: Decimal


def attendance_by_partner(organisation: Any, *, course: Course | None = None) -> list[PartnerAttendance]:
    """Per partner organisation: people enrolled through it, how many came to at least one session, sessions
    attended and hours, in ``course`` or in every course of ``organisation`` (the operator's own view; the caller
    checks that the actor manages its training)."""
    enrolments = Enrolment.objects.filter(course__organisation=organisation, partner_organisation__isnull=False)
    if course is not None:
        enrolments = enrolments.filter(course=course)
    rows: dict[Any, dict[str, Any]] = {}  # partner organisation id -> its tallies
    by_person: dict[tuple[int, Any], Any] = {}  # (course id, user id) -> partner organisation id
    for e in enrolments.select_related("partner_organisation"):
        row = rows.setdefault(
            e.partner_organisation_id,
            {
                "organisation": e.partner_organisation,
                "people": set(),
                "came": set(),
                "sessions": 0,
                "hours": Decimal("0"),
            },
        )
        row["people"].add(e.user_id)
        by_person[(e.course_id, e.user_id)] = e.partner_organisation_id
    attendance = Attendance.objects.filter(
        attended=True, session__course__organisation=organisation, user_id__in={u for _c, u in by_person}
    )
    if course is not None:
        attendance = attendance.filter(session__course=course)
    for a in attendance.select_related("session"):
        org_id = by_person.get((a.session.course_id, a.user_id))
        if org_id is None:
            continue
        row = rows[org_id]
        row["came"].add(a.user_id)
        row["sessions"] += 1
        row["hours"] += a.session.hours
    return [
        PartnerAttendance(
            organisation=r["organisation"],
            enrolled=len(r["people"]),
            attended_people=len(r["came"]),
            sessions_attended=r["sessions"],
            hours=r["hours"],
        )
        for r in sorted(rows.values(), key=lambda r: r["organisation"].name)
    ]
