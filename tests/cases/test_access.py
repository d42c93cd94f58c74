"""The access matrix: every role and the outsider, against every case URL, for a case they are on, a case of
their organisation they are not on, and a case of another organisation."""

import pytest

from reparo.accounts.models import Membership, Role
from reparo.cases.models import Note, ParticipantRole, Task, TeamRole
from reparo.organisations.models import Program
from tests.cases.factories import alice_case, open_case
from tests.conftest import CsrfClient, make_user, sign_in

pytestmark = pytest.mark.django_db

SEES_ALL = {Role.ORG_ADMIN, Role.COORDINATOR}
ON_TEAM = {Role.FACILITATOR, Role.CASE_WORKER, Role.SUPERVISOR}


@pytest.fixture
def cases(world):
    own = alice_case(world, survivor_name=("Amara", "Owncase"))
    same_org = open_case(actor=world["coordinator"], program=world.program, survivor_name=("Bea", "Sameorg"))
    other_program = Program.objects.create(organisation=world.charlie_org, name="Charlie program")
    charlie_admin = world.charlie
    Membership.objects.create(user=charlie_admin, organisation=world.charlie_org, role=Role.COORDINATOR)
    other_org = open_case(actor=charlie_admin, program=other_program, survivor_name=("Cora", "Otherorg"))
    return {"own": own, "same_org": same_org, "other_org": other_org}


def expected(role, which):
    """True: the page is shown; False: 404 (never 403)."""
    if which == "other_org":
        return False
    if role in SEES_ALL:
        return True
    return bool(which == "own" and role in ON_TEAM | {Role.COSA_VOLUNTEER})


ROLES = [*Role.values, "outsider"]
WHICH = ["own", "same_org", "other_org"]


def user_for(world, role):
    return world.charlie if role == "outsider" else world[role]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("which", WHICH)
def test_it_shows_or_hides_the_case_page(world, cases, role, which):
    which_expected = which == "other_org" if role == "outsider" else expected(role, which)
    case = cases[which]
    client = sign_in(CsrfClient(), user_for(world, role))
    response = client.get(f"/cases/{case.pk}/", follow=True)
    if which_expected:
        assert response.status_code == 200
        assert case.reference in response.content.decode()
    else:
        assert response.status_code == 404
        html = response.content.decode()
        assert case.reference not in html
        assert "Owncase" not in html and "Sameorg" not in html and "Otherorg" not in html


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("which", WHICH)
def test_it_guards_every_case_url(world, cases, role, which):
    case = cases[which]
    allowed = (which == "other_org") if role == "outsider" else expected(role, which)
    works = allowed and role != Role.COSA_VOLUNTEER  # the responsible-side volunteer reads, never writes
    client = sign_in(CsrfClient(), user_for(world, role))
    notes_before, tasks_before = Note.objects.count(), Task.objects.count()

    # The responsible-side volunteer is sent to that side's page (and its timeline), as from the case page.
    assert client.get(f"/cases/{case.pk}/timeline/", follow=True).status_code == (200 if allowed else 404)
    assert client.get(f"/cases/{case.pk}/edit/").status_code == (200 if works else 404)
    note = client.post_form(f"/cases/{case.pk}/notes/", {"body": "A note", "confidentiality": "team"})
    task = client.post_form(f"/cases/{case.pk}/tasks/", {"title": "A task"})
    assert note.status_code == (302 if works else 404)
    assert task.status_code == (302 if works else 404)
    assert Note.objects.count() == notes_before + (1 if works else 0)
    assert Task.objects.count() == tasks_before + (1 if works else 0)


@pytest.mark.parametrize("role", ROLES)
def test_it_lists_only_the_cases_a_role_may_see(world, cases, role):
    client = sign_in(CsrfClient(), user_for(world, role))
    html = client.get("/cases/").content.decode()
    for which, case in cases.items():
        visible = (which == "other_org") if role == "outsider" else expected(role, which)
        assert (case.reference in html) is visible, (role, which)


def test_it_answers_not_found_for_a_case_that_does_not_exist(world):
    client = sign_in(CsrfClient(), world["org_admin"])
    assert client.get("/cases/00000000-0000-0000-0000-000000000000/").status_code == 404


def test_it_sends_the_responsible_side_volunteer_to_the_responsible_side(world, cases):
    client = sign_in(CsrfClient(), world["cosa_volunteer"])
    response = client.get(f"/cases/{cases['own'].pk}/")
    assert response.status_code == 302 and response["Location"].endswith("/responsible-side/")


def test_it_never_shows_the_survivor_on_the_responsible_side(world, cases):
    case = cases["own"]
    survivor = case.participants.get(role="survivor").person
    for role in (Role.COSA_VOLUNTEER, Role.FACILITATOR, Role.ORG_ADMIN):
        client = sign_in(CsrfClient(), world[role])
        html = client.get(f"/cases/{case.pk}/responsible-side/").content.decode()
        for secret in (
            survivor.given_name,
            survivor.family_name,
            survivor.phone,
            survivor.email,
            "Hidden Street",
            survivor.display_code,
        ):
            assert secret not in html, (role, secret)
        assert case.participants.get(role="responsible").person.display_code in html


def test_it_hides_the_survivor_person_page_from_the_responsible_side(world, cases):
    case = cases["own"]
    survivor = case.participants.get(role="survivor").person
    responsible = case.participants.get(role="responsible").person
    client = sign_in(CsrfClient(), world["cosa_volunteer"])
    assert client.get(f"/people/{survivor.pk}/").status_code == 404
    assert client.get(f"/people/{survivor.pk}/identity/").status_code == 404
    assert client.get(f"/people/{responsible.pk}/").status_code == 200


