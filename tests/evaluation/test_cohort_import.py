"""Comparison cohort CSV import: every bad row reported (line, column, reason); nothing saved on a bad file
unless the user chooses to import the valid rows only."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from reparo.audit.models import AuditEvent
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
    member = ComparisonMember.objects.get(reference="C-002")
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
    assert sorted(ComparisonMember.objects.values_list("reference", flat=True)) == ["C-001", "C-002"]
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
