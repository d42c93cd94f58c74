"""The outcome figures, kept as the data they rest on is written (decision 0070).

Three layers, each exact:

1. **Changes.** Database triggers (migration ``analytics.0003``) write a row to :class:`EvidenceChange` in the same
   transaction as every insert, update or delete that a figure rests on — cases, their survivors and status changes,
   evaluation consents, erasure, processes and their participants, agreements, obligations, instalments, distress
   check-ins, survey responses, re-offending events and comparison groups — whichever code wrote it. Each row names
   a case, a person or a comparison group.
2. **Facts.** :func:`refresh` takes those rows and recomputes, in Python and only for what they name, what each case,
   person and comparison group contributes to each figure (:class:`EvidenceFact`), together with the window of time
   in which that contribution counts: while the evaluation consent it rests on is in force (a case's: every one of
   its survivors'; a check-in's: the case's and the person's). The rules are those the dashboards always had
   (``tests/analytics/reference.py`` keeps the direct computation they are tested against).
3. **Tallies.** The facts of an organisation summed by their keys and window (:class:`EvidenceTally`), moved by
   the difference between a case's (person's, group's) old and new facts. The dashboards read the tallies whose
   window holds the moment of the view — a few hundred rows per program, whatever the number of responses.

A withdrawal or an erasure is a write, so it is on the list of changes, and the next view (which first takes what
is on the list for its organisation, :func:`catch_up`) leaves the person out. A consent that simply ends on its
date needs no write: the window says when it stops counting.

Windows are exact for every moment from the refresh on; a consent recorded as given in the future (allowed up to a
few minutes of clock difference) counts from the start of its first window.

Figures (``figure``: keys; measures):

- ``case``: ``k1`` status; ``n`` 1.
- ``stage``: ``k1`` stage left, ``x1`` whole days spent in it (the bucket), ``v`` seconds spent (exact); ``n`` 1.
- ``process``: ``k1`` type, ``k2`` ongoing, completed or ended_early; ``n``.
- ``item``: ``k1`` kind of an item of an agreement in force; ``n``.
- ``obligation``: ``k1`` status of an obligation of an agreement in force; ``n``.
- ``restitution``: ``k1`` currency; ``n`` obligations, ``s1`` owed and ``s2`` paid, in hundredths.
- ``distress``: ``d1`` month; ``n`` check-ins, ``m1`` at or above the threshold, ``m2`` sum of the ratings.
- ``pair``: ``k1`` instrument, ``x1`` score at baseline, ``x2`` at the end of the process; ``n`` 1.
- ``satisfaction``: ``k1`` item; ``n`` disagreed, ``m1`` neither, ``m2`` agreed.
- ``reoffending``: ``k1`` ``event`` (``x1`` days from the end of the process to the first event) or ``open``
  (``d1`` the day follow-up started); ``n`` 1.
- ``comparison``: ``k1`` ``event`` or ``open``, ``x1`` days of follow-up; ``n`` members.

Apps above this one add person facts of their own figures through :mod:`reparo.analytics.extensions` (the support
circles: ``circle_pair`` and ``circle_goal``, see :mod:`reparo.support.outcomes`).
"""

from __future__ import annotations

import datetime
import logging
import math
import secrets
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple, cast

from django.db import connections, router, transaction
from django.db.models import BigIntegerField, Exists, Field, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Cast
from django.utils import timezone

from reparo.agreements.models import AgreementItem, AgreementStatus, Instalment, ItemKind, Obligation, ObligationStatus
from reparo.analytics import extensions
from reparo.analytics.models import EvidenceChange, EvidenceFact, EvidenceState, EvidenceTally
from reparo.cases.models import Case, CaseParticipant, CaseStatus, CaseStatusChange, ParticipantRole
from reparo.consent.models import Consent, ConsentPurpose
from reparo.core.prepared import Param, Prepared
from reparo.core.routers import primary_reads, reads_go_to_replica
from reparo.evaluation.catalogue import instrument as get_instrument
from reparo.evaluation.models import ComparisonMember, ReoffendingEvent, SurveyResponse, Timepoint
from reparo.organisations.models import Organisation, Program
from reparo.people.models import Person
from reparo.processes.models import Process, ProcessParticipant, ProcessRole, ProcessStage
from reparo.safety.models import DistressCheckIn

log = logging.getLogger(__name__)

ALWAYS = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
NEVER = datetime.datetime(9999, 1, 1, tzinfo=datetime.UTC)
NO_DAY = datetime.date(1970, 1, 1)
CHUNK = 500  # cases, people or groups recomputed at a time

