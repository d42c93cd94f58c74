"""The case list's total comes from a tally kept by database triggers: it must equal counting, for every write
path and every viewer, and the list and case page must show the same things they did before it."""

import datetime
import io

import pytest
from django import forms
from django.db import connection
from django.db.models import Count
from django.test import SimpleTestCase
from django.test.utils import CaptureQueriesContext

from reparo.accounts.models import Membership, Role
from reparo.cases import selectors, services
from reparo.cases.models import Case, CaseTally, CaseTeamMember, Task, TeamRole
from reparo.core import context
from reparo.core.pagination import page_of
from reparo.core.widgets import LeanSelect
from reparo.organisations.models import Program
from tests.cases.factories import alice_case, open_case
from tests.conftest import CsrfClient, make_user, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def assert_html_equal():
    return SimpleTestCase().assertHTMLEqual


def tally() -> dict[tuple[int, int, str], int]:
    return {(t.organisation_id, t.program_id, t.status): t.cases for t in CaseTally.objects.filter(cases__gt=0)}


def counted() -> dict[tuple[int, int, str], int]:
    rows = Case.objects.values_list("organisation_id", "program_id", "status").annotate(n=Count("id")).order_by()
    return {(org, program, status): n for org, program, status, n in rows}


def test_the_tally_follows_every_way_a_case_is_written(world):
    second = Program.objects.create(organisation=world.alice_org, name="Circles")
    elsewhere = Program.objects.create(organisation=world.charlie_org, name="Charlie program")
    a = open_case(actor=world["coordinator"], program=world.program)
    b = open_case(actor=world["coordinator"], program=world.program)
    c = open_case(actor=world["coordinator"], program=second)
    open_case(actor=world.charlie, program=elsewhere)
    assert tally() == counted() != {}

    services.case_transition(actor=world["coordinator"], case=a, to_status="intake")  # through the service
    Case.objects.filter(pk=b.pk).update(status="withdrawn")  # a bulk update
    b.refresh_from_db()
    b.summary = "saved again with the same status"
    b.save()  # a save that changes no counted column
    Case.objects.filter(pk=c.pk).update(program=world.program)  # moved to another program
    with connection.cursor() as cursor:  # a raw write
        cursor.execute(
            "UPDATE cases_case SET status = %s WHERE id = %s",
            ["closed", a.pk.hex if connection.vendor == "sqlite" else a.pk],
        )
    assert tally() == counted()
    assert tally()[(world.alice_org.pk, world.program.pk, "closed")] == 1

    Case.objects.filter(pk=c.pk).delete()
    assert tally() == counted()
    assert sum(tally().values()) == Case.objects.count() == 3


def _mixed_user(world):
    """A coordinator in Alice's organisation who is also a case worker on one of Charlie's cases."""
    user = make_user("mixed@alice.example")
    Membership.objects.create(user=user, organisation=world.alice_org, role=Role.COORDINATOR)
    Membership.objects.create(user=user, organisation=world.charlie_org, role=Role.CASE_WORKER)
    return user


