"""Notices of changes to how an account signs in (services._security_notice, tasks.security_notice_send_task) and
the account page's "Recent security activity" (selectors.security_activity_for)."""

import pytest
from django.core import mail
from django_otp.plugins.otp_totp.models import TOTPDevice

from reparo.accounts.tasks import security_notice_send_task
from tests.conftest import PASSWORD, TOTP_KEY_HEX, CsrfClient, make_user, reauthenticated, sign_in, totp_code

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a fresh and long passphrase 58"


def change_password(world, client, user):
    reauthenticated(client).post_form(
        "/account/password/", {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )


def reset_password(world, client, user):
    client = CsrfClient()  # signed out, as someone who has forgotten it
    client.post_form("/password-reset/", {"email": user.email})
    link = next(line for line in mail.outbox[-1].body.splitlines() if "/password-reset/" in line)
    mail.outbox.clear()
    form_page = client.get("/" + link.split("://", 1)[1].split("/", 1)[1], follow=True)
    client.post_form(form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})


def add_authenticator(world, client, user):
    reauthenticated(client).get("/two-factor/set-up/")
    client.post_form("/two-factor/set-up/", {"token": totp_code(TOTPDevice.objects.get(user=user, confirmed=False))})


def remove_authenticator(world, client, user):
    TOTPDevice.objects.create(user=user, name="spare", key=TOTP_KEY_HEX[::-1], confirmed=True)
    mail.outbox.clear()  # (made directly, as if added earlier)
    device = TOTPDevice.objects.filter(user=user).order_by("id").first()
    reauthenticated(client).post_form(f"/account/authenticators/{device.pk}/remove/")


def regenerate_backup_codes(world, client, user):
    reauthenticated(client).post_form("/account/backup-codes/")


CHANGES = {
    "password changed": (change_password, "Your password was changed"),
    "password reset": (reset_password, "A new password was chosen with an e-mail link"),
    "authenticator added": (add_authenticator, "An authenticator app was added"),
    "authenticator removed": (remove_authenticator, "An authenticator app was removed"),
    "backup codes": (regenerate_backup_codes, "New backup codes were made"),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_it_sends_one_content_free_notice_for_each_change_to_how_one_signs_in(world, change):
    user = world["coordinator"]
    client = sign_in(CsrfClient(), user)
    do, _label = CHANGES[change]
    do(world, client, user)
    assert [message.to for message in mail.outbox] == [[user.email]]
    message = mail.outbox[0]
    text = (message.subject + " " + message.body).lower()
    assert "security setting" in text
    forbidden = [user.email, user.full_name, world.alice_org.name, world.program.name, "reparo", "case", "survivor"]
    forbidden += ["trafficking", "restorative", "password", "authenticator", "backup", "http"]
    for word in forbidden:
        assert word.lower() not in text, word


def test_it_words_every_notice_alike_whatever_changed(world):
    user = world["coordinator"]
    bodies = set()
    for change, (do, _label) in CHANGES.items():
        mail.outbox.clear()
        user.refresh_from_db()  # a new password ends sessions signed in with the old one
        client = sign_in(CsrfClient(), user)
        do(world, client, user)
        assert len(mail.outbox) == 1, change
        bodies |= {(m.subject, m.body) for m in mail.outbox}
    assert len(bodies) == 1


def test_it_sends_the_notice_from_the_task_queue_not_the_request(world, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    from django_tasks import default_task_backend

    user = world["evaluator"]
    client = reauthenticated(sign_in(CsrfClient(), user))
    client.post_form("/account/backup-codes/")
    assert mail.outbox == []
    queued = [(result.task.name, result.args) for result in default_task_backend.results]
    assert queued == [(security_notice_send_task.name, [[user.email], "en"])]


def test_it_sends_a_notice_only_when_the_change_is_made(world):
    newcomer = make_user("newcomer@alice.example", enrolled=False)
    client = CsrfClient()
    client.post_form("/sign-in/", {"username": newcomer.email, "password": PASSWORD})
    client.get("/two-factor/set-up/")
    device = TOTPDevice.objects.get(user=newcomer, confirmed=False)
    client.post_form("/two-factor/set-up/", {"token": "000000" if totp_code(device) != "000000" else "111111"})
    assert mail.outbox == []
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0, throttling_failure_timestamp=None)
    client.post_form("/two-factor/set-up/", {"token": totp_code(device)})
    assert [message.to for message in mail.outbox] == [[newcomer.email]]


@pytest.mark.parametrize("change", list(CHANGES))
def test_it_lists_the_change_in_plain_words_on_the_account_page(world, change):
    user = world["coordinator"]
    client = sign_in(CsrfClient(), user)
    do, label = CHANGES[change]
    do(world, client, user)
    user.refresh_from_db()
    page = sign_in(CsrfClient(), user).get("/account/").content.decode()
    assert "Recent security activity" in page
    assert label in page
    assert "auth." not in page


def test_it_shows_no_one_elses_security_activity(world):
    alice = world["coordinator"]
    regenerate_backup_codes(world, sign_in(CsrfClient(), alice), alice)
    page = sign_in(CsrfClient(), world.charlie).get("/account/").content.decode()
    assert "New backup codes were made" not in page
    assert "No changes to how you sign in yet." in page


def test_it_lists_only_the_latest_ten_changes(world):
    user = world["supervisor"]
    client = reauthenticated(sign_in(CsrfClient(), user))
    for _n in range(12):
        client.post_form("/account/backup-codes/")
    page = client.get("/account/").content.decode()
    assert page.count("New backup codes were made") == 10