CASE = "case"
STAGE = "stage"
PROCESS = "process"
ITEM = "item"
OBLIGATION = "obligation"
RESTITUTION = "restitution"
DISTRESS = "distress"
PAIR = "pair"
SATISFACTION = "satisfaction"
REOFFENDING = "reoffending"
COMPARISON = "comparison"

OUTCOME_INSTRUMENTS = ("who5", "rses", "mspss", "pcl5")
ENDED_STAGES = (ProcessStage.COMPLETED, ProcessStage.ENDED_EARLY)
HIDDEN_STAGES = (CaseStatus.CLOSED, CaseStatus.WITHDRAWN)  # time spent in them is not shown
SATISFACTION_GROUPS = ((1, 2), (3,), (4, 5))  # disagree, neither, agree: n, m1, m2
SECONDS_PER_DAY = 86400

KEYS = ("organisation_id", "program_id", "figure", "k1", "k2", "x1", "x2", "d1", "since", "until")
MEASURES = ("n", "m1", "m2", "s1", "s2")
Key = tuple[Any, ...]


# --- windows ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """When a contribution counts: from ``since`` (inclusive) to ``until`` (exclusive)."""

    since: datetime.datetime
    until: datetime.datetime

    def meet(self, other: Window | None) -> Window | None:
        if other is None:
            return None
        since, until = max(self.since, other.since), min(self.until, other.until)
        return Window(since, until) if since < until else None


def consent_windows(person_ids: Iterable[Any], *, at: datetime.datetime) -> dict[Any, Window]:
    """For each person whose evaluation consent is in force at ``at`` or later, when it is (people who are not
    there are not counted from ``at`` on). The rule is the consent policy's (``people_who_may``): given by then,
    neither withdrawn nor ended by then, and not erased. Past ``at`` only what is in force then or later matters,
    so consents that overlap or follow each other make one window."""
    ids = list(person_ids)
    if not ids:
        return {}
    erased = set(Person.objects.filter(pk__in=ids, erased_at__isnull=False).values_list("pk", flat=True))
    spans: dict[Any, list[tuple[datetime.datetime, datetime.datetime]]] = defaultdict(list)
    rows = Consent.objects.filter(person_id__in=ids, purpose=ConsentPurpose.EVALUATION).values_list(
        "person_id", "given_at", "withdrawn_at", "expires_at"
    )
    for person_id, given, withdrawn, expires in rows:
        end = min(withdrawn or NEVER, expires or NEVER)
        if end > at and given < end and person_id not in erased:
            spans[person_id].append((given, end))
    out = {}
    for person_id, active in spans.items():
        since = min(g for g, _e in active)
        out[person_id] = Window(ALWAYS if since <= at else since, max(e for _g, e in active))
    return out


# --- facts ------------------------------------------------------------------------------------------------------


def _fact(window: Window, organisation_id: int, program_id: int, figure: str, **values: Any) -> EvidenceFact:
    values.setdefault("d1", NO_DAY)
    return EvidenceFact(
        organisation_id=organisation_id,
        program_id=program_id,
        figure=figure,
        since=window.since,
        until=window.until,
        **values,
    )


