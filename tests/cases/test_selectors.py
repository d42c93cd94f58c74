"""Reads limited to what the actor may see: cases through a role on them or in their organisation."""

import ast
import importlib
import sys
from pathlib import Path
from typing import Any

import pytest
from django.http import Http404

from reparo.access import services as access_services
from reparo.access.capabilities import Capability
from reparo.accounts.models import Membership, Role
from reparo.cases.models import IntakeDraft
from reparo.cases.selectors import (
    _case_of,
    _participants_read,
    _processes_read,
    _rows_slice,
    case_get_for,
    person_get_for,
)
from reparo.core.prepared import every_prepared
from reparo.organisations.models import Program
from reparo.referrals.selectors import _referrals_read
from tests.cases.factories import alice_case, open_case
from tests.conftest import CsrfClient, sign_in

pytestmark = pytest.mark.django_db


def test_it_ends_case_access_when_the_role_in_the_organisation_ends(world):
    case = alice_case(world)
    survivor = case.participants.get(role="survivor").person
    facilitator = world["facilitator"]
    Membership.objects.create(user=facilitator, organisation=world.charlie_org, role=Role.FACILITATOR)
    access_services.membership_end(actor=world["org_admin"], membership=Membership.objects.get(
        user=facilitator, organisation=world.alice_org))  # fmt: skip
    client = sign_in(CsrfClient(), facilitator)
    assert client.get(f"/cases/{case.pk}/").status_code == 404
    assert client.get(f"/people/{survivor.pk}/identity/").status_code == 404
    assert client.post_form(f"/cases/{case.pk}/notes/", {"body": "x", "confidentiality": "team"}).status_code == 404


@pytest.mark.parametrize("program", ["²", "①", "99999999999999999999999", "12abc", ""])
def test_it_keeps_a_draft_in_the_actors_organisation_whatever_program_is_sent(world, program):
    # A superscript or circled digit passes str.isdigit() but not int(): it must not reach the database (a 500).
    client = sign_in(CsrfClient(), world["case_worker"])
    response = client.post_form("/cases/new/", {"program": program, "given_name": "Drafty", "save_draft": "1"})
    assert response.status_code == 302
    assert IntakeDraft.objects.get().organisation == world.alice_org


@pytest.mark.parametrize("need", [Capability.ERASE_PEOPLE, Capability.MANAGE_CASE_TEAM, Capability.RELAY_MESSAGES])
def test_it_refuses_to_look_up_a_person_for_a_need_it_cannot_check(world, need):
    # The CoSA volunteer sees the responsible person, but may do none of these: a lookup that quietly ignored the
    # need would hand them the person as if it had been checked.
    responsible = alice_case(world).participants.get(role="responsible").person
    assert person_get_for(world["cosa_volunteer"], responsible.pk) == responsible
    with pytest.raises(ValueError, match="need"):
        person_get_for(world["cosa_volunteer"], responsible.pk, need=need)


# --- query shapes kept for the process -----------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
KEPT_BY = {"cache", "lru_cache"}


def _kept(decorator: ast.expr) -> bool:
    called = decorator.func if isinstance(decorator, ast.Call) else decorator
    return ast.unparse(called).split(".")[-1] in KEPT_BY