def test_it_keeps_supervisor_notes_from_the_rest_of_the_team(world, cases):
    case = cases["own"]
    sign_in(CsrfClient(), world["supervisor"]).post_form(
        f"/cases/{case.pk}/notes/", {"body": "Supervision reflection xyz", "confidentiality": "supervisors"}
    )
    assert (
        "Supervision reflection xyz"
        in sign_in(CsrfClient(), world["org_admin"]).get(f"/cases/{case.pk}/").content.decode()
    )
    for role in (Role.FACILITATOR, Role.CASE_WORKER, Role.COORDINATOR):
        html = sign_in(CsrfClient(), world[role]).get(f"/cases/{case.pk}/").content.decode()
        assert "Supervision reflection xyz" not in html, role


def test_it_lets_only_coordinators_and_admins_change_the_team(world, cases):
    case = cases["own"]
    newcomer = make_user("newcomer@alice.example")
    Membership.objects.create(user=newcomer, organisation=world.alice_org, role=Role.FACILITATOR)
    lead = sign_in(CsrfClient(), world["facilitator"])
    assert lead.post_form(f"/cases/{case.pk}/team/", {"user": newcomer.pk, "role": "co_facilitator"}).status_code == 404
    coordinator = sign_in(CsrfClient(), world["coordinator"])
    coordinator.post_form(f"/cases/{case.pk}/team/", {"user": newcomer.pk, "role": "co_facilitator"})
    assert case.team.filter(user=newcomer, role=TeamRole.CO_FACILITATOR).exists()
    assert sign_in(CsrfClient(), newcomer).get(f"/cases/{case.pk}/").status_code == 200


def test_it_refuses_a_team_member_from_another_organisation(world, cases):
    case = cases["own"]
    coordinator = sign_in(CsrfClient(), world["coordinator"])
    coordinator.post_form(f"/cases/{case.pk}/team/", {"user": world.charlie.pk, "role": "co_facilitator"})
    assert not case.team.filter(user=world.charlie).exists()


def test_it_shows_a_withdrawal_only_as_closed_on_the_responsible_side(world, cases):
    from reparo.cases.services import case_transition

    case = cases["own"]
    case_transition(actor=world["coordinator"], case=case, to_status="withdrawn", reason="Survivor moved to Leeds")
    for role in (Role.COSA_VOLUNTEER, Role.COORDINATOR):
        client = sign_in(CsrfClient(), world[role])
        html = client.get(f"/cases/{case.pk}/responsible-side/").content.decode()
        assert "Withdrawn" not in html and "Leeds" not in html, role
        assert "Closed" in html, role
    # The full case, for those who may see it, still says what happened.
    full = sign_in(CsrfClient(), world["coordinator"]).get(f"/cases/{case.pk}/").content.decode()
    assert "Withdrawn" in full


def test_it_shows_the_responsible_side_the_neutral_timeline_when_it_asks_for_the_timeline_alone(world, cases):
    """The case page's timeline panel (loaded on its own by htmx) says no more than the responsible-side page."""
    from reparo.cases.services import case_transition

    case = cases["own"]
    case_transition(actor=world["coordinator"], case=case, to_status="withdrawn", reason="Survivor moved to Leeds")
    volunteer = sign_in(CsrfClient(), world[Role.COSA_VOLUNTEER])
    html = volunteer.get(f"/cases/{case.pk}/timeline/", headers={"HX-Request": "true"}).content.decode()
    assert "Closed" in html
    assert "Withdrawn" not in html and "Leeds" not in html
    assert world["coordinator"].email not in html  # never who ended it
    coordinator = sign_in(CsrfClient(), world["coordinator"])
    full = coordinator.get(f"/cases/{case.pk}/timeline/", headers={"HX-Request": "true"}).content.decode()
    assert "Withdrawn" in full


def test_it_never_shows_the_responsible_side_the_survivors_timeline_as_a_page(world, cases):
    """The timeline's own page, asked for by the responsible-side volunteer, is that side's page: no survivor, no
    reasons, no notes, no names (as the case page sends them there)."""
    from reparo.cases.services import case_transition, note_add

    case = cases["own"]
    survivor = case.participants.get(role=ParticipantRole.SURVIVOR).person
    case_transition(actor=world["coordinator"], case=case, to_status="intake", reason="Survivor met in Leeds")
    note_add(actor=world["facilitator"], case=case, body="Her sister is helping")
    full = sign_in(CsrfClient(), world["coordinator"]).get(f"/cases/{case.pk}/timeline/").content.decode()
    assert survivor.display_code in full and "Leeds" in full and "Case team" in full  # the team sees them
    volunteer = sign_in(CsrfClient(), world[Role.COSA_VOLUNTEER])
    response = volunteer.get(f"/cases/{case.pk}/timeline/")
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{case.pk}/responsible-side/#timeline"
    for answer in (volunteer.get(f"/cases/{case.pk}/timeline/", follow=True),
                   volunteer.get(f"/cases/{case.pk}/timeline/", headers={"HX-Request": "true"})):  # fmt: skip
        html = answer.content.decode()
        assert answer.status_code == 200 and 'class="timeline"' in html
        assert survivor.display_code not in html and "Survivor" not in html and "Leeds" not in html
        assert "Case team" not in html  # no note entries
        assert world["coordinator"].display_name not in html and world["facilitator"].display_name not in html