def _chunks(values: Iterable[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    items = list(values)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _cents(value: Decimal | None) -> int:
    return int((value or Decimal(0)) * 100)


def case_facts(case_ids: Sequence[Any], *, at: datetime.datetime, today: datetime.date) -> list[EvidenceFact]:
    """What each case contributes: its stage, the time it spent in each stage, its processes, the items, obligations
    and restitution of its agreements in force, and its distress check-ins; only while every survivor on it has
    evaluation consent in force (a check-in: also the person who gave it)."""
    cases = {
        row["id"]: row
        for row in Case.objects.filter(pk__in=case_ids).values("id", "organisation_id", "program_id", "status",
                                                                "created_at")
    }  # fmt: skip
    survivors: dict[Any, list[Any]] = defaultdict(list)
    for case_id, person_id in CaseParticipant.objects.filter(
        case_id__in=list(cases), role=ParticipantRole.SURVIVOR
    ).values_list("case_id", "person_id"):
        survivors[case_id].append(person_id)
    checkins = list(
        DistressCheckIn.objects.filter(process__case_id__in=list(cases)).values_list(
            "process__case_id", "person_id", "recorded_at", "rating", "threshold"
        )
    )
    people = {p for ps in survivors.values() for p in ps} | {row[1] for row in checkins}
    windows = consent_windows(people, at=at)
    counted: dict[Any, Window] = {}
    for case_id in cases:
        window: Window | None = Window(ALWAYS, NEVER) if survivors.get(case_id) else None
        for person_id in survivors.get(case_id, []):
            window = window.meet(windows.get(person_id)) if window else None
        if window is not None:
            counted[case_id] = window
    ids = list(counted)
    out: list[EvidenceFact] = []

    def add(case_id: Any, figure: str, window: Window | None = None, **values: Any) -> None:
        case = cases[case_id]
        fact = _fact(window or counted[case_id], case["organisation_id"], case["program_id"], figure, **values)
        fact.case_id = case_id
        out.append(fact)

    for case_id in ids:
        add(case_id, CASE, k1=cases[case_id]["status"], n=1)

    current: dict[Any, tuple[str, datetime.datetime]] = {}
    changes = CaseStatusChange.objects.filter(case_id__in=ids).order_by("case_id", "at", "id")
    for case_id, to_status, moment in changes.values_list("case_id", "to_status", "at"):
        stage, since = current.get(case_id, (CaseStatus.REFERRED, cases[case_id]["created_at"]))
        seconds = (moment - since).total_seconds()
        if stage not in HIDDEN_STAGES:
            days = max(0.0, seconds / SECONDS_PER_DAY)
            add(case_id, STAGE, k1=stage, x1=float(math.floor(days)), v=seconds, n=1)
        current[case_id] = (to_status, moment)

    processes: dict[tuple[Any, str, str], int] = defaultdict(int)
    for case_id, type_, stage in Process.objects.filter(case_id__in=ids).values_list("case_id", "type", "stage"):
        outcome = stage if stage in ENDED_STAGES else "ongoing"
        processes[(case_id, type_, outcome)] += 1
    for (case_id, type_, outcome), n in processes.items():
        add(case_id, PROCESS, k1=type_, k2=outcome, n=n)

    binding = {"agreement__status": AgreementStatus.BINDING, "agreement__process__case_id__in": ids}
    items: dict[tuple[Any, str], int] = defaultdict(int)
    for case_id, kind in AgreementItem.objects.filter(**binding).values_list("agreement__process__case_id", "kind"):
        items[(case_id, kind)] += 1
    for (case_id, kind), n in items.items():
        add(case_id, ITEM, k1=kind, n=n)

    obligations: dict[tuple[Any, str], int] = defaultdict(int)
    rows = Obligation.objects.filter(item__agreement__status=AgreementStatus.BINDING,
                                     item__agreement__process__case_id__in=ids)  # fmt: skip
    for case_id, status in rows.values_list("item__agreement__process__case_id", "status"):
        obligations[(case_id, status)] += 1
    for (case_id, status), n in obligations.items():
        add(case_id, OBLIGATION, k1=status, n=n)

    money: dict[tuple[Any, str], tuple[set[Any], int, int]] = {}
    instalments = Instalment.objects.filter(
        obligation__item__agreement__status=AgreementStatus.BINDING,
        obligation__item__agreement__process__case_id__in=ids,
        obligation__item__kind=ItemKind.RESTITUTION,
    ).exclude(obligation__status__in=[ObligationStatus.WAIVED, ObligationStatus.VARIED])
    for case_id, currency, obligation_id, amount, paid in instalments.values_list(
        "obligation__item__agreement__process__case_id", "obligation__item__currency", "obligation_id", "amount",
        "paid_amount",
    ):  # fmt: skip
        seen, owed, paid_total = money.get((case_id, currency), (set(), 0, 0))
        seen.add(obligation_id)
        money[(case_id, currency)] = (seen, owed + _cents(amount), paid_total + _cents(paid))
    for (case_id, currency), (seen, owed, paid_total) in money.items():
        add(case_id, RESTITUTION, k1=currency, n=len(seen), s1=owed, s2=paid_total)

    months: dict[tuple[Any, datetime.date, Window], list[int]] = {}
    for case_id, person_id, recorded_at, rating, threshold in checkins:
        if case_id not in counted:
            continue
        window = counted[case_id].meet(windows.get(person_id))
        if window is None:
            continue
        month = timezone.localtime(recorded_at).date().replace(day=1)
        cell = months.setdefault((case_id, month, window), [0, 0, 0])
        cell[0] += 1
        cell[1] += int(rating >= threshold)
        cell[2] += rating
    for (case_id, month, window), (n, high, total) in months.items():
        add(case_id, DISTRESS, window, d1=month, n=n, m1=high, m2=total)
    return out


def person_facts(
    person_ids: Sequence[Any], *, at: datetime.datetime, today: datetime.date, organisations: dict[int, int]
) -> list[EvidenceFact]:
    """What each person contributes while their evaluation consent is in force: their before-and-after scores, their
    answers to the satisfaction questionnaire, and (for a responsible person whose process has ended) their
    follow-up for re-offending; per program."""
    windows = consent_windows(person_ids, at=at)
    ids = list(windows)
    out: list[EvidenceFact] = []

    def add(person_id: Any, program_id: int, figure: str, **values: Any) -> None:
        fact = _fact(windows[person_id], organisations[program_id], program_id, figure, **values)
        fact.person_id = person_id
        out.append(fact)

    firsts: dict[tuple[Any, ...], tuple[datetime.date, Any]] = {}
    lasts: dict[tuple[Any, ...], tuple[datetime.date, Any]] = {}
    scores = SurveyResponse.objects.filter(
        person_id__in=ids, instrument__in=OUTCOME_INSTRUMENTS, total__isnull=False
    ).order_by("collected_on", "created_at")
    for program_id, person_id, code, timepoint, collected_on, total in scores.values_list(
        "program_id", "person_id", "instrument", "timepoint", "collected_on", "total"
    ):
        key = (program_id, person_id, code)
        if timepoint == Timepoint.BASELINE and key not in firsts:
            firsts[key] = (collected_on, total)
        elif timepoint == Timepoint.END_OF_PROCESS:
            lasts[key] = (collected_on, total)  # in date order: the last one wins
    for key, (before_on, before) in firsts.items():
        last = lasts.get(key)
        if last is None or last[0] < before_on:
            continue
        program_id, person_id, code = key
        add(person_id, program_id, PAIR, k1=code, x1=float(before), x2=float(last[1]), n=1)

    items = set(get_instrument("satisfaction").item_ids)
    answered: dict[tuple[Any, int, str], list[int]] = {}
    for response in SurveyResponse.objects.filter(person_id__in=ids, instrument="satisfaction").only(
        "id", "program_id", "person_id", "answers"
    ):
        for item_id, value in (response.answers or {}).items():
            if item_id not in items or not isinstance(value, int) or isinstance(value, bool):
                continue
            group = next((g for g, values in enumerate(SATISFACTION_GROUPS) if value in values), None)
            if group is not None:
                answered.setdefault((response.person_id, response.program_id, item_id), [0, 0, 0])[group] += 1
    for (person_id, program_id, item_id), (disagree, neither, agree) in answered.items():
        add(person_id, program_id, SATISFACTION, k1=item_id, n=disagree, m1=neither, m2=agree)

    starts: dict[tuple[Any, int], datetime.date] = {}
    ended = ProcessParticipant.objects.filter(
        person_id__in=ids, role=ProcessRole.RESPONSIBLE, process__stage__in=ENDED_STAGES
    ).values_list("person_id", "process__case__program_id", "process__ended_at", "process__updated_at")
    for person_id, program_id, ended_at, updated_at in ended:
        moment = ended_at or updated_at
        if moment is None:
            continue
        start = timezone.localdate(moment)
        who = (person_id, program_id)
        if start <= today and (who not in starts or start > starts[who]):
            starts[who] = start
    events: dict[Any, list[datetime.date]] = defaultdict(list)
    if starts:
        for person_id, occurred in ReoffendingEvent.objects.filter(
            person_id__in={p for p, _g in starts}, occurred_on__lte=today
        ).values_list("person_id", "occurred_on"):
            events[person_id].append(occurred)
    for (person_id, program_id), start in starts.items():
        first = min((d for d in events.get(person_id, []) if d >= start), default=None)
        if first is None:
            add(person_id, program_id, REOFFENDING, k1="open", d1=start, n=1)
        else:
            add(person_id, program_id, REOFFENDING, k1="event", x1=float((first - start).days), n=1)
    extensions.add_person_facts(ids, add)
    return out


def cohort_facts(cohort_ids: Sequence[Any], *, organisations: dict[int, int]) -> list[EvidenceFact]:
    """A comparison group's follow-up: how many members were followed how many days, with or without an event
    (no consent applies: the members are references from another system, not people of the program)."""
    counts: dict[tuple[Any, int, str, int], int] = defaultdict(int)
    for cohort_id, program_id, start, end, reoffended in ComparisonMember.objects.filter(
        cohort_id__in=cohort_ids
    ).values_list("cohort_id", "cohort__program_id", "followup_start", "followup_end", "reoffended_on"):
        kind = "event" if reoffended is not None else "open"
        counts[(cohort_id, program_id, kind, ((reoffended or end) - start).days)] += 1
    out = []
    for (cohort_id, program_id, kind, days), n in counts.items():
        fact = _fact(Window(ALWAYS, NEVER), organisations[program_id], program_id, COMPARISON, k1=kind,
                     x1=float(days), n=n)  # fmt: skip
        fact.cohort_id = cohort_id
        out.append(fact)
    return out


# --- keeping the tallies ----------------------------------------------------------------------------------------


def _key(values: Sequence[Any]) -> Key:
    return tuple(values)


def _grouped(facts: Iterable[EvidenceFact]) -> dict[Key, list[int]]:
    out: dict[Key, list[int]] = {}
    for fact in facts:
        key = tuple(getattr(fact, name) for name in KEYS)
        sums = out.setdefault(key, [0] * len(MEASURES))
        for i, name in enumerate(MEASURES):
            sums[i] += getattr(fact, name)
    return out


def _apply(delta: dict[Key, list[int]], db: str) -> None:
    """Add ``delta`` to the tallies (one upsert per 500 keys), then drop tallies that came to nothing."""
    changed = [(key, sums) for key, sums in delta.items() if any(sums)]
    if not changed:
        return
    connection = connections[db]
    fields = [cast(Field, EvidenceTally._meta.get_field(name)) for name in (*KEYS, *MEASURES)]
    qn = connection.ops.quote_name
    table = qn(EvidenceTally._meta.db_table)
    columns = ", ".join(qn(f.column) for f in fields)
    updates = ", ".join(f"{qn(m)} = {table}.{qn(m)} + EXCLUDED.{qn(m)}" for m in MEASURES)
    conflict = ", ".join(qn(k) for k in KEYS)
    marks = "(" + ", ".join(["%s"] * len(fields)) + ")"
    with connection.cursor() as cursor:
        for part in _chunks(changed):
            params: list[Any] = []
            for key, sums in part:
                params.extend(f.get_db_prep_save(v, connection) for f, v in zip(fields, (*key, *sums), strict=True))
            sql = (
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([marks] * len(part))} "  # noqa: S608 - names from the model
                f"ON CONFLICT ({conflict}) DO UPDATE SET {updates}"
            )
            cursor.execute(sql, params)
    organisations = {key[0] for key, _s in changed}
    EvidenceTally.objects.using(db).filter(organisation_id__in=organisations, n=0, m1=0, m2=0, s1=0, s2=0).delete()


def _delete_returning(
    model: type[Any], where: str, params: Sequence[Any], columns: Sequence[str], db: str
) -> list[Any]:
    """``DELETE ... RETURNING``: take rows off a table and get them in one statement (so that a row another
    transaction commits meanwhile is either taken whole or left for later, never dropped unread)."""
    connection = connections[db]
    qn = connection.ops.quote_name
    fields = [cast(Field, model._meta.get_field(c)) for c in columns]
    sql = (
        f"DELETE FROM {qn(model._meta.db_table)} WHERE {where} "  # noqa: S608 - names from the model
        f"RETURNING {', '.join(qn(f.column) for f in fields)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        rows = cursor.fetchall()
    converters = [
        (f, connection.ops.get_db_converters(f.get_col(model._meta.db_table)) + f.get_db_converters(connection))  # type: ignore[attr-defined]
        for f in fields
    ]
    out = []
    for row in rows:
        values = []
        for (f, funcs), value in zip(converters, row, strict=True):
            expression = f.get_col(model._meta.db_table)
            for func in funcs:
                value = func(value, expression, connection)
            values.append(value)
        out.append(tuple(values))
    return out


def _insert(facts: Sequence[EvidenceFact], db: str) -> None:
    """Write facts in one statement (``executemany``; ``COPY`` on PostgreSQL)."""
    if not facts:
        return
    connection = connections[db]
    qn = connection.ops.quote_name
    fields = [f for f in EvidenceFact._meta.concrete_fields if not f.primary_key]
    table, names = qn(EvidenceFact._meta.db_table), ", ".join(qn(f.column) for f in fields)
    rows = [tuple(f.get_db_prep_save(getattr(fact, f.attname), connection) for f in fields) for fact in facts]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608


def _in(column: str, values: Sequence[Any], db: str) -> tuple[str, list[Any]]:
    """``column IN (%s, ...)`` for values of ``EvidenceFact``'s field ``column``."""
    connection = connections[db]
    field = cast(Field, EvidenceFact._meta.get_field(column))
    marks = ", ".join(["%s"] * len(values))
    return f"{connection.ops.quote_name(field.column)} IN ({marks})", [
        field.get_db_prep_value(v, connection) for v in values
    ]


def _lock(db: str) -> None:
    """One refresh at a time (rows of several organisations may move together)."""
    EvidenceState.objects.using(db).get_or_create(organisation_id=0)
    EvidenceState.objects.using(db).select_for_update().get(organisation_id=0)


def _program_organisations(db: str) -> dict[int, int]:
    return dict(Program.objects.using(db).values_list("pk", "organisation_id"))


def _recompute(cases: set[Any], persons: set[Any], cohorts: set[Any], *, at: datetime.datetime, db: str) -> set[int]:
    """Replace the facts of these cases, people and comparison groups, and move the tallies by the difference.
    Returns the organisations whose tallies moved."""
    today = timezone.localdate(at)
    organisations = _program_organisations(db)
    old: list[tuple[Any, ...]] = []
    for column, ids in (("case_id", cases), ("person_id", persons), ("cohort_id", cohorts)):
        for part in _chunks(ids):
            where, params = _in(column, part, db)
            old.extend(_delete_returning(EvidenceFact, where, params, (*KEYS, *MEASURES), db))
    new: list[EvidenceFact] = []
    for part in _chunks(cases):
        new.extend(case_facts(part, at=at, today=today))
    for part in _chunks(persons):
        new.extend(person_facts(part, at=at, today=today, organisations=organisations))
    for part in _chunks(cohorts):
        new.extend(cohort_facts(part, organisations=organisations))
    _insert(new, db)
    delta = _grouped(new)
    for row in old:
        sums = delta.setdefault(row[: len(KEYS)], [0] * len(MEASURES))
        for i, value in enumerate(row[len(KEYS) :]):
            sums[i] -= value
    _apply(delta, db)
    return {key[0] for key, sums in delta.items() if any(sums)}


def _bump(organisations: set[int], *, at: datetime.datetime, db: str) -> None:
    if not organisations:
        return
    states = EvidenceState.objects.using(db)
    states.bulk_create([EvidenceState(organisation_id=o) for o in organisations], ignore_conflicts=True)
    # A new random value, never an increment: a version rolled back with its transaction must not come back with
    # other figures behind it.
    states.filter(organisation_id__in=organisations).update(version=secrets.randbits(62), refreshed_at=at)


def _pending(organisation_id: int | None) -> Q:
    if organisation_id is None:
        return Q()
    return Q(organisation_id=organisation_id) | Q(organisation_id__isnull=True)


def refresh(*, organisation_id: int | None = None, at: datetime.datetime | None = None) -> int:
    """Bring the facts and tallies up to date with the changes on the list (those of one organisation, or all),
    and take them off it. Returns how many changes were taken. Safe to run at any time, in any process: one
    refresh runs at a time, and a change made while it runs stays on the list for the next."""
    # Windows are computed for every moment from ``at`` on: never from a moment still to come.
    at = min(at or timezone.now(), timezone.now())
    db = router.db_for_write(EvidenceFact)
    with transaction.atomic(using=db):
        _lock(db)
        if organisation_id is None:
            where, params = "1 = 1", []
        else:
            where, params = "organisation_id = %s OR organisation_id IS NULL", [organisation_id]
        rows = _delete_returning(EvidenceChange, where, params, ("id", "case_id", "person_id", "cohort_id"), db)
        if not rows:
            return 0
        cases = {r[1] for r in rows if r[1] is not None}
        persons = {r[2] for r in rows if r[2] is not None}
        cohorts = {r[3] for r in rows if r[3] is not None}
        # A person's consent counts for their cases (as survivor) and their check-ins; a case's processes decide
        # the follow-up of its responsible persons.
        for part in _chunks(persons):
            cases.update(CaseParticipant.objects.using(db).filter(person_id__in=part).values_list("case_id", flat=True))
            cases.update(
                DistressCheckIn.objects.using(db).filter(person_id__in=part).values_list("process__case_id", flat=True)
            )
        for part in _chunks(cases):
            persons.update(
                ProcessParticipant.objects.using(db)
                .filter(process__case_id__in=part, role=ProcessRole.RESPONSIBLE)
                .values_list("person_id", flat=True)
            )
            persons.update(extensions.people_of_cases(part, db))  # apps above this one (support circles' survivors)
        touched = _recompute(cases, persons, cohorts, at=at, db=db)
        _bump(touched, at=at, db=db)
    return len(rows)


def rebuild(*, organisation_id: int | None = None, at: datetime.datetime | None = None) -> int:
    """Compute the facts and tallies of one organisation (or all) from scratch, and empty its list of changes.
    For the first fill after a bulk load (``seed_synthetic``), or after a restore without the triggers. Returns the
    number of facts."""
    at = at or timezone.now()
    db = router.db_for_write(EvidenceFact)
    with transaction.atomic(using=db):
        _lock(db)
        where = {} if organisation_id is None else {"organisation_id": organisation_id}
        EvidenceChange.objects.using(db).filter(_pending(organisation_id)).delete()
        EvidenceFact.objects.using(db).filter(**where).delete()
        EvidenceTally.objects.using(db).filter(**where).delete()
        today = timezone.localdate(at)
        organisations = _program_organisations(db)
        programs = [p for p, o in organisations.items() if organisation_id is None or o == organisation_id]
        cases = Case.objects.using(db).filter(program_id__in=programs).order_by("pk").values_list("pk", flat=True)
        people = (
            Consent.objects.using(db)
            .filter(purpose=ConsentPurpose.EVALUATION)
            .filter(**({} if organisation_id is None else {"person__organisation_id": organisation_id}))
            .values_list("person_id", flat=True)
            .distinct()
        )
        cohorts = ComparisonMember.objects.using(db).filter(cohort__program_id__in=programs)
        count = 0
        for part in _chunks(cases, 2000):
            facts = case_facts(part, at=at, today=today)
            _insert(facts, db)
            count += len(facts)
        for part in _chunks(sorted(set(people), key=str), 2000):
            facts = person_facts(part, at=at, today=today, organisations=organisations)
            _insert(facts, db)
            count += len(facts)
        for part in _chunks(set(cohorts.values_list("cohort_id", flat=True))):
            facts = cohort_facts(part, organisations=organisations)
            _insert(facts, db)
            count += len(facts)
        _fill_tallies(organisation_id, db)
        touched = set(organisations.values()) if organisation_id is None else {organisation_id}
        _bump(touched, at=at, db=db)
    return count


def _fill_tallies(organisation_id: int | None, db: str) -> None:
    """The tallies as the sums of the facts, in one statement."""
    connection = connections[db]
    qn = connection.ops.quote_name
    keys = ", ".join(qn(k) for k in KEYS)
    sums = ", ".join(f"SUM({qn(m)})" for m in MEASURES)
    where, params = ("", []) if organisation_id is None else (f"WHERE {qn('organisation_id')} = %s", [organisation_id])
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {qn(EvidenceTally._meta.db_table)} ({keys}, {', '.join(qn(m) for m in MEASURES)}) "  # noqa: S608
            f"SELECT {keys}, {sums} FROM {qn(EvidenceFact._meta.db_table)} {where} GROUP BY {keys}",
            params,
        )


# --- reading ----------------------------------------------------------------------------------------------------


def catch_up(organisation_id: int, *, at: datetime.datetime | None = None) -> int:
    """Take what is on the list of changes for this organisation (one query when nothing is), and return the
    version of its tallies: the key under which figures computed from them may be kept.

    Always on the primary, even where the figures are then read from a replica (a dashboard, a report): a replica
    that lags behind a withdrawal would answer "nothing pending" and give the version from before it, and the
    figures would go on counting the person. Read the figures of the version returned inside :func:`reading`."""
    db = router.db_for_write(EvidenceChange)
    rows = _state_read(organisation=organisation_id, using=db)
    if not rows:
        return 0
    row = rows[0]
    if row[0]:
        refresh(organisation_id=organisation_id, at=at)
        return _version(organisation_id, db)
    return int(row[1] or 0)


def _state() -> QuerySet[Any]:
    """Whether anything is on the list of changes for an organisation, and its tallies' version (one query)."""
    organisation = Param("organisation", Organisation)
    pending = EvidenceChange.objects.filter(Q(organisation_id=organisation) | Q(organisation_id__isnull=True))
    version = EvidenceState.objects.filter(organisation_id=OuterRef("pk")).values("version")[:1]
    return (
        Organisation.objects.filter(pk=organisation)
        .annotate(pending=Exists(pending), version=Subquery(version))
        .order_by("pk")
        .values_list("pending", "version")[:1]
    )


_state_read: Prepared[tuple[bool, int | None]] = Prepared(_state)  # read on every dashboard view: compiled once


def _version(organisation_id: int, db: str) -> int:
    states = EvidenceState.objects.using(db).filter(organisation_id=organisation_id)
    return int(states.values_list("version", flat=True).first() or 0)


@contextmanager
def reading(organisation_id: int, version: int) -> Iterator[None]:
    """Inside this block, the organisation's tallies and facts are read where they hold ``version`` (from
    :func:`catch_up`): from the replica when reads go there and it has applied that version — and with it the refresh
    that made it and every write that refresh took, a withdrawal among them — and from the primary otherwise (a
    replica lagging behind, or ahead after a newer refresh). One query on the replica, none without one."""
    if reads_go_to_replica() and _version(organisation_id, router.db_for_read(EvidenceState)) != version:
        with primary_reads():
            yield
    else:
        yield


class TallyRow(NamedTuple):
    program_id: int
    figure: str
    k1: str
    k2: str
    x1: float
    x2: float
    d1: datetime.date
    n: int
    m1: int
    m2: int
    s1: int
    s2: int


def tallies(organisation_id: int, program_ids: Sequence[int], *, at: datetime.datetime) -> list[TallyRow]:
    """The organisation's tallies for these programs that count at ``at``, summed over their windows (1 query)."""

    def total(name: str) -> Cast:
        return Cast(Sum(name), BigIntegerField())

    rows = (
        EvidenceTally.objects.filter(organisation_id=organisation_id, program_id__in=list(program_ids),
                                     since__lte=at, until__gt=at)
        .values_list("program_id", "figure", "k1", "k2", "x1", "x2", "d1")
        .annotate(sn=total("n"), sm1=total("m1"), sm2=total("m2"), ss1=total("s1"), ss2=total("s2"))
        .order_by()
    )  # fmt: skip
    return list(map(TallyRow._make, rows))


def stage_values(
    organisation_id: int, program_ids: Sequence[int], buckets: Iterable[tuple[str, float]], *, at: datetime.datetime
) -> dict[tuple[str, float], list[float]]:
    """The exact seconds behind the given (stage, whole days) buckets, sorted (always 1 query): a median is read off
    the tallies' buckets and then from the few values in the bucket it falls in."""
    condition = Q(k1="")  # no stage has that name: the query is made even when no median is to be shown
    for stage, bucket in buckets:
        condition |= Q(k1=stage, x1=bucket)
    rows = EvidenceFact.objects.filter(
        condition, organisation_id=organisation_id, figure=STAGE, program_id__in=list(program_ids), since__lte=at,
        until__gt=at,
    ).values_list("k1", "x1", "v")  # fmt: skip
    out: dict[tuple[str, float], list[float]] = defaultdict(list)
    for stage, bucket, seconds in rows:
        out[(stage, bucket)].append(float(seconds or 0.0))
    return {key: sorted(values) for key, values in out.items()}


def next_change(organisation_id: int, *, at: datetime.datetime) -> datetime.datetime:
    """The first moment after ``at`` at which a window of this organisation's tallies opens or closes: figures
    computed at ``at`` hold until then (unless something is written)."""
    found = EvidenceTally.objects.filter(organisation_id=organisation_id).aggregate(
        until=Min("until", filter=Q(until__gt=at)), since=Min("since", filter=Q(since__gt=at))
    )
    return min(v for v in (found["until"], found["since"], NEVER) if v is not None)


def triggers_missing() -> list[str]:
    """The triggers of migration ``analytics.0003`` that are not in the database (empty when all are there)."""
    connection = connections[router.db_for_write(EvidenceFact)]
    tables = (*WATCHED_TABLES, *extensions.extra_watched_tables())
    if connection.vendor == "postgresql":
        expected = {f"{t}_evidence_update" for t in tables} | {f"{t}_evidence" for t in tables}
        sql = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'D'"
    else:
        expected = {f"{t}_evidence_{e}" for t in tables for e in ("insert", "update", "delete")}
        expected -= {"people_person_evidence_insert"}
        sql = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    with connection.cursor() as cursor:
        cursor.execute(sql)
        present = {row[0] for row in cursor.fetchall()}
    return sorted(expected - present)


WATCHED_TABLES = (
    "cases_case", "cases_caseparticipant", "cases_casestatuschange", "consent_consent", "people_person",
    "processes_process", "processes_processparticipant", "agreements_agreement", "agreements_agreementitem",
    "agreements_obligation", "agreements_instalment", "safety_distresscheckin", "evaluation_surveyresponse",
    "evaluation_reoffendingevent", "evaluation_comparisoncohort", "evaluation_comparisonmember",
)  # fmt: skip
