import time

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from reparo.accounts.services import AUTH_STARTED_KEY, LAST_SEEN_KEY
from reparo.audit.models import AuditEvent
from tests.conftest import PASSWORD, CsrfClient, make_user, sign_in, totp_code

pytestmark = pytest.mark.django_db


def password_step(client, email, password=PASSWORD, **extra):
    return client.post_form("/sign-in/", {"username": email, "password": password}, **extra)


def is_signed_in(client):
    return SESSION_KEY in client.session


def test_it_signs_in_with_password_then_code(client, world):
    user = world["coordinator"]
    client.get("/sign-in/")
    before = client.cookies.get("reparo_session")
    response = password_step(client, user.email)
    assert response.status_code == 302 and response["Location"] == "/two-factor/"
    assert client.cookies["reparo_session"].value != (before.value if before else None)
    assert client.get("/").status_code == 302  # password alone reaches nothing
    device = TOTPDevice.objects.get(user=user)
    response = client.post_form("/two-factor/", {"token": totp_code(device)})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    actions = list(AuditEvent.objects.filter(actor=user).values_list("action", flat=True))
    assert "auth.password_accepted" in actions and "auth.two_factor.verified" in actions


def test_it_issues_a_new_session_key_when_the_second_factor_is_accepted(client, world):
    user = world["facilitator"]
    password_step(client, user.email)
    after_password = client.cookies["reparo_session"].value
    client.post_form("/two-factor/", {"token": totp_code(TOTPDevice.objects.get(user=user))})
    assert client.cookies["reparo_session"].value != after_password


@pytest.mark.parametrize("path", ["/", "/organisations/", "/activity/", "/account/", "/account/password/"])
def test_it_lets_staff_without_a_verified_device_reach_only_enrolment(client, world, path):
    newcomer = make_user("new@alice.example", enrolled=False)
    password_step(client, newcomer.email)
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == "/two-factor/set-up/"
    assert client.get("/two-factor/set-up/").status_code == 200


def test_it_does_not_let_a_password_alone_add_a_device(client, world):
    user = world["case_worker"]
    password_step(client, user.email)
    response = client.get("/two-factor/set-up/")
    assert response.status_code == 302 and response["Location"] == "/two-factor/"
    assert TOTPDevice.objects.filter(user=user).count() == 1


def test_it_enrols_an_authenticator_app_and_shows_backup_codes_once(client, world):
    newcomer = make_user("enrol@alice.example", enrolled=False)
    password_step(client, newcomer.email)
    page = client.get("/two-factor/set-up/")
    assert b"<svg" in page.content
    device = TOTPDevice.objects.get(user=newcomer, confirmed=False)
    response = client.post_form(
        "/two-factor/set-up/", {"token": "000000" if totp_code(device) != "000000" else "111111"}
    )
    assert response.status_code == 200 and not TOTPDevice.objects.get(pk=device.pk).confirmed
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    response = client.post_form("/two-factor/set-up/", {"token": totp_code(device)})
    assert response.status_code == 200
    codes = list(StaticToken.objects.filter(device__user=newcomer).values_list("token", flat=True))
    assert len(codes) == 10 and all(code.encode() in response.content for code in codes)
    assert TOTPDevice.objects.get(pk=device.pk).confirmed
    assert client.get("/").status_code == 200


def test_it_refuses_a_replayed_code(client, world):
    user = world["supervisor"]
    device = TOTPDevice.objects.get(user=user)
    code = totp_code(device)
    password_step(client, user.email)
    assert client.post_form("/two-factor/", {"token": code})["Location"] == "/"
    client.post_form("/sign-out/")
    other = CsrfClient()
    password_step(other, user.email)
    response = other.post_form("/two-factor/", {"token": code})
    assert response.status_code == 200
    assert "did not work" in response.content.decode()
    assert other.get("/").status_code == 302
    assert AuditEvent.objects.filter(actor=user, action="auth.two_factor.failed").exists()


