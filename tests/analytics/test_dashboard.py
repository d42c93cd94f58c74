"""Outcome dashboards: numbers equal a direct computation over the same data; no count below 11 is shown or can be
worked out; people without evaluation consent are left out; only the organisation's outcome roles see them."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reparo.agreements.models import ObligationStatus
from reparo.analytics import selectors, stats
from reparo.analytics.presentation import figures
from reparo.analytics.suppression import THRESHOLD
from reparo.cases.models import Case, CaseStatus
from reparo.jobs.models import Job
from reparo.organisations.models import Program
from reparo.processes.models import ProcessStage, ProcessType
from tests.analytics import factories as f
from tests.analytics.test_suppression import _audit
from tests.conftest import captured_per_database, sign_in
from tests.jobs.helpers import downloaded, job_of


def all_shown_counts(board: selectors.Dashboard) -> Iterable[int]:
    """Every count the page and the report show."""
    for panel in (board.funnel, board.processes, board.items, board.obligations):
        for entry in panel.entries:
            if entry.cell.shown is not None:
                yield entry.cell.shown
        if panel.total.shown is not None:
            yield panel.total.shown
    for outcome in board.outcomes:
        if outcome.n.shown is not None:
            yield outcome.n.shown
    for item in board.satisfaction:
        for entry in item.entries:
            if entry.cell.shown is not None:
                yield entry.cell.shown
        if item.total.shown is not None:
            yield item.total.shown
    for month in board.distress:
        if month.checkins.shown is not None:
            yield month.checkins.shown
    for cell in (board.reoffending.program_n, board.reoffending.comparison_n):
        if cell.shown is not None:
            yield cell.shown


pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(world: Any) -> Any:
    """Program A (world.program): 15 closed cases with a completed mediation whose obligation was met (12 of them
    with restitution 100 EUR, 60 paid), 12 withdrawn, 3 in intake; plus 4 closed cases without evaluation consent
    and 2 whose consent was withdrawn. Program B: 13 referred, 2 closed."""
    rec = world["coordinator"]
    a, b = world.program, Program.objects.create(organisation=world.alice_org, name="Circle program")
    for i in range(15):
        c = f.case(a, recorder=rec, status=CaseStatus.CLOSED)
        money = (Decimal("100.00"), Decimal("60.00")) if i < 12 else None
        f.process_with_agreement(c, restitution=money)
    for _ in range(12):
        f.case(a, recorder=rec, status=CaseStatus.WITHDRAWN)
    for _ in range(3):
        f.case(a, recorder=rec, status=CaseStatus.INTAKE)
    for consent in [None] * 4 + ["withdrawn"] * 2:
        c = f.case(a, recorder=rec, status=CaseStatus.CLOSED, consent=consent)
        f.process_with_agreement(c, obligation=ObligationStatus.LATE, restitution=(Decimal("999.00"), Decimal(0)))
    for _ in range(13):
        f.case(b, recorder=rec, status=CaseStatus.REFERRED)
    for _ in range(2):
        f.case(b, recorder=rec, status=CaseStatus.CLOSED)
    world.program_b = b
    return world


def _scope(world: Any, program: Program | None = None, user: Any = None) -> selectors.Scope:
    return selectors.scope_for(
        user or world["evaluator"], organisation_pk=world.alice_org.pk, program_pk=program.pk if program else None
    )


def test_it_counts_cases_by_stage_as_a_direct_count_of_consenting_cases(scene: Any) -> None:
    board = selectors.dashboard(_scope(scene, scene.program))
    refs = _consenting_refs()
    direct = {
        status: Case.objects.filter(program=scene.program, status=status, reference__in=refs).count()
        for status in CaseStatus.values
    }
    entries = {e.key: e.cell for e in board.funnel.entries}
    assert entries[CaseStatus.CLOSED].value == direct[CaseStatus.CLOSED] == 15
    assert entries[CaseStatus.WITHDRAWN].value == direct[CaseStatus.WITHDRAWN] == 12
    # Program B has no withdrawn case: showing A's 12 next to the organisation's 12 would give B's 0 away.
    assert entries[CaseStatus.WITHDRAWN].is_hidden
    assert entries[CaseStatus.INTAKE].is_small and direct[CaseStatus.INTAKE] == 3
    assert all(cell.value == direct[key] for key, cell in entries.items())
    assert all(cell.shown in (None, cell.value) for cell in entries.values())


def _consenting_refs() -> list[str]:
    from reparo.consent.models import ConsentPurpose
    from reparo.consent.policy import may

    return [
        c.reference
        for c in Case.objects.all()
        if all(
            may(person=p.person, purpose=ConsentPurpose.EVALUATION)
            for p in c.participants.filter(role="survivor").select_related("person")
        )
    ]


def test_it_leaves_out_people_without_current_evaluation_consent(scene: Any) -> None:
    board = selectors.dashboard(_scope(scene, scene.program))
    closed = next(e for e in board.funnel.entries if e.key == CaseStatus.CLOSED)
    assert closed.cell.value == 15  # not 21: four never agreed, two withdrew
    late = next(e for e in board.obligations.entries if e.key == ObligationStatus.LATE)
    assert late.cell.value == 0
    assert [r.currency for r in board.restitution] == ["EUR"]
    assert board.restitution[0].owed == Decimal("1200.00")  # 12 x 100, none of the 999s
    assert board.restitution[0].paid == Decimal("720.00")


def test_it_computes_processes_obligations_and_time_in_stage_directly(scene: Any) -> None:
    board = selectors.dashboard(_scope(scene, scene.program))
    mediation = next(e for e in board.processes.entries if e.key == f"{ProcessType.DIRECT_MEDIATION}:completed")
    assert mediation.cell.value == 15
    met = next(e for e in board.obligations.entries if e.key == ObligationStatus.MET)
    assert met.cell.value == 15
    assert board.obligations_met in (100, None)  # None when a count it rests on is suppressed
    times = {t.stage: t.median_days for t in board.stage_times}
    # Every closed case spent 10 days in each stage; 15 closed + 3 in intake left "referred" after 10 days.
    assert times[CaseStatus.REFERRED] == 10.0
    assert times[CaseStatus.FOLLOW_UP] == 10.0


def test_the_organisation_page_shows_the_column_totals_of_the_same_table(scene: Any) -> None:
    org = selectors.dashboard(_scope(scene))
    a = selectors.dashboard(_scope(scene, scene.program))
    b = selectors.dashboard(_scope(scene, scene.program_b))
    org_cells = {e.key: e.cell for e in org.funnel.entries}
    assert org_cells[CaseStatus.REFERRED].shown == 13
    b_cells = {e.key: e.cell for e in b.funnel.entries}
    assert b_cells[CaseStatus.CLOSED].is_small
    # Closed: A 15, B 2 -> organisation 17. Showing 17 and A's 15 would give B's 2 away: one of them is hidden.
    a_closed = next(e.cell for e in a.funnel.entries if e.key == CaseStatus.CLOSED)
    assert a_closed.shown is None or org_cells[CaseStatus.CLOSED].shown is None


def test_no_shown_count_is_below_11_and_none_can_be_worked_out(scene: Any) -> None:
    for program in (None, scene.program, scene.program_b):
        board = selectors.dashboard(_scope(scene, program))
        assert all(n >= THRESHOLD for n in all_shown_counts(board))
        for panel in (board.funnel, board.processes, board.items, board.obligations):
            for low_high in _audit(panel.table):
                if low_high is not None:
                    assert low_high[1] - low_high[0] >= 1 - 1e-7


NUMBER = re.compile(r"^\d+$")


def _table_counts(html: str) -> list[int]:
    """Whole numbers in the count columns of the page's tables (not the days or percentages)."""
    out = []
    for table in re.findall(r'<table class="table" data-figure="(\w+)">(.*?)</table>', html, re.S):
        key, body = table
        if key in ("stage_times", "restitution"):
            continue
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
            cells = re.findall(r"<td>(.*?)</td>", row, re.S)
            if key == "reoffending" and "%" in "".join(cells):
                continue
            for cell in cells[:1] if key == "outcomes" else cells:
                if NUMBER.match(cell.strip()):
                    out.append(int(cell.strip()))
    return out


