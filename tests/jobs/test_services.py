"""Starting and running background jobs: who may start one, what its run records (progress, its file, its end), that a
failure is recorded in plain words and never swallowed, and what is cleared away when."""

from __future__ import annotations

import datetime
import logging
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django_tasks import default_task_backend

from reparo.access.services import membership_end
from reparo.accounts.models import Membership
from reparo.audit.models import AuditEvent
from reparo.jobs import files, services
from reparo.jobs.kinds import JobRefused
from reparo.jobs.models import ChunkPart, Job, JobChunk, JobState, JobStep
from tests.jobs.fixtures import TEST_KIND

pytestmark = pytest.mark.django_db


def start(world: Any, who: str = "coordinator", **kwargs: Any) -> Job:
    return services.job_start(
        actor=world[who], organisation=world.alice_org, kind=TEST_KIND,
        params={"organisation": world.alice_org.pk}, subject="Alice Restorative Service", **kwargs,
    )  # fmt: skip


def test_it_runs_at_once_with_the_tests_task_backend_and_keeps_the_file(world: Any, sample: Any) -> None:
    job = start(world)
    assert job.state == JobState.DONE and job.progress == 100 and job.step == JobStep.FINISHED
    assert (job.result_name, job.result_size) == ("sample.txt", len(b"first line\nsecond line\n"))
    assert b"".join(files.chunks_of(job)) == b"first line\nsecond line\n"
    assert job.finished_at is not None and job.expires_at == job.finished_at + datetime.timedelta(hours=24)
    actions = list(AuditEvent.objects.filter(object_id=str(job.pk)).order_by("id").values_list("action", flat=True))
    assert actions == ["jobs.started", "jobs.finished"]


def test_it_only_queues_and_answers_at_once_with_a_real_queue(world: Any, sample: Any, queued_only: None) -> None:
    ran: list[Any] = []
    sample.run = ran.append
    job = start(world)
    assert job.state == JobState.QUEUED and job.step == JobStep.WAITING and ran == []
    [queued] = default_task_backend.results  # type: ignore[attr-defined]  # the DummyBackend keeps them
    assert queued.args == [str(job.pk)] and job.task_id == queued.id
    assert services.job_run(str(job.pk)) == services.DONE and len(ran) == 1
    assert services.job_run(str(job.pk)) == services.SKIPPED and len(ran) == 1  # a task run twice does it once


def test_a_kind_refuses_whoever_may_not(world: Any, sample: Any) -> None:
    with pytest.raises(PermissionDenied):
        start(world, "partner_liaison")
    with pytest.raises(PermissionDenied):
        services.job_start(actor=world.charlie, organisation=world.alice_org, kind=TEST_KIND,
                           params={"organisation": world.alice_org.pk})  # fmt: skip
    assert not Job.objects.exists() and not AuditEvent.objects.filter(action__startswith="jobs.").exists()


def test_a_failure_is_recorded_in_plain_words_and_raised_again(world: Any, sample: Any, caplog: Any) -> None:
    def broken(w: Any) -> None:
        w.write("half a file")
        raise RuntimeError("disk full at row 12")

    sample.run = broken
    with caplog.at_level(logging.ERROR, logger="reparo.jobs.services"):
        job = start(world)  # the tests' backend runs the task at once, and records what it raised
    assert job.state == JobState.FAILED
    assert job.error.startswith("Something went wrong on our side, so this could not be finished.")
    assert str(job.pk)[:8] in job.error and "disk full" not in job.error  # a reference, never the inner detail
    assert "disk full at row 12" in caplog.text  # the operator's log has it
    assert not JobChunk.objects.filter(job=job).exists() and job.result_size is None  # no half file is kept
    failed = AuditEvent.objects.get(action="jobs.failed", object_id=str(job.pk))
    assert failed.detail["reason"] == "RuntimeError"


def test_the_worker_sees_the_error_too(world: Any, sample: Any, queued_only: None) -> None:
    sample.run = lambda w: 1 / 0
    job = start(world)
    with pytest.raises(ZeroDivisionError):
        services.job_run(str(job.pk))
    job.refresh_from_db()
    assert job.state == JobState.FAILED


