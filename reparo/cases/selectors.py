"""Reads about cases, limited to what the actor may see. Not yours and not there look the same: 404."""

from __future__ import annotations

import datetime
import functools
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page
from django.db.models import Case as DbCase
from django.db.models import (
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.http import Http404
from django.utils import timezone

from reparo.access.actors import case_capabilities, member_organisation_ids, organisation_ids_where, user_can
from reparo.access.capabilities import Capability, TeamRole, team_roles_with
from reparo.access.lookup import clean_pk, lookup, one_or_404
from reparo.accounts import access_cache
from reparo.accounts.models import User
from reparo.cases.extensions import timeline_extras
from reparo.cases.models import (
    Case,
    CaseParticipant,
    CaseStatus,
    CaseStatusChange,
    CaseTally,
    CaseTeamMember,
    Harm,
    IntakeDraft,
    Need,
    Note,
    NoteConfidentiality,
    ParticipantRole,
    Task,
)
from reparo.core import context, crypto
from reparo.core.pagination import page_of
from reparo.core.prepared import Param, Prepared
from reparo.organisations.models import Organisation, Program
from reparo.people.models import Person, PersonNameIndex


def _active(actor: Any) -> bool:
    return bool(getattr(actor, "is_authenticated", False) and actor.is_active)


def _memo(actor: Any, name: str, compute: Any) -> Any:
    """The access lists several selectors need, read once per request rather than once per selector."""
    return context.memo(("cases.access", name, actor.pk), compute)


def _org_ids_seeing_all(actor: Any) -> list[int]:
    return organisation_ids_where(actor, Capability.SEE_ALL_ORG_CASES)


def _member_org_ids(actor: Any) -> list[int]:
    return member_organisation_ids(actor)


# Team roles that see the case at all, and those that see the whole of it (the survivor's side too), from the
# capability table.
SEEING_TEAM_ROLES = team_roles_with(Capability.SEE_CASE)
WORKER_TEAM_ROLES = team_roles_with(Capability.WORK_ON_CASE)


def _team_condition(actor: Any, *, roles: list[str] | None = None) -> Q:
    """On the case team (in ``roles``), and still holding an active role in the case's organisation: ending
    someone's role ends their access to its cases at once. (An uncorrelated ``IN (subquery)``: the database
    computes the actor's few cases once, instead of probing the team table for every case.)"""
    team = CaseTeamMember.objects.filter(
        user=actor, case__organisation_id__in=_member_org_ids(actor), role__in=roles or SEEING_TEAM_ROLES
    )
    return Q(pk__in=team.values("case_id"))


def _team_only_case_ids(actor: Any, org_ids: list[int]) -> list[Any]:
    """Cases the actor sees only through a case-team role: in organisations where they still work but do not see
    every case (where they already see every case, there is nothing to add, and nothing to ask the database)."""
    other_org_ids = [org_id for org_id in _member_org_ids(actor) if org_id not in org_ids]
    if not other_org_ids:
        return []
    return _memo(  # type: ignore[no-any-return]
        actor,
        "team_case_ids",
        lambda: list(
            CaseTeamMember.objects.filter(
                user=actor, case__organisation_id__in=other_org_ids, role__in=SEEING_TEAM_ROLES
            )
            .values_list("case_id", flat=True)
            .distinct()
        ),
    )


def cases_visible_to(actor: Any) -> QuerySet[Case]:
    """Cases of organisations where the actor sees all cases, and cases where the actor is on the team.

    Organisation-wide access is a plain organisation filter (it uses the list's indexes); the few cases seen
    through a team role elsewhere are added as a short list of ids."""
    if not _active(actor):
        return Case.objects.none()
    org_ids = _org_ids_seeing_all(actor)
    team_ids = _team_only_case_ids(actor, org_ids)
    if not team_ids:
        return Case.objects.filter(organisation_id__in=org_ids)
    return Case.objects.filter(Q(organisation_id__in=org_ids) | Q(pk__in=team_ids))


def _full_view_condition(actor: Any) -> Q:
    """Cases on which the actor sees the survivor's side too (not only the responsible-person side)."""
    return Q(organisation_id__in=_org_ids_seeing_all(actor)) | _team_condition(actor, roles=WORKER_TEAM_ROLES)


def cases_seen_in_full_by(actor: Any) -> QuerySet[Case]:
    """Cases on which the actor sees the survivor's side too: those of organisations where they see every case,
    and those they work on through a case-team role (not the responsible-person side only)."""
    if not _active(actor):
        return Case.objects.none()
    return Case.objects.filter(_full_view_condition(actor))


def sees_every_case_in_full(actor: Any) -> bool:
    """Every case the actor sees, they see with the survivor's side (no case seen from one side only)."""
    return not _active(actor) or _sees_every_case_in_full(actor)


@lookup("cases.case")
def case_get_for(actor: Any, pk: Any, *, need: Capability | None = None) -> Case:
    """A case the actor sees; with ``need`` (a case capability such as ``WORK_ON_CASE``), only if the actor may
    also do that on it. Otherwise 404."""
    case = _look_up(actor, pk)
    if need is not None and need not in case_access_for(actor, case).capabilities:
        raise Http404
    return case


def _look_up(actor: Any, pk: Any) -> Case:
    if _active(actor):
        org_ids = _org_ids_seeing_all(actor)
        if not _team_only_case_ids(actor, org_ids):
            # The usual case: a query compiled once per set of organisations.
            found = _case_of(tuple(org_ids))(pk=clean_pk(Case, pk))
            if not found:
                raise Http404
            return found[0]
    return one_or_404(cases_visible_to(actor).select_related("program", "organisation"), pk)


@functools.lru_cache(maxsize=256)
def _case_of(org_ids: tuple[int, ...]) -> Prepared[Case]:
    """The case with a key, among those of :func:`cases_visible_to` for someone who sees these organisations' cases
    (and no others), with its program and organisation: compiled once per process and set of organisations."""
    return Prepared(
        lambda: Case.objects.filter(organisation_id__in=list(org_ids), pk=Param("pk", Case)).select_related(
            "program", "organisation"
        )
    )


@dataclass(frozen=True)
class CaseAccess:
    """What the actor may do on one case: the capabilities their team roles and organisation roles give on it
    (``reparo.access.capabilities``)."""

    team_roles: frozenset[str]
    capabilities: frozenset[Capability]
    # The case team (with its users), when asked for: the case page shows it, and reads the actor's roles from it.
    team: list[CaseTeamMember] | None = field(default=None, compare=False)

    @property
    def sees_all_in_org(self) -> bool:
        return Capability.MANAGE_CASE_TEAM in self.capabilities

    @property
    def responsible_side_only(self) -> bool:
        """Volunteers supporting the responsible person see the responsible-person side only."""
        return Capability.WORK_ON_CASE not in self.capabilities

    @property
    def can_work(self) -> bool:
        """Edit the case, write notes and tasks, record harms and needs, move the status."""
        return Capability.WORK_ON_CASE in self.capabilities

    @property
    def can_manage_team(self) -> bool:
        return Capability.MANAGE_CASE_TEAM in self.capabilities

    @property
    def can_manage_process_team(self) -> bool:
        return Capability.MANAGE_PROCESS_TEAM in self.capabilities

    @property
    def can_read_supervisor_notes(self) -> bool:
        return Capability.READ_SUPERVISOR_NOTES in self.capabilities

    @property
    def can_sign_off(self) -> bool:
        return Capability.SIGN_OFF_SCREENINGS in self.capabilities


def case_access_for(actor: Any, case: Case, *, with_team: bool = False) -> CaseAccess:
    """What ``actor`` may do on ``case``. ``with_team`` also reads the whole team (one query either way)."""
    team = _team_read(case=case.pk) if with_team else None
    if team is not None:
        team_roles = frozenset(m.role for m in team if m.user_id == actor.pk)
    else:
        team_roles = frozenset(CaseTeamMember.objects.filter(case=case, user=actor).values_list("role", flat=True))
    return CaseAccess(
        team=team,
        team_roles=team_roles,
        capabilities=case_capabilities(actor, organisation_id=case.organisation_id, team_roles=team_roles),
    )


@dataclass(frozen=True)
class SearchKey:
    """What a search looks for, kept without the words typed: a reference, and blind-index digests of the
    text as a name, a phone number and an e-mail address. Safe to keep in the session."""

    reference: str
    name: str
    phone: tuple[str, ...]  # one digest for each country a number in its national form may be from
    email: str | None

    @classmethod
    def from_text(cls, q: str, *, regions: Iterable[str] = ()) -> SearchKey:
        """The key for ``q``; ``regions``: the countries (ISO 3166 codes) of the searcher's organisations, in
        which a phone number written in its national form ("07700 900123") may be."""
        q = (q or "").strip()
        phone: tuple[str, ...] = ()
        if sum(ch.isdigit() for ch in q) >= 6:
            field = Person._meta.get_field("phone_bidx")
            digests = (field.digest(q, region=region) for region in (None, *regions))  # type: ignore[union-attr]
            phone = tuple(dict.fromkeys(d for d in digests if d))
        email = Person._meta.get_field("email_bidx").digest(q) if "@" in q else None  # type: ignore[union-attr]
        name = crypto.blind_index(crypto.normalise_text(q), purpose="people.person.name")
        return cls(reference=q.upper()[:32], name=name, phone=phone, email=email)

    def as_dict(self) -> dict[str, Any]:
        return {"reference": self.reference, "name": self.name, "phone": list(self.phone), "email": self.email}

    @classmethod
    def from_dict(cls, data: Any) -> SearchKey | None:
        try:
            phone = data["phone"]
            phones = tuple(phone) if isinstance(phone, list | tuple) else ((phone,) if phone else ())
            return cls(reference=str(data["reference"]), name=str(data["name"]), phone=phones, email=data["email"])
        except (KeyError, TypeError):
            return None

    @property
    def kinds(self) -> list[str]:
        return ["reference", "name"] + (["phone"] if self.phone else []) + (["email"] if self.email else [])


def case_list(
    actor: Any,
    *,
    program: Any = None,
    status: str = "",
    team_member: Any = None,
    overdue: bool = False,
    q: str = "",
    search: SearchKey | None = None,
    as_rows: bool = False,
) -> QuerySet[Any]:
    """The case list: filtered, searched (reference, exact name, phone, e-mail), annotated for display without
    N+1 (``survivor_code``, ``lead_id``, ``next_due``; a case is overdue when ``next_due`` is before today; the
    lead facilitator's name is looked up once per page, with :func:`user_names`).
    ``q`` is a convenience for code; screens pass a :class:`SearchKey` so that typed names stay out of URLs.
    ``as_rows`` gives each case as a dict of :data:`ROW_FIELDS` (what the list screen shows) instead of a model."""
    today = timezone.localdate()
    # Where the actor sees every case through an organisation role, they see each case's survivor side too: no
    # per-row test is needed. Otherwise the survivor's code shows only on cases they work on.
    full_view = None if _sees_every_case_in_full(actor) else _full_view_condition(actor)
    if search is None and (q or "").strip():
        search = SearchKey.from_text(q, regions=phone_regions_for(actor))
    if full_view is None and _active(actor):
        # Every case seen is seen through an organisation role: the list is those organisations' cases, narrowed.
        listed = _listed_in(tuple(_org_ids_seeing_all(actor)), as_rows=as_rows).all()
        narrowing = {"program": program, "status": status, "team_member": team_member, "overdue": overdue}
        listed = _narrowed(listed, today=today, **narrowing)
        return listed.filter(_search(search, full_view=None)) if search is not None else listed
    cases = _narrowed(
        cases_visible_to(actor), program=program, status=status, team_member=team_member, overdue=overdue, today=today
    )
    if search is not None:
        cases = cases.filter(_search(search, full_view=full_view))
    columns = _list_columns()
    survivor_code = columns["survivor_code"]
    listed = cases.annotate(
        survivor_code=(
            survivor_code if full_view is None else DbCase(When(full_view, then=survivor_code), default=Value(None))
        ),
        lead_id=columns["lead_id"],
        next_due=columns["next_due"],
    ).order_by("-updated_at", "-id")
    return _shown(listed, as_rows=as_rows)


def _shown(listed: QuerySet[Case], *, as_rows: bool) -> QuerySet[Any]:
    if as_rows:
        return listed.values(*ROW_FIELDS)
    return listed.select_related("program").only(*LIST_FIELDS)


@functools.lru_cache(maxsize=256)
def _listed_in(org_ids: tuple[int, ...], *, as_rows: bool) -> QuerySet[Any]:
    """The cases of these organisations as the list shows them (its columns, newest first), built once per process
    for each set of organisations: narrowing a query makes a new one, so this one is never run itself (callers take
    ``.all()`` of it), and annotating the list's columns on every request cost a good part of its time."""
    cases = Case.objects.filter(organisation_id__in=list(org_ids)).annotate(**_list_columns())
    return _shown(cases.order_by("-updated_at", "-id"), as_rows=as_rows)


@functools.cache
def _list_columns() -> dict[str, Subquery]:
    """The list's computed columns (the survivor's code, the lead facilitator, the next task due), built once:
    expressions are reusable, and building them on every request cost a good part of the list's time."""
    survivor = CaseParticipant.objects.filter(case=OuterRef("pk"), role=ParticipantRole.SURVIVOR).order_by("created_at")
    lead = CaseTeamMember.objects.filter(case=OuterRef("pk"), role=TeamRole.LEAD_FACILITATOR).order_by("created_at")
    open_tasks = Task.objects.filter(case=OuterRef("pk"), done_at__isnull=True, due_date__isnull=False)
    return {
        "survivor_code": Subquery(survivor.values("person__display_code")[:1]),
        "lead_id": Subquery(lead.values("user_id")[:1]),
        "next_due": Subquery(open_tasks.order_by("due_date").values("due_date")[:1]),
    }


# What the list shows of each case (nothing encrypted, nothing it does not show): as models, and as rows (plain
# values: no model instances to build for a page of 25 or 50).
LIST_FIELDS = ("reference", "status", "updated_at", "organisation_id", "program__name")
ROW_FIELDS = ("id", "reference", "status", "program__name", "survivor_code", "lead_id", "next_due")


def _narrowed(
    cases: QuerySet[Any], *, program: Any, status: str, team_member: Any, overdue: bool, today: datetime.date
) -> QuerySet[Any]:
    if program:
        cases = cases.filter(program_id=program)
    if status:
        cases = cases.filter(status=status)
    if team_member:
        cases = cases.filter(Exists(CaseTeamMember.objects.filter(case=OuterRef("pk"), user_id=team_member)))
    if overdue:
        late = Task.objects.filter(case=OuterRef("pk"), done_at__isnull=True, due_date__lt=today)
        cases = cases.filter(Exists(late))
    return cases


def _sees_every_case_in_full(actor: Any) -> bool:
    """Every case the actor sees, they see through an organisation role (so with the survivor's side)."""
    return not _team_only_case_ids(actor, _org_ids_seeing_all(actor))


def case_list_page(
    actor: Any,
    *,
    number: Any,
    per_page: int,
    program: Any = None,
    status: str = "",
    team_member: Any = None,
    overdue: bool = False,
    search: SearchKey | None = None,
) -> Page:
    """Page ``number`` of the case list as the list screen shows it (rows: :data:`ROW_FIELDS`), counted with
    :func:`case_list_total`. For the usual list (someone who sees every case of their organisations through a role
    there, narrowed by program or status at most), the page is read by a query compiled once a process for each
    set of organisations, narrowing and page (:class:`_PreparedRows`); otherwise through :func:`case_list`."""
    filters = {"program": program, "status": status, "team_member": team_member, "overdue": overdue}
    rows: Any = None
    if search is None and not team_member and not overdue and _active(actor) and _sees_every_case_in_full(actor):
        narrowed = {name: value for name, value in (("program", program), ("status", status)) if value}
        rows = _PreparedRows(tuple(_org_ids_seeing_all(actor)), narrowed)
    else:
        rows = case_list(actor, search=search, as_rows=True, **filters)
    total = case_list_total(actor, rows, search=search, **filters)
    return page_of(rows, per_page, number, count=total)


class _PreparedRows:
    """The list's rows (``case_list(..., as_rows=True)`` for an organisation-wide reader, narrowed by program or
    status), sliced by a prepared query per slice: what a paginator asks of it."""

    ordered = True

    def __init__(self, org_ids: tuple[int, ...], narrowed: dict[str, Any]) -> None:
        self.org_ids = org_ids
        self.narrowed = narrowed

    def __getitem__(self, item: slice) -> list[dict[str, Any]]:
        low, high = item.start or 0, item.stop
        return _rows_slice(self.org_ids, tuple(sorted(self.narrowed)), low, high)(**self.narrowed)


@functools.lru_cache(maxsize=256)
def _rows_slice(org_ids: tuple[int, ...], narrowed: tuple[str, ...], low: int, high: int | None) -> Prepared[Any]:
    def build() -> QuerySet[Any]:
        params = {
            "program": Param("program", Program),
            "status": Param("status", Case._meta.get_field("status")),  # type: ignore[arg-type]
        }
        listed = _narrowed(
            _listed_in(org_ids, as_rows=True).all(),
            today=None,  # type: ignore[arg-type]  # neither overdue nor a team member: no date is used
            program=params["program"] if "program" in narrowed else None,
            status=params["status"] if "status" in narrowed else "",  # type: ignore[arg-type]
            team_member=None,
            overdue=False,
        )
        return listed[low:high]

    return Prepared(build)


def case_list_total(
    actor: Any,
    cases: QuerySet[Case],
    *,
    program: Any = None,
    status: str = "",
    team_member: Any = None,
    overdue: bool = False,
    search: SearchKey | None = None,
) -> int | None:
    """How many cases ``cases`` (the :func:`case_list` for the same filters) holds, without counting tens of
    thousands of rows: organisation-wide access is read from the case tally (kept exact by database triggers),
    and only the few cases seen through a team role elsewhere are counted. A search, a team member or overdue
    tasks narrow the list to what the tally cannot answer: None, count the list itself."""
    if team_member or overdue or search is not None:
        return None
    if not _active(actor):
        return 0
    org_ids = _org_ids_seeing_all(actor)
    narrowed = {field: value for field, value in (("program_id", program), ("status", status)) if value}
    total = 0
    if org_ids:
        total = sum(_tallied(tuple(org_ids), tuple(sorted(narrowed)))(**narrowed))
    team_ids = _team_only_case_ids(actor, org_ids)
    if team_ids:
        total += Case.objects.filter(pk__in=team_ids, **narrowed).count()
    return int(total)


@functools.lru_cache(maxsize=256)
def _tallied(org_ids: tuple[int, ...], narrowed: tuple[str, ...]) -> Prepared[int]:
    """The case tally's counts for these organisations (by program and status when narrowed): compiled once."""
    params = {
        "program_id": Param("program_id", Program),
        "status": Param("status", CaseTally._meta.get_field("status")),  # type: ignore[arg-type]
    }
    conditions = {name: params[name] for name in narrowed}
    tallies = CaseTally.objects.filter(organisation_id__in=list(org_ids))
    return Prepared(lambda: tallies.filter(**conditions).values_list("cases", flat=True))


def phone_regions_for(actor: Any) -> tuple[str, ...]:
    """The countries of the organisations the actor works in: where a phone number they type in its national form
    may be from (a search asks for it as a number of each)."""
    orgs = _member_org_ids(actor)
    if not orgs:
        return ()
    countries = Organisation.objects.filter(pk__in=orgs).exclude(country="").values_list("country", flat=True)
    return tuple(sorted(set(countries)))


def _search(key: SearchKey, *, full_view: Q | None) -> Q:
    """Exact-match search through blind indexes: never by decrypting rows. On cases the actor sees only from
    the responsible-person side, the survivor's side is never matched (a search must not confirm who they are);
    ``full_view`` is None when the actor sees every case they see in full.

    The matching people and their cases are few and found through indexes first, so the case query becomes a
    short ``id IN (...)`` list instead of a probe per case."""
    people: QuerySet[Any] = PersonNameIndex.objects.filter(digest=key.name).values("person_id")
    if key.phone:
        people = people.union(Person.objects.filter(phone_bidx__in=key.phone).values("pk"), all=True)
    if key.email:
        people = people.union(Person.objects.filter(email_bidx=key.email).values("pk"), all=True)
    # One query: each digest through its index, then the people's participations through theirs.
    rows = list(CaseParticipant.objects.filter(person_id__in=people).values_list("case_id", "role"))
    any_side = {case_id for case_id, _role in rows}
    responsible_side = {case_id for case_id, role in rows if role == ParticipantRole.RESPONSIBLE}
    if full_view is None:  # every case seen in full: a match on either side counts
        return Q(reference=key.reference) | Q(pk__in=any_side)
    condition = Q(reference=key.reference) | Q(pk__in=responsible_side)
    if any_side:
        condition |= full_view & Q(pk__in=any_side)
    return condition


def with_brief(queryset: QuerySet[Any], relation: str, *fields: str) -> QuerySet[Any]:
    """``select_related(relation)``, reading only ``fields`` of the related row (and its id): the case page shows a
    colleague's e-mail and a person's code, and has no use for a password hash or an encrypted name. Half the columns
    fewer to build, fetch and convert on every panel; anything else read later is fetched on demand."""
    own = [f.name for f in queryset.model._meta.concrete_fields]
    return queryset.select_related(relation).only(*own, *(f"{relation}__{name}" for name in fields))


@functools.cache
def brief(model: type[Any], relation: str, *fields: str) -> QuerySet[Any]:
    """``with_brief(model's rows, relation, *fields)``, built once per process: filtering it makes a new query, so the
    same unevaluated query serves every request (building one costs about as much as running a small one)."""
    return with_brief(model._default_manager.all(), relation, *fields)


USER_BRIEF = ("email", "full_name")  # the name people are shown by (User.display_name)
PERSON_BRIEF = ("display_code", "kind", "erased_at")


def participants_of(case: Case) -> QuerySet[CaseParticipant]:
    return _participants(CaseParticipant.objects.filter(case=case))


def _participants(queryset: QuerySet[CaseParticipant]) -> QuerySet[CaseParticipant]:
    return with_brief(queryset, "person", *PERSON_BRIEF).order_by("role", "created_at")


def read_once(case: Case, relation: str, query: Prepared[Any]) -> list[Any]:
    """The rows of ``case.<relation>`` as ``query`` (a :class:`~reparo.core.prepared.Prepared` query of those rows
    with a ``Param("case", Case)``) gives them, read the first time anything asks for them on this instance of the
    case and kept on it after that (:func:`kept_on`): the case page and the panels other apps add to it (or the parts
    of the timeline, on its own request) ask for the same rows, and read them once. Every caller of one relation must
    ask for the same rows: the first read is the one kept."""
    return kept_on(case, relation, lambda: query(case=case.pk))  # type: ignore[no-any-return]


def kept_on(case: Case, key: Any, compute: Callable[[], Any]) -> Any:
    """``compute()``, the first time ``key`` is asked for on this instance of the case, and the same value after that.
    For what one page reads about its case more than once (its panels and timeline come from several apps). The
    instance is the one a page looked up for its request, and the page writes nothing: a value kept cannot outlive
    the request or be seen by anyone else. A key that depends on who asks must name them."""
    kept: dict[Any, Any] = case.__dict__.setdefault("_read_once", {})
    if key not in kept:
        kept[key] = compute()
    return kept[key]


_participants_read: Prepared[CaseParticipant] = Prepared(
    lambda: _participants(CaseParticipant.objects.filter(case_id=Param("case", Case)))
)


def case_participants(case: Case) -> list[CaseParticipant]:
    """The case's participants, as :func:`participants_of` gives them (each person's code, kind and erasure only), read
    once for the page (:func:`read_once`): for the panels of the case page, which filter them as they need."""
    return read_once(case, "participants", _participants_read)


def _processes() -> QuerySet[Any]:
    process = Case._meta.get_field("processes").related_model  # an app above this one: not imported
    queryset = process._default_manager.filter(case_id=Param("case", Case))  # type: ignore[union-attr]
    return with_brief(queryset, "created_by", *USER_BRIEF)


_processes_read: Prepared[Any] = Prepared(_processes)


def case_processes(case: Case) -> list[Any]:
    """The case's processes (with who started each: :data:`USER_BRIEF`), read once for the page (:func:`read_once`).
    Every process of the case, whoever asks: for an actor who may not see them all, see
    ``reparo.processes.selectors.processes_of_case_for``."""
    return read_once(case, "processes", _processes_read)


def sees_in_full_through_organisation(actor: Any, case: Case) -> bool:
    """Whether the actor sees ``case``, and all of it (the survivor's side too), through an organisation role: then
    every record of the case that the rules hide from the responsible-person side is theirs to see."""
    return _active(actor) and case.organisation_id in _org_ids_seeing_all(actor)


def notes_for(actor: Any, case: Case, access: CaseAccess) -> QuerySet[Note]:
    if not access.can_work:
        return Note.objects.none()
    return _notes(case, actor, every=access.can_read_supervisor_notes)


def notes_on_page(actor: Any, case: Case, access: CaseAccess) -> list[Note]:
    """:func:`notes_for`, read for the case page (its query compiled once a process)."""
    if not access.can_work:
        return []
    if access.can_read_supervisor_notes:
        return _notes_read[True](case=case.pk)
    return _notes_read[False](case=case.pk, actor=actor.pk)


def _notes(case: Any, actor: Any, *, every: bool) -> QuerySet[Note]:
    """The case's notes: ``every`` one, or only those for the whole team and ``actor``'s own."""
    notes = brief(Note, "author", *USER_BRIEF).filter(case=case)
    if not every:
        notes = notes.filter(Q(confidentiality=NoteConfidentiality.TEAM) | Q(author=actor))
    return notes


_notes_read: dict[bool, Prepared[Note]] = {
    True: Prepared(lambda: _notes(Param("case", Case), None, every=True)),
    False: Prepared(lambda: _notes(Param("case", Case), Param("actor", User), every=False)),
}


@lookup("cases.note")
def note_get_for(actor: Any, case: Case, pk: Any) -> Note:
    """A note of ``case`` that ``actor`` may read (supervision notes only for those who may read them)."""
    return one_or_404(notes_for(actor, case, case_access_for(actor, case)), pk)


def harms_of(case: Case) -> list[Harm]:
    return _harms_read(case=case.pk)  # not through case.harms: its manager costs more than the read


def needs_of(case: Case) -> list[Need]:
    return _needs_read(case=case.pk)


_harms_read: Prepared[Harm] = Prepared(lambda: Harm.objects.filter(case_id=Param("case", Case)))
_needs_read: Prepared[Need] = Prepared(lambda: Need.objects.filter(case_id=Param("case", Case)))


def processes_of_case(case: Case) -> list[Any]:
    return case_processes(case)


def tasks_of(case: Case) -> QuerySet[Task]:
    return brief(Task, "owner", *USER_BRIEF).filter(case=case)


def tasks_on_page(case: Case) -> list[Task]:
    """:func:`tasks_of`, read for the case page (its query compiled once a process)."""
    return _tasks_read(case=case.pk)


_tasks_read: Prepared[Task] = Prepared(lambda: tasks_of(Param("case", Case)))  # type: ignore[arg-type]


def task_in(case: Case, pk: Any) -> Task:
    return one_or_404(tasks_of(case), pk)


def team_of(case: Case) -> QuerySet[CaseTeamMember]:
    return brief(CaseTeamMember, "user", *USER_BRIEF).filter(case=case).order_by("role", "created_at")


_team_read: Prepared[CaseTeamMember] = Prepared(lambda: team_of(Param("case", Case)))  # type: ignore[arg-type]


def today() -> datetime.date:
    return timezone.localdate()


def intake_drafts_of(actor: Any) -> QuerySet[IntakeDraft]:
    if not _active(actor):
        return IntakeDraft.objects.none()
    return IntakeDraft.objects.filter(owner=actor).order_by("-updated_at")


@lookup("cases.intakedraft")
def intake_draft_get_for(actor: Any, pk: Any) -> IntakeDraft:
    """One of the actor's own intake drafts."""
    return one_or_404(intake_drafts_of(actor), pk)


def programs_for_intake(actor: Any) -> QuerySet[Program]:
    orgs = organisation_ids_where(actor, Capability.OPEN_CASES)
    return Program.objects.filter(organisation_id__in=orgs, is_active=True).select_related("organisation")


def may_open_cases(actor: Any) -> bool:
    """Whether the actor has an active program to open a case in."""
    return programs_for_intake(actor).exists()


def intake_draft_organisation(actor: Any, program_pk: str) -> Any:
    """The organisation an intake draft is kept in: the chosen program's, or else that of the first program the
    actor may open cases in. The actor must have one (``may_open_cases``)."""
    programs = programs_for_intake(actor)
    try:
        # Through the one key check: a value no program could have (a superscript digit passes str.isdigit() but
        # not int(), and the database would fail on it) chooses nothing.
        chosen = one_or_404(programs, program_pk) if program_pk else None
    except Http404:
        chosen = None
    return (chosen or programs.first()).organisation  # type: ignore[union-attr]


def programs_visible_to(actor: Any) -> QuerySet[Program]:
    orgs = organisation_ids_where(actor, Capability.VIEW_ORGANISATION)
    return Program.objects.filter(organisation_id__in=orgs).order_by("name")


def program_choices(actor: Any) -> tuple[tuple[int, str], ...]:
    """(id, name) of the programs the actor may filter by, for a choice list (no model instances). A page that
    changes nothing uses its process's copy while the access stamp is unchanged
    (:mod:`reparo.accounts.access_cache`)."""
    orgs = organisation_ids_where(actor, Capability.VIEW_ORGANISATION)
    return access_cache.shared(
        actor, ("program_choices", *orgs), lambda: tuple(programs_visible_to(actor).values_list("id", "name"))
    )


def colleague_choices(actor: Any) -> tuple[tuple[Any, str], ...]:
    """(id, name) of :func:`colleagues_of`, by name, for a choice list of hundreds of people (as
    :func:`program_choices`: kept in the access cache, so names are decrypted once, not on every page)."""
    orgs = organisation_ids_where(actor, Capability.VIEW_ORGANISATION)

    def build() -> tuple[tuple[Any, str], ...]:
        named = [(user.pk, user.display_name) for user in colleagues_of(actor).only("id", "email", "full_name")]
        return tuple(sorted(named, key=lambda pair: (pair[1].casefold(), str(pair[0]))))

    return access_cache.shared(actor, ("colleague_names", *orgs), build)


def user_names(actor: Any, user_ids: Iterable[Any]) -> dict[Any, str]:
    """Each of ``user_ids``'s name (:attr:`User.display_name`), keyed by the ids as given (a subquery may give a
    UUID as text), for a list that shows colleagues by name: the actor's colleagues from :func:`colleague_choices`,
    anyone else (a former colleague) read on demand."""
    wanted = {uuid.UUID(str(given)): given for given in user_ids if given}
    if not wanted:
        return {}
    names = {pk: name for pk, name in colleague_choices(actor) if pk in wanted}
    missing = wanted.keys() - names.keys()
    if missing:
        others = User.objects.filter(pk__in=missing).only("id", "email", "full_name")
        names.update((user.pk, user.display_name) for user in others)
    return {wanted[pk]: name for pk, name in names.items()}


def colleagues_of(actor: Any) -> QuerySet[User]:
    """Active users with a role in any organisation the actor works in (for team and owner choices)."""
    orgs = organisation_ids_where(actor, Capability.VIEW_ORGANISATION)
    return (
        User.objects.filter(memberships__organisation_id__in=orgs, memberships__is_active=True, is_active=True)
        .distinct()
        .only("id", "email", "full_name")
        .order_by("email")
    )


def users_on_team(user_ids: list[Any]) -> QuerySet[User]:
    return User.objects.filter(pk__in=user_ids).order_by("email")


def team_member_in(case: Case, pk: Any) -> CaseTeamMember:
    return one_or_404(team_of(case), pk)


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime.datetime
    kind: str
    text: str
    actor_label: str = ""
    detail: str = ""


def status_label_for_responsible_side(status: str) -> str:
    """The case's status as the responsible-person side may know it: a survivor's withdrawal shows only as
    "Closed", so that side learns that things have ended, never who ended them or why."""
    if status == CaseStatus.WITHDRAWN:
        return str(CaseStatus.CLOSED.label)
    return str(CaseStatus(status).label)


def responsible_side_timeline(actor: Any, case: Case, access: CaseAccess) -> list[TimelineEntry]:
    """Status changes only, with neutral labels and no reasons or names: what the responsible side may see."""
    return [
        TimelineEntry(at=change.at, kind="status", text=status_label_for_responsible_side(change.to_status))
        for change in case.status_changes.order_by("-at")
    ]


def timeline_for(actor: Any, case: Case, access: CaseAccess) -> list[TimelineEntry]:
    """What happened on the case, newest first: status changes, notes, tasks, people joining, and what apps above
    this one add (referrals, through :func:`reparo.cases.extensions.case_timeline_entries`). Read on a request of its
    own (the case page loads it when it is opened), not with the case page. The responsible-person side gets
    :func:`responsible_side_timeline` whichever page asks."""
    if access.responsible_side_only:
        return responsible_side_timeline(actor, case, access)
    entries: list[TimelineEntry] = []
    for change in brief(CaseStatusChange, "actor", *USER_BRIEF).filter(case=case):
        entries.append(
            TimelineEntry(
                at=change.at,
                kind="status",
                text=str(CaseStatus(change.to_status).label),
                actor_label=change.actor.display_name if change.actor else "",
                detail=(change.reason or "") if access.can_work else "",
            )
        )
    if access.can_work:
        for note in notes_for(actor, case, access):
            entries.append(
                TimelineEntry(
                    at=note.created_at,
                    kind="note",
                    text=str(NoteConfidentiality(note.confidentiality).label),
                    actor_label=note.author.display_name if note.author else "",
                )
            )
        for task in tasks_of(case):
            entries.append(TimelineEntry(at=task.created_at, kind="task", text=task.display_title))
            if task.done_at:
                entries.append(TimelineEntry(at=task.done_at, kind="task_done", text=task.display_title))
    for participant in participants_of(case):
        if access.responsible_side_only and participant.role == ParticipantRole.SURVIVOR:
            continue
        entries.append(
            TimelineEntry(
                at=participant.created_at,
                kind="participant",
                text=f"{participant.person.display_code} · {ParticipantRole(participant.role).label}",
            )
        )
    entries.extend(timeline_extras(actor, case, access))
    return sorted(entries, key=lambda e: e.at, reverse=True)


# --- people: seen through their cases ----------------------------------------------------------------------


def people_visible_to(actor: Any, *, work: bool = False) -> QuerySet[Person]:
    """People in a case the actor can see (on the case's own side), or of an organisation where the actor
    sees all cases. With ``work=True``, only people the actor may act for (record agreements, edit): a
    volunteer on the responsible-person side reads, but does not act."""
    if not _active(actor):
        return Person.objects.none()
    org_ids = _org_ids_seeing_all(actor)
    # Team roles count only while the actor still holds an active role in the case's organisation.
    teams = CaseTeamMember.objects.filter(user=actor, case__organisation_id__in=_member_org_ids(actor))
    as_worker = CaseParticipant.objects.filter(
        person=OuterRef("pk"), case__in=teams.filter(role__in=WORKER_TEAM_ROLES).values("case_id")
    )
    # A volunteer on the responsible-person side sees the responsible person only: never the survivor, nor the
    # survivor's supporters.
    as_volunteer = CaseParticipant.objects.filter(
        person=OuterRef("pk"),
        case__in=teams.filter(role__in=SEEING_TEAM_ROLES).exclude(role__in=WORKER_TEAM_ROLES).values("case_id"),
        role=ParticipantRole.RESPONSIBLE,
    )
    condition = Q(Exists(as_worker)) if work else Q(Exists(as_worker)) | Q(Exists(as_volunteer))
    if org_ids:
        condition |= Q(organisation_id__in=org_ids)
    return Person.objects.filter(condition)


@lookup("people.person")
def person_get_for(actor: Any, pk: Any, *, need: Capability | None = None) -> Person:
    """A person the actor sees; with ``need=Capability.WORK_ON_CASE``, only one the actor may act for. Any other
    ``need`` is refused (``ValueError``): this lookup cannot check it, and must not answer as if it had."""
    if need not in (None, Capability.WORK_ON_CASE):
        raise ValueError(f"person_get_for cannot check need={need!r}; only WORK_ON_CASE.")
    work = need == Capability.WORK_ON_CASE
    return one_or_404(people_visible_to(actor, work=work).select_related("organisation"), pk)


def cases_of_person_for(actor: Any, person: Person) -> list[CaseParticipant]:
    """The cases this person takes part in that the actor can see, with the person's role in each."""
    return list(
        CaseParticipant.objects.filter(person=person, case__in=cases_visible_to(actor))
        .select_related("case", "case__program")
        .order_by("-case__updated_at")
    )


def can_erase(actor: Any, person: Person) -> bool:
    """The one rule for erasure on request: an organisation admin of the person's organisation, once."""
    return user_can(actor, Capability.ERASE_PEOPLE, organisation=person.organisation_id) and not person.erased_at
