"""Queries compiled once a process (reparo.core.prepared): the same rows as the queryset, each run with its own
values, and no value frozen into the kept SQL by mistake."""

import datetime
import itertools
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models
from django.db.models import Case as DbCase
from django.db.models import FilteredRelation, Prefetch, Q, Value, When
from django.utils import timezone

from reparo.accounts.backends import UserBackend
from reparo.cases import services as case_services
from reparo.cases.models import Case, Note, NoteConfidentiality, Task
from reparo.cases.selectors import USER_BRIEF, brief
from reparo.core.prepared import Param, Prepared
from reparo.core.sessions import SessionStore
from reparo.organisations.models import Program
from tests.cases.factories import alice_case, open_case

pytestmark = pytest.mark.django_db


def _notes_of(case_param: Any, author_param: Any = None) -> Any:
    notes = brief(Note, "author", *USER_BRIEF).filter(case=case_param)
    if author_param is not None:
        notes = notes.filter(Q(confidentiality=NoteConfidentiality.TEAM) | Q(author=author_param))
    return notes


def _shown(notes: Any) -> list[tuple[Any, str, str, str]]:
    return [(n.pk, n.body, n.confidentiality, n.author.display_name) for n in notes]


def test_it_reads_what_the_queryset_reads_with_each_runs_own_values(world):
    alices = alice_case(world)
    charlie_program = Program.objects.create(organisation=world.charlie_org, name="Charlie program")
    charlies = open_case(actor=world.charlie, program=charlie_program)
    case_services.note_add(actor=world["coordinator"], case=alices, body="Alice's case, for the team")
    case_services.note_add(
        actor=world["supervisor"], case=alices, body="Supervision", confidentiality=NoteConfidentiality.SUPERVISORS
    )
    case_services.note_add(actor=world.charlie, case=charlies, body="Charlie's case")
    notes = Prepared(lambda: _notes_of(Param("case", Case), Param("author", world["coordinator"].__class__)))

    for case, reader in ((alices, world["coordinator"]), (charlies, world.charlie), (alices, world["supervisor"])):
        got = notes(case=case.pk, author=reader.pk)
        assert _shown(got) == _shown(_notes_of(case, reader))
        assert got  # each reader sees notes of that case, decrypted, with the author's name (select_related)
    # Compiled once: the first run's case and reader are nowhere in the kept SQL.
    assert str(alices.pk.hex) not in notes.sql() and str(alices.pk) not in notes.sql()
    assert [n.body for n in notes(case=charlies.pk, author=world.charlie.pk)] == ["Charlie's case"]
    assert {n.body for n in notes(case=alices.pk, author=world["coordinator"].pk)} == {"Alice's case, for the team"}


def test_it_accepts_a_model_for_its_key_and_reads_values_lists(world):
    case = alice_case(world)
    codes = Prepared(
        lambda: Case.objects.filter(pk=Param("case", Case)).values_list("reference", flat=True)  # type: ignore[misc]
    )
    assert codes(case=case) == [case.reference]


def test_it_refuses_a_time_that_is_not_a_param(world):
    frozen = Prepared(lambda: Note.objects.filter(created_at__lte=timezone.now()))
    with pytest.raises(ImproperlyConfigured, match="time"):
        frozen()


def test_it_refuses_a_query_that_comes_out_differently_each_time_it_is_built(world):
    counter = itertools.count()
    changing = Prepared(lambda: Case.objects.filter(reference=f"R-{next(counter)}"))
    with pytest.raises(ImproperlyConfigured, match="same each time"):
        changing()


def test_it_refuses_values_it_does_not_take_and_none(world):
    case = alice_case(world)
    notes = Prepared(lambda: _notes_of(Param("case", Case)))
    with pytest.raises(TypeError):
        notes()
    with pytest.raises(TypeError):
        notes(case=case.pk, author=1)
    with pytest.raises(ValueError):
        notes(case=None)


def test_it_answers_nothing_without_asking_for_a_query_that_can_match_nothing(world, django_assert_num_queries):
    case = alice_case(world)
    nothing = Prepared(lambda: Case.objects.filter(organisation_id__in=[], pk=Param("pk", Case)))
    with django_assert_num_queries(0):
        assert nothing(pk=case.pk) == []


def test_it_fills_in_a_param_used_more_than_once(world):
    case = alice_case(world)
    window = Prepared(
        lambda: Case.objects.filter(
            pk=Param("case", Case),
            created_at__lte=Param("at", models.DateTimeField()),
            updated_at__lte=Param("at", models.DateTimeField()),
        )
    )
    assert window(case=case.pk, at=timezone.now()) == [case]
    assert window(case=case.pk, at=case.created_at - datetime.timedelta(days=1)) == []


def test_it_keeps_no_rows_between_runs(world):
    case = alice_case(world)
    cases = Prepared(lambda: Case.objects.filter(pk=Param("case", Case)))
    key = case.pk
    assert cases(case=key) == [case]
    assert not cases.holds_rows()
    case.delete()
    assert cases(case=key) == []


