"""Reads about safety, always through the case: outsiders and the responsible-person side get 404."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from reparo.access.actors import user_can
from reparo.access.capabilities import Capability
from reparo.access.lookup import lookup, one_or_404
from reparo.cases.models import Case, CaseParticipant
from reparo.cases.selectors import (
    USER_BRIEF,
    TimelineEntry,
    case_access_for,
    case_get_for,
    cases_visible_to,
)
from reparo.organisations.models import Program
from reparo.people.models import Person
from reparo.processes.models import PreparationMeeting, Process, ProcessParticipant
from reparo.processes.selectors import processes_of_case_for
from reparo.safety.models import (
    DEFAULT_DISTRESS_THRESHOLD,
    ContactRestriction,
    DistressCheckIn,
    Notice,
    ProgramSafetySettings,
    SafetyPlan,
    Screening,
)


def can_sign_off(actor: Any, case: Case) -> bool:
    """A supervisor: of the case's organisation, or on the case team."""
    return case_access_for(actor, case).can_sign_off


def can_lift_restrictions(actor: Any, case: Case) -> bool:
    """A supervisor (of the organisation or on the case team), a coordinator or an organisation admin."""
    return can_sign_off(actor, case) or user_can(actor, Capability.SEE_ALL_ORG_CASES, organisation=case.organisation)


def screenings_of(process: Process) -> QuerySet[Screening]:
    return Screening.objects.filter(process=process).select_related("person", "completed_by", "signed_off_by")


def screenings_of_case(case: Case) -> QuerySet[Screening]:
    return Screening.objects.filter(case=case).select_related("person", "process", "completed_by", "signed_off_by")


@lookup("safety.screening")
def screening_get_for(actor: Any, pk: Any) -> Screening:
    """A screening on a case whose safety records the actor keeps (never the responsible-person side only)."""
    screening = one_or_404(Screening.objects.select_related("case", "process", "person"), pk)
    case_get_for(actor, screening.case_id, need=Capability.WORK_ON_CASE)
    return screening


def latest_screening(process: Process, *, kind: str, person: Person | None = None) -> Screening | None:
    """The newest screening of ``kind`` (for ``person``): a newer one, signed off or not, replaces older ones."""
    rows = Screening.objects.filter(process=process, kind=kind)
    if person is not None:
        rows = rows.filter(person=person)
    return rows.order_by("-completed_at").first()


def safety_plans_of(case: Case) -> QuerySet[SafetyPlan]:
    return SafetyPlan.objects.filter(case=case).select_related("person")


def safety_plan_of(case: Case, person: Person) -> SafetyPlan | None:
    return safety_plans_of(case).filter(person=person).first()


def restrictions_of(case: Case) -> QuerySet[ContactRestriction]:
    return ContactRestriction.objects.filter(case=case).select_related("person_a", "person_b")


def restriction_count(case: Case) -> int:
    return ContactRestriction.objects.filter(case=case).count()


def restriction_in(case: Case, pk: Any) -> ContactRestriction:
    return one_or_404(restrictions_of(case), pk)


def _in_force(at: datetime.datetime) -> Q:
    day = timezone.localdate(at)
    return Q(lifted_at__isnull=True, valid_from__lte=day) & (Q(valid_to__isnull=True) | Q(valid_to__gte=day))


def contact_forbidden(person_a: Any, person_b: Any, *, at: datetime.datetime | None = None) -> bool:
    """Whether a restriction in force at ``at`` forbids any contact between the two (either order). Message
    relays and the joint-meeting gate ask this before bringing the two together."""
    at = at or timezone.now()
    a, b = getattr(person_a, "pk", person_a), getattr(person_b, "pk", person_b)
    pair = Q(person_a_id=a, person_b_id=b) | Q(person_a_id=b, person_b_id=a)
    return ContactRestriction.objects.filter(pair).filter(_in_force(at)).exists()


def distress_threshold(program: Program | None) -> int:
    if program is None:
        return DEFAULT_DISTRESS_THRESHOLD
    value = ProgramSafetySettings.objects.filter(program=program).values_list("distress_threshold", flat=True).first()
    return value or DEFAULT_DISTRESS_THRESHOLD


def checkins_of_case(case: Case, *, limit: int = 50) -> list[DistressCheckIn]:
    """The newest check-ins on the case (oldest first, for a trend)."""
    rows = (
        DistressCheckIn.objects.filter(process__case=case)
        .select_related("person", "process")
        .order_by("-recorded_at")[:limit]
    )
    return list(reversed(list(rows)))


def notices_for(actor: Any) -> QuerySet[Notice]:
    return Notice.objects.filter(user=actor, case__in=cases_visible_to(actor)).select_related("case")


def people_of_case(case: Case, *, role: str | None = None) -> QuerySet[Person]:
    rows = CaseParticipant.objects.filter(case=case)
    if role:
        rows = rows.filter(role=role)
    return Person.objects.filter(pk__in=rows.values("person_id")).order_by("display_code")


def survivor_in(case: Case, pk: Any) -> Person:
    return one_or_404(people_of_case(case, role="survivor"), pk)


def people_of_process(process: Process, *, roles: set[str] | None = None) -> QuerySet[Person]:
    rows = ProcessParticipant.objects.filter(process=process, withdrawn_at__isnull=True)
    if roles:
        rows = rows.filter(role__in=roles)
    return Person.objects.filter(pk__in=rows.values("person_id")).order_by("display_code")


def preparations_of(process: Process) -> QuerySet[Any]:
    return PreparationMeeting.objects.filter(process=process).select_related("participant__person")


@lookup("safety.notice")
def notice_get_for(actor: Any, pk: Any) -> Notice:
    """One of the actor's own notices, on a case they still see."""
    return one_or_404(notices_for(actor), pk)


def case_timeline_entries(actor: Any, case: Case, access: Any) -> list[TimelineEntry]:
    """Each distress check-in on the case's processes, on the case's timeline (the team only): who (their code),
    the rating and, at or above the program's threshold, that the process was paused."""
    if not access.can_work:
        return []
    process_ids = [p.pk for p in processes_of_case_for(actor, case)]
    if not process_ids:
        return []
    own = [f.name for f in DistressCheckIn._meta.concrete_fields]
    checkins = (
        DistressCheckIn.objects.filter(process_id__in=process_ids)
        .select_related("person", "recorded_by")
        .only(*own, "person__display_code", *(f"recorded_by__{name}" for name in USER_BRIEF))
    )
    entries = []
    for checkin in checkins:
        words = {"code": checkin.person.display_code, "rating": checkin.rating, "threshold": checkin.threshold}
        text = (
            _("Distress check-in for %(code)s: %(rating)s of 10, at or above the threshold (%(threshold)s)")
            if checkin.at_threshold
            else _("Distress check-in for %(code)s: %(rating)s of 10")
        ) % words
        who = checkin.recorded_by.display_name if checkin.recorded_by else ""
        entries.append(TimelineEntry(at=checkin.recorded_at, kind="event", text=text, actor_label=who))
    return entries
