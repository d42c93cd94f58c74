"""Reads for public releases: who may see them, the budget, and the true numbers a release adds noise to.

Who: organisation admins, coordinators and evaluators of an organisation see its releases and its budget
(``VIEW_EVALUATION``); anyone else gets 404.

What is counted: only people whose consent to "be counted in reports that do not identify anyone" is in force
(:func:`reparo.consent.policy.people_who_may` with ``reporting``); score changes also need evaluation consent (the
evaluation selectors ask it).

The rule every table keeps (what :func:`reparo.analytics.privacy.noisy_counts` assumes): **adding or removing one
person, or changing one person's consent, changes the true histogram by at most 1 in L1 distance.** So every table
counts people, not cases, and whether and where a person counts depends only on that person:

- a survivor is counted when their own consent is in force, whatever the other people on their cases agreed to;
- they are counted once, in one cell chosen from *all* their cases in the release's programs (their most recent
  case, the most recent process on their cases, every type of exploitation recorded on their cases ...), so a
  person on two cases, or a case with two survivors, still puts each person in exactly one cell;
- ties are broken by the record's id, so the choice is deterministic.

A case with two consenting survivors is therefore seen twice in a table of survivors (once through each) — that is
what a person-level table means, and it is why the tables say "survivors", not "cases". A survivor who did not
consent is never counted, and their presence on a case changes nobody else's cell.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from reparo.access.actors import organisation_ids_where
from reparo.access.capabilities import Capability
from reparo.access.lookup import lookup, one_or_404
from reparo.agreements.models import OPEN_OBLIGATION, Agreement, AgreementStatus
from reparo.cases.models import Case, CaseParticipant, Harm, ParticipantRole
from reparo.consent.models import ConsentPurpose
from reparo.consent.policy import people_who_may
from reparo.core.pagination import page_of
from reparo.evaluation import selectors as evaluation
from reparo.evaluation.models import ReoffendingEvent
from reparo.organisations.models import Organisation, Program
from reparo.organisations.selectors import organisation_get_for
from reparo.people.models import Person
from reparo.processes.models import Process, ProcessParticipant, ProcessRole, ProcessStage
from reparo.releases import tables
from reparo.releases.models import DEFAULT_YEARLY_EPSILON, PrivacyBudget, Release, to_milli

# --- access -------------------------------------------------------------------------------------------------------


def organisations_for_releases(actor: Any) -> QuerySet[Organisation]:
    ids = organisation_ids_where(actor, Capability.VIEW_EVALUATION)
    return Organisation.objects.filter(pk__in=ids, is_active=True).order_by("name")


def organisation_for_releases(actor: Any, pk: Any, *, need: Capability = Capability.VIEW_EVALUATION) -> Organisation:
    """The organisation whose releases ``actor`` may see (or publish, with ``need``); else 404."""
    return organisation_get_for(actor, pk, need=need)


@lookup("releases.release")
def release_get_for(actor: Any, pk: Any) -> Release:
    """The release, if ``actor`` may see the outcomes of its organisation (``VIEW_EVALUATION``); otherwise 404."""
    ids = organisation_ids_where(actor, Capability.VIEW_EVALUATION)
    return one_or_404(Release.objects.filter(organisation_id__in=ids).select_related("organisation", "program"), pk)


def releases_of(organisation: Organisation, *, page: Any = 1, per_page: int = 20) -> Page:
    return page_of(Release.objects.filter(organisation=organisation).select_related("program"), per_page, page)


def programs_of(organisation: Organisation) -> QuerySet[Program]:
    """The programs a release may be limited to (active ones)."""
    return Program.objects.filter(organisation=organisation, is_active=True).order_by("name")


def program_ids_of(organisation: Organisation) -> tuple[int, ...]:
    """Every program of the organisation, active or not: what a release of the whole organisation covers."""
    return tuple(Program.objects.filter(organisation=organisation).order_by("pk").values_list("pk", flat=True))


def starting_limit(organisation: Organisation, year: int) -> int:
    """A year's budget starts with the limit of the latest year before it that has one, else ε 4 (thousandths)."""
    before = PrivacyBudget.objects.filter(organisation=organisation, year__lt=year).order_by("-year").first()
    return before.limit_milli if before is not None else to_milli(DEFAULT_YEARLY_EPSILON)


