"""Access and no-lost-work rules found in review, each pinned by a test."""

import pytest
from django.core.exceptions import ValidationError

from reparo.access import services as access_services
from reparo.accounts.models import Membership, Role
from reparo.audit.models import AuditEvent
from reparo.cases import services
from reparo.cases.models import Harm, IntakeDraft, Task
from reparo.cases.services import person_erase
from tests.cases.factories import alice_case
from tests.conftest import CsrfClient, reauthenticated, sign_in

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


def test_it_does_not_show_another_organisations_trail_to_an_admin(world):
    case = alice_case(world)
    survivor = case.participants.get(role="survivor").person
    sign_in(CsrfClient(), world["case_worker"]).get(f"/people/{survivor.pk}/identity/")
    with pytest.raises(ValidationError):
        access_services.membership_add(
            actor=world.charlie, organisation=world.charlie_org, email=world["case_worker"].email, role=Role.EVALUATOR
        )
    # Even someone who really works for both organisations does not carry Alice's events to Charlie.
    Membership.objects.create(user=world["case_worker"], organisation=world.charlie_org, role=Role.EVALUATOR)
    html = sign_in(CsrfClient(), world.charlie).get("/activity/").content.decode()
    assert "person.identity_viewed" not in html and str(survivor.pk)[:8] not in html
    assert "person.identity_viewed" in sign_in(CsrfClient(), world["org_admin"]).get("/activity/").content.decode()


def test_it_hides_the_survivors_supporters_from_the_responsible_side(world):
    case = alice_case(world)
    supporter = services.participant_add(
        actor=world["coordinator"], case=case, role="supporter", given_name="Sam", address="The safe house"
    ).person
    volunteer = sign_in(CsrfClient(), world["cosa_volunteer"])
    assert volunteer.get(f"/people/{supporter.pk}/").status_code == 404
    assert volunteer.get(f"/people/{supporter.pk}/identity/").status_code == 404
    assert supporter.display_code not in volunteer.get(f"/cases/{case.pk}/responsible-side/").content.decode()


def test_it_lets_only_the_author_edit_a_note(world):
    case = alice_case(world)
    note = services.note_add(actor=world["facilitator"], case=case, body="My own words")
    other = sign_in(CsrfClient(), world["case_worker"])
    assert other.get(f"/cases/{case.pk}/notes/{note.pk}/").status_code == 404
    response = other.post_form(
        f"/cases/{case.pk}/notes/{note.pk}/", {"body": "Overwritten", "confidentiality": "team", "version": 1}
    )
    assert response.status_code == 404
    note.refresh_from_db()
    assert note.body == "My own words"
    author = sign_in(CsrfClient(), world["facilitator"])
    assert author.get(f"/cases/{case.pk}/notes/{note.pk}/").status_code == 200


@pytest.mark.parametrize(
    ("role", "team_role"),
    [("evaluator", "lead_facilitator"), ("cosa_volunteer", "case_worker"), ("case_worker", "supervisor")],
)
def test_it_refuses_a_team_role_that_does_not_fit_the_organisation_role(world, role, team_role):
    case = alice_case(world)
    with pytest.raises(ValidationError):
        services.team_member_add(actor=world["coordinator"], case=case, user=world[role], role=team_role)
    assert not case.team.filter(user=world[role], role=team_role).exists()


def test_it_keeps_every_choice_of_a_multiple_choice_in_a_draft(world):
    client = sign_in(CsrfClient(), world["case_worker"])
    client.post_form(
        "/cases/new/",
        {"program": world.program.pk, "languages": ["en", "es"], "exploitation_types": ["ForcedLabour", "Servitude"],
         "given_name": "Multi", "save_draft": "1"},
    )  # fmt: skip
    draft = IntakeDraft.objects.get()
    assert draft.organisation == world.alice_org
    page = client.get(f"/cases/new/?draft={draft.pk}").content.decode()
    assert page.count("checked") >= 2
    assert 'value="en" selected' in page and 'value="es" selected' in page


def test_it_refuses_an_empty_harm(world):
    case = alice_case(world)
    before = Harm.objects.count()
    with pytest.raises(ValidationError):
        services.harm_add(actor=world["facilitator"], case=case)
    client = sign_in(CsrfClient(), world["facilitator"])
    client.post_form(f"/cases/{case.pk}/harms/", {})
    assert Harm.objects.count() == before


def test_it_asks_for_a_review_of_free_text_after_erasure(world):
    case = alice_case(world, survivor_name=("Erin", "Erased"))
    survivor = case.participants.get(role="survivor").person
    person_erase(actor=world["org_admin"], person=survivor)
    task = Task.objects.get(case=case)
    assert survivor.display_code in task.title and "Erased" not in task.title


def test_it_answers_not_found_when_a_volunteer_tries_to_move_the_case(world):
    case = alice_case(world)
    client = sign_in(CsrfClient(), world["cosa_volunteer"])
    assert client.post_form(f"/cases/{case.pk}/status/", {"to_status": "intake"}).status_code == 404


def test_it_ends_other_sessions_and_audits_a_password_change(world):
    user = world["coordinator"]
    here, elsewhere = reauthenticated(sign_in(CsrfClient(), user)), sign_in(CsrfClient(), user)
    new = "another long passphrase 77"
    response = here.post_form("/account/password/", {"new_password1": new, "new_password2": new})
    assert response.status_code == 302
    assert here.get("/").status_code == 200
    assert elsewhere.get("/").status_code == 302
    assert AuditEvent.objects.filter(action="auth.password_changed", actor=user).exists()
