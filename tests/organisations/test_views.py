import re

import pytest
from django.core import mail
from django.test import override_settings

from reparo.access.capabilities import ROLE_CAPABILITIES, roles_to_give
from reparo.accounts.models import Membership, Role, User
from reparo.audit.models import AuditEvent
from reparo.demo.seed import seed_demo
from reparo.organisations.models import Organisation, Program
from tests.conftest import CsrfClient, sign_in

pytestmark = pytest.mark.django_db


def test_it_shows_each_member_their_own_organisations_only(world):
    page = sign_in(CsrfClient(), world["facilitator"]).get("/organisations/").content.decode()
    assert world.alice_org.name in page and "Dialogue program" in page
    assert world.charlie_org.name not in page


def test_it_answers_not_found_for_another_organisations_page(world):
    charlie = sign_in(CsrfClient(), world.charlie)
    assert charlie.get(f"/organisations/{world.alice_org.pk}/").status_code == 404
    assert charlie.get("/organisations/987654/").status_code == 404
    response = charlie.post_form(
        f"/organisations/{world.alice_org.pk}/members/add/", {"email": "x@x.example", "role": Role.FACILITATOR}
    )
    assert response.status_code == 404
    assert not User.objects.filter(email="x@x.example").exists()


@pytest.mark.parametrize("role", [r for r in Role.values if r not in (Role.ORG_ADMIN, Role.PARTNER_LIAISON)])
def test_it_shows_members_and_member_actions_to_admins_only(world, role):
    client = sign_in(CsrfClient(), world[role])
    page = client.get(f"/organisations/{world.alice_org.pk}/").content.decode()
    assert world["org_admin"].email not in page
    response = client.post_form(
        f"/organisations/{world.alice_org.pk}/members/add/", {"email": "y@alice.example", "role": Role.FACILITATOR}
    )
    assert response.status_code == 404
    target = world["evaluator"] if role != Role.EVALUATOR else world["coordinator"]
    response = client.post_form(f"/organisations/{world.alice_org.pk}/people/{target.pk}/deactivate/")
    assert response.status_code == 404
    target.refresh_from_db()
    assert target.is_active


def test_it_lets_an_admin_add_a_person_who_then_gets_a_discreet_e_mail(world, django_capture_on_commit_callbacks):
    admin = sign_in(CsrfClient(), world["org_admin"])
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post_form(
            f"/organisations/{world.alice_org.pk}/members/add/",
            {"email": "New.Person@Alice.example", "full_name": "New Person", "role": Role.CASE_WORKER},
        )
    assert response.status_code == 302
    membership = Membership.objects.get(user__email="new.person@alice.example")
    assert membership.role == Role.CASE_WORKER and membership.organisation == world.alice_org
    assert not membership.user.has_usable_password()
    assert AuditEvent.objects.filter(action="membership.added", object_id=str(membership.pk)).exists()
    assert len(mail.outbox) == 1
    assert "New Person" not in mail.outbox[0].body and "trafficking" not in mail.outbox[0].body.lower()


def test_it_explains_a_refused_addition_and_keeps_the_input(world):
    admin = sign_in(CsrfClient(), world["org_admin"])
    response = admin.post_form(
        f"/organisations/{world.alice_org.pk}/members/add/", {"email": "not-an-address", "role": Role.CASE_WORKER}
    )
    assert response.status_code == 400
    assert "valid email" in response.content.decode().lower()
    assert 'value="not-an-address"' in response.content.decode()
    response = admin.post_form(
        f"/organisations/{world.alice_org.pk}/members/add/",
        {"email": world["facilitator"].email, "role": Role.FACILITATOR},
    )
    assert response.status_code == 400 and "already has that role" in response.content.decode()


def test_it_does_not_let_an_admin_deactivate_someone_who_also_works_elsewhere(world):
    shared = world["evaluator"]
    Membership.objects.create(user=shared, organisation=world.charlie_org, role=Role.EVALUATOR)
    admin = sign_in(CsrfClient(), world["org_admin"])
    admin.post_form(f"/organisations/{world.alice_org.pk}/people/{shared.pk}/deactivate/")
    shared.refresh_from_db()
    assert shared.is_active