def budget_of(organisation: Organisation, year: int) -> PrivacyBudget:
    """The budget of ``organisation`` for ``year``, as stored or (unsaved) as it would start, nothing spent."""
    found = PrivacyBudget.objects.filter(organisation=organisation, year=year).first()
    return found or PrivacyBudget(organisation=organisation, year=year, limit_milli=starting_limit(organisation, year))


# --- the true numbers ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReleaseScope:
    actor: Any
    organisation: Organisation
    program_ids: tuple[int, ...]
    at: datetime.datetime = field(default_factory=timezone.now)
    today: datetime.date = field(default_factory=timezone.localdate)


def _reporting(scope: ReleaseScope) -> QuerySet[Any]:
    return people_who_may(purpose=ConsentPurpose.REPORTING, at=scope.at).values("pk")


def _survivor_rows(scope: ReleaseScope) -> QuerySet[CaseParticipant]:
    """A counted survivor on a case of the release's programs: whether a row is in depends only on that person's
    own consent, never on anyone else's."""
    return CaseParticipant.objects.filter(
        case__program_id__in=scope.program_ids, role=ParticipantRole.SURVIVOR, person_id__in=_reporting(scope)
    )


def _counted_case_ids(scope: ReleaseScope) -> QuerySet[Any]:
    """The cases with at least one counted survivor (a subquery)."""
    return _survivor_rows(scope).values("case_id")


def _survivor_cases(scope: ReleaseScope) -> dict[Any, set[Any]]:
    """Each counted survivor → every case of the release's programs they are a survivor on."""
    cases: dict[Any, set[Any]] = defaultdict(set)
    for person_id, case_id in _survivor_rows(scope).values_list("person_id", "case_id"):
        cases[person_id].add(case_id)
    return cases


def _per_survivor(survivors: dict[Any, set[Any]], rows: Iterable[tuple[Any, ...]]) -> Iterable[tuple[Any, ...]]:
    """Rows that start with a case id, once for each counted survivor on that case, with the survivor in front."""
    on_case: dict[Any, list[Any]] = defaultdict(list)
    for person, case_ids in survivors.items():
        for case_id in case_ids:
            on_case[case_id].append(person)
    for row in rows:
        for person in on_case.get(row[0], ()):
            yield (person, *row)


def _latest_per_person(items: Iterable[tuple[Any, Any, Any]]) -> dict[Any, Any]:
    """From (person, sort key, value) keep, per person, the value with the greatest sort key."""
    best: dict[Any, tuple[Any, Any]] = {}
    for person, key, value in items:
        if person not in best or key > best[person][0]:
            best[person] = (key, value)
    return {person: value for person, (_key, value) in best.items()}


def _zeros(key: str) -> dict[str, int]:
    return dict.fromkeys(tables.cell_keys(key), 0)


def cases_by_status(scope: ReleaseScope) -> dict[str, int]:
    """Each counted survivor once, by the stage of their most recent case."""
    survivors = _survivor_cases(scope)
    case_ids = _counted_case_ids(scope)
    rows = Case.objects.filter(pk__in=case_ids).values_list("pk", "referral_date", "created_at", "status")
    latest = _latest_per_person(
        (person, (date, created, str(pk)), status)
        for person, pk, date, created, status in _per_survivor(survivors, rows)
    )
    counts = _zeros("cases_by_status")
    for status in latest.values():
        counts[status] += 1
    return counts


def _outcome(stage: str) -> str:
    if stage == ProcessStage.COMPLETED:
        return "completed"
    if stage == ProcessStage.ENDED_EARLY:
        return "ended_early"
    return "open"


def processes_by_type(scope: ReleaseScope) -> dict[str, int]:
    """Each counted survivor with a process on one of their cases once, by the type and outcome of the most recent
    such process."""
    survivors = _survivor_cases(scope)
    case_ids = _counted_case_ids(scope)
    rows = Process.objects.filter(case_id__in=case_ids).values_list("case_id", "created_at", "pk", "type", "stage")
    latest = _latest_per_person(
        (person, (created, str(pk)), (t, s)) for person, _case, created, pk, t, s in _per_survivor(survivors, rows)
    )
    counts = _zeros("processes_by_type")
    for process_type, stage in latest.values():
        counts[f"{process_type}:{_outcome(stage)}"] += 1
    return counts


