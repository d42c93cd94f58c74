"""Getting in, safely: the invitation code (once, until it expires, until it is replaced), a passphrase and a second
factor of the participant's choice, lock-out, a shorter idle time-out, no "remember me", and access that ends on the
next request when staff suspend it or the person withdraws their consent to use the portal."""

from __future__ import annotations

import datetime
import re
import time
from typing import Any

import pytest
from django.contrib.auth import SESSION_KEY
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from reparo.accounts.services import LAST_SEEN_KEY
from reparo.audit.models import AuditEvent
from reparo.consent.services import consent_withdraw
from reparo.portal import services
from reparo.portal.models import AccessStatus, Invitation, PortalAccount
from tests.conftest import PASSWORD, CsrfClient, sign_in, totp_code
from tests.portal.conftest import agree_to_portal

pytestmark = pytest.mark.django_db

PASSPHRASE = "blue kettle quietly sings"


@pytest.fixture
def invited(world: Any) -> Any:
    """The survivor of a case of Alice's, invited in person with a printed list of codes."""
    from tests.cases.factories import alice_case

    case = alice_case(world)
    person = case.participants.get(role="survivor").person
    agree_to_portal(world, person, case)
    return services.invitation_issue(
        actor=world["facilitator"], case=case, person=person, channel="in_person", printed_codes=True
    )


def start(client: CsrfClient, code: str, ip: str = "203.0.113.5") -> Any:
    return client.post_form("/my/start/", {"code": code}, REMOTE_ADDR=ip)


def set_up_with_printed_codes(client: CsrfClient, issued: Any) -> Any:
    assert start(client, issued.code.lower().replace("-", " "))["Location"] == "/my/start/passphrase/"
    response = client.post_form("/my/start/passphrase/", {"passphrase": PASSPHRASE, "again": PASSPHRASE})
    assert response["Location"] == "/my/start/second-step/"
    return client.post_form("/my/start/second-step/?method=printed", {"method": "printed",
                                                                      "token": issued.printed_codes[0]})  # fmt: skip


def sign_in_as_participant(
    client: CsrfClient, name: str, passphrase: str = PASSPHRASE, ip: str = "198.51.100.9"
) -> Any:
    return client.post_form("/my/sign-in/", {"username": name, "password": passphrase}, REMOTE_ADDR=ip)


def test_it_sets_up_the_sign_in_with_the_invitation_and_printed_codes(client, invited):
    response = set_up_with_printed_codes(client, invited)
    assert response["Location"] == "/my/"
    assert client.get("/my/").status_code == 200
    account = PortalAccount.objects.get(pk=invited.invitation.account_id)
    assert account.status == AccessStatus.ACTIVE and account.user.is_active
    assert Invitation.objects.get(pk=invited.invitation.pk).used_at is not None
    assert AuditEvent.objects.filter(action="portal.activated").exists()


def test_it_sets_up_an_authenticator_app_instead(client, invited):
    assert start(client, invited.code)["Location"] == "/my/start/passphrase/"
    page = client.get("/my/start/passphrase/").content.decode()
    assert invited.sign_in_name in page
    client.post_form("/my/start/passphrase/", {"passphrase": PASSPHRASE, "again": PASSPHRASE})
    assert 'src="data:image/svg+xml' in client.get("/my/start/second-step/?method=app").content.decode()
    device = TOTPDevice.objects.get(user__portal_account__pk=invited.invitation.account_id, confirmed=False)
    response = client.post_form("/my/start/second-step/?method=app", {"method": "app", "token": totp_code(device)})
    assert response["Location"] == "/my/"
    device.refresh_from_db()
    assert device.confirmed
    # The printed list not chosen is not kept: its codes open nothing.
    user = device.user
    assert not user.staticdevice_set.exists()


def test_it_refuses_a_passphrase_that_is_too_short_or_not_repeated(client, invited):
    start(client, invited.code)
    assert client.post_form("/my/start/passphrase/", {"passphrase": "short", "again": "short"}).status_code == 400
    response = client.post_form("/my/start/passphrase/", {"passphrase": PASSPHRASE, "again": PASSPHRASE + "x"})
    assert response.status_code == 400
    assert not PortalAccount.objects.get(pk=invited.invitation.account_id).user.has_usable_password()


def test_it_refuses_a_used_code(client, invited):
    set_up_with_printed_codes(client, invited)
    again = CsrfClient()
    response = start(again, invited.code)
    assert response.status_code == 400 and "That code did not work" in response.content.decode()


def test_it_refuses_an_expired_code(client, invited):
    Invitation.objects.filter(pk=invited.invitation.pk).update(expires_at=timezone.now() - datetime.timedelta(1))
    response = start(client, invited.code)
    assert response.status_code == 400 and "That code did not work" in response.content.decode()


