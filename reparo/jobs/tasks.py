"""The one task that runs every job on the django-tasks worker. Jobs wait behind the short tasks (e-mails) of the
same worker: their priority is lower."""

from __future__ import annotations

from django_tasks import task

JOB_PRIORITY = -10


@task(priority=JOB_PRIORITY)
def job_run_task(job_id: str) -> str:
    """Run the job (see :func:`reparo.jobs.services.job_run`); what became of it: done, failed or skipped."""
    from reparo.jobs.services import job_run

    return job_run(job_id)
