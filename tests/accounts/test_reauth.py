"""Re-authentication before a change to how an account signs in (views.reauthenticate and the views it guards)."""

import time

import pytest
from django.contrib.auth import SESSION_KEY
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from reparo.accounts.services import REAUTH_AT_KEY
from reparo.audit.models import AuditEvent
from tests.conftest import PASSWORD, TOTP_KEY_HEX, CsrfClient, reauthenticated, sign_in, totp_code

pytestmark = pytest.mark.django_db

CONFIRM = "/account/confirm/"


def confirm(client, password=PASSWORD, token=None, next_url="", ip="127.0.0.1", user=None):
    if token is None:
        token = totp_code(TOTPDevice.objects.filter(user=user).order_by("id").first())
    return client.post_form(CONFIRM, {"password": password, "token": token, "next": next_url}, REMOTE_ADDR=ip)


def unthrottle(user):
    """django-otp pauses a device for a second after a wrong code; a test that goes straight on lifts the pause."""
    TOTPDevice.objects.filter(user=user).update(throttling_failure_count=0, throttling_failure_timestamp=None)


def backup_codes(user):
    return set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))


def test_it_asks_to_confirm_before_making_new_backup_codes(world):
    user = world["coordinator"]
    client = sign_in(CsrfClient(), user)
    before = backup_codes(user)
    response = client.post_form("/account/backup-codes/")
    assert response.status_code == 302
    assert response["Location"] == "/account/confirm/?next=%2Faccount%2Fbackup-codes%2F"
    assert backup_codes(user) == before


def test_it_confirms_with_password_and_code_then_goes_on_to_the_change(world):
    user = world["coordinator"]
    client = sign_in(CsrfClient(), user)
    page = client.get(CONFIRM + "?next=/account/backup-codes/")
    assert page.status_code == 200 and 'name="password"' in page.content.decode()
    response = confirm(client, user=user, next_url="/account/backup-codes/")
    assert response.status_code == 302 and response["Location"] == "/account/backup-codes/"
    assert client.get("/account/backup-codes/").status_code == 200  # the page that asks "make new codes?"
    before = backup_codes(user)
    response = client.post_form("/account/backup-codes/")
    assert response.status_code == 200
    after = backup_codes(user)
    assert len(after) == 10 and not (after & before)
    assert all(code.encode() in response.content for code in after)
    assert AuditEvent.objects.filter(actor=user, action="auth.reauth.verified").exists()


def test_it_accepts_a_backup_code_to_confirm_and_uses_it_up(world):
    user = world["facilitator"]
    client = sign_in(CsrfClient(), user)
    assert confirm(client, token="backup01")["Location"] == "/account/"
    assert "backup01" not in backup_codes(user)
    other = sign_in(CsrfClient(), user)
    assert confirm(other, token="backup01").status_code == 200
    assert REAUTH_AT_KEY not in other.session


def test_it_refuses_a_wrong_password_even_with_the_right_code_and_keeps_the_code(world):
    user = world["case_worker"]
    client = sign_in(CsrfClient(), user)
    code = totp_code(TOTPDevice.objects.get(user=user))
    response = confirm(client, password="not my password at all", token=code, next_url="/account/password/")
    assert response.status_code == 200
    assert "That did not work" in response.content.decode()
    assert REAUTH_AT_KEY not in client.session
    assert client.get("/account/password/").status_code == 302
    # The code was not checked, so not used up: with the right password it still works.
    assert confirm(client, token=code)["Location"] == "/account/"
    assert AuditEvent.objects.filter(actor=user, action="auth.reauth.failed", detail__step="password").exists()


def test_it_refuses_the_right_password_with_a_wrong_code(world):
    user = world["case_worker"]
    client = sign_in(CsrfClient(), user)
    right = totp_code(TOTPDevice.objects.get(user=user))
    response = confirm(client, token="000000" if right != "000000" else "111111")
    assert response.status_code == 200 and REAUTH_AT_KEY not in client.session
    assert AuditEvent.objects.filter(actor=user, action="auth.reauth.failed", detail__step="code").exists()


def test_it_asks_again_after_five_minutes(world):
    user = world["supervisor"]
    client = reauthenticated(sign_in(CsrfClient(), user))
    assert client.get("/account/password/").status_code == 200
    session = client.session
    session[REAUTH_AT_KEY] = time.time() - 5 * 60 - 1
    session.save()
    response = client.get("/account/password/")
    assert response.status_code == 302 and response["Location"].startswith(CONFIRM)