def test_it_ends_a_role_without_deleting_anything(world):
    admin = sign_in(CsrfClient(), world["org_admin"])
    membership = Membership.objects.get(user=world["supervisor"])
    assert admin.post_form(f"/organisations/{world.alice_org.pk}/members/{membership.pk}/end/").status_code == 302
    membership.refresh_from_db()
    assert not membership.is_active
    assert AuditEvent.objects.filter(action="membership.ended", object_id=str(membership.pk)).exists()


def test_it_shows_navigation_by_role(world):
    admin_page = sign_in(CsrfClient(), world["org_admin"]).get("/").content.decode()
    volunteer_page = sign_in(CsrfClient(), world["cosa_volunteer"]).get("/").content.decode()
    assert 'href="/activity/"' in admin_page
    assert 'href="/activity/"' not in volunteer_page
    assert 'href="/account/"' in volunteer_page


@override_settings(DEVELOPMENT=True)
def test_it_seeds_demo_data_idempotently():
    first = seed_demo()
    counts = (User.objects.count(), Organisation.objects.count(), Program.objects.count(), Membership.objects.count())
    second = seed_demo()
    again = (User.objects.count(), Organisation.objects.count(), Program.objects.count(), Membership.objects.count())
    assert counts == again == (13, 4, 2, 12)  # nine staff, the portal participant, two more support volunteers
    assert {login.email for login in first} == {login.email for login in second}
    assert {m.role for m in Membership.objects.all()} == set(Role.values)
    assert Organisation.objects.filter(kind="partner").count() == 3


@override_settings(DEVELOPMENT=True)
def test_it_lets_a_demo_user_sign_in_with_the_printed_secret():
    login = next(item for item in seed_demo() if item.role == "Coordinator")
    client = CsrfClient()
    client.post_form("/sign-in/", {"username": login.email, "password": "reparo-demo-2026"})
    assert client.post_form("/two-factor/", {"token": login.current_code()})["Location"] == "/"


@override_settings(DEVELOPMENT=False)
def test_it_refuses_demo_data_outside_development():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        seed_demo()
    assert not User.objects.exists()


def test_adding_a_person_has_no_role_chosen_in_advance(world):
    admin = sign_in(CsrfClient(), world["org_admin"])
    html = admin.get(f"/organisations/{world.alice_org.pk}/").content.decode()
    assert '<option value="" selected>Choose a role</option>' in html
    assert '<option value="org_admin" selected>' not in html
    response = admin.post_form(f"/organisations/{world.alice_org.pk}/members/add/", {"email": "new@alice.example"})
    assert response.status_code == 400
    assert not User.objects.filter(email="new@alice.example").exists()


def test_it_offers_exactly_the_roles_the_access_module_gives(world):
    admin = sign_in(CsrfClient(), world["org_admin"])
    html = admin.get(f"/organisations/{world.alice_org.pk}/").content.decode()
    select = re.search(r'<select name="role"[^>]*>(.*?)</select>', html, re.S)
    assert select is not None
    offered = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select.group(1))
    assert offered == [("", "Choose a role"), *((code, str(label)) for code, label in roles_to_give())]
    # Every role the capability table grants something, in the order and with the names they are declared with.
    assert roles_to_give() == Role.choices
    assert {code for code, _label in roles_to_give()} == set(ROLE_CAPABILITIES)


def test_it_refuses_a_role_the_access_module_does_not_give(world, monkeypatch):
    admin = sign_in(CsrfClient(), world["org_admin"])
    url = f"/organisations/{world.alice_org.pk}/members/add/"
    response = admin.post_form(url, {"email": "made.up@alice.example", "role": "superuser"})
    assert response.status_code == 400
    # Nor does the service take one the access module stops giving, whatever a form sends.
    from reparo.access import services as access_services

    monkeypatch.setattr(access_services, "roles_to_give", lambda: [(Role.FACILITATOR, "Facilitator")])
    response = admin.post_form(url, {"email": "made.up@alice.example", "role": Role.EVALUATOR})
    assert response.status_code == 400 and "Choose a role from the list" in response.content.decode()
    assert not User.objects.filter(email="made.up@alice.example").exists()


def test_the_member_list_shows_names_beside_addresses(world):
    html = sign_in(CsrfClient(), world["org_admin"]).get(f"/organisations/{world.alice_org.pk}/").content.decode()
    facilitator = world["facilitator"]
    assert f"<td>{facilitator.display_name}</td>" in html and f"<td>{facilitator.email}</td>" in html
