"""The funder report and the figures behind it: budget against actual, the rate of spending, and the cost per
completed process and per survivor, where no count of people or processes below 11 is shown and none can be
worked out, from the totals or from the costs."""

from __future__ import annotations

import csv
import datetime
import io
import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from reparo.analytics.suppression import THRESHOLD, CellState
from reparo.audit.models import AuditEvent
from reparo.cases.models import Case, CaseParticipant, CaseStatus, ParticipantRole
from reparo.consent.models import Consent, ConsentMethod, ConsentPurpose
from reparo.funding import report, selectors, services
from reparo.funding.models import Category
from reparo.jobs.models import Job
from reparo.organisations.models import Program
from reparo.people.models import Person, PersonKind, new_display_code
from reparo.processes.models import Process, ProcessParticipant, ProcessRole, ProcessStage
from tests.analytics.test_suppression import _assert_safe
from tests.conftest import CsrfClient, captured_per_database, sign_in
from tests.funding.factories import grant
from tests.jobs.helpers import downloaded, job_of

pytestmark = pytest.mark.django_db
WINDOW = selectors.Window(datetime.date(2026, 1, 1), datetime.date(2026, 6, 30))
TODAY = datetime.date(2026, 6, 30)


def completed_process(program, recorder, *, consent=True, n=[0], ended=datetime.date(2026, 3, 10)):  # noqa: B006
    n[0] += 1
    case = Case.objects.create(
        organisation=program.organisation, program=program, reference=f"F-{n[0]:05d}", status=CaseStatus.IN_PROCESS,
        referral_source="ngo", referral_date=datetime.date(2026, 1, 1), created_by=recorder,
    )  # fmt: skip
    survivor = Person.objects.create(
        organisation=program.organisation, kind=PersonKind.SURVIVOR, display_code=new_display_code(PersonKind.SURVIVOR)
    )
    if consent:
        Consent.objects.create(
            person=survivor, purpose=ConsentPurpose.REPORTING, method=ConsentMethod.WRITTEN,
            given_at=timezone.make_aware(datetime.datetime(2025, 12, 1)), recorded_by=recorder,
        )  # fmt: skip
    CaseParticipant.objects.create(case=case, person=survivor, role=ParticipantRole.SURVIVOR)
    process = Process.objects.create(case=case, type="direct_mediation", stage=ProcessStage.COMPLETED)
    Process.objects.filter(pk=process.pk).update(
        created_at=timezone.make_aware(datetime.datetime(2026, 1, 5)),
        ended_at=timezone.make_aware(datetime.datetime.combine(ended, datetime.time(12))),
    )
    ProcessParticipant.objects.create(process=process, person=survivor, role=ProcessRole.SURVIVOR)
    return process


@pytest.fixture
def scene(world):
    """A restricted grant over two programs: the dialogue program completed 14 processes with 14 survivors who agreed
    to be counted in reports (and 5 more without that consent), the circles program 3."""
    circles = Program.objects.create(organisation=world.alice_org, name="Circles program")
    admin, coordinator = world["org_admin"], world["coordinator"]
    for _ in range(14):
        completed_process(world.program, coordinator)
    for _ in range(5):
        completed_process(world.program, coordinator, consent=False)
    for _ in range(3):
        completed_process(circles, coordinator)
    completed_process(world.program, coordinator, ended=datetime.date(2026, 8, 1))  # after the window
    g = grant(world, amount="50000.00")
    for program, category, amount in (
        (world.program, Category.FACILITATION, "20000"),
        (world.program, Category.INTERPRETERS, "5000"),
        (circles, Category.FACILITATION, "9000"),
    ):
        services.allocation_set(actor=admin, grant=g, program=program, category=category, amount=amount)
    for program, category, amount, day in (
        (world.program, Category.FACILITATION, "7000.00", datetime.date(2026, 2, 1)),
        (world.program, Category.INTERPRETERS, "1400.10", datetime.date(2026, 3, 1)),
        (circles, Category.FACILITATION, "2100.00", datetime.date(2026, 4, 1)),
    ):
        services.spend_record(
            actor=coordinator, grant=g, program=program, category=category, spent_on=day, amount=Decimal(amount),
            today=TODAY,
        )  # fmt: skip
    return SimpleNamespace(world=world, grant=g, circles=circles)