def test_the_page_shows_no_count_below_11(client: Any, scene: Any) -> None:
    sign_in(client, scene["evaluator"])
    for url in (
        reverse("analytics:organisation", args=[scene.alice_org.pk]),
        reverse("analytics:program", args=[scene.alice_org.pk, scene.program.pk]),
        reverse("analytics:program", args=[scene.alice_org.pk, scene.program_b.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        counts = _table_counts(html)
        assert counts, "the page shows counts"
        assert min(counts) >= THRESHOLD
        assert "fewer than 11" in html
        assert "<svg" in html and "<title" in html and "<desc" in html
        assert "style=" not in html


def test_the_pdf_shows_the_same_figures_and_no_count_below_11(client: Any, scene: Any) -> None:
    from pypdf import PdfReader

    sign_in(client, scene["coordinator"])
    started = client.post_form(reverse("analytics:program_report", args=[scene.alice_org.pk, scene.program.pk]))
    job = job_of(started)  # made in the background (at once, with the tests' task backend)
    assert client.get(started["Location"]).status_code == 200
    response = downloaded(client, job)
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="outcome-report.pdf"' in response["Content-Disposition"]
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.body)).pages)
    assert "Outcome report" in text and "fewer than 11" in text
    # The report is built from the same figures as the page; every count in them is 11 or more or suppressed.
    board = selectors.dashboard(_scope(scene, scene.program))
    for figure in figures(board):
        for row in figure.rows:
            assert row[0].split(" · ")[0] in text.replace("\n", " ") or len(row[0]) > 30
    assert all(n >= THRESHOLD for n in all_shown_counts(board))
    assert "999" not in text  # the restitution of people without consent is nowhere
    from reparo.audit.models import AuditEvent

    export = AuditEvent.objects.get(action="outcomes.report_export")
    assert (export.actor, export.object_id) == (scene["coordinator"], str(scene.program.pk))


