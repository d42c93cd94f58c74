"""Support circles on the outcome dashboards: the changes in self-esteem (RSES) and social support (MSPSS) equal a
direct computation over the same scores; goals met and the time to the first one; no count below 11 shown."""

from __future__ import annotations

import datetime
import statistics as pystats
from typing import Any

import pytest
from django.urls import reverse

from reparo.analytics import selectors, stats
from reparo.analytics.presentation import figures
from reparo.analytics.suppression import THRESHOLD
from reparo.cases.models import CaseStatus
from reparo.evaluation.models import SurveyAssignment, SurveyResponse
from reparo.organisations.models import Program
from reparo.processes.models import Process, ProcessParticipant, ProcessStage
from reparo.support.models import Goal, SupportCircle
from reparo.support.outcomes import circle_changes, goal_outcomes
from tests.analytics import factories as f
from tests.analytics.test_dashboard import _table_counts
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db
OPENED = datetime.date(2026, 1, 10)


def support_circle(program: Program, *, recorder: Any, consent: str | None = "current") -> SupportCircle:
    """A support circle on a new case of ``program`` (made directly, as the dashboards' own tests make cases)."""
    c = f.case(program, recorder=recorder, status=CaseStatus.IN_PROCESS, consent=consent)
    survivor = c.participants.get(role="survivor").person
    process = Process.objects.create(case=c, type="support_circle", stage=ProcessStage.MEETINGS)
    ProcessParticipant.objects.create(process=process, person=survivor, role="survivor")
    return SupportCircle.objects.create(
        process=process, survivor=survivor, known_as="N", coordinator=recorder, opened_on=OPENED
    )


def scores(circle: SupportCircle, instrument: str, start: float, then: float, *, months: int, recorder: Any) -> None:
    """A score at the circle's start and one ``months`` later, stored as the survey sweep and an interview would."""
    timepoint = {3: "months_3", 6: "months_6", 12: "months_12"}[months]
    for tp, total, day in (("circle_start", start, 0), (timepoint, then, 30 * months)):
        on = OPENED + datetime.timedelta(days=day)
        case = circle.process.case
        assignment = SurveyAssignment.objects.create(
            program=case.program, case=case, person=circle.survivor, participant_role="survivor",
            process=circle.process, instrument=instrument, timepoint=tp,
            occasion=f"support:{circle.process_id}:{tp}", due_on=on, overdue_on=on, status="completed",
        )  # fmt: skip
        SurveyResponse.objects.create(
            assignment=assignment, program=case.program, person=circle.survivor, instrument=instrument,
            instrument_version="1", timepoint=tp, collected_on=on, language="en", answers={}, total=total,
            collected_by=recorder,
        )  # fmt: skip


@pytest.fixture
def scene(world: Any) -> Any:
    world.program_b = Program.objects.create(organisation=world.alice_org, name="Second program")
    return world


def _scope(world: Any, program: Program | None = None) -> selectors.Scope:
    return selectors.scope_for(
        world["evaluator"], organisation_pk=world.alice_org.pk, program_pk=program.pk if program else None
    )


def test_rses_and_mspss_changes_on_the_dashboard_equal_a_direct_computation(scene: Any) -> None:
    rec = scene["coordinator"]
    rses_start = [18, 20, 15, 22, 17, 19, 14, 21, 16, 18, 20, 13]
    rses_3 = [21, 22, 18, 22, 20, 23, 17, 24, 16, 21, 24, 17]
    mspss_start = [3.5, 4.0, 2.8, 5.1, 3.9, 4.2, 3.0, 4.6, 3.3, 2.9, 4.1, 3.7]
    mspss_6 = [4.5, 4.6, 3.9, 5.0, 4.8, 5.2, 3.6, 5.5, 3.9, 3.8, 4.4, 4.9]
    circles = [support_circle(scene.program, recorder=rec) for _ in range(12)]
    for c, a, b, x, y in zip(circles, rses_start, rses_3, mspss_start, mspss_6, strict=True):
        scores(c, "rses", a, b, months=3, recorder=rec)
        scores(c, "mspss", x, y, months=6, recorder=rec)
    for _ in range(3):  # no evaluation consent: never counted
        scores(support_circle(scene.program, recorder=rec, consent=None), "rses", 30, 0, months=3, recorder=rec)
    for _ in range(11):  # so that program B's count does not have to hide A's
        c = support_circle(scene.program_b, recorder=rec)
        scores(c, "rses", 20, 20, months=3, recorder=rec)
        scores(c, "mspss", 4, 4, months=6, recorder=rec)
    changes = {(o.instrument, o.months): o for o in circle_changes(_scope(scene, scene.program))}
    rses = changes[("rses", 3)]
    assert rses.n.shown == 12
    assert rses.change == stats.paired_change(rses_start, rses_3)
    assert rses.mean_start == pystats.fmean(rses_start) and rses.mean_then == pystats.fmean(rses_3)
    mspss = changes[("mspss", 6)]
    assert mspss.n.shown == 12 and mspss.change == stats.paired_change(mspss_start, mspss_6)
    assert changes[("rses", 12)].change is None and changes[("rses", 12)].n.is_small
    board = selectors.dashboard(_scope(scene, scene.program))
    figure = next(fig for fig in figures(board) if fig.key == "support_outcomes")
    row = next(r for r in figure.rows if r[0].startswith("Rosenberg") and "3 months" in r[0])
    expected = stats.paired_change(rses_start, rses_3)
    assert row[1] == "12" and row[4].startswith(f"{expected.mean_difference:+.2f}")
    whole = {(o.instrument, o.months): o for o in circle_changes(_scope(scene))}
    assert whole[("rses", 3)].change == stats.paired_change(rses_start + [20] * 11, rses_3 + [20] * 11)


