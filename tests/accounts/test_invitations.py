import io

import pytest
from django.core import mail
from django.core.management import call_command

from reparo.access import services as access_services
from reparo.accounts.models import Membership, Role, User
from reparo.audit.models import AuditEvent
from reparo.organisations.models import Organisation
from tests.conftest import CsrfClient

pytestmark = pytest.mark.django_db


def test_it_creates_the_first_admin_of_a_new_installation(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "create_organisation_admin", "--organisation", "First Org", "--email", "Boss@First.example",
            stdout=io.StringIO(),
        )  # fmt: skip
    org = Organisation.objects.get(name="First Org")
    user = User.objects.get(email="boss@first.example")
    assert Membership.objects.filter(user=user, organisation=org, role=Role.ORG_ADMIN, is_active=True).exists()
    assert not user.has_usable_password()
    assert AuditEvent.objects.filter(action="membership.added", organisation=org).exists()
    assert len(mail.outbox) == 1 and "http://127.0.0.1:8000/password-reset/" in mail.outbox[0].body


def test_it_sends_an_invited_person_a_new_link_when_the_first_has_expired(world, client):
    invited = User(email="invited@alice.example")
    invited.set_unusable_password()
    invited.save()
    Membership.objects.create(user=invited, organisation=world.alice_org, role=Role.FACILITATOR)
    client.post_form("/password-reset/", {"email": "invited@alice.example"})
    assert len(mail.outbox) == 1


def test_it_sends_nothing_to_a_deactivated_account(world, client):
    User.objects.filter(pk=world["evaluator"].pk).update(is_active=False)
    client.post_form("/password-reset/", {"email": world["evaluator"].email})
    assert mail.outbox == []


def test_it_restores_an_ended_role_instead_of_refusing(world):
    membership = Membership.objects.get(user=world["supervisor"])
    access_services.membership_end(actor=world["org_admin"], membership=membership)
    again = access_services.membership_add(
        actor=world["org_admin"], organisation=world.alice_org, email=world["supervisor"].email, role=Role.SUPERVISOR
    )
    assert again.pk == membership.pk and again.is_active
    assert AuditEvent.objects.filter(action="membership.restored").exists()


def test_it_does_not_let_a_user_sign_in_after_the_session_of_a_deactivated_user_is_reused(world):
    # deactivation through any path (not just the service) still ends the session
    client = CsrfClient()
    from tests.conftest import sign_in

    sign_in(client, world["coordinator"])
    User.objects.filter(pk=world["coordinator"].pk).update(is_active=False)
    assert client.get("/").status_code == 302
