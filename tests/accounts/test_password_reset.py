"""Asking for a password-reset link (views.PasswordReset, services.password_reset_request, the task that sends it):
the same work for any address, and limits per address and per client."""

import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reparo.accounts.models import RateLimitWindow
from reparo.accounts.tasks import password_reset_send_task
from reparo.audit.models import AuditEvent
from tests.conftest import CsrfClient

pytestmark = pytest.mark.django_db


def ask(client, email, ip="203.0.113.5"):
    return client.post_form("/password-reset/", {"email": email}, REMOTE_ADDR=ip)


def shape(sql):
    """A statement without its values (and without savepoint names), to compare the work two requests did."""
    sql = re.sub(r"'(?:[^']|'')*'", "?", sql)
    sql = re.sub(r"\bs\d+_x\d+\b", "SAVEPOINT_NAME", sql)
    return re.sub(r"\b\d+(\.\d+)?\b", "?", sql)


def test_it_does_the_same_work_for_a_known_and_an_unknown_address(world, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    from django_tasks import default_task_backend

    work = {}
    for name, email, ip in (
        ("known", world["coordinator"].email, "198.51.100.1"),
        ("unknown", "nobody.here@alice.example", "198.51.100.2"),
    ):
        with CaptureQueriesContext(connection) as queries:
            response = ask(CsrfClient(), email, ip=ip)
        assert response.status_code == 302 and response["Location"] == "/password-reset/sent/"
        work[name] = [shape(query["sql"]) for query in queries.captured_queries]
    assert work["known"] == work["unknown"]
    # Each enqueued exactly one task, the same one, and no mail went out during the request.
    queued = [(result.task.name, result.args) for result in default_task_backend.results]
    assert queued == [
        (password_reset_send_task.name, [world["coordinator"].email, "en"]),
        (password_reset_send_task.name, ["nobody.here@alice.example", "en"]),
    ]
    assert mail.outbox == []


def test_it_sends_the_link_only_to_an_address_that_has_an_account(world):
    ask(CsrfClient(), "nobody.here@alice.example")
    assert mail.outbox == []
    ask(CsrfClient(), world["coordinator"].email)
    assert [message.to for message in mail.outbox] == [[world["coordinator"].email]]
    assert "http://127.0.0.1:8000/password-reset/" in mail.outbox[0].body


def test_it_sends_no_fourth_link_to_one_address_within_the_hour(world):
    email = world["facilitator"].email
    answers = []
    # The address is counted as written in any letter case, with any surrounding spaces, from any client.
    for n, written in enumerate([email, email.upper(), f"  {email} ", email]):
        answers.append(ask(CsrfClient(), written, ip=f"192.0.2.{n + 1}"))
    assert len(mail.outbox) == 3
    assert {(a.status_code, a["Location"]) for a in answers} == {(302, "/password-reset/sent/")}
    page = CsrfClient().get(answers[-1]["Location"])
    assert "If the address belongs to an account, a link is on its way." in page.content.decode()
    assert AuditEvent.objects.filter(action="auth.password_reset.limited", detail__limit="address").count() == 1
    # Another address is not affected.
    ask(CsrfClient(), world["evaluator"].email, ip="192.0.2.50")
    assert len(mail.outbox) == 4


def test_it_sends_links_again_once_the_hour_is_over(world):
    email = world["facilitator"].email
    for _n in range(4):
        ask(CsrfClient(), email)
    assert len(mail.outbox) == 3
    window = RateLimitWindow.objects.order_by("-count").first()
    RateLimitWindow.objects.update(expires_at=window.expires_at.replace(year=2000))
    ask(CsrfClient(), email)
    assert len(mail.outbox) == 4


def test_it_limits_how_many_links_one_client_can_ask_for(world):
    for n in range(10):
        ask(CsrfClient(), f"someone{n}@elsewhere.example", ip="203.0.113.99")
    response = ask(CsrfClient(), world["supervisor"].email, ip="203.0.113.99")
    assert response.status_code == 302 and response["Location"] == "/password-reset/sent/"
    assert mail.outbox == []
    assert AuditEvent.objects.filter(action="auth.password_reset.limited", detail__limit="client").exists()
    # The same address from another client still gets its link: the client's requests were not counted against it.
    ask(CsrfClient(), world["supervisor"].email, ip="203.0.113.100")
    assert [message.to for message in mail.outbox] == [[world["supervisor"].email]]


def test_it_keeps_no_address_in_the_counts(world):
    email = world["coordinator"].email
    ask(CsrfClient(), email, ip="203.0.113.7")
    keys = list(RateLimitWindow.objects.values_list("key", flat=True))
    assert len(keys) == 2
    assert all(email not in key and "203.0.113.7" not in key for key in keys)


def test_it_records_a_flood_of_requests_past_the_address_limit_once(world):
    email = world["facilitator"].email
    for n in range(3 + 20):
        response = ask(CsrfClient(), email, ip=f"192.0.2.{n + 1}")
        assert response.status_code == 302 and response["Location"] == "/password-reset/sent/"
    assert len(mail.outbox) == 3
    (row,) = AuditEvent.objects.filter(action="auth.password_reset.limited")
    assert row.detail["limit"] == "address"


def test_it_records_a_flood_of_requests_past_the_client_limit_once(world):
    for n in range(10):
        ask(CsrfClient(), f"someone{n}@elsewhere.example", ip="203.0.113.99")
    # 20 more from the same client, for a known and an unknown address in turn: all answered alike, none sent.
    known, unknown = world["supervisor"].email, "nobody.here@alice.example"
    answers = [ask(CsrfClient(), known if n % 2 else unknown, ip="203.0.113.99") for n in range(20)]
    assert {(a.status_code, a["Location"]) for a in answers} == {(302, "/password-reset/sent/")}
    assert mail.outbox == []
    (row,) = AuditEvent.objects.filter(action="auth.password_reset.limited")
    assert row.detail["limit"] == "client"