def survivors_by_exploitation(scope: ReleaseScope) -> dict[str, int]:
    """Every counted survivor once, by the types of exploitation recorded on all their cases (one, more than one,
    or none) and their gender."""
    survivors = _survivor_cases(scope)
    case_ids = _counted_case_ids(scope)
    case_types: dict[Any, set[str]] = defaultdict(set)
    for case_id, found in Harm.objects.filter(case_id__in=case_ids).values_list("case_id", "exploitation_types"):
        case_types[case_id] |= set(found or []) & set(tables.ExploitationType.values)
    types: dict[Any, set[str]] = {
        person: set().union(*(case_types[pk] for pk in ids)) for person, ids in survivors.items()
    }
    genders = dict(Person.objects.filter(pk__in=list(types)).values_list("pk", "gender"))
    counts = _zeros("survivors_by_exploitation")
    for person, found in types.items():
        if not found:
            exploitation = tables.NOT_RECORDED
        elif len(found) == 1:
            exploitation = next(iter(found))
        else:
            exploitation = tables.MULTIPLE
        counts[f"{exploitation}:{genders.get(person) or tables.NOT_RECORDED}"] += 1
    return counts


def agreements(scope: ReleaseScope) -> dict[str, int]:
    """Each counted survivor with a process on one of their cases once: the most recent of those processes that
    reached a binding agreement (done, or still being carried out), else the most recent one (not reached)."""
    survivors = _survivor_cases(scope)
    case_ids = _counted_case_ids(scope)
    open_items = Q(items__obligation__status__in=OPEN_OBLIGATION)
    binding = (
        Agreement.objects.filter(process__case_id__in=case_ids, status=AgreementStatus.BINDING)
        .annotate(open_obligations=Count("items__obligation", filter=open_items))
        .values_list("process_id", "open_obligations")
    )
    state = {process_id: ("in_progress" if open_count else "completed") for process_id, open_count in binding}
    rows = Process.objects.filter(case_id__in=case_ids).values_list("case_id", "created_at", "pk")
    # the latest process with a binding agreement, else the latest process
    latest = _latest_per_person(
        (person, (pk in state, created, str(pk)), state.get(pk, "not_reached"))
        for person, _case, created, pk in _per_survivor(survivors, rows)
    )
    counts = _zeros("agreements")
    for cell in latest.values():
        counts[cell] += 1
    return counts


def reoffending(scope: ReleaseScope) -> dict[str, int]:
    ended = ProcessParticipant.objects.filter(
        process__case__program_id__in=scope.program_ids,
        process__stage__in=evaluation.ENDED_STAGES,
        role=ProcessRole.RESPONSIBLE,
        person_id__in=_reporting(scope),
    ).values_list("person_id", "process__ended_at", "process__updated_at")
    starts: dict[Any, datetime.date] = {}
    for person, ended_at, updated_at in ended:
        start = timezone.localdate(ended_at or updated_at)
        if start <= scope.today and (person not in starts or start > starts[person]):
            starts[person] = start
    again = set()
    events = ReoffendingEvent.objects.filter(person_id__in=list(starts), occurred_on__lte=scope.today)
    for person, occurred in events.values_list("person_id", "occurred_on"):
        if occurred >= starts[person]:
            again.add(person)
    return {"reoffended": len(again), "not_reoffended": len(starts) - len(again)}


def score_changes(scope: ReleaseScope) -> dict[str, list[int]]:
    """Per instrument, one change per person (hundredths of a point, after minus before; the latest pair when a
    person was scored in more than one program)."""
    consenting = set(_reporting(scope).values_list("pk", flat=True))
    programs = Program.objects.filter(pk__in=scope.program_ids)
    out: dict[str, list[int]] = {}
    for code in tables.SCORE_INSTRUMENTS:
        pairs = evaluation.paired_scores(scope.actor, programs=programs, instrument=code, at=scope.at)
        latest = _latest_per_person(
            (p.person_id, (p.after_on, p.before_on), p) for p in pairs if p.person_id in consenting
        )
        out[code] = [round((p.after - p.before) * tables.SCORE_SCALE) for p in latest.values()]
    return out


COUNTS = {
    "cases_by_status": cases_by_status,
    "processes_by_type": processes_by_type,
    "survivors_by_exploitation": survivors_by_exploitation,
    "agreements": agreements,
    "reoffending": reoffending,
}
