"""Who may facilitate a process, and why (not): the one place that answers it.

:func:`eligible_facilitators` lists every candidate of the process's organisation with the reasons for and
against; :func:`facilitator_eligibility` answers for one person. The processes' assignment refuses anyone not
eligible (``reparo.processes.services.facilitator_assign``), and the joint-meeting gate asks
:func:`certification_problem`. CoSA inner-circle volunteers are checked by :func:`volunteer_problems`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from reparo.access.actors import holds, users_with
from reparo.access.capabilities import Capability
from reparo.core import dates
from reparo.core.htcds import Gender
from reparo.processes.models import (
    OPEN_STAGES,
    SURVIVOR_SIDE,
    Process,
    ProcessFacilitator,
    ProcessParticipant,
    Session,
    SessionStatus,
)
from reparo.training.framework import competencies_of, requirements_for
from reparo.training.models import (
    Attendance,
    Certification,
    CertificationStatus,
    ConflictOfInterest,
    Course,
    CourseSession,
    FacilitatorPreference,
    FacilitatorProfile,
    Level,
    ProgramTrainingSettings,
)

CERTIFICATION = "certification"
LANGUAGE = "language"
PREFERENCE = "preference"
CONFLICT = "conflict"
WORKLOAD = "workload"


@dataclass(frozen=True)
class Reason:
    """One reason for or against; one against says where it is put right (``fix_url``, in words ``fix_text``)."""

    code: str
    ok: bool
    text: str
    fix_url: str = ""
    fix_text: str = ""


def _on_their_page(user: Any, anchor: str, text: str) -> dict[str, str]:
    """Where a reason about a facilitator is put right: their training record (profile, certifications)."""
    return {"fix_url": f"{reverse('training:person', args=[user.pk])}#{anchor}", "fix_text": text}


@dataclass
class Candidate:
    user: Any
    reasons: list[Reason] = field(default_factory=list)

    @property
    def eligible(self) -> bool:
        return all(r.ok for r in self.reasons)

    @property
    def against(self) -> list[Reason]:
        return [r for r in self.reasons if not r.ok]

    @property
    def codes_against(self) -> set[str]:
        return {r.code for r in self.against}


def hours_text(value: Any) -> str:
    """Hours as people write them: 12, 11.5 (not 12.0)."""
    return format(Decimal(str(value or 0)).normalize(), "f")


def program_settings(program: Any) -> ProgramTrainingSettings:
    found, _created = ProgramTrainingSettings.objects.get_or_create(program=program)
    return found


def session_dates(process: Process, dates: Iterable[Any] | None = None) -> list[datetime.date]:
    """The days the facilitator must be fit on: today, the given dates, or the process's scheduled sessions."""
    days = {timezone.localdate()}
    if dates is None:
        starts = Session.objects.filter(
            process=process, status=SessionStatus.SCHEDULED, starts_at__gte=timezone.now()
        ).values_list("starts_at", flat=True)
        dates = list(starts)
    for value in dates:
        days.add(timezone.localdate(value) if isinstance(value, datetime.datetime) else value)
    return sorted(days)


def _level_label(level: int) -> str:
    return str(Level(level).label) if level in Level.values else str(level)


def certification_problem(
    user: Any,
    process: Process,
    days: list[datetime.date],
    *,
    certifications: list[Certification] | None = None,
    needed: dict[str, int] | None = None,
    names: dict[str, str] | None = None,
) -> str | None:
    """Why ``user``'s certification does not cover ``process`` on every one of ``days`` (None when it does)."""
    organisation = process.case.organisation
    needed = requirements_for(organisation, process.type) if needed is None else needed
    if certifications is None:
        certifications = list(
            Certification.objects.filter(
                user=user,
                program_id=process.case.program_id,
                status__in=[CertificationStatus.ACTIVE, CertificationStatus.SUSPENDED],
            )
        )
    active = [c for c in certifications if c.status == CertificationStatus.ACTIVE]
    if not active:
        if certifications:
            return _("The certification for this program is suspended.")
        return _("No current certification for this program.")
    names = {c.code: c.label for c in competencies_of(organisation)} if names is None else names
    problems: list[str] = []
    for day in days:
        valid = [c for c in active if c.valid_on(day)]
        if not valid:
            latest = max(active, key=lambda c: c.expires_on)
            if latest.issued_on > day:
                return _("The certification only starts on %(start)s.") % {"start": dates.day(latest.issued_on)}
            return _("The certification expires on %(expiry)s, before the session on %(day)s.") % {
                "expiry": dates.day(latest.expires_on),
                "day": dates.day(day),
            }
        held: dict[str, int] = {}
        for cert in valid:
            for code, level in cert.levels.items():
                held[code] = max(held.get(code, 0), int(level))
        for code, level in needed.items():
            if held.get(code, 0) < level:
                problems.append(
                    _("%(competency)s at level %(level)s")
                    % {"competency": names.get(code, code), "level": _level_label(level)}
                )
        if problems:
            return _("The certification does not cover: %(missing)s.") % {"missing": ", ".join(problems)}
    return None


