from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_safe

from reparo.jobs import selectors, services
from reparo.jobs.models import Job

# htmx stops polling when a poll is answered with this status (and still shows what it was sent).
STOP_POLLING = 286
DOWNLOAD_BLOCK_BYTES = 64 * 1024


def _context(job: Job) -> dict[str, Any]:
    return {"job": job, "kind": selectors.kind_for(job)}


@require_safe
def job_list(request: HttpRequest) -> HttpResponse:
    return render(request, "jobs/list.html", {"page": selectors.jobs_of(request.user, page=request.GET.get("page"))})


@require_safe
def job_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    job = selectors.job_get_for(request.user, pk)
    return render(request, "jobs/detail.html", _context(job))


@require_safe
def job_status(request: HttpRequest, pk: Any) -> HttpResponse:
    """The job's state, progress and outcome, for the page to poll (htmx) until the job has finished."""
    job = selectors.job_get_for(request.user, pk)
    return render(request, "jobs/_status.html", _context(job), status=200 if job.unfinished else STOP_POLLING)


@require_GET
def job_download(request: HttpRequest, pk: Any) -> FileResponse:
    job = selectors.job_get_for(request.user, pk)
    if not job.has_file:
        raise Http404
    services.job_downloaded(actor=request.user, job=job)
    response = FileResponse(
        selectors.job_file(job), as_attachment=True, filename=job.result_name, content_type=job.result_type
    )
    response.block_size = DOWNLOAD_BLOCK_BYTES
    response["Content-Length"] = str(job.result_size)
    return response