def test_it_computes_budget_against_actual_exactly(scene):
    b = selectors.budget(scene.grant, WINDOW)
    rows = {(line.program.name, line.category): line for line in b.lines}
    facilitation = rows[("Dialogue program", Category.FACILITATION)]
    assert (facilitation.budget.amount, facilitation.spent.amount) == (Decimal("20000.00"), Decimal("7000.00"))
    assert facilitation.remaining.amount == Decimal("13000.00") and facilitation.used_percent == Decimal("35.0")
    assert b.total.budget.amount == Decimal("34000.00")
    assert b.total.spent_to_date.amount == Decimal("10500.10")
    assert b.unallocated.amount == Decimal("16000.00")
    assert {p.program.name: p.spent.amount for p in b.programs} == {
        "Circles program": Decimal("2100.00"),
        "Dialogue program": Decimal("8400.10"),
    }
    # A window that starts later: what was spent in it, next to what was spent to its end.
    later = selectors.budget(scene.grant, selectors.Window(datetime.date(2026, 3, 1), datetime.date(2026, 3, 31)))
    assert later.total.spent.amount == Decimal("1400.10") and later.total.spent_to_date.amount == Decimal("8400.10")


def test_it_gives_the_burn_rate_and_the_months_left(scene):
    rate = selectors.burn(scene.grant, as_of=datetime.date(2026, 6, 30))
    assert rate.spent.amount == Decimal("10500.10")
    assert rate.remaining.amount == Decimal("39499.90")
    # 181 days since 1 January is 5.95 months: about 1,765.73 a month; 39,499.90 lasts 22.4 months at that rate.
    assert rate.monthly.amount == Decimal("1765.73")
    assert rate.months_left == Decimal("22.4")
    assert rate.period_months_left == Decimal("6.0")
    assert selectors.burn(scene.grant, as_of=datetime.date(2025, 12, 1)).monthly is None


def test_no_count_below_11_is_shown_and_none_can_be_worked_out(scene):
    result = selectors.outputs(scene.grant, WINDOW)
    by_name = {line.program.name: line for line in result.lines}
    assert by_name["Circles program"].completed.state == CellState.SMALL
    assert all(n >= THRESHOLD for n in selectors.shown_counts(result))
    _assert_safe(result.table, rows_add_up=False)
    # Dialogue 14 and Circles 3: showing 14 and the total 17 would give the 3 away, so one of them is hidden too.
    assert by_name["Dialogue program"].completed.shown is None or result.total.completed.shown is None
    # A cost is shown only with the count it divides by: never a way back to a hidden count.
    for line in [*result.lines, result.total]:
        for cell, cost in ((line.completed, line.per_process), (line.survivors, line.per_survivor)):
            assert (cost is None) == (cell.shown is None)
            if cost is not None:
                assert abs(cost.amount * cell.shown - line.spent.amount) < Decimal(cell.shown)


def test_it_counts_only_people_who_agreed_to_be_counted(scene):
    result = selectors.outputs(scene.grant, WINDOW)
    assert {line.program.name: line.completed.value for line in result.lines} == {
        "Dialogue program": 14,
        "Circles program": 3,
    }
    # Survivors supported: in a process at some time in the window, whether it completed then or later.
    assert {line.program.name: line.survivors.value for line in result.lines} == {
        "Dialogue program": 15,
        "Circles program": 3,
    }


def test_a_large_enough_count_is_shown_with_its_cost(world):
    """With no small count beside it, a count of 11 or more is shown, and so is the cost per process."""
    for _ in range(12):
        completed_process(world.program, world["coordinator"])
    g = grant(world, restricted=False, reference="U-1")
    services.spend_record(
        actor=world["coordinator"], grant=g, program=world.program, category=Category.FACILITATION,
        spent_on=datetime.date(2026, 2, 1), amount=Decimal("1200.00"), today=TODAY,
    )  # fmt: skip
    result = selectors.outputs(g, WINDOW)
    assert result.total.completed.shown == 12
    assert result.total.per_process.amount == Decimal("100.00")


def _report_numbers(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"(?<![\d.,])\d+(?![\d.,%])", text)]


