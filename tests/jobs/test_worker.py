"""Jobs as production runs them: the start request stores the job and its task in the database and answers at once;
`manage.py db_worker` makes the file; a failure is on the job's page and in the worker's record of the task."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from reparo.jobs.models import JobState
from reparo.jobs.tasks import JOB_PRIORITY
from tests.conftest import CsrfClient, sign_in
from tests.jobs.helpers import downloaded, job_of

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def database_queue(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", stdout=io.StringIO(), stderr=io.StringIO())


def _export(client: Any, world: Any) -> Any:
    return client.post_form(
        reverse("interop:export", args=[world.alice_org.pk]), {"kind": "deidentified", "file_format": "csv"}
    )


def test_the_worker_makes_the_file_the_page_offers(world: Any, database_queue: None) -> None:
    client = sign_in(CsrfClient(), world["org_admin"])
    job = job_of(_export(client, world))
    assert job.state == JobState.QUEUED
    [task] = DBTaskResult.objects.all()
    assert (task.status, task.priority, task.args_kwargs["args"]) == ("READY", JOB_PRIORITY, [str(job.pk)])
    assert "Waiting to start" in client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    run_worker()
    job.refresh_from_db()
    assert job.state == JobState.DONE
    assert downloaded(client, job).body.startswith(b"# HTCDS 2.0 de-identified extract made by Reparo")
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


def test_a_failure_is_on_the_page_and_in_the_workers_record(world: Any, database_queue: None, monkeypatch: Any) -> None:
    from reparo.interop import services as interop

    def breaks(**kwargs: Any) -> Any:
        raise RuntimeError("the export broke")

    monkeypatch.setattr(interop, "htcds_export", breaks)
    client = sign_in(CsrfClient(), world["org_admin"])
    job = job_of(_export(client, world))
    run_worker()
    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert "Something went wrong on our side" in client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    task = DBTaskResult.objects.get()
    assert task.status == "FAILED" and task.exception_class_path == "builtins.RuntimeError"
    assert "the export broke" in task.traceback
