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
    index = client.get(reverse("interop:index")).content.decode()
    assert _export(world) not in index and _import(world) not in index
    if who != "coordinator":  # a coordinator sees the organisation for its field intake only
        assert "Alice" not in index
    assert not Case.objects.exists() and not AuditEvent.objects.filter(action__startswith="htcds.").exists()
    assert not Job.objects.exists()


# --- field intake -------------------------------------------------------------------------------------------------


def _field_intake(world: Any) -> str:
    return reverse("interop:field_intake", args=[world.alice_org.pk])


@pytest.fixture
def pulled(world: Any, monkeypatch: Any, settings: Any) -> Any:
    from reparo.interop import services
    from tests.interop.central_stub import CONF, StubCentral

    settings.ODK_CENTRAL = CONF
    StubCentral().install(monkeypatch)
    return services.field_intake_pull(actor=world["coordinator"], organisation=world.alice_org, program=world.program)


def test_a_coordinator_sees_what_arrived_without_the_answers(client: Any, world: Any, pulled: Any) -> None:
    from reparo.interop.models import FieldSubmission

    sign_in(client, world["coordinator"])
    index = client.get(reverse("interop:index")).content.decode()
    assert _field_intake(world) in index and _export(world) not in index
    response = client.get(_field_intake(world))
    page = response.content.decode()
    assert response.status_code == 200 and page_title(page).startswith("Field intake")
    assert page.count("Waiting for your review") == 3 and "Sent 2025-03-02" in page
    mine = FieldSubmission.objects.get(instance_id="uuid:3c4d5e6f-7081-4a92-b3c4-d5e6f7a8b9c0").intake_draft
    assert f"/cases/new/?draft={mine.pk}" in page
    assert "Forced Labour Industry takes one value, not several." in page  # what to check, in plain words
    for answer in ("Amara", "Okafor", "Nadia", "Tomas", "+2348031234567", "Harbour Outreach"):
        assert answer not in page  # the answers are in the drafts, for their holder
    assert AuditEvent.objects.filter(action="field_intake.viewed", actor=world["coordinator"]).count() == 1


def test_another_reviewer_takes_a_draft_over_from_the_page(client: Any, world: Any, pulled: Any) -> None:
    from reparo.interop.models import FieldSubmission

    sign_in(client, world["org_admin"])
    page = client.get(_field_intake(world)).content.decode()
    assert page.count("Waiting for review by Alice coordinator") == 3 and "Take it over" in page
    submission = FieldSubmission.objects.get(instance_id="uuid:6b1f3c0e-5d0a-4c5e-9a57-0d1b5c1c2a01")
    response = client.post_form(reverse("interop:field_intake_take", args=[submission.pk]))
    assert response.status_code == 302 and response["Location"] == f"/cases/new/?draft={submission.intake_draft_id}"
    assert client.get(response["Location"]).status_code == 200
    again = client.post_form(reverse("interop:field_intake_take", args=[submission.pk]), follow=True)
    assert "already yours" in again.content.decode()
    assert client.get(reverse("interop:field_intake_take", args=[submission.pk])).status_code == 405


def test_the_list_is_paginated_and_says_when_nothing_arrived(client: Any, world: Any) -> None:
    from reparo.interop import central, services

    sign_in(client, world["coordinator"])
    empty = client.get(_field_intake(world)).content.decode()
    assert "Nothing has arrived from the field yet." in empty and "is not set up on this server" in empty
    submissions = [
        central.Submission(instance_id=f"uuid:00000000-0000-4000-8000-{n:012d}", submitted_at=None,
                           review_state="received", columns={"prs_First_Name": f"Person {n}"})
        for n in range(30)
    ]  # fmt: skip
    services.field_intake_receive(actor=world["coordinator"], organisation=world.alice_org, program=world.program,
                                  submissions=submissions, project_id=7, form_id="htcds_xlsform")  # fmt: skip
    first = client.get(_field_intake(world)).content.decode()
    assert first.count("Review the draft") == 25 and "Page 1 of 2" in first
    second = client.get(_field_intake(world) + "?page=2").content.decode()
    assert second.count("Review the draft") == 5


@pytest.mark.parametrize("who", ["charlie", "evaluator", "case_worker", "facilitator", "partner_liaison"])
def test_anyone_but_the_reviewers_of_field_intake_gets_not_found(
    client: Any, world: Any, pulled: Any, who: str
) -> None:
    from reparo.interop.models import FieldSubmission

    sign_in(client, world.charlie if who == "charlie" else world[who])
    submission = FieldSubmission.objects.first()
    assert client.get(_field_intake(world)).status_code == 404
    assert client.post_form(reverse("interop:field_intake_take", args=[submission.pk])).status_code == 404
    assert FieldSubmission.objects.get(pk=submission.pk).intake_draft.owner == world["coordinator"]
    assert not AuditEvent.objects.filter(action__in=["field_intake.viewed", "field_submission.taken"]).exists()