def test_the_funder_report_shows_no_count_below_11(scene):
    from pypdf import PdfReader

    client = sign_in(CsrfClient(), scene.world["coordinator"])
    query = {"start": WINDOW.start.isoformat(), "end": WINDOW.end.isoformat()}
    job = job_of(client.post_form(reverse("funding:report_csv", args=[scene.grant.pk]), query))
    response = downloaded(client, job)
    assert response["Content-Type"].startswith("text/csv")
    assert f'filename="funder-report-{WINDOW.start}-{WINDOW.end}.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.body.decode("utf-8-sig"))))
    start = next(i for i, r in enumerate(rows) if r and r[0] == "Cost per completed process and per survivor supported")
    header, *body = rows[start + 1 : start + 5]
    assert header[:3] == ["Program", "Processes completed", "Survivors supported"]
    for row in body:
        for count, cost in ((row[1], row[4]), (row[2], row[5])):
            assert count in ("fewer than 11", "not shown") or int(count) >= THRESHOLD
            assert (cost == "—") == (not count.isdigit())  # no cost beside a hidden count
    assert "fewer than 11" in {c for row in body for c in row}
    assert any(r and r[0] == "Dialogue program" and r[3] == "7,000.00" for r in rows)  # the budget table

    pdf = downloaded(client, job_of(client.post_form(reverse("funding:report_pdf", args=[scene.grant.pk]), query)))
    assert pdf["Content-Type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.body)).pages)
    assert "Funder report" in text and "fewer than 11" in text
    outputs = text[text.index("Cost per completed process and per survivor supported") :]
    assert not [n for n in _report_numbers(outputs) if n < THRESHOLD and n not in (0, 11)]
    exports = AuditEvent.objects.filter(action="funding.report_export", object_id=str(scene.grant.pk))
    assert sorted(e.detail["format"] for e in exports) == ["csv", "pdf"]


@pytest.mark.django_db(transaction=True)
def test_the_report_job_reads_the_grant_from_the_replica_and_records_the_export_on_the_primary(scene, replica):
    from reparo.funding.background import REPORT
    from reparo.jobs.models import JobState
    from reparo.jobs.services import job_run

    params = {"grant": str(scene.grant.pk), "start": str(WINDOW.start), "end": str(WINDOW.end), "format": "csv"}
    owner = scene.world["org_admin"]
    job = Job.objects.create(owner=owner, organisation=scene.world.alice_org, kind=REPORT, params=params)
    primary, secondary = captured_per_database()
    with primary, secondary:
        job_run(str(job.pk))
    job.refresh_from_db()
    assert job.state == JobState.DONE
    spend = '"funding_spendline"'
    assert any(q["sql"].startswith("SELECT") and spend in q["sql"] for q in secondary.captured_queries)
    assert not any(spend in q["sql"] for q in primary.captured_queries), "the report was read from the primary"
    assert not any(q["sql"].startswith(("INSERT", "UPDATE", "DELETE")) for q in secondary.captured_queries)
    assert AuditEvent.objects.filter(action="funding.report_export", object_id=str(scene.grant.pk)).count() == 1


def test_the_report_sections_match_the_page(scene):
    """The report is built from the same selectors as the grant page: the same budget lines in the same order."""
    sections = {s.key: s for s in report.sections(scene.grant, WINDOW)}
    b = selectors.budget(scene.grant, WINDOW)
    assert [r[:2] for r in sections["budget"].rows[:-1]] == [(x.program.name, x.category_label) for x in b.lines]
    assert sections["budget"].rows[-1][2] == "34,000.00"


def test_a_report_period_outside_the_grant_is_refused_without_an_error_page(scene):
    client = sign_in(CsrfClient(), scene.world["org_admin"])
    url = reverse("funding:report_pdf", args=[scene.grant.pk])
    for query in (
        {"start": "2025-01-01", "end": "2026-02-01"},
        {"start": "2026-05-01", "end": "2026-04-01"},
        {"start": "not a date", "end": ""},
        {},
    ):
        response = client.post_form(url, query)
        assert response.status_code == 302 and response["Location"].endswith("#report")
    assert not AuditEvent.objects.filter(action="funding.report_export").exists()
    assert not Job.objects.exists()
    assert client.get(url).status_code == 405  # a report is started by a form sent, never by a link followed


def test_no_name_in_the_csv_starts_as_a_spreadsheet_formula(world):
    from reparo.funding.models import Funder

    f = Funder.objects.create(organisation=world.alice_org, name='=HYPERLINK("http://x.example","click")')
    g = grant(world, by=f, reference="@SUM(1)")
    Program.objects.filter(pk=world.program.pk).update(name="+cmd")
    services.allocation_set(
        actor=world["org_admin"], grant=g, program=world.program, category=Category.TRAVEL, amount="10"
    )
    rows = list(csv.reader(io.StringIO(report.report_csv(g, WINDOW).decode("utf-8-sig"))))
    cells = [c for r in rows for c in r]
    assert not [c for c in cells if c[:1] in ("=", "+", "@")]
    assert '\'=HYPERLINK("http://x.example","click") · @SUM(1) · 2026-01-01 to 2026-06-30' in cells
    assert "'+cmd" in cells
