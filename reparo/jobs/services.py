"""Writes for background jobs: starting one (and its audit row), running it on the worker, its progress, its end
(done or failed, each with an audit row), a download (audited), and clearing away what has expired.

A job is started in the request's transaction together with its task (the database task backend stores the task in
the same transaction, so a job is never left without its task, nor a task without its job), and the request answers
at once. The worker then runs it as its owner: the kind's ``run`` goes through the same services, access checks and
audit rows as the page did when it did the work itself.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from reparo.access.actors import is_active
from reparo.audit.services import audit_record, audit_record_for
from reparo.jobs import files, tasks
from reparo.jobs.kinds import JobRefused, kind_of
from reparo.jobs.models import UNFINISHED, ChunkPart, Job, JobState, JobStep
from reparo.jobs.work import Work

logger = logging.getLogger(__name__)

DONE, FAILED, SKIPPED = "done", "failed", "skipped"
# Job rows (without their files, removed earlier) are kept this long for the owner's list; the audit log keeps the
# rest.
FORGET_AFTER = datetime.timedelta(days=30)


def _no_longer_allowed() -> str:
    return _(
        "You can no longer do this here: your role in the organisation may have changed. Ask an organisation admin if "
        "you think this is wrong."
    )


def _went_wrong(job: Job) -> str:
    return _(
        "Something went wrong on our side, so this could not be finished. Nothing was saved or sent. Try again in a "
        "few minutes; if it happens again, tell your administrator and give them this reference: %(ref)s."
    ) % {"ref": str(job.pk)[:8]}


def _local_path(path: str) -> str:
    return path if path.startswith("/") and not path.startswith("//") and "\\" not in path else ""


# --- starting ------------------------------------------------------------------------------------------------------


@transaction.atomic
def job_start(
    *,
    actor: Any,
    organisation: Any,
    kind: str,
    params: dict[str, Any],
    subject: str = "",
    back_to: str = "",
    input_data: bytes | None = None,
) -> Job:
    """Queue ``kind`` of work for ``actor`` in ``organisation`` with ``params`` (ids, dates, choices: JSON) and, for
    an import, the file it reads (``input_data``, kept encrypted until the job has read it). The kind decides whether
    the actor may (PermissionDenied if not). Returns the job; with a task backend that runs tasks at once (development
    and tests), it has already run."""
    spec = kind_of(kind)
    if spec is None:
        raise ValueError(f"No job kind called {kind!r} is registered.")
    if not spec.allowed(actor, params):
        raise PermissionDenied
    job = Job.objects.create(
        owner=actor,
        organisation=organisation,
        kind=kind,
        subject=subject[:200],
        params=params,  # type: ignore[misc]  # encrypted JSON
        language=translation.get_language() or settings.LANGUAGE_CODE,
        back_to=_local_path(back_to)[:300],
    )
    if input_data is not None:
        writer = files.ChunkWriter(job, ChunkPart.INPUT)
        writer.write(input_data)
        writer.close()
    audit_record_for(actor, "jobs.started", job, organisation, kind=kind)
    result = tasks.job_run_task.enqueue(str(job.pk))
    Job.objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])
    job.refresh_from_db()
    return job


# --- running (on the worker) ---------------------------------------------------------------------------------------


@contextlib.contextmanager
def _own_savepoint_if_nested() -> Iterator[None]:
    """On the worker the work runs outside any transaction, so that its progress and the pieces of its file are seen
    as they are written. When it runs inside one (a task backend that runs tasks at once, inside the request), it
    gets a savepoint, so that a failure rolls back its own writes and leaves the job's to be recorded."""
    if transaction.get_connection().in_atomic_block:
        with transaction.atomic():
            yield
    else:
        yield


def job_run(job_id: str) -> str:
    """Run a queued job, once (a second call, or a job no longer waiting, does nothing). A failure is recorded on the
    job with a message its owner can read, and never swallowed: an unexpected error is also logged and raised again,
    so that the worker records it."""
    claimed = Job.objects.filter(pk=job_id, state=JobState.QUEUED).update(
        state=JobState.RUNNING, step=JobStep.PREPARING, progress=0, started_at=timezone.now()
    )
    if not claimed:
        return SKIPPED
    job = Job.objects.select_related("owner", "organisation").get(pk=job_id)
    spec = kind_of(job.kind)
    with translation.override(job.language or settings.LANGUAGE_CODE):
        work = Work(job)
        try:
            if spec is None:
                raise JobRefused(_("This kind of work can no longer be done here."))
            if not is_active(job.owner) or not spec.allowed(job.owner, work.params):
                raise PermissionDenied  # their role ended or changed since they asked
            with _own_savepoint_if_nested():
                spec.run(work)
                size = work.close_file()
            job_succeed(job=job, work=work, size=size)
        except JobRefused as exc:
            job_fail(job=job, message=exc.message, reason="refused")
            return FAILED
        except (PermissionDenied, Http404):
            job_fail(job=job, message=_no_longer_allowed(), reason="not allowed")
            return FAILED
        except ValidationError as exc:
            job_fail(job=job, message=" ".join(str(m) for m in exc.messages), reason="invalid")
            return FAILED
        except Exception as exc:
            logger.exception("Job %s (%s) failed", job.pk, job.kind)
            job_fail(job=job, message=_went_wrong(job), reason=type(exc).__name__)
            raise
        else:
            return DONE
        finally:
            files.forget(job, ChunkPart.INPUT)


