"""Publishing releases against the yearly privacy budget, and setting the budget."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from reparo.audit.models import AuditEvent
from reparo.cases.models import CaseStatus
from reparo.releases import services
from reparo.releases.models import PrivacyBudget, Release
from tests.conftest import at_once
from tests.releases import factories as rf

pytestmark = pytest.mark.django_db


def _publish(world: Any, epsilon: str, *, who: str = "org_admin", tables: list[str] | None = None) -> Release:
    return services.release_publish(
        actor=world[who],
        organisation=world.alice_org,
        title="Figures for the year",
        epsilon=epsilon,
        tables_chosen=["cases_by_status"] if tables is None else tables,
    )


def test_it_publishes_noisy_counts_of_consenting_survivors_only(world: Any) -> None:
    rec = world["coordinator"]
    for _ in range(6):
        rf.counted_case(world.program, recorder=rec, status=CaseStatus.INTAKE)
    for _ in range(20):
        rf.counted_case(world.program, recorder=rec, status=CaseStatus.CLOSED, reporting=False)
    services.budget_set(actor=world["org_admin"], organisation=world.alice_org, limit="10")
    release = _publish(world, "10")  # one table at ε 10: P(|noise| > 3) is about 1e-17 per cell
    cells = release.tables[0]["cells"]
    assert abs(cells["intake"] - 6) <= 3
    assert abs(cells["closed"]) <= 3  # the twenty without consent to be counted are not
    assert set(cells) == set(CaseStatus.values)  # every cell is released, zeros included
    assert release.epsilon == Decimal("10")
    assert PrivacyBudget.objects.get(organisation=world.alice_org).spent == Decimal("10")


def test_it_charges_the_yearly_budget_and_refuses_the_release_that_passes_it(world: Any) -> None:
    first = _publish(world, "2.5")
    budget = PrivacyBudget.objects.get(organisation=world.alice_org, year=first.year)
    assert (budget.limit, budget.spent) == (Decimal("4"), Decimal("2.5"))
    with pytest.raises(ValidationError) as refused:
        _publish(world, "1.6")
    assert "only ε 1.5 is left" in str(refused.value)
    budget.refresh_from_db()
    assert budget.spent == Decimal("2.5")
    assert Release.objects.count() == 1
    _publish(world, "1.5")  # exactly what is left
    budget.refresh_from_db()
    assert budget.spent == Decimal("4") and budget.remaining == 0
    published = AuditEvent.objects.filter(action="release.published")
    assert [e.detail["epsilon"] for e in published.order_by("at")] == ["2.5", "1.5"]


def test_an_org_admin_sets_the_budget_but_not_below_what_was_spent(world: Any) -> None:
    _publish(world, "3")
    with pytest.raises(ValidationError):
        services.budget_set(actor=world["org_admin"], organisation=world.alice_org, limit="2.5")
    budget = services.budget_set(actor=world["org_admin"], organisation=world.alice_org, limit="6")
    assert budget.limit == Decimal("6")
    _publish(world, "3")
    assert AuditEvent.objects.filter(action="release.budget_set", organisation=world.alice_org).count() == 1
    for who in ("evaluator", "coordinator"):
        with pytest.raises(PermissionDenied):
            services.budget_set(actor=world[who], organisation=world.alice_org, limit="20")
    with pytest.raises(PermissionDenied):
        services.budget_set(actor=world.charlie, organisation=world.alice_org, limit="20")


@pytest.mark.parametrize("limit", ["-1", "abc", "0.0001", "21", "NaN", "Infinity"])
def test_it_refuses_a_budget_that_is_not_an_epsilon(world: Any, limit: str) -> None:
    with pytest.raises(ValidationError):
        services.budget_set(actor=world["org_admin"], organisation=world.alice_org, limit=limit)


def test_only_admins_and_evaluators_of_the_organisation_publish(world: Any) -> None:
    _publish(world, "0.5", who="evaluator")
    for who in ("coordinator", "facilitator", "case_worker"):
        with pytest.raises(PermissionDenied):
            _publish(world, "0.5", who=who)
    with pytest.raises(PermissionDenied):
        services.release_publish(
            actor=world.charlie, organisation=world.alice_org, title="x", epsilon="0.5", tables_chosen=["agreements"]
        )


@pytest.mark.parametrize(
    ("epsilon", "tables"),
    [("0", ["agreements"]), ("11", ["agreements"]), ("0.0005", ["agreements"]), ("x", ["agreements"]),
     ("0.5", []), ("0.5", ["nope"]), ("0.5", ["agreements", "nope"]), ("0.01", ["score_changes", "agreements"])],
)  # fmt: skip
def test_it_refuses_a_release_it_cannot_make_and_spends_nothing(world: Any, epsilon: str, tables: list[str]) -> None:
    with pytest.raises(ValidationError):
        _publish(world, epsilon, tables=tables)
    assert not PrivacyBudget.objects.filter(spent_milli__gt=0).exists()
    assert not Release.objects.exists()


def test_every_table_can_be_published_together(world: Any) -> None:
    rec = world["coordinator"]
    for _ in range(3):
        rf.counted_case(world.program, recorder=rec, exploitation=["ForcedLabour"])
    release = _publish(world, "4", tables=list(services.tables.TABLES))
    assert [t["key"] for t in release.tables] == list(services.tables.TABLES)
    shares = {t["key"]: t["epsilon"] for t in release.tables}
    assert set(shares.values()) == {str(4 / 6)}
    means = release.tables[-1]["instruments"]
    assert [m["code"] for m in means] == ["who5", "rses", "mspss", "pcl5"]


@pytest.mark.django_db(transaction=True)
def test_two_releases_made_at_once_cannot_both_pass_the_budget(world: Any, monkeypatch: Any) -> None:
    """Two connections publish at the same moment, each asking for ε 3 of a budget of 4: exactly one succeeds.

    Each computation is slowed down so that the two transactions overlap. On PostgreSQL the second waits at
    SELECT ... FOR UPDATE on the budget row until the first commits, then sees what is left. On SQLite the
    IMMEDIATE transaction takes the write lock at BEGIN; a database file waits for it (the busy timeout), but the
    shared in-memory test database answers "table is locked" at once, so the thread tries again, as the timeout
    would. Either way the second release is refused, and the conditional update and the check constraint stand
    behind the lock."""
    slow_counts = services.selectors.COUNTS["cases_by_status"]

    def slowly(scope: Any) -> dict[str, int]:
        time.sleep(0.3)
        return slow_counts(scope)

    monkeypatch.setitem(services.selectors.COUNTS, "cases_by_status", slowly)

    def publish() -> str:
        try:
            _publish(world, "3")
        except ValidationError:
            return "refused"
        return "published"

    outcomes = at_once(publish)
    assert sorted(outcomes) == ["published", "refused"]
    budget = PrivacyBudget.objects.get(organisation=world.alice_org)
    assert budget.spent == Decimal("3")
    assert Release.objects.count() == 1


def test_the_database_refuses_spending_past_the_limit(world: Any) -> None:
    from django.db import IntegrityError, transaction

    budget = PrivacyBudget.objects.create(organisation=world.alice_org, year=2026, limit_milli=1000)
    with pytest.raises(IntegrityError), transaction.atomic():
        PrivacyBudget.objects.filter(pk=budget.pk).update(spent_milli=1001)