def test_it_refuses_a_code_that_expired_after_it_was_typed(client, invited):
    assert start(client, invited.code).status_code == 302
    Invitation.objects.filter(pk=invited.invitation.pk).update(expires_at=timezone.now() - datetime.timedelta(1))
    assert client.get("/my/start/passphrase/")["Location"] == "/my/start/"


def test_it_refuses_a_replaced_code(client, world, invited):
    account = invited.invitation.account
    newer = services.invitation_issue(actor=world["facilitator"], case=account.case, person=account.person,
                                      channel="in_person")  # fmt: skip
    assert start(client, invited.code).status_code == 400
    assert start(CsrfClient(), newer.code).status_code == 302


def test_it_keeps_only_a_digest_of_the_code(invited):
    invitation = Invitation.objects.get(pk=invited.invitation.pk)
    raw = invited.code.replace("-", "")
    assert raw not in invitation.code_digest and invitation.code_digest == services.code_digest(invited.code)


def test_it_locks_an_address_that_guesses_codes(client, invited):
    for n in range(4):
        assert start(client, f"AAAA-BBBB-CC{n:02d}", ip="203.0.113.66").status_code == 400
    assert start(client, "AAAA-BBBB-CCCC", ip="203.0.113.66").status_code == 429
    # Even the right code is refused from that address now.
    assert start(client, invited.code, ip="203.0.113.66").status_code == 429
    assert start(CsrfClient(), invited.code, ip="203.0.113.67").status_code == 302


def test_it_asks_for_the_second_factor_every_time(client, invited):
    set_up_with_printed_codes(client, invited)
    client.post_form("/my/sign-out/")
    fresh = CsrfClient()
    response = sign_in_as_participant(fresh, invited.sign_in_name.lower().replace("-", ""))
    assert response["Location"] == "/my/sign-in/code/"
    # With the passphrase only, no page of the portal opens.
    for url in ("/my/", "/my/choices/", "/my/appointments/"):
        assert fresh.get(url)["Location"] == "/my/sign-in/code/"
    assert fresh.post_form("/my/sign-in/code/", {"token": "wrongcode"}).status_code == 200
    # django-otp slows down the next try after a wrong code; the test does not wait for it.
    StaticDevice.objects.update(throttling_failure_count=0, throttling_failure_timestamp=None)
    assert fresh.post_form("/my/sign-in/code/", {"token": invited.printed_codes[1]})["Location"] == "/my/"
    assert fresh.get("/my/").status_code == 200


def _wrong_codes(client: CsrfClient, url: str, data: dict[str, str], ip: str) -> list[int]:
    """Five wrong codes at ``url`` (django-otp's slowing down after each is set aside: the test does not wait)."""
    answers = []
    for n in range(5):
        StaticDevice.objects.update(throttling_failure_count=0, throttling_failure_timestamp=None)
        answers.append(client.post_form(url, {**data, "token": f"wrong{n}"}, REMOTE_ADDR=ip).status_code)
    StaticDevice.objects.update(throttling_failure_count=0, throttling_failure_timestamp=None)
    return answers


def test_it_refuses_even_the_right_code_once_wrong_codes_locked_the_sign_in(client, invited):
    set_up_with_printed_codes(client, invited)
    client.post_form("/my/sign-out/")
    fresh = CsrfClient()
    sign_in_as_participant(fresh, invited.sign_in_name)
    assert _wrong_codes(fresh, "/my/sign-in/code/", {}, "198.51.100.9")[-1] == 429
    # Someone who has the passphrase and keeps guessing codes gets no further, not even with the right one.
    response = fresh.post_form("/my/sign-in/code/", {"token": invited.printed_codes[1]}, REMOTE_ADDR="198.51.100.9")
    assert response.status_code == 429
    assert fresh.get("/my/")["Location"] == "/my/sign-in/code/"
    # The code was not looked at, so it still works once the lock-out is over.
    device = StaticDevice.objects.get(user__portal_account__pk=invited.invitation.account_id)
    assert device.token_set.filter(token=invited.printed_codes[1]).exists()


def test_it_refuses_even_the_right_code_once_wrong_codes_locked_the_set_up(client, invited):
    assert start(client, invited.code)["Location"] == "/my/start/passphrase/"
    client.post_form("/my/start/passphrase/", {"passphrase": PASSPHRASE, "again": PASSPHRASE})
    url = "/my/start/second-step/?method=printed"
    assert _wrong_codes(client, url, {"method": "printed"}, "198.51.100.20")[-1] == 429
    response = client.post_form(url, {"method": "printed", "token": invited.printed_codes[0]},
                                REMOTE_ADDR="198.51.100.20")  # fmt: skip
    assert response.status_code == 429
    assert Invitation.objects.get(pk=invited.invitation.pk).used_at is None
    assert PortalAccount.objects.get(pk=invited.invitation.account_id).status == AccessStatus.INVITED


