"""Following a background job from the page that started it, as a person does: to the job's page, then the file."""

from __future__ import annotations

from typing import Any

from django.urls import resolve

from reparo.jobs.models import Job


def job_of(response: Any) -> Job:
    """The job a start request sent its answer to (a redirect to the job's page)."""
    assert response.status_code == 302, f"expected a redirect to the job's page, got {response.status_code}"
    match = resolve(response["Location"])
    assert match.view_name == "jobs:detail", response["Location"]
    return Job.objects.get(pk=match.kwargs["pk"])


def downloaded(client: Any, job: Job) -> Any:
    """The job's file as its owner downloads it (a streamed answer): the response, its body read in full."""
    response = client.get(f"/downloads/{job.pk}/file/")
    assert response.status_code == 200, response.status_code
    assert response.streaming
    response.body = b"".join(response.streaming_content)
    return response