def job_progress_set(*, job: Job, step: str, progress: int | None) -> None:
    """What a running job is doing and how far it is (no audit row: it is not an act of anyone's)."""
    Job.objects.filter(pk=job.pk, state=JobState.RUNNING).update(step=step, progress=progress)


def _keep_until(now: datetime.datetime) -> datetime.datetime:
    return now + datetime.timedelta(hours=settings.JOB_KEEP_HOURS)


@transaction.atomic
def job_succeed(*, job: Job, work: Work, size: int | None) -> Job:
    now = timezone.now()
    job.state, job.step, job.progress = JobState.DONE, JobStep.FINISHED, 100
    job.finished_at, job.expires_at = now, _keep_until(now)
    job.summary = work.summary
    if size is not None:
        job.result_name = (work.filename or "file")[:200]
        job.result_type = (work.content_type or "application/octet-stream")[:100]
        job.result_size = size
    job.save(
        update_fields=[
            "state", "step", "progress", "finished_at", "expires_at", "summary", "result_name", "result_type",
            "result_size",
        ]
    )  # fmt: skip
    audit_record_for(None, "jobs.finished", job, job.organisation, system_label="task worker", kind=job.kind,
                     owner=str(job.owner_id), bytes=size)  # fmt: skip
    return job


@transaction.atomic
def job_fail(*, job: Job, message: str, reason: str) -> Job:
    """Record that the job could not be finished, with ``message`` for its owner (plain words); whatever part of its
    file was written is removed."""
    files.forget(job, ChunkPart.RESULT)
    now = timezone.now()
    job.state, job.error = JobState.FAILED, message
    job.finished_at, job.expires_at = now, _keep_until(now)
    job.result_size = None
    job.save(update_fields=["state", "error", "finished_at", "expires_at", "result_size"])
    audit_record_for(None, "jobs.failed", job, job.organisation, system_label="task worker", kind=job.kind,
                     owner=str(job.owner_id), reason=reason[:64])  # fmt: skip
    return job


# --- the owner's download ------------------------------------------------------------------------------------------


@transaction.atomic
def job_downloaded(*, actor: Any, job: Job) -> None:
    """Record that the owner is downloading the job's file (called before the first byte is sent)."""
    if not job.has_file:
        raise ValidationError(_("This file is not ready, or no longer kept."))
    audit_record_for(actor, "jobs.downloaded", job, job.organisation, kind=job.kind, bytes=job.result_size)


# --- clearing away -------------------------------------------------------------------------------------------------


@transaction.atomic
def jobs_clean(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Mark jobs that waited or ran far too long as failed (the worker was down, or stopped in the middle), remove
    the files (and what an import found) of jobs past their time, and forget jobs older than 30 days. Recorded in
    the audit log as one row when anything changed."""
    now = now or timezone.now()
    counts = {"stalled": 0, "expired": 0, "forgotten": 0}
    stalled = Job.objects.filter(
        state=JobState.QUEUED, created_at__lt=now - datetime.timedelta(hours=settings.JOB_QUEUED_HOURS)
    ) | Job.objects.filter(
        state=JobState.RUNNING, started_at__lt=now - datetime.timedelta(hours=settings.JOB_RUNNING_HOURS)
    )
    for job in stalled.select_for_update(of=("self",)).filter(state__in=UNFINISHED):
        with translation.override(job.language or settings.LANGUAGE_CODE):
            if job.state == JobState.QUEUED:
                message = _("This did not start in time: the background worker may not be running. Try again later.")
            else:
                message = _("This stopped before it was finished. Nothing was saved or sent. Try again.")
        files.forget(job)
        job.state, job.error, job.finished_at, job.expires_at = JobState.FAILED, message, now, _keep_until(now)
        job.save(update_fields=["state", "error", "finished_at", "expires_at"])
        counts["stalled"] += 1
    for job in Job.objects.filter(state__in=(JobState.DONE, JobState.FAILED), expires_at__lt=now):
        files.forget(job)
        job.state, job.summary, job.error, job.params = JobState.EXPIRED, None, "", {}
        job.result_size = None
        job.save(update_fields=["state", "summary", "error", "params", "result_size"])
        counts["expired"] += 1
    _total, deleted = Job.objects.filter(created_at__lt=now - FORGET_AFTER).delete()
    counts["forgotten"] = deleted.get("jobs.Job", 0)
    if any(counts.values()):
        audit_record(actor=None, action="jobs.cleaned", object_type="jobs.job", actor_label="jobs_clean", detail=counts)
    return counts