@pytest.mark.django_db(transaction=True)
def test_the_report_job_reads_its_figures_from_the_replica_and_records_the_export_on_the_primary(
    scene: Any, replica: Any
) -> None:
    from reparo.analytics.background import REPORT
    from reparo.audit.models import AuditEvent
    from reparo.jobs.models import JobState
    from reparo.jobs.services import job_run

    params = {"organisation": scene.alice_org.pk, "program": scene.program.pk}
    job = Job.objects.create(owner=scene["coordinator"], organisation=scene.alice_org, kind=REPORT, params=params)
    primary, secondary = captured_per_database()
    with primary, secondary:
        job_run(str(job.pk))
    job.refresh_from_db()
    assert job.state == JobState.DONE
    on_primary = [q["sql"] for q in primary.captured_queries]
    on_replica = [q["sql"] for q in secondary.captured_queries]
    tallies = [sql for sql in on_replica if sql.startswith("SELECT") and '"analytics_evidencetally"' in sql]
    assert tallies, "the report's figures came from the primary"
    assert not [sql for sql in on_primary if sql.startswith("SELECT") and '"analytics_evidencetally"' in sql]
    # The pending changes, the job's own rows and the audit row: on the primary only.
    assert not any('"analytics_evidencechange"' in sql or '"jobs_' in sql for sql in on_replica)
    assert not any(sql.startswith(("INSERT", "UPDATE", "DELETE")) for sql in on_replica)
    assert AuditEvent.objects.filter(action="outcomes.report_export", object_id=str(scene.program.pk)).count() == 1


