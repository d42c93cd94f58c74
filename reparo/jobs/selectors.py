"""Reads for background jobs. A job is its owner's alone: anyone else — a colleague, an admin, the outsider — gets
404 for it, and so does its owner once the kind no longer lets them do what it does (their role ended or changed:
the same check as when it was started)."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page

from reparo.access.actors import active_roles, is_active
from reparo.access.lookup import lookup, one_or_404, refuse
from reparo.core.pagination import page_of
from reparo.jobs.files import ChunkReader
from reparo.jobs.kinds import JobKind, kind_of
from reparo.jobs.models import Job


@lookup("jobs.job")
def job_get_for(actor: Any, pk: Any) -> Job:
    """The actor's own job, while its kind still allows the actor what the job does (asked afresh each time);
    otherwise 404."""
    if not is_active(actor):
        raise refuse()
    job = one_or_404(Job.objects.filter(owner=actor).select_related("organisation"), pk)
    spec = kind_of(job.kind)
    if spec is None or not spec.allowed(actor, dict(job.params or {})):
        raise refuse()
    return job


def jobs_of(actor: Any, *, page: Any = 1, per_page: int = 20) -> Page:
    """The actor's own jobs, newest first, in the organisations where they still hold a role."""
    organisations = {org_id for org_id, _role in active_roles(actor)}
    rows = (
        Job.objects.filter(owner=actor, organisation_id__in=organisations)
        .select_related("organisation")
        .defer("params", "summary", "error")
        .order_by("-created_at")
    )
    return page_of(rows, per_page, page)


def kind_for(job: Job) -> JobKind | None:
    return kind_of(job.kind)


def job_file(job: Job) -> ChunkReader:
    """The job's file, read piece by piece (the caller has looked the job up with :func:`job_get_for`)."""
    return ChunkReader(job)