def test_the_list_total_equals_counting_for_every_viewer_and_filter(world):
    second = Program.objects.create(organisation=world.alice_org, name="Circles")
    elsewhere = Program.objects.create(organisation=world.charlie_org, name="Charlie program")
    cases = [alice_case(world) for _ in range(3)] + [open_case(actor=world["coordinator"], program=second)]
    services.case_transition(actor=world["coordinator"], case=cases[0], to_status="intake")
    Task.objects.create(case=cases[1], title="Call back", due_date=datetime.date(2020, 1, 1))
    charlie_cases = [open_case(actor=world.charlie, program=elsewhere) for _ in range(2)]
    mixed = _mixed_user(world)
    CaseTeamMember.objects.create(case=charlie_cases[0], user=mixed, role=TeamRole.CASE_WORKER)
    gone = make_user("gone@alice.example")
    Membership.objects.create(user=gone, organisation=world.alice_org, role=Role.COORDINATOR)
    gone.is_active = False
    gone.save()
    viewers = [world["coordinator"], world["org_admin"], world["facilitator"], world["cosa_volunteer"], world.charlie,
               mixed, gone]  # fmt: skip
    filters = [
        {},
        {"program": world.program.pk},
        {"program": second.pk},
        {"program": elsewhere.pk},
        {"status": "intake"},
        {"status": "referred", "program": world.program.pk},
        {"team_member": world["facilitator"].pk},
        {"overdue": True},
        {"search": selectors.SearchKey.from_text(cases[2].reference)},
    ]
    seen = set()
    for viewer in viewers:
        for kwargs in filters:
            token = context.bind_cache()  # each check is its own request
            try:
                listed = selectors.case_list(viewer, **kwargs)
                total = selectors.case_list_total(viewer, listed, **kwargs)
                if total is None:  # the list counts itself (a search, a team member, overdue tasks)
                    assert kwargs.keys() & {"search", "team_member", "overdue"}
                    total = page_of(listed, 2, "1").paginator.count
                assert total == listed.count(), (viewer.email, kwargs)
                seen.add(total)
            finally:
                context.reset_cache(token)
    assert {0, 1, 4, 5} <= seen  # the checks covered empty, narrowed and whole lists
    token = context.bind_cache()
    try:
        assert selectors.case_list_total(mixed, selectors.case_list(mixed)) == 5  # Alice's four and Charlie's one
        assert selectors.case_list_total(gone, selectors.case_list(gone)) == 0
    finally:
        context.reset_cache(token)


def test_the_case_list_shows_the_total_and_pages_by_it(world):
    for _ in range(12):
        alice_case(world)
    client = sign_in(CsrfClient(), world["coordinator"])
    html = client.get("/cases/", {"per_page": 10}).content.decode()
    assert "12 cases" in html and "Page 1 of 2" in html
    assert client.get("/cases/", {"per_page": 10, "page": 2}).content.decode().count('<a href="/cases/') >= 2
    charlie_html = sign_in(CsrfClient(), world.charlie).get("/cases/").content.decode()
    assert "12 cases" not in charlie_html and "There are no cases for you yet" in charlie_html


def test_the_rows_escape_what_they_show(world):
    case = alice_case(world)
    Program.objects.filter(pk=world.program.pk).update(name="<b>Dialogue</b>")
    Task.objects.create(case=case, title="Late", due_date=datetime.date(2020, 1, 2))
    html = sign_in(CsrfClient(), world["coordinator"]).get("/cases/").content.decode()
    assert "&lt;b&gt;Dialogue&lt;/b&gt;" in html and "<b>Dialogue</b>" not in html
    assert f'<a href="/cases/{case.pk}/">{case.reference}</a>' in html
    assert "2 Jan 2020" in html and '<strong class="overdue">overdue</strong>' in html
    survivor = case.participants.get(role="survivor").person
    assert survivor.display_code in html and survivor.full_name not in html


@pytest.mark.parametrize("name", ["need", "task"])
def test_the_need_and_task_forms_load_when_opened(world, name):
    case = alice_case(world)
    worker = sign_in(CsrfClient(), world["case_worker"])
    page = worker.get(f"/cases/{case.pk}/").content.decode()
    assert f"/cases/{case.pk}/forms/{name}/" in page
    assert 'name="owner"' not in page and 'name="category"' not in page  # not rendered until opened
    partial = worker.get(f"/cases/{case.pk}/forms/{name}/", headers={"HX-Request": "true"})
    assert partial.status_code == 200
    html = partial.content.decode()
    assert (
        ('name="owner"' in html and world["facilitator"].display_name in html)
        if name == "task"
        else 'name="category"' in html
    )
    assert "<html" not in html
    assert "<html" in worker.get(f"/cases/{case.pk}/forms/{name}/").content.decode()  # a page of its own without JS
    volunteer = sign_in(CsrfClient(), world["cosa_volunteer"])  # the responsible-person side only
    assert volunteer.get(f"/cases/{case.pk}/forms/{name}/").status_code == 404
    assert sign_in(CsrfClient(), world.charlie).get(f"/cases/{case.pk}/forms/{name}/").status_code == 404


