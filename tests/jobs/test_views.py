"""The job pages: the page that starts work answers at once with the job's page, which polls its progress (htmx) and
then offers the download (streamed) or says in plain words why the work failed. A job is its owner's alone."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from reparo.access.services import membership_end
from reparo.accounts.models import Membership
from reparo.audit.models import AuditEvent
from reparo.jobs import files, services
from reparo.jobs.models import Job, JobChunk, JobState, JobStep
from tests.conftest import CsrfClient, page_title, sign_in
from tests.jobs.fixtures import TEST_KIND
from tests.jobs.helpers import downloaded, job_of

pytestmark = pytest.mark.django_db


def start(world: Any, who: str = "coordinator") -> Job:
    return services.job_start(
        actor=world[who], organisation=world.alice_org, kind=TEST_KIND,
        params={"organisation": world.alice_org.pk}, subject="Alice Restorative Service",
        back_to=f"/organisations/{world.alice_org.pk}/",
    )  # fmt: skip


def urls(job: Job) -> dict[str, str]:
    return {name: reverse(f"jobs:{name}", args=[job.pk]) for name in ("detail", "status", "download")}


def test_the_start_request_answers_at_once_and_the_worker_does_the_work(
    client: Any, world: Any, queued_only: None
) -> None:
    """With a queue that only queues, starting an export writes the job and its task and goes to the job's page;
    nothing of the export is done until the worker runs it."""
    sign_in(client, world["org_admin"])
    response = client.post_form(
        reverse("interop:export", args=[world.alice_org.pk]), {"kind": "deidentified", "file_format": "csv"}
    )
    job = job_of(response)
    assert job.state == JobState.QUEUED
    assert not AuditEvent.objects.filter(action="htcds.exported").exists()  # the export itself has not run
    assert AuditEvent.objects.filter(action="jobs.started", actor=world["org_admin"]).count() == 1
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200 and page_title(html) == "Downloads · Reparo"
    assert "Waiting to start" in html and "HTCDS file" in html
    assert f'hx-get="{urls(job)["status"]}" hx-trigger="every 2s"' in html
    assert client.get(urls(job)["status"]).status_code == 200  # keep polling
    assert client.get(urls(job)["download"]).status_code == 404  # nothing to download yet

    assert services.job_run(str(job.pk)) == services.DONE  # what the task worker does
    status = client.get(urls(job)["status"])
    assert status.status_code == 286  # htmx stops polling, and shows the answer
    assert "Ready" in status.content.decode() and urls(job)["download"] in status.content.decode()
    assert AuditEvent.objects.filter(action="htcds.exported").count() == 1
    assert "hx-trigger" not in client.get(response["Location"]).content.decode()


def test_the_page_shows_progress_while_the_work_goes(client: Any, world: Any, sample: Any, queued_only: None) -> None:
    sign_in(client, world["coordinator"])
    job = start(world)
    shown = []

    def slow(w: Any) -> None:
        w.progress(JobStep.WRITING, 0.4)
        shown.append(client.get(urls(job)["status"]).content.decode())
        w.progress(JobStep.SAVING, None)
        shown.append(client.get(urls(job)["status"]).content.decode())

    sample.run = slow
    services.job_run(str(job.pk))
    assert '<progress class="job__bar" max="100" value="40"' in shown[0] and "Writing the file" in shown[0]
    assert '<progress class="job__bar" aria-label="Progress">' in shown[1] and "Saving the cases" in shown[1]


def test_a_failure_is_shown_not_swallowed(client: Any, world: Any, monkeypatch: Any) -> None:
    """An export that breaks half-way ends as a failed job whose page says so in plain words, with a reference for
    the administrator; no half file is offered."""
    from reparo.interop import services as interop

    real = interop.htcds_export

    def breaks(**kwargs: Any) -> Any:
        result = real(**kwargs)

        def chunks() -> Any:
            yield "reparo_case_ref\n"
            raise ConnectionError("the database went away")

        result.chunks = chunks()
        return result

    monkeypatch.setattr(interop, "htcds_export", breaks)
    sign_in(client, world["org_admin"])
    response = client.post_form(
        reverse("interop:export", args=[world.alice_org.pk]), {"kind": "deidentified", "file_format": "csv"}
    )
    job = job_of(response)
    html = client.get(response["Location"]).content.decode()
    assert job.state == JobState.FAILED
    assert "Could not be finished" in html
    assert '<p class="notice" role="alert">Something went wrong on our side, so this could not be finished.' in html
    assert str(job.pk)[:8] in html and "database went away" not in html
    assert urls(job)["download"] not in html and client.get(urls(job)["download"]).status_code == 404
    assert not JobChunk.objects.filter(job=job).exists()
    assert AuditEvent.objects.get(action="jobs.failed", object_id=str(job.pk)).detail["reason"] == "ConnectionError"
    listing = client.get(reverse("jobs:list")).content.decode()
    assert "Could not be finished" in listing


def test_the_download_streams_the_file_piece_by_piece(client: Any, world: Any, sample: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(files, "CHUNK_BYTES", 5)
    sign_in(client, world["coordinator"])
    job = start(world)
    assert JobChunk.objects.filter(job=job).count() == 5  # 23 bytes in pieces of 5
    response = downloaded(client, job)
    assert response.body == b"first line\nsecond line\n"
    assert response["Content-Length"] == "23"
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="sample.txt"'
    assert "no-store" in response["Cache-Control"]
    assert AuditEvent.objects.filter(action="jobs.downloaded", object_id=str(job.pk)).count() == 1


@pytest.mark.parametrize("who", ["org_admin", "evaluator", "charlie", "partner_liaison"])
def test_another_persons_job_is_not_found(world: Any, sample: Any, who: str) -> None:
    job = start(world)
    client = sign_in(CsrfClient(), world.charlie if who == "charlie" else world[who])
    for url in urls(job).values():
        assert client.get(url).status_code == 404
    assert "Sample file" not in client.get(reverse("jobs:list")).content.decode()
    assert not AuditEvent.objects.filter(action="jobs.downloaded").exists()


def test_a_job_is_not_found_once_its_owner_may_no_longer_do_what_it_does(world: Any, sample: Any) -> None:
    job = start(world)
    client = sign_in(CsrfClient(), world["coordinator"])
    assert client.get(urls(job)["download"]).status_code == 200
    membership_end(actor=world["org_admin"], membership=Membership.objects.get(user=world["coordinator"]))
    for url in urls(job).values():
        assert client.get(url).status_code == 404


def test_only_reading_is_allowed_on_the_job_pages(client: Any, world: Any, sample: Any) -> None:
    job = start(world)
    sign_in(client, world["coordinator"])
    for url in [reverse("jobs:list"), *urls(job).values()]:
        assert client.post_form(url).status_code == 405


def test_the_list_shows_ones_own_jobs_newest_first_a_page_at_a_time(client: Any, world: Any, sample: Any) -> None:
    sign_in(client, world["coordinator"])
    empty = client.get(reverse("jobs:list")).content.decode()
    assert "Nothing here yet." in empty
    jobs = [start(world) for _ in range(21)]
    start(world, "org_admin")  # someone else's
    Job.objects.filter(pk=jobs[0].pk).update(created_at=timezone.now() - datetime.timedelta(days=1))
    first = client.get(reverse("jobs:list")).content.decode()
    assert len(re.findall(r'href="/downloads/[0-9a-f-]{36}/', first)) == 40  # twenty, each its page and download
    assert "Page 1 of 2" in first and str(jobs[0].pk) not in first
    second = client.get(reverse("jobs:list"), {"page": 2}).content.decode()
    assert str(jobs[0].pk) in second and "Page 2 of 2" in second


def test_the_job_page_has_no_inline_script_or_style_and_goes_back(client: Any, world: Any, sample: Any) -> None:
    job = start(world)
    sign_in(client, world["coordinator"])
    html = client.get(urls(job)["detail"]).content.decode()
    assert "style=" not in html and "hx-on" not in html and "<script>" not in html
    assert f'<a href="/organisations/{world.alice_org.pk}/">Back to where you started</a>' in html


def test_a_removed_file_says_so(client: Any, world: Any, sample: Any) -> None:
    job = start(world)
    services.jobs_clean(now=timezone.now() + datetime.timedelta(hours=25))
    sign_in(client, world["coordinator"])
    html = client.get(urls(job)["detail"]).content.decode()
    assert "Removed" in html and "The file was removed after the time it is kept." in html
    assert client.get(urls(job)["download"]).status_code == 404


def test_polling_does_not_keep_an_idle_session_alive(client: Any, world: Any, sample: Any, queued_only: None) -> None:
    """Nobody may be looking at a job's page that asks by itself every two seconds: its polls do not count as
    activity, so the session still ends after 30 idle minutes (and htmx is sent to sign in)."""
    import time

    from reparo.accounts.services import LAST_SEEN_KEY

    job = start(world)
    sign_in(client, world["coordinator"])
    assert 'hx-headers=\'{"X-Reparo-Poll": "1"}\'' in client.get(urls(job)["detail"]).content.decode()
    session = client.session
    session[LAST_SEEN_KEY] = seen = time.time() - 29 * 60
    session.save()
    poll = {"HX-Request": "true", "X-Reparo-Poll": "1"}
    assert client.get(urls(job)["status"], headers=poll).status_code == 200
    assert client.session[LAST_SEEN_KEY] == seen  # not refreshed
    session = client.session
    session[LAST_SEEN_KEY] = time.time() - 31 * 60
    session.save()
    ended = client.get(urls(job)["status"], headers=poll)
    assert ended.status_code == 204 and ended["HX-Redirect"] == reverse("accounts:login")