def query_shapes_kept_for_the_process() -> list[tuple[str, str]]:
    """``(module, function)`` for each function of ``reparo`` kept with ``functools.cache`` or ``lru_cache`` that
    answers a query (its return annotation names ``QuerySet``): a query built once per process and handed to every
    request after that, which filters it (a new query) and must never run it itself."""
    found = []
    for path in sorted((ROOT / "reparo").rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for node in ast.parse(path.read_text(), str(path)).body:
            if not isinstance(node, ast.FunctionDef) or node.returns is None:
                continue
            if "QuerySet" in ast.unparse(node.returns) and any(_kept(d) for d in node.decorator_list):
                found.append((".".join(path.relative_to(ROOT).with_suffix("").parts), node.name))
    return found


@pytest.fixture
def handed_out(monkeypatch) -> list[tuple[str, Any]]:
    """Every query a kept function hands out from now on, with the function's name (each kept function is wrapped
    wherever a module of ``reparo`` holds it: calls still go through its cache)."""
    given: list[tuple[str, Any]] = []
    for module_name, name in query_shapes_kept_for_the_process():
        kept = getattr(importlib.import_module(module_name), name)

        def recording(*args: Any, _kept: Any = kept, _name: str = name, **kwargs: Any) -> Any:
            shape = _kept(*args, **kwargs)
            given.append((_name, shape))
            return shape

        for module in list(sys.modules.values()):
            if (module.__name__ or "").startswith("reparo") and getattr(module, name, None) is kept:
                monkeypatch.setattr(module, name, recording)
    return given


def test_it_finds_the_query_shapes_kept_for_the_process():
    names = {name for _module, name in query_shapes_kept_for_the_process()}
    assert {"_listed_in", "brief"} <= names


def test_it_never_runs_a_query_kept_for_the_process_so_no_rows_outlive_a_request(world, handed_out):
    # A query kept for the process and run once would keep its rows: the next request, whoever makes it, would be
    # answered from them. Two people of two organisations each use the case list, a case page and the case lookup.
    _rows_slice.cache_clear()
    alices = alice_case(world, survivor_name=("Amara", "Alicecase"))
    charlie_program = Program.objects.create(organisation=world.charlie_org, name="Charlie program")
    charlies = open_case(actor=world.charlie, program=charlie_program, survivor_name=("Cora", "Charliecase"))
    for user, own, other in ((world["coordinator"], alices, charlies), (world.charlie, charlies, alices)):
        client = sign_in(CsrfClient(), user)
        listed = client.get("/cases/").content.decode()
        assert own.reference in listed and other.reference not in listed
        page = client.get(f"/cases/{own.pk}/")
        assert page.status_code == 200 and own.reference in page.content.decode()
        assert client.get(f"/cases/{other.pk}/").status_code == 404
        assert case_get_for(user, own.pk) == own
        with pytest.raises(Http404):
            case_get_for(user, other.pk)
    # The case list, page and lookup were answered through the kept queries (else this test checks nothing)...
    assert _rows_slice.cache_info().currsize >= 2  # each organisation's list, through its prepared query
    compiled = [query for query in every_prepared() if query.compiled_on()]
    for prepared in (_participants_read, _processes_read, _referrals_read, _case_of((alices.organisation_id,))):
        assert prepared in compiled
    # ...and not one of them holds rows.
    assert [name for name, shape in handed_out if shape._result_cache is not None] == []
    assert [query for query in every_prepared() if query.holds_rows()] == []


def test_it_pages_the_list_through_prepared_queries_as_the_queryset_pages_it(world):
    from reparo.cases.selectors import case_list, case_list_page
    from reparo.core.pagination import page_of

    cases = [alice_case(world) for _ in range(4)]
    other = Program.objects.create(organisation=world.alice_org, name="Second program")
    moved = cases[0]
    moved.program = other
    moved.save(update_fields=["program"])
    coordinator = world["coordinator"]
    for filters in ({}, {"program": other.pk}, {"status": cases[1].status}, {"program": other.pk, "status": "closed"}):
        for number in ("1", "2", "3", "x", "999"):
            got = case_list_page(coordinator, number=number, per_page=2, **filters)
            rows = case_list(coordinator, as_rows=True, **filters)
            expected = page_of(rows, 2, number, count=rows.count())
            assert (list(got.object_list), got.number, got.paginator.count) == (
                list(expected.object_list),
                expected.number,
                expected.paginator.count,
            ), (filters, number)
    assert case_list_page(world.charlie, number="1", per_page=25).object_list == []


def test_it_pages_the_list_as_the_queryset_does_for_every_kind_of_actor(world):
    from reparo.accounts.models import Membership, Role
    from reparo.cases.models import CaseStatus, CaseTeamMember, TeamRole
    from reparo.cases.selectors import case_list, case_list_page, case_list_total
    from reparo.core.pagination import page_of
    from reparo.organisations.models import Program
    from tests.cases.factories import open_case
    from tests.conftest import make_user

    cases = [alice_case(world) for _ in range(5)]
    second = Program.objects.create(organisation=world.alice_org, name="Second program")
    cases[0].program = second
    cases[0].save(update_fields=["program"])
    charlie_program = Program.objects.create(organisation=world.charlie_org, name="Charlie program")
    charlies = [open_case(actor=world.charlie, program=charlie_program) for _ in range(3)]
    # Mixed: sees every case of Charlie's organisation, and one of Alice's through a team role there.
    mixed = make_user("mixed@example.org")
    Membership.objects.create(user=mixed, organisation=world.charlie_org, role=Role.COORDINATOR)
    Membership.objects.create(user=mixed, organisation=world.alice_org, role=Role.CASE_WORKER)
    CaseTeamMember.objects.create(case=cases[2], user=mixed, role=TeamRole.CASE_WORKER)
    # Two organisations seen in full.
    both = make_user("both@example.org")
    Membership.objects.create(user=both, organisation=world.charlie_org, role=Role.COORDINATOR)
    Membership.objects.create(user=both, organisation=world.alice_org, role=Role.COORDINATOR)
    inactive = make_user("inactive@example.org")
    Membership.objects.create(user=inactive, organisation=world.alice_org, role=Role.COORDINATOR)
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])
    actors = [*world.users.values(), world.charlie, mixed, both, inactive]
    filterings = [
        {},
        {"program": world.program.pk},
        {"program": second.pk},
        {"program": charlie_program.pk},
        {"status": cases[1].status},
        {"status": CaseStatus.CLOSED},
        {"program": world.program.pk, "status": cases[1].status},
    ]
    assert len(charlies) == 3
    for actor in actors:
        for filters in filterings:
            for per_page in (2, 3):
                for number in ("1", "2", "3", "4", "x", "-1", "999", None):
                    got = case_list_page(actor, number=number, per_page=per_page, **filters)
                    rows = case_list(actor, as_rows=True, **filters)
                    total = case_list_total(actor, rows, **filters)
                    expected = page_of(rows, per_page, number, count=total)
                    assert (list(got.object_list), got.number, got.paginator.count) == (
                        list(expected.object_list),
                        expected.number,
                        expected.paginator.count,
                    ), (actor, filters, per_page, number)
                    assert expected.paginator.count == rows.count(), (actor, filters)