def test_it_computes_the_change_in_well_being_with_paired_change(scene: Any) -> None:
    rec = scene["coordinator"]
    closed = list(Case.objects.filter(program=scene.program, status=CaseStatus.CLOSED))
    refs = set(_consenting_refs())
    consenting = [c for c in closed if c.reference in refs][:12]
    before = [40, 44, 52, 36, 48, 60, 32, 56, 40, 44, 28, 52]
    after = [52, 60, 56, 48, 52, 72, 44, 60, 56, 48, 40, 64]
    for c, x, y in zip(consenting, before, after, strict=True):
        f.scores(c, "who5", x, y, recorder=rec)
    for c in [c for c in closed if c.reference not in refs]:
        f.scores(c, "who5", 90, 0, recorder=rec)  # must not count
    for c in Case.objects.filter(program=scene.program_b)[:11]:
        f.scores(c, "who5", 50, 50, recorder=rec)  # so that program B's count does not have to hide A's
    board = selectors.dashboard(_scope(scene, scene.program))
    who5 = next(o for o in board.outcomes if o.instrument == "who5")
    assert who5.n.shown == 12
    assert who5.change == stats.paired_change(before, after)
    rses = next(o for o in board.outcomes if o.instrument == "rses")
    assert rses.change is None


def test_the_page_says_which_method_gave_the_wilcoxon_p(client: Any, scene: Any) -> None:
    rec = scene["coordinator"]
    refs = set(_consenting_refs())
    closed = [c for c in Case.objects.filter(program=scene.program, status=CaseStatus.CLOSED) if c.reference in refs]
    for c in closed[:12]:
        f.scores(c, "who5", 40, 52, recorder=rec)  # twelve equal (tied) improvements: exact p = 2 / 2**12
    for c in Case.objects.filter(program=scene.program_b)[:11]:
        f.scores(c, "who5", 50, 50, recorder=rec)
    sign_in(client, scene["evaluator"])
    page = client.get(reverse("analytics:program", args=[scene.alice_org.pk, scene.program.pk])).content.decode()
    table = page[page.index('data-figure="outcomes"') :]
    assert "&lt; 0.001 (exact)" in table[: table.index("</table>")]


def test_outcome_changes_rest_on_at_least_11_people(scene: Any) -> None:
    rec = scene["coordinator"]
    refs = set(_consenting_refs())
    closed = [c for c in Case.objects.filter(program=scene.program, status=CaseStatus.CLOSED) if c.reference in refs][
        :5
    ]
    for c in closed:
        f.scores(c, "pcl5", 50, 30, recorder=rec)
    board = selectors.dashboard(_scope(scene, scene.program))
    pcl5 = next(o for o in board.outcomes if o.instrument == "pcl5")
    assert pcl5.n.is_small and pcl5.change is None and pcl5.mean_before is None


@pytest.mark.parametrize("role", ["org_admin", "coordinator", "evaluator"])
def test_the_outcome_roles_see_the_dashboards(client: Any, scene: Any, role: str) -> None:
    sign_in(client, scene[role])
    assert client.get(reverse("analytics:organisation", args=[scene.alice_org.pk])).status_code == 200
    index = client.get(reverse("analytics:index"))
    assert scene.program.name in index.content.decode()


@pytest.mark.parametrize("who", ["charlie", "facilitator", "case_worker", "cosa_volunteer", "partner_liaison"])
def test_anyone_else_gets_not_found(client: Any, scene: Any, who: str) -> None:
    user = scene.charlie if who == "charlie" else scene[who]
    sign_in(client, user)
    for url in (
        reverse("analytics:organisation", args=[scene.alice_org.pk]),
        reverse("analytics:program", args=[scene.alice_org.pk, scene.program.pk]),
    ):
        assert client.get(url).status_code == 404
    for url in (
        reverse("analytics:organisation_report", args=[scene.alice_org.pk]),
        reverse("analytics:program_report", args=[scene.alice_org.pk, scene.program.pk]),
    ):
        assert client.post_form(url).status_code == 404
    assert not Job.objects.exists()
    index = client.get(reverse("analytics:index")).content.decode()
    assert scene.program.name not in index