def _participants(process: Process) -> list[ProcessParticipant]:
    return list(ProcessParticipant.objects.filter(process=process, withdrawn_at__isnull=True).select_related("person"))


def _interpreter_languages(process: Process) -> set[str]:
    return set(
        Session.objects.filter(process=process, status=SessionStatus.SCHEDULED)
        .exclude(interpreter_language="")
        .values_list("interpreter_language", flat=True)
    )


def _open_load(users: list[Any], process: Process) -> dict[Any, int]:
    load: dict[Any, int] = {}
    rows = (
        ProcessFacilitator.objects.filter(user__in=users, process__stage__in=list(OPEN_STAGES))
        .exclude(process=process)
        .values_list("user_id", flat=True)
    )
    for user_id in rows:
        load[user_id] = load.get(user_id, 0) + 1
    return load


def candidates_for(process: Process) -> list[Any]:
    """Everyone in the process's organisation who may facilitate (an active facilitator or supervisor role)."""
    return list(users_with(process.case.organisation_id, Capability.FACILITATE).order_by("email"))


def eligible_facilitators(
    process: Process, *, dates: Iterable[Any] | None = None, users: list[Any] | None = None
) -> list[Candidate]:
    """Every candidate for ``process`` with the reasons for and against each; ``dates`` are the session days to
    check certification on (default: today and the process's scheduled sessions)."""
    users = candidates_for(process) if users is None else users
    if not users:
        return []
    organisation = process.case.organisation
    days = session_dates(process, dates)
    participants = _participants(process)
    interpreters = _interpreter_languages(process)
    persons = [p.person for p in participants]
    preferences = {
        p.person_id: p.facilitator_gender
        for p in FacilitatorPreference.objects.filter(person__in=[pp.pk for pp in persons]).exclude(
            facilitator_gender=""
        )
    }
    survivor_ids = {p.person_id for p in participants if p.role in SURVIVOR_SIDE}
    profiles = {p.user_id: p for p in FacilitatorProfile.objects.filter(organisation=organisation, user__in=users)}
    certifications: dict[Any, list[Certification]] = {u.pk: [] for u in users}
    for cert in Certification.objects.filter(
        user__in=users,
        program_id=process.case.program_id,
        status__in=[CertificationStatus.ACTIVE, CertificationStatus.SUSPENDED],
    ):
        certifications[cert.user_id].append(cert)
    conflicts = set(
        ConflictOfInterest.objects.filter(user__in=users, ended_at__isnull=True)
        .filter(Q(case=process.case) | Q(person__in=[p.pk for p in persons]))
        .values_list("user_id", flat=True)
    )
    needed = requirements_for(organisation, process.type)
    names = {c.code: c.label for c in competencies_of(organisation)}
    load = _open_load(users, process)
    default_cap = program_settings(process.case.program).open_process_cap
    result = []
    for user in users:
        candidate = Candidate(user=user)
        profile = profiles.get(user.pk)
        # Certification on every session day.
        problem = certification_problem(
            user, process, days, certifications=certifications[user.pk], needed=needed, names=names
        )
        candidate.reasons.append(
            Reason(CERTIFICATION, False, problem, **_on_their_page(user, "certifications", _("Their certifications")))
            if problem
            else Reason(CERTIFICATION, True, _("Certified for this process on every session date."))
        )
        # Languages: the facilitator shares a language with each participant, or an interpreter is booked.
        spoken = set(profile.languages if profile else [])
        unmet = [
            p.person.display_code
            for p in participants
            if p.person.languages
            and not (set(p.person.languages) & spoken)
            and not (set(p.person.languages) & interpreters)
        ]
        candidate.reasons.append(
            Reason(
                LANGUAGE,
                False,
                _("Shares no language with %(codes)s, and no interpreter is booked.") % {"codes": ", ".join(unmet)},
                **_on_their_page(user, "profile", _("Their languages")),
            )
            if unmet
            else Reason(LANGUAGE, True, _("Speaks the participants' languages (or an interpreter is booked)."))
        )
        # The survivor's stated preferences.
        wanted = {preferences[pid] for pid in survivor_ids if pid in preferences}
        gender = profile.gender if profile else ""
        if wanted and gender not in wanted:
            labels = ", ".join(str(Gender(g).label) for g in sorted(wanted) if g in Gender.values)
            candidate.reasons.append(
                Reason(
                    PREFERENCE,
                    False,
                    _("The survivor asked for a facilitator who is: %(wanted)s.") % {"wanted": labels},
                    fix_url=f"{reverse('training:eligibility', args=[process.pk])}#preferences",
                    fix_text=_("The survivor's preferences"),
                )
            )
        else:
            candidate.reasons.append(Reason(PREFERENCE, True, _("Fits the survivor's stated preferences.")))
        # Declared conflicts of interest.
        if user.pk in conflicts:
            candidate.reasons.append(
                Reason(
                    CONFLICT,
                    False,
                    _("Has declared a conflict of interest with this case or a participant."),
                    **_on_their_page(user, "profile", _("Their declared conflicts")),
                )
            )
        else:
            candidate.reasons.append(Reason(CONFLICT, True, _("No declared conflict of interest.")))
        # Workload.
        cap = profile.open_process_cap if profile and profile.open_process_cap is not None else default_cap
        current = load.get(user.pk, 0)
        if current >= cap:
            candidate.reasons.append(
                Reason(
                    WORKLOAD,
                    False,
                    _("Already facilitates %(count)d open processes (the most is %(cap)d).")
                    % {"count": current, "cap": cap},
                    **_on_their_page(user, "profile", _("Their workload limit")),
                )
            )
        else:
            candidate.reasons.append(
                Reason(
                    WORKLOAD,
                    True,
                    _("Facilitates %(count)d of at most %(cap)d open processes.") % {"count": current, "cap": cap},
                )
            )
        result.append(candidate)
    return result


