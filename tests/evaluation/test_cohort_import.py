"""Comparison cohort CSV import: every bad row reported (line, column, reason); nothing saved on a bad file
unless the user chooses to import the valid rows only."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction

from reparo.audit.models import AuditEvent
from reparo.core.fields import blind_lookup
from reparo.evaluation.models import ComparisonCohort, ComparisonMember
from reparo.evaluation.services import RowError, cohort_import

GOOD = (
    "reference,followup_start,followup_end,reoffended_on,event_type\n"
    "C-001,2024-01-01,2025-01-01,,\n"
    "C-002,2024-02-01,2025-02-01,2024-06-01,conviction\n"
)
BAD = GOOD + (
    "C-003,2024-13-01,2025-01-01,,\n"
    "C-001,2024-01-01,2025-01-01,,\n"
    "C-004,2024-05-01,2024-01-01,2024-06-01,\n"
    ",2024-01-01,2025-01-01,2024-02-01,jaywalking\n"
)


def run(world, content: str, **kwargs):
    return cohort_import(actor=world["evaluator"], program=world.program, name="Court sample 2024",
                         content=content.encode(), filename="cohort.csv", **kwargs)  # fmt: skip


def test_it_imports_a_good_file(world):
    result = run(world, GOOD)
    assert result.saved and result.imported == 2 and result.errors == []
    member = ComparisonMember.objects.get(**blind_lookup(ComparisonMember, "reference_bidx", "C-002"))
    assert member.reference == "C-002"
    assert member.reoffended_on.isoformat() == "2024-06-01" and member.event_type == "conviction"
    assert AuditEvent.objects.filter(action="evaluation.cohort_imported", actor=world["evaluator"]).exists()


def test_it_reports_every_bad_row_and_saves_nothing(world):
    result = run(world, BAD)
    assert not result.saved
    assert not ComparisonCohort.objects.exists() and not ComparisonMember.objects.exists()
    found = {(e.row, e.column) for e in result.errors}
    assert found == {
        (4, "followup_start"),
        (5, "reference"),
        (6, "followup_end"),
        (6, "reoffended_on"),
        (6, "event_type"),
        (7, "reference"),
        (7, "event_type"),
    }
    duplicate = next(e for e in result.errors if e.row == 5)
    assert "line 2" in duplicate.reason


def test_it_imports_only_the_valid_rows_when_asked(world):
    result = run(world, BAD, valid_rows_only=True)
    assert result.saved and result.imported == 2
    assert sorted(m.reference for m in ComparisonMember.objects.all()) == ["C-001", "C-002"]
    assert result.errors


def test_it_reports_missing_columns_on_line_one(world):
    result = run(world, "reference,followup_start\nC-1,2024-01-01\n")
    assert not result.saved
    assert {(e.row, e.column) for e in result.errors} == {
        (1, "followup_end"), (1, "reoffended_on"), (1, "event_type")
    }  # fmt: skip


def test_it_refuses_a_file_that_is_not_utf8_or_empty(world):
    assert cohort_import(actor=world["evaluator"], program=world.program, name="x",
                         content="reference\n\xff".encode("latin-1")).errors[0] == RowError(
        1, "", "The file is not UTF-8 text (CSV).")  # fmt: skip
    result = run(world, "reference,followup_start,followup_end,reoffended_on,event_type\n", valid_rows_only=True)
    assert not result.saved and result.errors[0].reason == "The file has no rows."


def test_outsiders_cannot_import(world):
    for actor in (world.charlie, world["facilitator"]):
        with pytest.raises(PermissionDenied):
            cohort_import(actor=actor, program=world.program, name="x", content=GOOD.encode())


def test_it_reports_the_files_line_after_blank_lines_and_quoted_newlines(world):
    content = (
        "reference,followup_start,followup_end,reoffended_on,event_type\n"
        "\n"
        '"C-1\nsecond line",2024-01-01,2025-01-01,,\n'
        "C-2,2024-01-01,2025-01-01,,\n"
        "\n"
        "C-3,2024-99-01,2025-01-01,,\n"
    )
    result = run(world, content)
    assert {(e.row, e.column) for e in result.errors} == {(7, "followup_start")}
    assert result.rows_read == 3


def test_a_value_too_long_for_csv_is_reported_with_its_line_not_a_crash(world):
    content = GOOD + "C-3," + "x" * 200_000 + ",2025-01-01,,\n"
    result = run(world, content)
    assert not result.saved
    assert [e.row for e in result.errors] == [4]
    assert "cannot be read as CSV" in result.errors[0].reason


def test_a_quote_never_closed_is_reported_not_a_crash(world):
    content = GOOD + 'C-3,"2024-01-01,2025-01-01,,\n' + "x" * 200_000 + "\n"
    result = run(world, content)
    assert not result.saved and "cannot be read as CSV" in result.errors[-1].reason


@pytest.mark.parametrize(
    "value", ["20240101", "2024-W01-1", "2024-1-1", "2024-01-01T00:00", "\uff12\uff10\uff12\uff14-01-01"]
)
def test_it_accepts_only_dates_written_yyyy_mm_dd(world, value):
    result = run(world, GOOD + f"C-3,{value},2025-01-01,,\n")
    assert [(e.row, e.column, e.reason) for e in result.errors] == [
        (4, "followup_start", "Not a date in the form YYYY-MM-DD.")
    ]


def test_headers_are_matched_whatever_their_case_and_spaces(world):
    content = GOOD.replace("reference,followup_start", " Reference , FOLLOWUP_Start ")
    result = run(world, content)
    assert result.saved and result.imported == 2 and result.errors == []


def test_it_reads_a_file_separated_by_semicolons(world):
    result = run(world, GOOD.replace(",", ";"))
    assert result.saved and result.imported == 2 and result.errors == []
    assert ComparisonMember.objects.get(**blind_lookup(ComparisonMember, "reference_bidx", "C-002")).event_type == (
        "conviction"
    )


@pytest.mark.parametrize("content", ["", "\n\n", "\ufeff", "  \r\n"])
def test_an_empty_file_gets_one_clear_error(world, content):
    result = run(world, content)
    assert not result.saved
    assert result.errors == [RowError(1, "", "The file is empty.")]


CANARY = "Quillon-Canary-4417"


def test_it_stores_references_encrypted_and_reads_them_back(world):
    result = run(world, GOOD.replace("C-002", CANARY))
    assert result.saved and result.imported == 2
    with connection.cursor() as cursor:
        cursor.execute("SELECT reference, reference_bidx FROM evaluation_comparisonmember")
        raw = cursor.fetchall()
    assert CANARY not in repr(raw) and CANARY.lower() not in repr(raw).lower()
    assert all(reference.startswith("enc1:") for reference, _bidx in raw)
    assert {m.reference for m in ComparisonMember.objects.all()} == {"C-001", CANARY}


def test_it_refuses_references_that_differ_only_in_capitals_or_spaces(world):
    result = run(world, GOOD + "c-001 ,2024-01-01,2025-01-01,,\n")
    assert not result.saved
    assert [(e.row, e.column) for e in result.errors] == [(4, "reference")]
    assert "line 2" in result.errors[0].reason and "capitals" in result.errors[0].reason


def test_the_database_keeps_a_reference_unique_within_its_cohort_only(world):
    first = run(world, GOOD).cohort
    second = run(world, GOOD).cohort
    assert second.members.count() == 2, "the same references in another cohort"
    member = first.members.get(**blind_lookup(ComparisonMember, "reference_bidx", "C-001"))
    copy = ComparisonMember(cohort=first, reference="c-001", followup_start=member.followup_start,
                            followup_end=member.followup_end)  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        copy.save()