@pytest.mark.parametrize("value", [None, "", "plain", 'a "quoted" <b>text</b> & more\nline two'])
def test_the_lean_select_gives_the_same_html_as_djangos(value, assert_html_equal):
    attrs = {"id": "id_x", "rows": 3, "required": True, "aria-describedby": "id_x_helptext"}
    choices = [("", "---------"), ("a", "Á <one>"), ("b&c", 'Two "2"'), (3, "Three")]
    for chosen in (value, "a", "b&c", 3):
        lean = LeanSelect(attrs, choices=choices).render("x", chosen)
        assert_html_equal(lean, forms.Select(attrs, choices=choices).render("x", chosen))


@pytest.mark.parametrize("chosen", [None, "", "a", "b&c", "3", "not offered"])
def test_shared_choices_give_the_same_html_as_djangos_and_are_escaped_once(chosen, assert_html_equal, monkeypatch):
    from reparo.core import html, widgets

    pairs = (("a", "Á <one>"), ("b&c", 'Two "2"'), (3, "Three"))
    ready = widgets.shared_choices(pairs)
    assert widgets.shared_choices(pairs) is ready, "the same tuple, kept between requests, is built once"
    assert widgets.shared_choices(tuple(pairs)) is ready  # tuple() of a tuple is that tuple
    assert widgets.shared_choices((*pairs, ("d", "Four"))) is not ready
    attrs = {"id": "id_x", "aria-describedby": "id_x_helptext"}
    expected = forms.Select(attrs, choices=[("", "---------"), *pairs]).render("x", chosen)
    assert_html_equal(LeanSelect(attrs, choices=ready).render("x", chosen), expected)
    escapes = []
    monkeypatch.setattr(html, "_escape", lambda text: escapes.append(text) or text)
    for value in (chosen, "a", None):
        LeanSelect(attrs, choices=widgets.shared_choices(pairs)).render("x", value)
    assert escapes == [], "rendered again without escaping again"


def test_a_short_first_page_needs_no_count(world):
    for _ in range(3):
        alice_case(world)
    listed = selectors.case_list(world["coordinator"])
    with CaptureQueriesContext(connection) as short:
        page = page_of(listed, 5, None)
        assert (page.paginator.count, len(page.object_list), page.has_next()) == (3, 3, False)
    with CaptureQueriesContext(connection) as full:
        page = page_of(listed, 2, "1")
        assert (page.paginator.count, len(page.object_list), page.has_next()) == (3, 2, True)
    assert ("COUNT" in str(short.captured_queries), "COUNT" in str(full.captured_queries)) == (False, True)
    assert [c.pk for c in page_of(listed, 2, "2").object_list] == [c.pk for c in listed][2:]
    assert page_of(listed, 2, "99").number == 2 and page_of(listed, 2, "x").number == 1


def test_an_operator_can_check_and_rebuild_the_tally(world):
    from django.core.management import CommandError, call_command

    alice_case(world)
    alice_case(world)
    out = io.StringIO()
    call_command("case_tally", stdout=out)
    assert "matches" in out.getvalue()
    CaseTally.objects.update(cases=7)  # as after a restore without the triggers
    with pytest.raises(CommandError, match="differs"):
        call_command("case_tally", stdout=io.StringIO())
    call_command("case_tally", "--rebuild", stdout=io.StringIO())
    assert tally() == counted() and sum(tally().values()) == 2
    call_command("case_tally", stdout=io.StringIO())


def test_a_filter_outside_the_choices_is_refused_with_a_message(world):
    import uuid

    case = alice_case(world)
    client = sign_in(CsrfClient(), world["coordinator"])
    for params in ({"team_member": str(uuid.uuid4())}, {"team_member": world.charlie.pk}, {"program": 99999}):
        html = client.get("/cases/", params).content.decode()
        assert "Select a valid choice" in html and case.reference in html  # the rest of the list still shows
    html = client.get("/cases/", {"team_member": world["facilitator"].pk}).content.decode()
    assert "Select a valid choice" not in html and case.reference in html
    assert f'<option value="{world["facilitator"].pk}" selected>' in html