def test_it_counts_failed_confirmations_towards_lock_out(world):
    user = world["evaluator"]
    client = sign_in(CsrfClient(), user)
    right = totp_code(TOTPDevice.objects.get(user=user))
    wrong_code = "000000" if right != "000000" else "111111"
    for n in range(4):
        attempt = (
            confirm(client, token=wrong_code) if n % 2 else confirm(client, password="wrong password", token=right)
        )
        assert attempt.status_code == 200
    assert confirm(client, password="wrong password", token=right).status_code == 429
    unthrottle(user)
    assert confirm(client, token=right).status_code == 429  # locked: even the right password and code are refused
    assert REAUTH_AT_KEY not in client.session
    assert AuditEvent.objects.filter(action="auth.locked_out").exists()
    # The account name is locked for signing in too, from any address.
    elsewhere = CsrfClient()
    response = elsewhere.post_form("/sign-in/", {"username": user.email, "password": PASSWORD}, REMOTE_ADDR="192.0.2.9")
    assert response.status_code == 429 and SESSION_KEY not in elsewhere.session


def test_it_goes_only_to_a_page_of_this_site_after_confirming(world):
    user = world["coordinator"]
    client = sign_in(CsrfClient(), user)
    response = confirm(client, user=user, next_url="https://elsewhere.example/phish")
    assert response.status_code == 302 and response["Location"] == "/account/"


def test_it_asks_to_confirm_before_adding_an_authenticator_app(world):
    user = world["coordinator"]
    client = sign_in(CsrfClient(), user)
    response = client.get("/two-factor/set-up/")
    assert response.status_code == 302 and response["Location"] == "/account/confirm/?next=%2Ftwo-factor%2Fset-up%2F"
    assert not TOTPDevice.objects.filter(user=user, confirmed=False).exists()
    response = client.post_form("/two-factor/set-up/", {"token": "123456"})
    assert response.status_code == 302 and response["Location"].startswith(CONFIRM)
    reauthenticated(client)
    assert client.get("/two-factor/set-up/").status_code == 200
    new = TOTPDevice.objects.get(user=user, confirmed=False)
    before = backup_codes(user)
    response = client.post_form("/two-factor/set-up/", {"token": totp_code(new)})
    assert response.status_code == 302 and response["Location"] == "/account/"
    assert TOTPDevice.objects.filter(user=user, confirmed=True).count() == 2
    assert backup_codes(user) == before  # adding an app leaves the printed backup codes working
    assert client.get("/").status_code == 200


def test_it_removes_an_authenticator_app_only_after_confirming_and_never_the_last(world):
    user = world["facilitator"]
    old_phone = TOTPDevice.objects.get(user=user)
    new_phone = TOTPDevice.objects.create(user=user, name="new phone", key=TOTP_KEY_HEX[::-1], confirmed=True)
    client = sign_in(CsrfClient(), user)
    path = f"/account/authenticators/{old_phone.pk}/remove/"
    response = client.post_form(path)
    assert response.status_code == 302 and response["Location"].startswith(CONFIRM)
    assert TOTPDevice.objects.filter(pk=old_phone.pk).exists()
    reauthenticated(client)
    assert client.get(path).status_code == 200
    assert client.post_form(path)["Location"] == "/account/"
    assert list(TOTPDevice.objects.filter(user=user)) == [new_phone]
    assert AuditEvent.objects.filter(actor=user, action="auth.two_factor.removed").exists()
    # The session had signed in with the removed app: it must show a code from the other one.
    assert client.get("/")["Location"] == "/two-factor/"
    client.post_form("/two-factor/", {"token": totp_code(new_phone)})
    reauthenticated(client)
    response = client.post_form(f"/account/authenticators/{new_phone.pk}/remove/", follow=True)
    assert "only authenticator app" in response.content.decode()
    assert TOTPDevice.objects.filter(pk=new_phone.pk).exists()


def test_it_does_not_let_anyone_remove_someone_elses_authenticator_app(world):
    alice_device = TOTPDevice.objects.get(user=world["coordinator"])
    charlie = world.charlie
    TOTPDevice.objects.create(user=charlie, name="second", key=TOTP_KEY_HEX[::-1], confirmed=True)
    client = reauthenticated(sign_in(CsrfClient(), charlie))
    assert client.get(f"/account/authenticators/{alice_device.pk}/remove/").status_code == 404
    assert client.post_form(f"/account/authenticators/{alice_device.pk}/remove/").status_code == 404
    assert client.post_form("/account/authenticators/99999999/remove/").status_code == 404
    assert TOTPDevice.objects.filter(pk=alice_device.pk).exists()


def test_it_asks_to_confirm_before_a_password_change_and_then_not_for_the_old_password(world):
    user = world["coordinator"]
    client = sign_in(CsrfClient(), user)
    new = "a quite different passphrase 31"
    response = client.post_form("/account/password/", {"new_password1": new, "new_password2": new})
    assert response.status_code == 302 and response["Location"].startswith(CONFIRM)
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    response = confirm(client, user=user, next_url="/account/password/")
    assert response["Location"] == "/account/password/"
    assert 'name="old_password"' not in client.get("/account/password/").content.decode()
    assert client.post_form("/account/password/", {"new_password1": new, "new_password2": new}).status_code == 302
    user.refresh_from_db()
    assert user.check_password(new)
    assert client.get("/").status_code == 200