@pytest.mark.parametrize(
    ("raised", "shown"),
    [
        (JobRefused("The program is no longer there, so the file was not made."), "The program is no longer there"),
        (ValidationError({"since": "The date cannot be in the future."}), "The date cannot be in the future."),
        (PermissionDenied(), "You can no longer do this here"),
    ],
)
def test_a_refusal_is_shown_as_it_was_said(world: Any, sample: Any, raised: Exception, shown: str) -> None:
    def refuse(w: Any) -> None:
        raise raised

    sample.run = refuse
    job = start(world)
    assert job.state == JobState.FAILED and job.error.startswith(shown)


def test_a_role_ended_before_the_worker_got_to_it_stops_the_job(world: Any, sample: Any, queued_only: None) -> None:
    job = start(world)
    membership_end(actor=world["org_admin"], membership=Membership.objects.get(user=world["coordinator"]))
    sample.run = lambda w: w.write("should not be made")
    assert services.job_run(str(job.pk)) == services.FAILED
    job.refresh_from_db()
    assert job.state == JobState.FAILED and "You can no longer do this here" in job.error


def test_progress_is_written_as_the_work_goes(world: Any, sample: Any, queued_only: None) -> None:
    seen: list[tuple[Any, ...]] = []

    def slow(w: Any) -> None:
        for n in range(1, 5):
            w.progress(JobStep.WRITING, n / 4)
            row = Job.objects.get(pk=w.job.pk)
            seen.append((row.state, row.step, row.progress))
        w.progress(JobStep.SAVING, None)
        seen.append(Job.objects.values_list("step", "progress").get(pk=w.job.pk))

    sample.run = slow
    services.job_run(str(start(world).pk))
    assert seen == [
        ("running", "writing", 25), ("running", "writing", 50), ("running", "writing", 75),
        ("running", "writing", 100), ("saving", None),
    ]  # fmt: skip


def test_an_import_file_is_kept_encrypted_until_it_is_read(world: Any, sample: Any, queued_only: None) -> None:
    read = []
    sample.run = lambda w: read.append(w.input())
    job = start(world, input_data=b"reparo_case_ref,prs_FirstName\nC1,Maria\n")
    stored = JobChunk.objects.filter(job=job, part=ChunkPart.INPUT).values_list("data", flat=True)
    assert stored and all("Maria" not in raw and raw.startswith("enc1:") for raw in stored)
    services.job_run(str(job.pk))
    assert read == [b"reparo_case_ref,prs_FirstName\nC1,Maria\n"]
    assert not JobChunk.objects.filter(job=job).exists()


def test_a_download_is_recorded_and_only_of_a_ready_file(world: Any, sample: Any, queued_only: None) -> None:
    job = start(world)
    with pytest.raises(ValidationError):
        services.job_downloaded(actor=world["coordinator"], job=job)
    services.job_run(str(job.pk))
    job.refresh_from_db()
    services.job_downloaded(actor=world["coordinator"], job=job)
    event = AuditEvent.objects.get(action="jobs.downloaded")
    assert (event.actor, event.object_id, event.detail["bytes"]) == (world["coordinator"], str(job.pk), 23)


def test_cleaning_removes_files_past_their_time_and_stops_stalled_jobs(world: Any, sample: Any, settings: Any) -> None:
    done = start(world)
    later = timezone.now() + datetime.timedelta(hours=25)
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    waiting = start(world)
    running = start(world)
    Job.objects.filter(pk=running.pk).update(state=JobState.RUNNING, started_at=timezone.now())
    counts = services.jobs_clean(now=later)
    assert counts == {"stalled": 2, "expired": 1, "forgotten": 0}
    done.refresh_from_db()
    waiting.refresh_from_db()
    running.refresh_from_db()
    assert done.state == JobState.EXPIRED and not done.has_file and not JobChunk.objects.filter(job=done).exists()
    assert waiting.state == JobState.FAILED and "did not start in time" in waiting.error
    assert running.state == JobState.FAILED and "stopped before it was finished" in running.error
    assert AuditEvent.objects.get(action="jobs.cleaned").detail == counts
    assert services.jobs_clean(now=later) == {"stalled": 0, "expired": 0, "forgotten": 0}
    assert services.jobs_clean(now=later + datetime.timedelta(days=31))["forgotten"] == 3
    assert not Job.objects.exists()