def test_counts_below_11_are_hidden(client: Any, scene: Any) -> None:
    rec = scene["coordinator"]
    for _ in range(5):
        c = support_circle(scene.program, recorder=rec)
        scores(c, "rses", 15, 25, months=3, recorder=rec)
        Goal.objects.create(circle=c, area="housing", words="x", met_on=OPENED + datetime.timedelta(days=20))
    scope = _scope(scene, scene.program)
    rses = next(o for o in circle_changes(scope) if (o.instrument, o.months) == ("rses", 3))
    assert rses.n.is_small and rses.change is None and rses.mean_start is None
    goals = goal_outcomes(scope)
    assert all(cell.shown is None for cell in goals.cells.values())
    assert goals.median_days_to_first_goal is None
    sign_in(client, scene["evaluator"])
    html = client.get(reverse("analytics:program", args=[scene.alice_org.pk, scene.program.pk])).content.decode()
    assert 'data-figure="support_outcomes"' in html and 'data-figure="support_goals"' in html
    assert "Support circles: self-esteem and social support" in html
    assert min(_table_counts(html), default=THRESHOLD) >= THRESHOLD
    assert "fewer than 11" in html


def test_goals_met_and_the_time_to_the_first_equal_a_direct_computation(scene: Any) -> None:
    rec = scene["coordinator"]
    days = [10, 25, 40, 12, 90, 33, 61, 18, 45, 27, 70, 15]
    for n, d in enumerate(days):
        c = support_circle(scene.program, recorder=rec)
        Goal.objects.create(circle=c, area="housing", words="x", met_on=OPENED + datetime.timedelta(days=d))
        Goal.objects.create(circle=c, area="work", words="y", met_on=OPENED + datetime.timedelta(days=d + 100))
        Goal.objects.create(circle=c, area="social", words="z")
        if n < 11:
            Goal.objects.create(circle=c, area="health", words="w")
    for _ in range(11):
        c = support_circle(scene.program_b, recorder=rec)
        Goal.objects.create(circle=c, area="housing", words="x", met_on=OPENED + datetime.timedelta(days=5))
    goals = goal_outcomes(_scope(scene, scene.program))
    assert goals.cells["circles"].shown == 12
    assert goals.cells["goals"].shown == 12 * 3 + 11
    assert goals.cells["met"].shown == 24
    assert goals.cells["circles_met"].shown == 12
    assert goals.median_days_to_first_goal == pystats.median(days)


def test_without_a_support_circle_its_figures_are_the_same_tables_of_zeros_from_one_small_query(
    scene: Any, monkeypatch: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reparo.support import outcomes

    support_circle(scene.program, recorder=scene["coordinator"])  # in Alice's organisation, not Charlie's
    Program.objects.create(organisation=scene.charlie_org, name="Charlie's program")
    charlie_scope = selectors.scope_for(scene.charlie, organisation_pk=scene.charlie_org.pk)
    with CaptureQueriesContext(connection) as quick:
        shown = [(x.key, x.header, x.rows) for x in outcomes.figures(charlie_scope)]
    assert len(quick.captured_queries) == 1
    monkeypatch.setattr(outcomes, "any_circle", lambda scope: True)  # as if there were one: every query made
    with CaptureQueriesContext(connection) as full:
        assert [(x.key, x.header, x.rows) for x in outcomes.figures(charlie_scope)] == shown
    assert len(full.captured_queries) == 2  # the scores and the goals
    monkeypatch.undo()
    assert outcomes.any_circle(_scope(scene)) and not outcomes.any_circle(charlie_scope)
