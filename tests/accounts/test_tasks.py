"""The accounts tasks as the production worker runs them: queued in the database, sent by `manage.py db_worker`."""

import io

import pytest
from django.core import mail
from django.core.management import call_command

from tests.conftest import CsrfClient, reauthenticated, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def database_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def run_worker():
    call_command("db_worker", "--batch", "--no-startup-delay", stdout=io.StringIO(), stderr=io.StringIO())


def test_it_sends_the_reset_link_and_the_notice_only_when_the_worker_runs(world, database_queue):
    user = world["coordinator"]
    CsrfClient().post_form("/password-reset/", {"email": user.email})
    CsrfClient().post_form("/password-reset/", {"email": "nobody.here@alice.example"})
    reauthenticated(sign_in(CsrfClient(), user)).post_form("/account/backup-codes/")
    assert mail.outbox == []
    run_worker()
    assert sorted((m.to[0], "/password-reset/" in m.body) for m in mail.outbox) == [
        (user.email, False),
        (user.email, True),
    ]
