"""The outcome dashboards at scale: the organisation's page, a program's page and the funders' PDF, cold and warm,
beside a hand-written SQL floor for the same figures, measured in the same run.

Uses the database bench/cases.py seeds (``seed_synthetic`` makes about ten survey responses per case: the default
100,000 cases give about a million; BENCH_CASES=10000 about 100,000), signed in as the evaluator of the largest
synthetic organisation (about half of everything). Each request goes through Django's test client with DEBUG off,
as in bench/cases.py. Scenarios:

- **warm**: the figures were computed before and nothing changed since (they are kept under the tallies' version);
- **cold**: nothing kept (the cache is emptied before each request, untimed): the figures are computed from the
  tallies;
- **after a write**: before each request (untimed) one person of the organisation is given an evaluation consent
  (alternately given and withdrawn), so the request also brings the tallies up to date for that person, then
  computes everything.

The PDF is made by the task worker (the request that asks for it answers at once): its scenarios time what the
worker runs, ``analytics.services.report_export``, warm (the figures kept) and cold.

The floor: plain SQL over the records (consents, cases, survivors, status changes, processes, agreements,
obligations, instalments, responses, check-ins, re-offending events, comparison groups, support circles and their
goals) that returns the numbers the figures are made of, for the organisation, at the moment of the view: counts by
program and category, the medians of time in stage, the before-and-after score pairs (the support circles' too), the
goals of each circle, the follow-up of each responsible person; for the
satisfaction questionnaire, whose answers are encrypted, it only fetches them. No ORM, no decryption, no
statistics, no HTML. Once, for reference: the time to compute every fact and tally from scratch.

Environment: as bench/cases.py (DATABASE_URL, BENCH_CASES, BENCH_SEED, BENCH_DATABASE), and BENCH_DASHBOARD_REQUESTS
(default 15) measured requests per scenario after 2 warm-up requests. Prints a table and writes
bench/results/dashboards.json (one entry per database vendor and size). Benchmarks print; they do not assert.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench.cases import (
    SEED,
    N,
    Timing,
    _verified_client,
    database_info,
    ensure_seeded,
    git_commit,
    keep_run,
    machine,
)
from reparo.accounts.models import Membership, Role
from reparo.analytics import evidence, selectors
from reparo.analytics import services as analytics_services
from reparo.analytics.models import EvidenceFact, EvidenceTally
from reparo.cases.models import Case
from reparo.cases.synthetic import OPERATORS
from reparo.consent.models import Consent, ConsentMethod, ConsentPurpose, WithdrawalVia
from reparo.evaluation.models import SurveyResponse
from reparo.organisations.models import Organisation, Program
from reparo.people.models import Person

REQUESTS = int(os.environ.get("BENCH_DASHBOARD_REQUESTS") or 15)
WARMUP = 2
RESULTS = Path(__file__).resolve().parent / "results" / "dashboards.json"
TARGETS = {"cold_ms": 1000.0, "warm_ms": 200.0}


# --- the floor ----------------------------------------------------------------------------------------------------


def _floor_statements(organisation: Organisation, at: Any) -> list[tuple[str, list[Any]]]:
    """The floor's SQL: temporary tables for the consenting people and the counted cases, then one query per
    figure. Portable between PostgreSQL and SQLite (window functions; the date arithmetic per vendor)."""
    pg = connection.vendor == "postgresql"
    days = "EXTRACT(EPOCH FROM (s.at - s.since)) / 86400" if pg else "(julianday(s.at) - julianday(s.since))"
    ended = "CAST(COALESCE(p.ended_at, p.updated_at) AS DATE)" if pg else "date(COALESCE(p.ended_at, p.updated_at))"
    to_days = "(CURRENT_DATE - {})" if pg else "(julianday('now') - julianday({}))"
    month = "date_trunc('month', d.recorded_at)" if pg else "strftime('%Y-%m-01', d.recorded_at)"
    statements: list[tuple[str, list[Any]]] = [
        ("DROP TABLE IF EXISTS floor_consenting", []),
        ("DROP TABLE IF EXISTS floor_counted", []),
        (
            "CREATE TEMPORARY TABLE floor_consenting AS SELECT DISTINCT c.person_id FROM consent_consent c "
            "JOIN people_person pe ON pe.id = c.person_id WHERE pe.organisation_id = %s AND pe.erased_at IS NULL "
            "AND c.purpose = 'evaluation' AND c.given_at <= %s AND (c.withdrawn_at IS NULL OR c.withdrawn_at > %s) "
            "AND (c.expires_at IS NULL OR c.expires_at > %s)",
            [organisation.pk, at, at, at],
        ),
        (
            "CREATE TEMPORARY TABLE floor_counted AS SELECT k.id, k.program_id, k.status, k.created_at "
            "FROM cases_case k WHERE k.organisation_id = %s "
            "AND EXISTS (SELECT 1 FROM cases_caseparticipant cp WHERE cp.case_id = k.id AND cp.role = 'survivor') "
            "AND NOT EXISTS (SELECT 1 FROM cases_caseparticipant cp WHERE cp.case_id = k.id AND cp.role = 'survivor' "
            "AND cp.person_id NOT IN (SELECT person_id FROM floor_consenting))",
            [organisation.pk],
        ),
        ("SELECT program_id, status, COUNT(*) FROM floor_counted GROUP BY program_id, status", []),
        (
            # Median days in each stage: spells between status changes, the middle one(s) by window functions.
            f"""WITH s AS (
              SELECT k.program_id, COALESCE(LAG(c.to_status) OVER w, 'referred') AS stage,
                     COALESCE(LAG(c.at) OVER w, k.created_at) AS since, c.at
              FROM cases_casestatuschange c JOIN floor_counted k ON k.id = c.case_id
              WINDOW w AS (PARTITION BY c.case_id ORDER BY c.at)
            ), d AS (
              SELECT s.program_id, s.stage, {days} AS days FROM s WHERE s.stage NOT IN ('closed', 'withdrawn')
            ), r AS (
              SELECT program_id, stage, days, ROW_NUMBER() OVER (PARTITION BY program_id, stage ORDER BY days) AS i,
                     COUNT(*) OVER (PARTITION BY program_id, stage) AS n FROM d
            )
            SELECT program_id, stage, AVG(days) FROM r WHERE i IN ((n + 1) / 2, (n + 2) / 2) AND n >= 11
            GROUP BY program_id, stage""",  # noqa: S608 - vendor's date arithmetic, no value
            [],
        ),
        (
            "SELECT k.program_id, p.type, p.stage, COUNT(*) FROM processes_process p "
            "JOIN floor_counted k ON k.id = p.case_id GROUP BY k.program_id, p.type, p.stage",
            [],
        ),
        (
            "SELECT k.program_id, i.kind, o.status, COUNT(i.id), COUNT(o.id) FROM agreements_agreementitem i "
            "JOIN agreements_agreement a ON a.id = i.agreement_id AND a.status = 'binding' "
            "JOIN processes_process p ON p.id = a.process_id JOIN floor_counted k ON k.id = p.case_id "
            "LEFT JOIN agreements_obligation o ON o.item_id = i.id GROUP BY k.program_id, i.kind, o.status",
            [],
        ),
        (
            "SELECT k.program_id, i.currency, SUM(t.amount), SUM(t.paid_amount), COUNT(DISTINCT o.id) "
            "FROM agreements_instalment t JOIN agreements_obligation o ON o.id = t.obligation_id "
            "AND o.status NOT IN ('waived', 'varied') JOIN agreements_agreementitem i ON i.id = o.item_id "
            "AND i.kind = 'restitution' JOIN agreements_agreement a ON a.id = i.agreement_id AND a.status = 'binding' "
            "JOIN processes_process p ON p.id = a.process_id JOIN floor_counted k ON k.id = p.case_id "
            "GROUP BY k.program_id, i.currency",
            [],
        ),
        (
            f"SELECT k.program_id, {month} AS m, COUNT(*), "  # noqa: S608 - the vendor's month, no value
            "SUM(CASE WHEN d.rating >= d.threshold THEN 1 ELSE 0 END), "
            "SUM(d.rating) FROM safety_distresscheckin d JOIN processes_process p ON p.id = d.process_id "
            "JOIN floor_counted k ON k.id = p.case_id WHERE d.recorded_at >= %s "
            "AND d.person_id IN (SELECT person_id FROM floor_consenting) GROUP BY k.program_id, m",
            [at - timezone.timedelta(days=186)],
        ),
        (
            # Before and after: each person's first baseline and last end-of-process score, as pairs per value.
            """WITH r AS (
              SELECT s.program_id, s.person_id, s.instrument, s.timepoint, s.collected_on, s.total,
                ROW_NUMBER() OVER (PARTITION BY s.program_id, s.person_id, s.instrument, s.timepoint
                                   ORDER BY s.collected_on, s.created_at) AS first,
                ROW_NUMBER() OVER (PARTITION BY s.program_id, s.person_id, s.instrument, s.timepoint
                                   ORDER BY s.collected_on DESC, s.created_at DESC) AS last
              FROM evaluation_surveyresponse s JOIN organisations_program g ON g.id = s.program_id
              WHERE g.organisation_id = %s AND s.instrument IN ('who5', 'rses', 'mspss', 'pcl5')
                AND s.timepoint IN ('baseline', 'end_of_process') AND s.total IS NOT NULL
                AND s.person_id IN (SELECT person_id FROM floor_consenting)
            ), p AS (
              SELECT program_id, instrument,
                MAX(CASE WHEN timepoint = 'baseline' AND first = 1 THEN total END) AS before,
                MAX(CASE WHEN timepoint = 'baseline' AND first = 1 THEN collected_on END) AS before_on,
                MAX(CASE WHEN timepoint = 'end_of_process' AND last = 1 THEN total END) AS after,
                MAX(CASE WHEN timepoint = 'end_of_process' AND last = 1 THEN collected_on END) AS after_on
              FROM r GROUP BY program_id, person_id, instrument
            )
            SELECT program_id, instrument, before, after, COUNT(*) FROM p
            WHERE before IS NOT NULL AND after IS NOT NULL AND after_on >= before_on
            GROUP BY program_id, instrument, before, after""",
            [organisation.pk],
        ),
        (
            # Satisfaction: the answers are encrypted; the floor only fetches them.
            "SELECT s.program_id, s.answers FROM evaluation_surveyresponse s JOIN organisations_program g "
            "ON g.id = s.program_id WHERE g.organisation_id = %s AND s.instrument = 'satisfaction' "
            "AND s.person_id IN (SELECT person_id FROM floor_consenting)",
            [organisation.pk],
        ),
        (
            # Re-offending: each responsible person's latest ended process per program and first event after it.
            f"""WITH st AS (
              SELECT k.program_id, pp.person_id, MAX({ended}) AS start
              FROM processes_processparticipant pp JOIN processes_process p ON p.id = pp.process_id
              JOIN cases_case k ON k.id = p.case_id
              WHERE k.organisation_id = %s AND pp.role = 'responsible' AND p.stage IN ('completed', 'ended_early')
                AND pp.person_id IN (SELECT person_id FROM floor_consenting)
              GROUP BY k.program_id, pp.person_id
            )
            SELECT st.program_id, st.start, MIN(e.occurred_on) FROM st
            LEFT JOIN evaluation_reoffendingevent e ON e.person_id = st.person_id AND e.occurred_on >= st.start
            GROUP BY st.program_id, st.person_id, st.start""",  # noqa: S608
            [organisation.pk],
        ),
        (
            # Support circles: the first score at the circle's start and the last at each follow-up, per circle,
            # survivor and instrument.
            """WITH r AS (
              SELECT s.program_id, a.process_id, s.person_id, s.instrument, s.timepoint, s.total, s.collected_on,
                ROW_NUMBER() OVER (PARTITION BY a.process_id, s.person_id, s.instrument, s.timepoint
                                   ORDER BY s.collected_on, s.created_at) AS first,
                ROW_NUMBER() OVER (PARTITION BY a.process_id, s.person_id, s.instrument, s.timepoint
                                   ORDER BY s.collected_on DESC, s.created_at DESC) AS last
              FROM evaluation_surveyresponse s JOIN evaluation_surveyassignment a ON a.id = s.assignment_id
              JOIN processes_process p ON p.id = a.process_id JOIN organisations_program g ON g.id = s.program_id
              WHERE g.organisation_id = %s AND p.type = 'support_circle' AND s.instrument IN ('rses', 'mspss')
                AND s.total IS NOT NULL AND s.person_id IN (SELECT person_id FROM floor_consenting)
            ), b AS (SELECT * FROM r WHERE timepoint = 'circle_start' AND first = 1),
            t AS (SELECT * FROM r WHERE timepoint IN ('months_3', 'months_6', 'months_12') AND last = 1)
            SELECT t.program_id, t.instrument, t.timepoint, b.total, t.total, COUNT(*) FROM t
            JOIN b ON b.process_id = t.process_id AND b.person_id = t.person_id AND b.instrument = t.instrument
              AND b.program_id = t.program_id
            WHERE t.collected_on >= b.collected_on GROUP BY 1, 2, 3, 4, 5""",
            [organisation.pk],
        ),
        (
            # Support circles' goals: circles, goals set and met, the first met, per circle.
            "SELECT k.program_id, c.opened_on, COUNT(gl.id), COUNT(gl.met_on), MIN(gl.met_on) "
            "FROM support_supportcircle c JOIN processes_process p ON p.id = c.process_id "
            "JOIN cases_case k ON k.id = p.case_id LEFT JOIN support_goal gl ON gl.circle_id = c.id "
            "WHERE k.organisation_id = %s AND c.survivor_id IN (SELECT person_id FROM floor_consenting) "
            "GROUP BY c.id, k.program_id, c.opened_on",
            [organisation.pk],
        ),
        (
            f"SELECT c.program_id, m.reoffended_on IS NOT NULL, "  # noqa: S608 - the vendor's days, no value
            f"{to_days.format('m.followup_start')} - {to_days.format('COALESCE(m.reoffended_on, m.followup_end)')}, "
            "COUNT(*) FROM evaluation_comparisonmember m JOIN evaluation_comparisoncohort c ON c.id = m.cohort_id "
            "JOIN organisations_program g ON g.id = c.program_id WHERE g.organisation_id = %s GROUP BY 1, 2, 3",
            [organisation.pk],
        ),
    ]
    return statements


def run_floor(organisation: Organisation) -> int:
    rows = 0
    with connection.cursor() as cursor:
        for sql, params in _floor_statements(organisation, timezone.now()):
            cursor.execute(sql, params)
            if cursor.description:
                rows += len(cursor.fetchall())
    return rows


# --- the run ------------------------------------------------------------------------------------------------------


class ConsentToggle:
    """Before each request of the "after a write" scenario: give one person of the organisation an evaluation
    consent, or withdraw the one given last time, as the consent screens would (one row, one trigger)."""

    def __init__(self, organisation: Organisation, recorder: Any) -> None:
        self.person = (
            Person.objects.filter(organisation=organisation, kind="survivor", consents__purpose="evaluation")
            .order_by("display_code")
            .first()
        )
        self.recorder = recorder
        self.given: Consent | None = None

    def __call__(self) -> None:
        if self.given is None:
            self.given = Consent.objects.create(
                person=self.person, purpose=ConsentPurpose.EVALUATION, method=ConsentMethod.WRITTEN,
                given_at=timezone.now(), recorded_by=self.recorder,
            )  # fmt: skip
        else:
            self.given.withdrawn_at = timezone.now()
            self.given.withdrawn_by = self.recorder
            self.given.withdrawal_recorded_via = WithdrawalVia.STAFF
            self.given.save()
            self.given = None


def measure(probes: list[tuple[str, Any, Any]]) -> dict[str, Timing]:
    """Every probe REQUESTS times, interleaved (each round takes every probe once, starting one further on)."""
    for _label, run, prepare in probes:
        for _ in range(WARMUP):
            if prepare:
                prepare()
            result = run()
            if hasattr(result, "status_code") and result.status_code != 200:
                raise SystemExit(f"{_label} answered {result.status_code}: it would measure the wrong thing.")
    seconds: dict[int, list[float]] = {i: [] for i in range(len(probes))}
    for round_ in range(REQUESTS):
        shift = round_ % len(probes)
        for i in [*range(shift, len(probes)), *range(shift)]:
            _label, run, prepare = probes[i]
            if prepare:
                prepare()
            started = time.perf_counter()
            run()
            seconds[i].append(time.perf_counter() - started)
    timings = {}
    for i, (label, run, prepare) in enumerate(probes):
        if prepare:
            prepare()
        with CaptureQueriesContext(connection) as queries:
            run()
        timings[label] = Timing(seconds[i], len(queries))
    return timings


def main() -> None:
    started = time.perf_counter()
    seeding = ensure_seeded()
    organisation = Organisation.objects.get(name=f"{OPERATORS[0][0]} (synthetic, seed {SEED})")
    evaluator = Membership.objects.filter(organisation=organisation, role=Role.EVALUATOR).order_by("user__email")[0]
    programs = list(Program.objects.filter(organisation=organisation).order_by("name"))
    largest = max(programs, key=lambda p: Case.objects.filter(program=p).count())
    client = _verified_client(evaluator.user)
    evidence.refresh()  # whatever the seeding or an earlier run left on the list
    sizes = {
        "responses": SurveyResponse.objects.count(),
        "responses_in_organisation": SurveyResponse.objects.filter(program__organisation=organisation).count(),
        "evaluation_consents": Consent.objects.filter(purpose=ConsentPurpose.EVALUATION).count(),
        "cases_in_organisation": Case.objects.filter(organisation=organisation).count(),
        "facts": EvidenceFact.objects.count(),
        "tallies_in_organisation": EvidenceTally.objects.filter(organisation_id=organisation.pk).count(),
    }
    db = database_info()
    print(
        f"\nDashboard benchmark — {db['name']} {db['version']}, {N:,} cases, {sizes['responses']:,} survey responses "
        f"(seed {SEED}); the organisation has {sizes['responses_in_organisation']:,} of them, "
        f"{sizes['tallies_in_organisation']:,} tally rows.\n{REQUESTS} requests per scenario after {WARMUP} warm-up "
        "requests, interleaved; server time through Django's test client, in ms."
    )
    org_url = f"/outcomes/{organisation.pk}/"
    program_url = f"/outcomes/{organisation.pk}/programs/{largest.pk}/"
    toggle = ConsentToggle(organisation, evaluator.user)

    def fill(url: str) -> Any:
        return lambda: client.get(url)  # untimed: the figures are computed and kept, as after any earlier view

    def pdf() -> bytes:
        # What the task worker does for the report job (the request that starts it answers at once).
        scope = selectors.scope_for(evaluator.user, organisation_pk=organisation.pk)
        return analytics_services.report_export(actor=evaluator.user, scope=scope)

    probes = [
        ("organisation · warm", lambda: client.get(org_url), fill(org_url)),
        ("organisation · cold", lambda: client.get(org_url), cache.clear),
        ("organisation · after a write", lambda: client.get(org_url), lambda: (toggle(), cache.clear())),
        ("program · warm", lambda: client.get(program_url), fill(program_url)),
        ("program · cold", lambda: client.get(program_url), cache.clear),
        ("program · after a write", lambda: client.get(program_url), lambda: (toggle(), cache.clear())),
        ("PDF (organisation) · warm", pdf, fill(org_url)),
        ("PDF (organisation) · cold", pdf, cache.clear),
        ("floor: SQL for the same figures", lambda: run_floor(organisation), None),
    ]
    timings = measure(probes)
    rebuild_started = time.perf_counter()
    facts = evidence.rebuild(organisation_id=organisation.pk)
    rebuild_seconds = time.perf_counter() - rebuild_started
    floor = timings["floor: SQL for the same figures"]

    print(f"\n{'scenario':<36}{'p50':>9}{'p95':>9}{'max':>9}{'SQL':>6}{'p50/floor':>11}")
    print("-" * 80)
    for label, t in timings.items():
        print(f"{label:<36}{t.p50:9.1f}{t.p95:9.1f}{max(t.seconds) * 1000:9.1f}{t.queries:6}{t.p50 / floor.p50:11.3f}")
    worst = {
        "cold_ms": max(t.p95 for k, t in timings.items() if "cold" in k or "after a write" in k),
        "warm_ms": max(t.p95 for k, t in timings.items() if "warm" in k),
    }
    program_vs_org = timings["program · cold"].p50 / timings["organisation · cold"].p50
    print(
        f"\nFrom scratch (every fact and tally of the organisation, evidence.rebuild): {rebuild_seconds:.1f} s, "
        f"{facts:,} facts."
    )
    print("\nTargets (PostgreSQL, this machine):")
    print(f"  cold and after a write p95 ≤ 1000 ms{worst['cold_ms']:>12.1f}   "
          f"{'met' if worst['cold_ms'] <= TARGETS['cold_ms'] else 'NOT MET'}")  # fmt: skip
    print(f"  warm p95 ≤ 200 ms{worst['warm_ms']:>31.1f}   "
          f"{'met' if worst['warm_ms'] <= TARGETS['warm_ms'] else 'NOT MET'}")  # fmt: skip
    print(f"  a program no slower than the organisation (cold p50){program_vs_org:>8.2f}x  "
          f"{'met' if program_vs_org <= 1.1 else 'NOT MET'}")  # fmt: skip

    run = {
        "generated_at": timezone.now().isoformat(timespec="seconds"),
        "git": git_commit(),
        "machine": machine(),
        "database": db,
        "cases": N,
        "seed": SEED,
        "seeding": seeding,
        "sizes": sizes,
        "requests_per_scenario": REQUESTS,
        "scenarios": {k: {**t.as_json(), "vs_floor_p50": round(t.p50 / floor.p50, 3)} for k, t in timings.items()},
        "rebuild_seconds": round(rebuild_seconds, 1),
        "targets": {**TARGETS, "measured": worst, "program_vs_organisation_cold_p50": round(program_vs_org, 2)},
    }
    about = "bench/dashboards.py: the outcome dashboards; one entry per vendor and size."
    keep_run(RESULTS, about, f"{db['vendor']}:{N}", run)
    print(f"\nWrote {RESULTS} in {time.perf_counter() - started:.0f} s in all.")


if __name__ == "__main__":
    main()
