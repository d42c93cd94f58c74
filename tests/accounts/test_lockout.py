import re

import pytest
from django.contrib.auth import SESSION_KEY

from reparo.audit.models import AuditEvent
from tests.conftest import PASSWORD, CsrfClient

pytestmark = pytest.mark.django_db


def attempt(client, email, password, ip="203.0.113.10", **headers):
    return client.post_form("/sign-in/", {"username": email, "password": password}, REMOTE_ADDR=ip, **headers)


def normalised(response, email):
    html = response.content.decode().replace(email, "EMAIL")
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    html = re.sub(r'"X-CSRFToken": "[^"]+"', "", html)
    return re.sub(r'nonce="[^"]+"', "", html)


def test_it_locks_after_five_failures_and_refuses_the_right_password(world):
    client = CsrfClient()
    email = world["coordinator"].email
    for _ in range(4):
        assert attempt(client, email, "wrong password").status_code == 200
    assert attempt(client, email, "wrong password").status_code == 429
    response = attempt(client, email, PASSWORD)
    assert response.status_code == 429
    assert SESSION_KEY not in client.session
    assert AuditEvent.objects.filter(action="auth.locked_out").exists()


def test_it_answers_unknown_and_known_accounts_alike(world):
    known_client, unknown_client = CsrfClient(), CsrfClient()
    for _ in range(6):
        known = attempt(known_client, world["coordinator"].email, "wrong password", ip="198.51.100.1")
        unknown = attempt(unknown_client, "no.such.person@alice.example", "wrong password", ip="198.51.100.2")
        assert known.status_code == unknown.status_code
        assert normalised(known, world["coordinator"].email) == normalised(unknown, "no.such.person@alice.example")


def test_it_keeps_the_lock_when_x_forwarded_for_is_spoofed(world):
    client = CsrfClient()
    email = world["facilitator"].email
    for n in range(5):
        attempt(client, email, "wrong password", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    response = attempt(client, email, PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.200")
    assert response.status_code == 429
    assert SESSION_KEY not in client.session


def test_it_locks_an_address_that_tries_many_accounts(world):
    client = CsrfClient()
    for n in range(5):
        attempt(client, f"guess{n}@alice.example", "wrong password", ip="203.0.113.77")
    response = attempt(client, world["evaluator"].email, PASSWORD, ip="203.0.113.77", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert response.status_code == 429
    # The same account from another address is not affected by this address's lock.
    other = CsrfClient()
    assert attempt(other, world["evaluator"].email, PASSWORD, ip="203.0.113.78").status_code == 302


def test_it_locks_regardless_of_the_letter_case_of_the_address(world):
    client = CsrfClient()
    email = world["supervisor"].email
    for n in range(5):
        attempt(client, email.upper() if n % 2 else email, "wrong password", ip=f"198.51.100.{n + 10}")
    assert attempt(client, email, PASSWORD, ip="198.51.100.99").status_code == 429


def complete_sign_in(client, user, ip, token):
    assert attempt(client, user.email, PASSWORD, ip=ip).status_code == 302
    assert client.post_form("/two-factor/", {"token": token}, REMOTE_ADDR=ip)["Location"] == "/"
    client.post_form("/sign-out/", REMOTE_ADDR=ip)


def test_it_forgets_the_failures_of_an_account_after_it_signs_in(world):
    user = world["coordinator"]
    client = CsrfClient()
    for _ in range(4):
        assert attempt(client, user.email, "wrong password").status_code == 200
    complete_sign_in(client, user, "203.0.113.10", "backup01")
    for _ in range(4):
        assert attempt(client, user.email, "wrong password").status_code == 200
    assert attempt(client, user.email, PASSWORD).status_code == 302  # not locked out


def test_it_keeps_counting_when_only_the_password_was_right(world):
    user = world["facilitator"]
    client = CsrfClient()
    for _ in range(4):
        attempt(client, user.email, "wrong password")
    assert attempt(client, user.email, PASSWORD).status_code == 302  # no second factor given
    assert attempt(CsrfClient(), user.email, "wrong password", ip="198.51.100.50").status_code == 429


def test_it_keeps_an_addresss_failures_against_other_accounts_after_a_sign_in(world):
    ip = "203.0.113.44"
    client = CsrfClient()
    for n in range(4):
        attempt(client, f"guess{n}@alice.example", "wrong password", ip=ip)
    complete_sign_in(client, world["evaluator"], ip, "backup01")
    assert attempt(client, "guess9@alice.example", "wrong password", ip=ip).status_code == 429
