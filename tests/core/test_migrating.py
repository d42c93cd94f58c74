"""The migrations that encrypt the remaining free text convert the rows already there, and back."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from reparo.analytics import services as analytics_services
from reparo.analytics.models import ImprovementAction
from reparo.cosa.models import OuterMember
from reparo.evaluation.models import ComparisonMember
from reparo.evaluation.services import cohort_import
from reparo.training import services as training_services
from reparo.training.models import Course, CPDEntry
from tests.cosa.factories import circle

BEFORE = [
    ("analytics", "0001_initial"),
    ("training", "0001_initial"),
    ("cosa", "0001_initial"),
    ("evaluation", "0002_cancel_reason_withdrew"),
]
AFTER = [
    ("analytics", "0002_encrypt_improvement_text"),
    ("training", "0002_encrypt_course_title_and_cpd_activity"),
    ("cosa", "0002_encrypt_outer_member_role"),
    ("evaluation", "0003_encrypt_comparison_reference"),
]
COLUMNS = {
    "analytics_improvementaction": ("finding", "action"),
    "training_course": ("title",),
    "training_cpdentry": ("activity",),
    "cosa_outermember": ("role_description",),
    "evaluation_comparisonmember": ("reference",),
}
PLAINTEXT = {
    "finding": "Finding-Canary-1101",
    "action": "Action-Canary-1102",
    "title": "Title-Canary-1103",
    "activity": "Activity-Canary-1104",
    "role_description": "Legal advice",
    "reference": "Ref-Canary-1105",
}


def _raw() -> dict[str, list[tuple[Any, ...]]]:
    out = {}
    with connection.cursor() as cursor:
        for table, columns in COLUMNS.items():
            cursor.execute(f"SELECT {', '.join(columns)} FROM {table}")  # noqa: S608
            out[table] = cursor.fetchall()
    return out


def _migrate(targets: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)


@pytest.fixture(autouse=True)
def every_migration_again_afterwards() -> Any:
    """Going back to an app's first migration also undoes the ones after those named in AFTER (the outcome tallies
    of analytics 0003): the database is brought to the latest state again, for the tests that come next."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def _seed(world: Any) -> None:
    org, coordinator = world.alice_org, world["coordinator"]
    analytics_services.improvement_add(
        actor=world["evaluator"], organisation=org, program=world.program, finding=PLAINTEXT["finding"],
        source="other", action=PLAINTEXT["action"], owner=coordinator, due_on=datetime.date(2026, 12, 1),
    )  # fmt: skip
    training_services.course_create(actor=coordinator, organisation=org, title=PLAINTEXT["title"], competencies=[])
    training_services.course_create(actor=coordinator, organisation=org, title="Second course", competencies=[])
    training_services.cpd_add(actor=world["facilitator"], organisation=org, done_on=timezone.localdate(), hours=1,
                              activity=PLAINTEXT["activity"])  # fmt: skip
    circle(world)
    content = (
        "reference,followup_start,followup_end,reoffended_on,event_type\n"
        f"{PLAINTEXT['reference']},2024-01-01,2025-01-01,,\nC-2,2024-01-01,2025-01-01,,\n"
    )
    cohort_import(actor=world["evaluator"], program=world.program, name="Sample", content=content.encode())


@pytest.mark.django_db(transaction=True)
def test_the_migrations_decrypt_going_back_and_encrypt_existing_rows_going_forward(world: Any) -> None:
    _seed(world)
    try:
        _migrate(BEFORE)
        back = _raw()
        for table, columns in COLUMNS.items():
            for i, column in enumerate(columns):
                assert PLAINTEXT[column] in [row[i] for row in back[table]], (table, column)
    finally:
        _migrate(AFTER)
    forward = _raw()
    for table, rows in forward.items():
        assert rows and all(value.startswith("enc1:") for row in rows for value in row), table
    assert "Canary" not in repr(forward) and "Legal advice" not in repr(forward)
    item = ImprovementAction.objects.get()
    assert (item.finding, item.action) == (PLAINTEXT["finding"], PLAINTEXT["action"])
    assert sorted(c.title for c in Course.objects.all()) == ["Second course", PLAINTEXT["title"]]
    assert len({c.row_key for c in Course.objects.all()}) == 2
    assert CPDEntry.objects.get().activity == PLAINTEXT["activity"]
    assert OuterMember.objects.get().role_description == PLAINTEXT["role_description"]
    assert {m.reference for m in ComparisonMember.objects.all()} == {PLAINTEXT["reference"], "C-2"}
    assert ComparisonMember.objects.filter(reference_bidx__isnull=True).count() == 0


@pytest.mark.django_db(transaction=True)
def test_it_stops_before_changing_anything_when_old_references_would_count_as_one(world: Any) -> None:
    # Before the encryption a cohort's references were unique exactly as written, so "ab-1" and "AB-1" could both be
    # in one cohort; the blind index counts them as one. The upgrade must say which cohort to tidy, and change
    # nothing, rather than fail half-way on a constraint that names only a hash.
    try:
        _migrate(BEFORE)
        now = timezone.now()
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO evaluation_comparisoncohort (id, created_at, updated_at, program_id, name, description,"
                " source_filename) VALUES (%s, %s, %s, %s, 'Old county cohort', '', '')",
                ["0f6cf0c1a2b34c5d8e9f00112233aabb", now, now, world.program.pk],
            )
            for reference in ("ab-1", "AB-1", "cd-2"):
                cursor.execute(
                    "INSERT INTO evaluation_comparisonmember (cohort_id, reference, followup_start, followup_end,"
                    " event_type) VALUES (%s, %s, '2024-01-01', '2025-01-01', '')",
                    ["0f6cf0c1a2b34c5d8e9f00112233aabb", reference],
                )
        with pytest.raises(RuntimeError) as refused:
            _migrate(AFTER)
        assert "Old county cohort" in str(refused.value) and "ab-1" not in str(refused.value).lower()
        with connection.cursor() as cursor:
            cursor.execute("SELECT reference FROM evaluation_comparisonmember ORDER BY reference")
            assert [row[0] for row in cursor.fetchall()] == ["AB-1", "ab-1", "cd-2"], "nothing was changed"
            cursor.execute("UPDATE evaluation_comparisonmember SET reference = 'ab-1b' WHERE reference = 'AB-1'")
    finally:
        _migrate(AFTER)
    assert sorted(m.reference for m in ComparisonMember.objects.all()) == ["ab-1", "ab-1b", "cd-2"]