def test_it_reads_a_session_only_until_it_expires(world):
    store = SessionStore()
    store["answer"] = 42
    store.create()
    assert SessionStore(session_key=store.session_key).load() == {"answer": 42}
    Session.objects.filter(session_key=store.session_key).update(expire_date=timezone.now() - datetime.timedelta(1))
    expired = SessionStore(session_key=store.session_key)
    assert expired.load() == {}
    assert expired.session_key is None


@pytest.mark.parametrize("user_id", ["not a number", "", "9" * 30, -1, None, 10**6])
def test_it_reads_no_user_for_a_key_no_user_has(world, user_id):
    assert UserBackend().get_user(user_id) is None


def test_it_reads_the_signed_in_user_with_the_access_stamp(world):
    user = UserBackend().get_user(world["coordinator"].pk)
    assert user == world["coordinator"] and user.access_stamp is not None


def test_it_refuses_a_date_or_time_fixed_when_built_on_every_database(world):
    # SQLite's adapter turns a date into text before the compiled values are seen: the query itself is searched.
    cutoff = timezone.now()
    for frozen in (
        Prepared(lambda: Note.objects.filter(case_id=Param("case", Case), created_at__gte=cutoff)),
        Prepared(lambda: Case.objects.filter(pk=Param("case", Case), referral_date__lte=timezone.localdate())),
        Prepared(
            lambda: Case.objects.filter(pk=Param("case", Case)).filter(
                pk__in=Note.objects.filter(created_at__lte=cutoff).values("case_id")
            )
        ),
    ):
        with pytest.raises(ImproperlyConfigured, match="time"):
            frozen(case=alice_case(world).pk)


def test_it_refuses_an_instance_of_another_model(world):
    case = alice_case(world)
    notes = Prepared(lambda: _notes_of(Param("case", Case)))
    with pytest.raises(ValueError):
        notes(case=case.participants.first().person)
    assert notes(case=case) == list(_notes_of(case))


ON_POSTGRESQL = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL prepares statements; this run is on SQLite (the PostgreSQL pass of .ci/run runs it)",
)


def _statements(connection: Any) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE NOT from_sql")
        return {row[0] for row in cursor.fetchall()}


@ON_POSTGRESQL
def test_it_has_postgresql_prepare_the_statement_and_still_reads_each_runs_rows(world):
    alices = alice_case(world)
    charlies = open_case(
        actor=world.charlie, program=Program.objects.create(organisation=world.charlie_org, name="Charlie program")
    )
    query = Prepared(lambda: Case.objects.filter(pk=Param("case", Case)).values_list("reference", flat=True))
    for _run in range(3):
        assert query(case=alices.pk) == [alices.reference]
        assert query(case=charlies.pk) == [charlies.reference]
    assert any('"cases_case"."id" = ($1)' in statement for statement in _statements(connection))


@ON_POSTGRESQL
def test_it_prepares_nothing_behind_pgbouncer(world, monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "DISABLE_SERVER_SIDE_CURSORS", True)
    case = alice_case(world)
    status = Case._meta.get_field("status")
    query = Prepared(lambda: Case.objects.filter(pk=Param("case", Case), status=Param("status", status)))
    before = _statements(connection)
    for _run in range(3):
        assert query(case=case.pk, status=case.status) == [case]
    assert _statements(connection) == before


def _as_postgresql_adapts_dates(monkeypatch: Any) -> None:
    ops = connection.ops
    monkeypatch.setattr(ops, "adapt_datefield_value", lambda value: value)  # as PostgreSQL's: the date stays a date


@pytest.mark.parametrize("keeps_dates", [False, True], ids=["as-sqlite", "as-postgresql"])
def test_it_refuses_a_date_fixed_in_the_ordering_or_a_joins_condition(world, monkeypatch, keeps_dates):
    if keeps_dates:
        _as_postgresql_adapts_dates(monkeypatch)
    case = alice_case(world)
    overdue_first = Prepared(
        lambda: Task.objects.filter(case_id=Param("case", Case)).order_by(
            DbCase(When(due_date__lt=timezone.localdate(), then=Value(0)), default=Value(1)), "due_date"
        )
    )
    with_late_tasks = Prepared(
        lambda: Case.objects.annotate(
            late=FilteredRelation("tasks", condition=Q(tasks__due_date__lt=timezone.localdate()))
        ).filter(pk=Param("case", Case), late__isnull=False)
    )
    for frozen in (overdue_first, with_late_tasks):
        with pytest.raises(ImproperlyConfigured, match="time"):
            frozen(case=case.pk)


def test_it_refuses_a_date_fixed_in_a_query_it_prefetches(world):
    with_due = Prepared(
        lambda: Case.objects.filter(pk=Param("case", Case)).prefetch_related(
            Prefetch("tasks", queryset=Task.objects.filter(due_date__gte=timezone.localdate()), to_attr="due")
        )
    )
    with pytest.raises(ImproperlyConfigured, match="time"):
        with_due(case=alice_case(world).pk)


def test_it_takes_a_model_instance_only_for_its_key(world):
    case = alice_case(world)
    status = Case._meta.get_field("status")
    by_status = Prepared(lambda: Case.objects.filter(status=Param("status", status)))
    with pytest.raises(ValueError):
        by_status(status=case)
    assert case in by_status(status=case.status)