def test_it_accepts_a_backup_code_once(client, world):
    user = world["evaluator"]
    password_step(client, user.email)
    assert client.post_form("/two-factor/", {"token": "backup01"})["Location"] == "/"
    client.post_form("/sign-out/")
    password_step(client, user.email)
    response = client.post_form("/two-factor/", {"token": "backup01"})
    assert response.status_code == 200 and client.get("/").status_code == 302


def test_it_signs_out_only_by_post_with_csrf(world):
    client = sign_in(CsrfClient(), world["coordinator"])
    assert client.get("/sign-out/").status_code == 405
    assert client.post("/sign-out/").status_code == 403
    assert is_signed_in(client)
    assert client.post_form("/sign-out/").status_code == 302
    assert not is_signed_in(client)


def test_it_refuses_a_sign_in_post_without_csrf_token(world):
    client = CsrfClient()
    response = client.post("/sign-in/", {"username": world["coordinator"].email, "password": PASSWORD})
    assert response.status_code == 403
    assert not is_signed_in(client)


def test_it_signs_out_after_thirty_idle_minutes(world):
    client = sign_in(CsrfClient(), world["coordinator"])
    session = client.session
    session[LAST_SEEN_KEY] = time.time() - 29 * 60
    session.save()
    assert client.get("/").status_code == 200  # 29 minutes idle is fine, and resets the clock
    session = client.session
    session[LAST_SEEN_KEY] = time.time() - 31 * 60
    session.save()
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/")
    assert not is_signed_in(client)


def test_it_signs_out_after_twelve_hours_even_when_active(world):
    client = sign_in(CsrfClient(), world["coordinator"])
    session = client.session
    session[AUTH_STARTED_KEY] = time.time() - 12 * 3600 - 60
    session[LAST_SEEN_KEY] = time.time() - 60
    session.save()
    assert client.get("/").status_code == 302
    assert not is_signed_in(client)


def test_it_ends_every_session_when_an_account_is_deactivated(world):
    target = world["facilitator"]
    phone, laptop = sign_in(CsrfClient(), target), sign_in(CsrfClient(), target)
    assert phone.get("/").status_code == 200
    admin = sign_in(CsrfClient(), world["org_admin"])
    response = admin.post_form(f"/organisations/{world.alice_org.pk}/people/{target.pk}/deactivate/")
    assert response.status_code == 302
    for client in (phone, laptop):
        assert client.get("/").status_code == 302
        assert not is_signed_in(client)
    target.refresh_from_db()
    assert not target.is_active
    assert AuditEvent.objects.filter(action="user.deactivated", object_id=str(target.pk)).exists()
    fresh = CsrfClient()
    password_step(fresh, target.email)
    assert not is_signed_in(fresh)


def test_it_signs_out_everywhere(world):
    user = world["coordinator"]
    phone, laptop = sign_in(CsrfClient(), user), sign_in(CsrfClient(), user)
    assert laptop.post_form("/sign-out/everywhere/").status_code == 302
    assert phone.get("/").status_code == 302
    assert laptop.get("/").status_code == 302
    assert not is_signed_in(phone)


def test_it_never_lets_a_password_reset_bypass_the_second_factor(client, world):
    user = world["case_worker"]
    client.post_form("/password-reset/", {"email": user.email})
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert "trafficking" not in (message.subject + message.body).lower()
    link = next(line for line in message.body.splitlines() if "/password-reset/" in line)
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    form_page = client.get(path, follow=True)
    new_password = "a brand new passphrase 99"
    response = client.post_form(
        form_page.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password}
    )
    assert response.status_code == 302
    assert not is_signed_in(client)
    password_step(client, user.email, new_password)
    assert client.get("/").status_code == 302
    assert client.get("/")["Location"] == "/two-factor/"


def test_it_does_not_reveal_whether_an_address_has_an_account_when_resetting(client, world):
    known = client.post_form("/password-reset/", {"email": world["coordinator"].email})
    unknown = client.post_form("/password-reset/", {"email": "nobody@nowhere.example"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