def test_a_program_of_another_organisation_is_not_found(client: Any, scene: Any) -> None:
    other = Program.objects.create(organisation=scene.charlie_org, name="Elsewhere")
    sign_in(client, scene["evaluator"])
    assert client.get(reverse("analytics:program", args=[scene.alice_org.pk, other.pk])).status_code == 404
    assert client.get(reverse("analytics:program", args=[scene.charlie_org.pk, other.pk])).status_code == 404


def test_the_page_does_not_query_per_case(client: Any, world: Any) -> None:
    sign_in(client, world["evaluator"])
    url = reverse("analytics:program", args=[world.alice_org.pk, world.program.pk])

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    queries()  # the first page of a session also fills its process's access copies
    for _ in range(3):
        f.process_with_agreement(f.case(world.program, recorder=world["coordinator"], status=CaseStatus.CLOSED))
    few = queries()
    for _ in range(20):
        c = f.case(world.program, recorder=world["coordinator"], status=CaseStatus.CLOSED)
        f.process_with_agreement(c, stage=ProcessStage.ENDED_EARLY, restitution=(Decimal(10), Decimal(5)))
    assert queries() == few


def test_it_shows_distress_check_in_trends_of_consenting_people_only(scene: Any) -> None:
    import datetime

    from django.utils import timezone

    from reparo.safety.models import DistressCheckIn

    refs = set(_consenting_refs())
    # An hour ago, but not before this month began (a run in the first hour of a month would cross it).
    month_began = timezone.make_aware(datetime.datetime.combine(timezone.localdate().replace(day=1), datetime.time.min))
    when = max(timezone.now() - datetime.timedelta(hours=1), month_began)
    ratings = []
    for i, c in enumerate(Case.objects.filter(program=scene.program, status=CaseStatus.CLOSED)):
        process = c.processes.get()
        survivor = c.participants.get(role="survivor").person
        rating = 9 if c.reference not in refs else (2 + i % 5)
        if c.reference in refs:
            ratings.append(rating)
        DistressCheckIn.objects.create(
            process=process, person=survivor, moment="after", rating=rating, threshold=7, recorded_at=when,
            recorded_by=scene["facilitator"],
        )  # fmt: skip
    board = selectors.dashboard(_scope(scene, scene.program))
    this_month = board.distress[-1]
    assert this_month.month == timezone.localdate(when).replace(day=1)
    assert this_month.checkins.value == len(ratings) == 15
    if this_month.checkins.shown is not None:
        assert this_month.mean_rating == round(sum(ratings) / len(ratings), 1)
    assert this_month.share_at_threshold is None  # none at or above 7 among the consenting: fewer than 11
    assert all(m.checkins.is_small for m in board.distress[:-1])
    org = selectors.distress_trends(_scope(scene))[-1]
    assert org.checkins.shown == 15
    assert org.mean_rating == round(sum(ratings) / len(ratings), 1)


