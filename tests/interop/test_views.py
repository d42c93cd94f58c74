"""The data-exchange pages: organisation admins make files and bring files in, in the background (the page answers at
once with the job's page; the file is streamed from there); anyone else gets 404."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from reparo.audit.models import AuditEvent
from reparo.cases.models import Case
from reparo.jobs.models import Job, JobChunk
from reparo.people.models import Person
from tests.conftest import page_title, sign_in
from tests.interop import helpers as h
from tests.jobs.helpers import downloaded, job_of

pytestmark = pytest.mark.django_db


def _export(world: Any) -> str:
    return reverse("interop:export", args=[world.alice_org.pk])


def _import(world: Any) -> str:
    return reverse("interop:import", args=[world.alice_org.pk])


def test_an_admin_makes_a_file_for_a_partner_and_it_streams(client: Any, world: Any) -> None:
    h.import_file(h.FULL, actor=world["org_admin"], organisation=world.alice_org, program=world.program)
    h.share(Person.objects.filter(organisation=world.alice_org), world.partner, recorder=world["org_admin"])
    sign_in(client, world["org_admin"])
    page = client.get(_export(world))
    assert page.status_code == 200 and page_title(page.content.decode()).startswith("Data exchange")
    started = client.post_form(_export(world), {"kind": "named", "recipient": world.partner.pk, "file_format": "csv"})
    job = job_of(started)
    status = client.get(started["Location"]).content.decode()
    assert "Ready" in status and "Download" in status
    response = downloaded(client, job)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="htcds-')
    body = response.body.decode()
    assert body.startswith("reparo_case_ref,reparo_person_ref,reparo_role,prs_Salutation") and "Maria" in body
    assert AuditEvent.objects.filter(action="htcds.exported", actor=world["org_admin"]).count() == 1
    xlsx = job_of(
        client.post_form(_export(world), {"kind": "named", "recipient": world.partner.pk, "file_format": "xlsx"})
    )
    assert downloaded(client, xlsx).body[:2] == b"PK"


def test_a_deidentified_file_needs_no_partner(client: Any, world: Any) -> None:
    sign_in(client, world["org_admin"])
    job = job_of(client.post_form(_export(world), {"kind": "deidentified", "file_format": "json"}))
    out = json.loads(downloaded(client, job).body)
    assert out["about"]["k"] == 11 and out["rows"] == []


@pytest.mark.parametrize(
    "data",
    [{"kind": "named", "file_format": "csv"}, {"kind": "named", "file_format": "pdf"}, {"file_format": "csv"},
     {"kind": "named", "recipient": "9" * 30, "file_format": "csv"}, {"kind": "maybe", "file_format": "csv"},
     {"kind": "deidentified", "file_format": "csv", "since": "2999-01-01"}, {"recipient": "x", "program": "-1"}],
)  # fmt: skip
def test_a_file_that_cannot_be_made_says_why_and_never_crashes(client: Any, world: Any, data: dict[str, str]) -> None:
    sign_in(client, world["org_admin"])
    response = client.post_form(_export(world), data)
    assert response.status_code == 400
    assert not AuditEvent.objects.filter(action="htcds.exported").exists() and not Job.objects.exists()


def test_without_a_partner_the_page_asks_for_one(client: Any, world: Any) -> None:
    sign_in(client, world["org_admin"])
    text = client.post_form(_export(world), {"kind": "named", "file_format": "csv"}).content.decode()
    assert "Choose the partner organisation the file is for, or make a de-identified file." in text


def test_an_admin_brings_in_an_odk_central_file(client: Any, world: Any) -> None:
    sign_in(client, world["org_admin"])
    assert client.get(_import(world)).status_code == 200
    upload = SimpleUploadedFile("odk.csv", (h.DATA / "htcds" / "odk_central_htcds.csv").read_bytes(), "text/csv")
    started = client.post_form(_import(world), {"program": world.program.pk, "upload": upload})
    job = job_of(started)
    text = client.get(started["Location"]).content.decode()
    assert "The file is in" in text and Case.objects.count() == 2
    assert not job.has_file and not JobChunk.objects.filter(job=job).exists()  # the upload is gone once read


def test_problems_are_listed_with_line_and_column_and_nothing_is_saved(client: Any, world: Any) -> None:
    sign_in(client, world["org_admin"])
    bad = SimpleUploadedFile("bad.csv", b"reparo_case_ref,prs_Gender\nC1,Feminine\nC2,Robot\n", "text/csv")
    started = client.post_form(_import(world), {"program": world.program.pk, "upload": bad})
    text = client.get(started["Location"]).content.decode()
    reason = "“Robot” is not one of the standard&#x27;s values for Gender."
    assert "Nothing was imported yet" in text
    assert f"<strong>Line 3 · prs_Gender</strong><br>{reason}" in text
    assert not Case.objects.exists()
    again = SimpleUploadedFile("bad.csv", b"reparo_case_ref,prs_Gender\nC1,Feminine\nC2,Robot\n", "text/csv")
    partial = client.post_form(_import(world), {"program": world.program.pk, "upload": again, "valid_only": "on"})
    assert "The file is in" in client.get(partial["Location"]).content.decode() and Case.objects.count() == 1


@pytest.mark.parametrize("data", [{"program": "9" * 30}, {"program": "abc"}, {}])
def test_a_bad_upload_form_is_an_error_not_a_crash(client: Any, world: Any, data: dict[str, str]) -> None:
    sign_in(client, world["org_admin"])
    assert client.post_form(_import(world), data).status_code == 400


def test_a_program_of_another_organisation_cannot_be_chosen(client: Any, world: Any) -> None:
    from reparo.organisations.models import Program

    other = Program.objects.create(organisation=world.charlie_org, name="Theirs")
    sign_in(client, world["org_admin"])
    upload = SimpleUploadedFile("odk.csv", (h.DATA / "htcds" / "odk_central_htcds.csv").read_bytes(), "text/csv")
    assert client.post_form(_import(world), {"program": other.pk, "upload": upload}).status_code == 400
    assert not Case.objects.exists()


@pytest.mark.parametrize("who", ["charlie", "coordinator", "evaluator", "case_worker", "partner_liaison"])
def test_anyone_but_the_organisations_admins_gets_not_found(client: Any, world: Any, who: str) -> None:
    sign_in(client, world.charlie if who == "charlie" else world[who])
    assert client.get(_export(world)).status_code == 404
    assert client.get(_import(world)).status_code == 404
    assert client.post_form(_export(world), {"kind": "deidentified", "file_format": "csv"}).status_code == 404
    upload = SimpleUploadedFile("odk.csv", (h.DATA / "htcds" / "odk_central_htcds.csv").read_bytes(), "text/csv")
    assert client.post_form(_import(world), {"program": world.program.pk, "upload": upload}).status_code == 404
    assert "Alice" not in client.get(reverse("interop:index")).content.decode()
    assert not Case.objects.exists() and not AuditEvent.objects.filter(action__startswith="htcds.").exists()
    assert not Job.objects.exists()