def facilitator_eligibility(process: Process, user: Any, *, dates: Iterable[Any] | None = None) -> Candidate:
    """The reasons for and against ``user`` facilitating ``process``."""
    is_candidate = holds(user, process.case.organisation_id, Capability.FACILITATE)
    if not (is_candidate and user.is_active):
        return Candidate(
            user=user,
            reasons=[Reason("role", False, _("Has no active facilitator role in this organisation."))],
        )
    return eligible_facilitators(process, dates=dates, users=[user])[0]


def completed_course_covering(user: Any, organisation: Any, competency_code: str) -> bool:
    """Whether ``user`` attended every session of at least one course of ``organisation`` that covers the
    competency ``competency_code`` (a course with no session yet is not completed)."""
    courses = Course.objects.filter(organisation=organisation, competencies__code=competency_code).distinct()
    sessions: dict[int, set[int]] = {}
    for course_id, session_id in CourseSession.objects.filter(course__in=courses).values_list("course_id", "pk"):
        sessions.setdefault(course_id, set()).add(session_id)
    attended = set(
        Attendance.objects.filter(user=user, attended=True, session__course__in=courses).values_list(
            "session_id", flat=True
        )
    )
    return any(ids <= attended for ids in sessions.values())


def volunteer_problems(
    user: Any,
    *,
    program: Any,
    screening_done_on: Any,
    training_hours: Any,
    today: datetime.date | None = None,
    course_competency: str | None = None,
) -> list[str]:
    """Why ``user`` may not (yet) serve as a community volunteer (a CoSA inner circle, a survivor's support
    circle): screening not done (a date still to come is not done), too few training hours and, with
    ``course_competency``, no completed course of the program's organisation covering that competency."""
    problems = []
    if not screening_done_on or screening_done_on > (today or timezone.localdate()):
        problems.append(_("The volunteer's screening is not done yet."))
    needed = program_settings(program).cosa_volunteer_hours
    try:
        hours = Decimal(str(training_hours or 0))
    except ArithmeticError:
        hours = Decimal(0)
    if hours < needed:
        problems.append(
            _("The volunteer has %(hours)s training hours; the program asks for %(needed)s.")
            % {"hours": hours_text(hours), "needed": hours_text(needed)}
        )
    if course_competency and not completed_course_covering(user, program.organisation, course_competency):
        names = {c.code: c.label for c in competencies_of(program.organisation)}
        problems.append(
            _("The volunteer has not completed a course on %(competency)s yet.")
            % {"competency": names.get(course_competency, course_competency)}
        )
    return problems