def test_it_compares_re_offending_with_the_comparison_cohort(world: Any) -> None:
    import datetime

    from django.utils import timezone

    from reparo.evaluation.models import ComparisonCohort, ComparisonMember, ReoffendingEvent
    from reparo.people.models import PersonKind
    from reparo.processes.models import ProcessParticipant, ProcessRole

    rec = world["coordinator"]
    today = timezone.localdate()
    ended = timezone.now() - datetime.timedelta(days=400)
    start = timezone.localdate(ended)
    durations, events = [], []
    for i in range(26):
        c = f.case(world.program, recorder=rec, status=CaseStatus.CLOSED)
        process = f.process_with_agreement(c)
        process.ended_at = ended
        process.save(update_fields=["ended_at"])
        consent = "current" if i < 24 else None  # two without consent must not count
        person = f.person(world.program, PersonKind.RESPONSIBLE, consent=consent, recorder=rec)
        ProcessParticipant.objects.create(process=process, person=person, role=ProcessRole.RESPONSIBLE)
        if i % 2 == 0 or i >= 24:
            ReoffendingEvent.objects.create(
                case=c,
                person=person,
                occurred_on=start + datetime.timedelta(days=100),
                source="police_record",
                type="arrest",
            )
            if i < 24:
                durations.append(100)
                events.append(1)
        elif i < 24:
            durations.append((today - start).days)
            events.append(0)
    cohort = ComparisonCohort.objects.create(program=world.program, name="Court cohort")
    theirs_d, theirs_e = [], []
    for i in range(30):
        first = datetime.date(2024, 1, 1)
        reoffended = first + datetime.timedelta(days=50) if i < 15 else None
        ComparisonMember.objects.create(
            cohort=cohort, reference=f"C{i}", followup_start=first, followup_end=first + datetime.timedelta(days=500),
            reoffended_on=reoffended,
        )  # fmt: skip
        theirs_d.append(50 if reoffended else 500)
        theirs_e.append(1 if reoffended else 0)

    r = selectors.dashboard(selectors.scope_for(world["evaluator"], organisation_pk=world.alice_org.pk)).reoffending
    assert r.program_n.shown == 24 and r.comparison_n.shown == 30
    assert r.logrank == stats.logrank(durations, events, theirs_d, theirs_e)
    points = {p.days: p for p in r.points}
    assert points[90].program is None  # no event yet by day 90: fewer than 11 events behind the point
    assert points[180].program == pytest.approx(0.5)
    assert points[90].comparison == pytest.approx(0.5)
    assert points[730].program is None  # nobody followed that long


def test_the_drawn_figures_kept_between_views_follow_the_language_and_the_data(client: Any, scene: Any) -> None:
    from reparo.analytics import presentation

    sign_in(client, scene["evaluator"])
    url = reverse("analytics:program", args=[scene.alice_org.pk, scene.program.pk])
    drawn = []
    real = presentation.own_figures
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(presentation, "own_figures", lambda board: drawn.append(1) or real(board))
        first = client.get(url).content.decode()
        again = client.get(url).content.decode()
        assert len(drawn) == 1 and _table_counts(again) == _table_counts(first)  # the second view: kept
        spanish = client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
        assert "Tiempo en cada etapa" in spanish and "Time in each stage" in first and len(drawn) == 2
        # Something the figures rest on changes: the next view draws them again from the new figures.
        f.case(scene.program, recorder=scene["coordinator"], status=CaseStatus.CLOSED)
        after = client.get(url).content.decode()
    assert len(drawn) == 3 and sum(_table_counts(after)) == sum(_table_counts(first)) + 1  # one more case counted


def test_a_page_with_kept_figures_and_figures_drawn_now_has_no_id_twice(client: Any, scene: Any) -> None:
    from tests.conftest import duplicate_ids
    from tests.support.test_outcomes import support_circle

    support_circle(scene.program, recorder=scene["coordinator"])  # its figures are drawn on every view
    sign_in(client, scene["evaluator"])
    url = reverse("analytics:organisation", args=[scene.alice_org.pk])
    for _ in range(2):  # the first view draws everything; the second keeps the dashboard's own figures
        html = client.get(url).content.decode()
        assert 'data-figure="support_goals"' in html and 'data-figure="funnel"' in html
        assert duplicate_ids(html) == []
        assert len(re.findall(r'aria-labelledby="chart-', html)) == len(re.findall(r"<svg", html))


def test_each_forked_process_names_its_charts_apart() -> None:
    import os

    from reparo.analytics import charts

    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports its prefix and leaves at once
        os.write(write, charts._prefix.encode())
        os._exit(0)
    os.close(write)
    os.waitpid(child, 0)
    assert os.read(read, 64).decode() not in ("", charts._prefix)
    os.close(read)
