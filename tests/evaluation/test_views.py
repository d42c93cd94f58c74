"""The screens: schedule, surveys to do, interview, follow-up events, cohort import, stakeholder feedback.
Outsiders (Charlie) get 404 everywhere."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from reparo.audit.models import AuditEvent
from reparo.evaluation import services
from reparo.evaluation.models import (
    ComparisonCohort,
    ReoffendingEvent,
    StakeholderFeedback,
    SurveyAssignment,
    SurveyResponse,
    SurveySchedule,
)
from tests.cases.factories import alice_case
from tests.conftest import sign_in
from tests.evaluation.factories import agree_to_evaluation, responsible_of, schedule, survivor_of


@pytest.fixture
def assignment(world):
    case = alice_case(world)
    schedule(world, instrument="who5")
    agree_to_evaluation(world, survivor_of(case))
    services.surveys_assign_due()
    return SurveyAssignment.objects.get()


def test_charlie_sees_none_of_it(client, world, assignment):
    sign_in(client, world.charlie)
    program = world.program.pk
    for path in (
        f"/evaluation/programs/{program}/",
        f"/evaluation/programs/{program}/cohorts/import/",
        f"/evaluation/programs/{program}/feedback/",
        f"/evaluation/surveys/{assignment.pk}/",
        f"/evaluation/cases/{assignment.case_id}/reoffending/",
    ):
        assert client.get(path).status_code == 404, path
    for path, data in (
        (f"/evaluation/programs/{program}/schedule/", {"instrument": "k6", "timepoint": "baseline",
                                                       "audience": "both", "due_within_days": 14}),
        (f"/evaluation/surveys/{assignment.pk}/", {"collected_on": timezone.localdate().isoformat()}),
        (f"/evaluation/surveys/{assignment.pk}/cancel/", {"reason": "declined"}),
    ):  # fmt: skip
        assert client.post_form(path, data).status_code == 404, path
    home = client.get("/evaluation/")
    assert home.status_code == 200
    assert survivor_of(assignment.case).display_code not in home.content.decode()
    assert SurveySchedule.objects.count() == 1 and not SurveyResponse.objects.exists()


def test_the_case_worker_sees_the_survey_due_and_completes_the_interview(client, world, assignment):
    sign_in(client, world["case_worker"])
    home = client.get("/evaluation/")
    assert survivor_of(assignment.case).display_code in home.content.decode()
    page = client.get(f"/evaluation/surveys/{assignment.pk}/")
    assert "I have felt cheerful and in good spirits" in page.content.decode()
    spanish = client.get(f"/evaluation/surveys/{assignment.pk}/?lang=es")
    assert "Me he sentido alegre y de buen humor" in spanish.content.decode()
    data = {f"who5_{n}": "3" for n in range(1, 6)} | {"collected_on": timezone.localdate().isoformat()}
    response = client.post_form(f"/evaluation/surveys/{assignment.pk}/?lang=es", data)
    assert response.status_code == 302
    saved = SurveyResponse.objects.get()
    assert saved.total == 15 and saved.band == "adequate" and saved.extra["percentage"] == 60
    assert saved.language == "es"
    assert AuditEvent.objects.filter(action="evaluation.survey_completed", actor=world["case_worker"]).exists()


def test_an_incomplete_interview_says_which_item_is_missing(client, world, assignment):
    sign_in(client, world["case_worker"])
    data = {f"who5_{n}": "3" for n in range(1, 5)} | {"collected_on": timezone.localdate().isoformat()}
    response = client.post_form(f"/evaluation/surveys/{assignment.pk}/", data)
    assert response.status_code == 400
    assert "who5_5: missing" in response.content.decode()
    assert not SurveyResponse.objects.exists()


def test_the_cosa_volunteer_cannot_open_the_survivors_survey(client, world, assignment):
    sign_in(client, world["cosa_volunteer"])
    assert client.get(f"/evaluation/surveys/{assignment.pk}/").status_code == 404
    assert survivor_of(assignment.case).display_code not in client.get("/evaluation/").content.decode()


def test_overdue_surveys_are_listed(client, world, assignment):
    SurveyAssignment.objects.filter(pk=assignment.pk).update(
        due_on=timezone.localdate() - datetime.timedelta(days=30),
        overdue_on=timezone.localdate() - datetime.timedelta(days=16),
    )
    sign_in(client, world["coordinator"])
    page = client.get("/evaluation/?show=overdue").content.decode()
    assert "Overdue" in page and survivor_of(assignment.case).display_code in page


def test_a_survey_can_be_closed_when_the_person_declines(client, world, assignment):
    sign_in(client, world["case_worker"])
    assert client.post_form(f"/evaluation/surveys/{assignment.pk}/cancel/", {"reason": "declined"}).status_code == 302
    assignment.refresh_from_db()
    assert assignment.status == "cancelled" and assignment.cancel_reason == "declined"


def test_the_evaluator_manages_the_schedule(client, world):
    sign_in(client, world["evaluator"])
    response = client.post_form(f"/evaluation/programs/{world.program.pk}/schedule/",
                                {"instrument": "k10", "timepoint": "months_3", "audience": "responsible",
                                 "due_within_days": 21})  # fmt: skip
    assert response.status_code == 302
    line = SurveySchedule.objects.get()
    assert (line.instrument, line.timepoint, line.audience, line.due_within_days) == (
        "k10",
        "months_3",
        "responsible",
        21,
    )
    page = client.get(f"/evaluation/programs/{world.program.pk}/").content.decode()
    assert "3 months after" in page
    client.post_form(f"/evaluation/programs/{world.program.pk}/schedule/{line.pk}/remove/")
    line.refresh_from_db()
    assert not line.is_active


def test_a_facilitator_has_no_program_evaluation_page(client, world):
    sign_in(client, world["facilitator"])
    assert client.get(f"/evaluation/programs/{world.program.pk}/").status_code == 404


def test_the_cohort_import_shows_each_bad_row_and_saves_nothing(client, world):
    sign_in(client, world["evaluator"])
    csv = (
        b"reference,followup_start,followup_end,reoffended_on,event_type\n"
        b"A,2024-01-01,2024-12-31,,\nB,2024-99-01,2024-12-31,,\n"
    )
    upload = SimpleUploadedFile("c.csv", csv, "text/csv")
    response = client.post_form(f"/evaluation/programs/{world.program.pk}/cohorts/import/",
                                {"name": "Court sample", "file": upload})  # fmt: skip
    html = response.content.decode()
    assert response.status_code == 400
    assert "Nothing was imported." in html and "followup_start" in html and "<td>3</td>" in html
    assert not ComparisonCohort.objects.exists()
    response = client.post_form(f"/evaluation/programs/{world.program.pk}/cohorts/import/",
                                {"name": "Court sample", "valid_rows_only": "on",
                                 "file": SimpleUploadedFile("c.csv", csv, "text/csv")})  # fmt: skip
    assert response.status_code == 200
    assert ComparisonCohort.objects.get().members.count() == 1


def test_the_case_team_records_a_followup_event(client, world):
    case = alice_case(world)
    sign_in(client, world["cosa_volunteer"])
    page = client.get(f"/evaluation/cases/{case.pk}/reoffending/").content.decode()
    assert responsible_of(case).display_code in page
    assert survivor_of(case).display_code not in page
    response = client.post_form(f"/evaluation/cases/{case.pk}/reoffending/", {
        "person": str(responsible_of(case).pk), "occurred_on": "2026-10-01", "type": "charge",
        "source": "probation", "note": "",
    })  # fmt: skip
    assert response.status_code == 302
    assert ReoffendingEvent.objects.get().type == "charge"


def test_stakeholder_feedback_is_recorded(client, world):
    sign_in(client, world["coordinator"])
    response = client.post_form(f"/evaluation/programs/{world.program.pk}/feedback/", {
        "stakeholder_kind": "police", "received_on": "2026-10-01", "stakeholder_1": "5", "stakeholder_2": "",
        "comment": "More notice please",
    })  # fmt: skip
    assert response.status_code == 302
    feedback = StakeholderFeedback.objects.get()
    assert feedback.answers["stakeholder_1"] == 5 and feedback.answers["stakeholder_2"] is None


def test_the_list_of_surveys_to_do_takes_the_same_queries_for_more_rows(client, world):
    schedule(world)
    sign_in(client, world["coordinator"])

    def add_cases(n):
        for _ in range(n):
            agree_to_evaluation(world, survivor_of(alice_case(world)))
        services.surveys_assign_due()

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    add_cases(1)
    client.get("/evaluation/")  # the first page of a session also fills its process's access copies
    with CaptureQueriesContext(connection) as one:
        client.get("/evaluation/")
    add_cases(4)
    with CaptureQueriesContext(connection) as five:
        page = client.get("/evaluation/")
    assert page.content.decode().count("/evaluation/surveys/") == 5
    assert len(five) == len(one)


def test_the_program_page_names_the_questionnaires_in_the_users_language(client, world):
    sign_in(client, world["evaluator"])
    spanish = client.get(f"/evaluation/programs/{world.program.pk}/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Índice de Bienestar OMS-5 (WHO-5)" in spanish
    assert "WHO-5 Well-Being Index" not in spanish
    english = client.get(f"/evaluation/programs/{world.program.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "WHO-5 Well-Being Index" in english


def test_a_csv_the_reader_cannot_read_is_reported_not_a_server_error(client, world):
    sign_in(client, world["evaluator"])
    csv = b"reference,followup_start,followup_end,reoffended_on,event_type\nA," + b"x" * 200_000 + b",2024-12-31,,\n"
    upload = SimpleUploadedFile("c.csv", csv, "text/csv")
    response = client.post_form(f"/evaluation/programs/{world.program.pk}/cohorts/import/",
                                {"name": "Court sample", "file": upload})  # fmt: skip
    assert response.status_code == 400
    html = response.content.decode()
    assert "cannot be read as CSV" in html and "<td>2</td>" in html
    assert not ComparisonCohort.objects.exists()