def test_it_locks_the_sign_in_name_after_five_wrong_passphrases(client, invited):
    set_up_with_printed_codes(client, invited)
    other = CsrfClient()
    for n in range(4):
        assert (
            sign_in_as_participant(other, invited.sign_in_name, "wrong passphrase", ip=f"192.0.2.{n}").status_code
            == 400
        )
    assert sign_in_as_participant(other, invited.sign_in_name, "wrong passphrase", ip="192.0.2.9").status_code == 429
    response = sign_in_as_participant(other, invited.sign_in_name, ip="192.0.2.10")
    assert response.status_code == 429 and SESSION_KEY not in other.session


def test_it_has_no_remember_me_and_a_neutral_title(client):
    html = client.get("/my/sign-in/").content.decode()
    assert 'type="checkbox"' not in html
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)  # type: ignore[union-attr]
    assert title.strip() == "Sign in · Appointments"
    assert "Reparo" not in html


def test_it_names_the_portal_as_the_program_chose(client, world, invited):
    from django.urls import reverse

    admin = sign_in(CsrfClient(), world["coordinator"])
    url = reverse("portal_staff:program", args=[world.program.pk])
    assert admin.post_form(url, {"name": "Victim support desk"}).status_code == 400
    assert admin.post_form(url, {"name": "My diary"}).status_code == 302
    set_up_with_printed_codes(client, invited)
    html = client.get("/my/").content.decode()
    assert "<title>Home · My diary</title>" in html
    manifest = client.get("/my/manifest.webmanifest")
    assert manifest.json()["name"] == "My diary" and manifest["Content-Type"] == "application/manifest+json"
    assert CsrfClient().get("/my/manifest.webmanifest").json()["name"] == "Appointments"


def test_it_ends_a_participant_session_after_a_shorter_idle_time(client, world, invited):
    set_up_with_printed_codes(client, invited)
    session = client.session
    session[LAST_SEEN_KEY] = time.time() - 11 * 60
    session.save()
    assert client.get("/my/")["Location"] == "/my/sign-in/"
    staff = sign_in(CsrfClient(), world["coordinator"])
    session = staff.session
    session[LAST_SEEN_KEY] = time.time() - 11 * 60
    session.save()
    assert staff.get("/").status_code == 200  # staff's idle time-out is longer


def test_it_never_lets_the_portal_idle_time_out_reach_staff_s():
    from tests.core.test_settings import PRODUCTION, run_manage

    for value in ("30", "45", "0", "ten"):
        result = run_manage({**PRODUCTION, "PORTAL_IDLE_MINUTES": value}, "check")
        assert result.returncode != 0 and "PORTAL_IDLE_MINUTES" in result.stderr, value
    assert run_manage({**PRODUCTION, "PORTAL_IDLE_MINUTES": "29"}, "check").returncode == 0


def test_it_refuses_a_suspended_participant_on_the_next_request(client, world, invited):
    set_up_with_printed_codes(client, invited)
    assert client.get("/my/").status_code == 200
    account = invited.invitation.account
    staff = sign_in(CsrfClient(), world["facilitator"])
    from django.urls import reverse

    response = staff.post_form(reverse("portal_staff:suspend", args=[account.case_id, account.person_id]))
    assert response.status_code == 302
    assert client.get("/my/")["Location"].startswith("/my/sign-in/")
    assert sign_in_as_participant(CsrfClient(), invited.sign_in_name).status_code == 400  # refused: the form again
    event = AuditEvent.objects.get(action="portal.suspended")
    assert event.actor == world["facilitator"]
    assert PortalAccount.objects.get(pk=account.pk).status == AccessStatus.SUSPENDED


def test_it_ends_access_when_the_portal_consent_is_withdrawn(client, world, invited):
    set_up_with_printed_codes(client, invited)
    consent = invited.invitation.account.person.consents.get(purpose="portal")
    consent_withdraw(actor=world["coordinator"], consent=consent)
    response = client.get("/my/")
    assert response["Location"] == "/my/sign-in/"
    assert SESSION_KEY not in client.session


def test_it_refuses_a_staff_account_on_the_portal_sign_in(client, world):
    response = client.post_form("/my/sign-in/", {"username": world["coordinator"].email, "password": PASSWORD})
    assert response.status_code == 400 and SESSION_KEY not in client.session
