"""The case list and the case page at scale, against two baselines measured in the same run.

Seeds a benchmark database once with ``seed_synthetic`` (100,000 cases, ~300,000 people by default) and keeps
it between runs; then, signed in as a coordinator with both factors, requests each scenario through Django's
test client and records the server time of every request (p50, p95) and the number of SQL queries. Baselines:

- the floor: one raw SQL query that fetches the same rows and columns the list shows (for the case page, one
  raw query per panel), with no ORM, no template and no middleware;
- Django admin's changelist for Case with the same columns, list_filter on status and program, search on
  reference and the admin's paginator at 25 rows (bench/admin.py), the same data and the same user
  rights; and, for the query counts, the same changelist with per-row column methods.

Environment:

- DATABASE_URL: a PostgreSQL server to run on. The benchmark creates and uses its own database there
  (``reparo_bench``; ``reparo_bench_<N>`` for another BENCH_CASES) and never writes to the one named.
  Unset: SQLite, in var/bench-<N>.sqlite3.
- BENCH_CASES: number of synthetic cases (default 100000). For a quick run: BENCH_CASES=5000 make bench.
- BENCH_SEED: the seed (default 42). BENCH_REQUESTS: measured requests per scenario (default 60).

Prints a table and writes bench/results/latest.json (one entry per database vendor). Benchmarks print; they
never assert on time.
"""

from __future__ import annotations

import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from bench.admin import naive_site, site  # noqa: E402
from reparo.accounts.backends import USER_BACKEND  # noqa: E402
from reparo.accounts.models import Membership, Role, User  # noqa: E402
from reparo.cases.models import (  # noqa: E402
    OPEN_STATUSES,
    Case,
    CaseParticipant,
    CaseStatus,
    CaseStatusChange,
    CaseTeamMember,
    Harm,
    Need,
    Note,
    ParticipantRole,
    Task,
    TeamRole,
)
from reparo.cases.synthetic import OPERATORS, generator_version, seed_synthetic  # noqa: E402
from reparo.organisations.models import Organisation, Program  # noqa: E402
from reparo.people.models import Person, PersonNameIndex  # noqa: E402
from reparo.people.services import name_digest  # noqa: E402

N = settings.BENCH_CASES
SEED = settings.BENCH_SEED
REQUESTS = settings.BENCH_REQUESTS
WARMUP = 5
RESULTS = ROOT / "bench" / "results" / "latest.json"
MARKER = "bench_seed"
ADMIN_EMAIL = "bench-admin@example.org"
TARGETS = {"list_p95_ms": 30.0, "page_p95_ms": 40.0, "list_vs_admin": 0.5}


# --- the benchmark database ------------------------------------------------------------------------------------


def _server_connection() -> Any:
    """A connection to the server DATABASE_URL names (its own database), only to create or drop ours."""
    import dj_database_url
    import psycopg

    server = dict(settings.DATABASES["default"])
    original = dj_database_url.parse(os.environ["DATABASE_URL"])
    return psycopg.connect(
        dbname=original["NAME"],
        user=server.get("USER") or None,
        password=server.get("PASSWORD") or None,
        host=server.get("HOST") or None,
        port=server.get("PORT") or None,
        autocommit=True,
    )


def _create_database(*, drop: bool = False) -> None:
    if connection.vendor == "sqlite":
        path = Path(settings.DATABASES["default"]["NAME"])
        path.parent.mkdir(parents=True, exist_ok=True)
        if drop:
            connection.close()
            for suffix in ("", "-journal", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    from psycopg import sql

    name = settings.DATABASES["default"]["NAME"]
    connection.close()
    with _server_connection() as server:
        if drop:
            server.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        if not server.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            server.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _marker() -> dict[str, Any] | None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {MARKER} (seed INTEGER NOT NULL, cases INTEGER NOT NULL, "
            "seconds DOUBLE PRECISION NOT NULL, seeded_at VARCHAR(40) NOT NULL, detail TEXT NOT NULL)"
        )
        cursor.execute(f"SELECT seed, cases, seconds, seeded_at, detail FROM {MARKER}")  # noqa: S608
        row = cursor.fetchone()
    if row is None:
        return None
    seed, cases, seconds, seeded_at, detail = row
    return {"seed": seed, "cases": cases, "seconds": seconds, "seeded_at": seeded_at, **json.loads(detail)}


def ensure_seeded() -> dict[str, Any]:
    """Seed once: reuse the database when its marker says it holds this seed and size, else rebuild it."""
    _create_database()
    call_command("migrate", verbosity=0, interactive=False)
    marker = _marker()
    same = marker and marker["seed"] == SEED and marker["cases"] == N and marker.get("generator") == generator_version()
    if same and Case.objects.count() == N:
        print(f"Using the seeded benchmark database ({N:,} cases, seed {SEED}, seeded {marker['seeded_at']}).")
        return {**marker, "reused": True}
    if marker or Case.objects.exists():
        print("The benchmark database holds other or incomplete data: rebuilding it.")
        _create_database(drop=True)
        call_command("migrate", verbosity=0, interactive=False)
        _marker()
    print(f"Seeding {N:,} synthetic cases (seed {SEED}) — once; later runs reuse them.", flush=True)
    step = max(1, N // 10)

    def progress(done: int, seconds: float) -> None:
        if done % step < 1000 or done == N:
            print(f"  {done:>9,} cases  {seconds:6.1f} s  {done / seconds:7,.0f} cases/s", flush=True)

    report = seed_synthetic(cases=N, seed=SEED, progress=progress)
    if connection.vendor == "postgresql":
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # the state autovacuum leaves a loaded table in
        print(f"  VACUUM ANALYZE {time.perf_counter() - started:.1f} s")
    seeded_at = timezone.now().isoformat(timespec="seconds")
    detail = {
        "rows": report.rows,
        "total_rows": report.total_rows,
        "cases_per_second": report.cases_per_second,
        "generator": generator_version(),
    }
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {MARKER}")  # noqa: S608
        cursor.execute(
            f"INSERT INTO {MARKER} (seed, cases, seconds, seeded_at, detail) VALUES (%s, %s, %s, %s, %s)",  # noqa: S608
            [SEED, N, report.seconds, seeded_at, json.dumps(detail)],
        )
    print(
        f"Seeded {N:,} cases, {report.total_rows:,} rows in {report.seconds:.1f} s "
        f"({report.cases_per_second:,.0f} cases/s)."
    )
    return {"seed": SEED, "cases": N, "seconds": report.seconds, "seeded_at": seeded_at, **detail, "reused": False}


# --- who is signed in, and what they look at ---------------------------------------------------------------------


@dataclass
class World:
    organisation: Organisation
    coordinator: User
    admin: User
    program: Program
    busy: Case
    quiet: Case
    name: str
    phone: str
    visible_cases: int


def _verified_client(user: User) -> Client:
    """Signed in with both factors, as tests/conftest.py's sign_in does."""
    device, _created = TOTPDevice.objects.get_or_create(
        user=user, name="bench", defaults={"key": "3132333435363738393031323334353637383930", "confirmed": True}
    )
    client = Client()
    client.force_login(user, backend=USER_BACKEND)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def build_world() -> World:
    organisation = Organisation.objects.get(name=f"{OPERATORS[0][0]} (synthetic, seed {SEED})")
    coordinator = (
        Membership.objects.filter(organisation=organisation, role=Role.COORDINATOR).order_by("user__email")[0].user
    )
    admin = User.objects.filter(email=ADMIN_EMAIL).first()
    if admin is None:
        admin = User.objects.create_superuser(ADMIN_EMAIL, None, full_name="Benchmark admin")
    # The admin sees what the coordinator sees, through the same organisation role.
    Membership.objects.get_or_create(user=admin, organisation=organisation, role=Role.COORDINATOR)
    counted = Case.objects.filter(organisation=organisation, status__in=OPEN_STATUSES).annotate(
        notes_n=Count("notes", distinct=True), tasks_n=Count("tasks", distinct=True)
    )
    busy = counted.filter(notes_n__gte=8, tasks_n__gte=5).order_by("reference").first()
    quiet = counted.filter(notes_n__lte=1, tasks_n__lte=1).order_by("reference").first()
    if busy is None or quiet is None:
        raise SystemExit("No case with many (or few) notes and tasks: seed more cases.")
    survivor = (
        Person.objects.filter(
            participations__case__organisation=organisation,
            participations__role=ParticipantRole.SURVIVOR,
            phone__isnull=False,
        )
        .order_by("display_code")
        .first()
    )
    if survivor is None:
        raise SystemExit("No survivor with a phone number: seed more cases.")
    survivor_of_busy = busy.participants.get(role=ParticipantRole.SURVIVOR).person
    return World(
        organisation=organisation,
        coordinator=coordinator,
        admin=admin,
        program=Program.objects.filter(organisation=organisation).order_by("name")[0],
        busy=busy,
        quiet=quiet,
        name=survivor_of_busy.full_name,
        phone=survivor.phone or "",
        visible_cases=Case.objects.filter(organisation=organisation).count(),
    )


# --- measuring ----------------------------------------------------------------------------------------------------


@dataclass
class Timing:
    seconds: list[float]
    queries: int
    status: int = 200
    rows: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def p50(self) -> float:
        return statistics.median(self.seconds) * 1000

    @property
    def p95(self) -> float:
        ordered = sorted(self.seconds)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)] * 1000

    def as_json(self) -> dict[str, Any]:
        data = {
            "p50_ms": round(self.p50, 2),
            "p95_ms": round(self.p95, 2),
            "mean_ms": round(statistics.fmean(self.seconds) * 1000, 2),
            "min_ms": round(min(self.seconds) * 1000, 2),
            "max_ms": round(max(self.seconds) * 1000, 2),
            "requests": len(self.seconds),
            "queries": self.queries,
        }
        if self.rows is not None:
            data["rows"] = self.rows
        return {**data, **self.extra}


def _table_rows(html: str) -> int | None:
    """Rows in the page's table (the list's or the changelist's); None for a page without one."""
    if "<tbody" not in html:
        return None
    return html.split("<tbody", 1)[1].split("</tbody>", 1)[0].count("<tr")


def search_for(client: Client, text: str) -> None:
    """Search as the screen does: POST the words; only their digests stay, in the session."""
    response = client.post("/cases/search/", {"q": text})
    if response.status_code != 302 or "search=1" not in response["Location"]:
        raise SystemExit(f"Searching answered {response.status_code}; the benchmark would measure the wrong thing.")


# --- the floor's SQL --------------------------------------------------------------------------------------------


TABLES = {
    m.__name__: m
    for m in (Case, CaseParticipant, CaseStatusChange, CaseTeamMember, Harm, Need, Note, Person, PersonNameIndex,
              Program, Task, User)
}  # fmt: skip


def _sql(template: str) -> str:
    """``{Case}`` and the like become quoted table names from the models' metadata; values stay parameters."""
    quote = connection.ops.quote_name
    return template.format(**{name: quote(model._meta.db_table) for name, model in TABLES.items()})


def _pk(value: Any) -> Any:
    """A UUID as the database stores it (SQLite: 32 hex digits; PostgreSQL: uuid)."""
    return value.hex if connection.vendor == "sqlite" else value


LIST_SQL = """
    SELECT x.*, x.next_due < %s AS overdue FROM (
      SELECT c.id, c.reference, c.status, p.name, c.updated_at,
        (SELECT pe.display_code FROM {CaseParticipant} cp JOIN {Person} pe ON pe.id = cp.person_id
          WHERE cp.case_id = c.id AND cp.role = %s ORDER BY cp.created_at LIMIT 1) AS survivor_code,
        (SELECT u.email FROM {CaseTeamMember} tm JOIN {User} u ON u.id = tm.user_id
          WHERE tm.case_id = c.id AND tm.role = %s ORDER BY tm.created_at LIMIT 1) AS lead_email,
        (SELECT MIN(k.due_date) FROM {Task} k WHERE k.case_id = c.id AND k.done_at IS NULL) AS next_due
      FROM {Case} c JOIN {Program} p ON p.id = c.program_id
      WHERE c.organisation_id = %s WHERE_MORE
      ORDER BY c.updated_at DESC, c.id DESC
      LIMIT 25
    ) x
    ORDER BY x.updated_at DESC, x.id DESC
"""
BY_NAME = (
    "AND c.id IN (SELECT cp.case_id FROM {CaseParticipant} cp JOIN {PersonNameIndex} ni "
    "ON ni.person_id = cp.person_id WHERE ni.digest = %s)"
)
BY_PHONE = (
    "AND c.id IN (SELECT cp.case_id FROM {CaseParticipant} cp JOIN {Person} pe "
    "ON pe.id = cp.person_id WHERE pe.phone_bidx = %s)"
)
PAGE_SQL = [
    "SELECT c.*, p.name FROM {Case} c JOIN {Program} p ON p.id = c.program_id WHERE c.id = %s",
    "SELECT cp.role, pe.id, pe.display_code, pe.erased_at FROM {CaseParticipant} cp "
    "JOIN {Person} pe ON pe.id = cp.person_id WHERE cp.case_id = %s ORDER BY cp.role, cp.created_at",
    "SELECT tm.id, tm.role, u.email FROM {CaseTeamMember} tm JOIN {User} u ON u.id = tm.user_id "
    "WHERE tm.case_id = %s ORDER BY tm.role, tm.created_at",
    "SELECT n.*, u.email FROM {Note} n LEFT JOIN {User} u ON u.id = n.author_id "
    "WHERE n.case_id = %s ORDER BY n.created_at DESC",
    "SELECT k.*, u.email FROM {Task} k LEFT JOIN {User} u ON u.id = k.owner_id "
    "WHERE k.case_id = %s ORDER BY k.done_at, k.due_date, k.created_at",
    "SELECT * FROM {CaseStatusChange} WHERE case_id = %s ORDER BY at",
    "SELECT * FROM {Need} WHERE case_id = %s ORDER BY priority, created_at",
    "SELECT * FROM {Harm} WHERE case_id = %s",
]


def floor_list(organisation: Organisation, *, where: str = "", params: list[Any] | None = None) -> tuple[str, list]:
    """The 25 rows and columns the list shows, newest first, in one query."""
    sql = _sql(LIST_SQL.replace("WHERE_MORE", where))
    today = timezone.localdate()
    return sql, [today, ParticipantRole.SURVIVOR, TeamRole.LEAD_FACILITATOR, organisation.pk, *(params or [])]


def floor_page(case: Case) -> list[tuple[str, list[Any]]]:
    """The rows the case page shows, one query per panel (stored values; nothing decrypted or rendered)."""
    return [(_sql(template), [_pk(case.pk)]) for template in PAGE_SQL]


# --- the run ------------------------------------------------------------------------------------------------------


@dataclass
class Scenario:
    key: str
    label: str
    reparo: str
    floor: list[tuple[str, list[Any]]]
    admin: str | None = None
    expect: str | None = None
    kind: str = "list"
    search: str | None = None  # searched first (POST), then the list pages through the results
    submit: bool = False  # measure the search itself: the POST and the list it redirects to
    cold: bool = False  # before each request (untimed), move the access stamp: nothing kept is used


def scenarios(world: World) -> list[Scenario]:
    org = world.organisation
    status = CaseStatus.IN_PROCESS
    digest = name_digest(world.name)
    phone_digest = Person._meta.get_field("phone_bidx").digest(world.phone)  # type: ignore[attr-defined]
    ref = world.busy.reference
    filtered_admin = urlencode({"status__exact": status, "program__id__exact": world.program.pk})
    return [
        Scenario("list", "case list", "/cases/", [floor_list(org)], "/bench-admin/cases/case/"),
        Scenario(
            "list_filtered",
            "filtered: status + program",
            f"/cases/?{urlencode({'status': status, 'program': world.program.pk})}",
            [floor_list(org, where="AND c.status = %s AND c.program_id = %s", params=[status, world.program.pk])],
            f"/bench-admin/cases/case/?{filtered_admin}",
        ),
        Scenario(
            "list_search_name",
            "searched: exact name",
            "/cases/?search=1",
            [floor_list(org, where=BY_NAME, params=[digest])],
            search=world.name,
        ),
        Scenario(
            "list_search_phone",
            "searched: phone",
            "/cases/?search=1",
            [floor_list(org, where=BY_PHONE, params=[phone_digest])],
            search=world.phone,
        ),
        Scenario(
            "list_search_reference",
            "searched: reference",
            "/cases/?search=1",
            [floor_list(org, where="AND c.reference = %s", params=[ref])],
            f"/bench-admin/cases/case/?{urlencode({'q': ref})}",
            expect=ref,
            search=ref,
        ),
        Scenario(
            "search_submit_name",
            "search by name: POST + list",
            "/cases/search/",
            [floor_list(org, where=BY_NAME, params=[digest])],
            search=world.name,
            submit=True,
            kind="search",
        ),
        Scenario(
            "list_cold",
            "first after an access change",
            "/cases/",
            [floor_list(org)],
            cold=True,
        ),
        Scenario(
            "case_page",
            "case page (busy case)",
            f"/cases/{world.busy.pk}/",
            floor_page(world.busy),
            expect=ref,
            kind="page",
        ),
        Scenario(
            "case_page_cold",
            "first after an access change",
            f"/cases/{world.busy.pk}/",
            floor_page(world.busy),
            expect=ref,
            kind="page",
            cold=True,
        ),
    ]


MOVE_STAMP = "UPDATE accounts_membership SET is_active = is_active WHERE id = (SELECT MIN(id) FROM accounts_membership)"


def move_access_stamp() -> None:
    """A write that changes nothing but, as any membership write does, gives the access stamp a new value: the next
    page reads roles, the device check and the filter choices afresh, as after a role was given or ended
    (decision 0025)."""
    with connection.cursor() as cursor:
        cursor.execute(MOVE_STAMP)


@dataclass
class Probe:
    """One thing to time: a page through the test client (``run`` returns the response) or the floor's SQL
    (``run`` returns the rows)."""

    scenario: str
    variant: str  # "reparo", "floor", "admin" or "admin_per_row_methods"
    what: str
    run: Callable[[], Any]
    expect: str | None = None
    statements: int | None = None  # the floor: its number of SQL statements
    prepare: Callable[[], Any] | None = None  # run before each request, outside the timing


def probes_for(world: World, scenario: Scenario, admin_client: Client) -> list[Probe]:
    """The scenario's probes. Each Reparo scenario has its own signed-in client, so that a search kept in one
    session does not change what another scenario shows."""
    client = _verified_client(world.coordinator)
    if scenario.submit:
        data = {"q": scenario.search}
        reparo = Probe(scenario.key, "reparo", f"POST {scenario.reparo}",
                       lambda: client.post(scenario.reparo, data, follow=True), scenario.expect)  # fmt: skip
    else:
        if scenario.search:
            search_for(client, scenario.search)
        reparo = Probe(scenario.key, "reparo", f"GET {scenario.reparo}", lambda: client.get(scenario.reparo),
                       scenario.expect, prepare=move_access_stamp if scenario.cold else None)  # fmt: skip
    probes = [reparo, Probe(scenario.key, "floor", "floor SQL", lambda: run_sql(scenario.floor), None,
                            len(scenario.floor))]  # fmt: skip
    if scenario.admin:
        naive = scenario.admin.replace("/bench-admin/", "/bench-admin-naive/")
        for variant, url in (("admin", scenario.admin), ("admin_per_row_methods", naive)):
            probes.append(
                Probe(scenario.key, variant, f"GET {url}", lambda u=url: admin_client.get(u), scenario.expect)
            )
    return probes


def run_sql(statements: list[tuple[str, list[Any]]]) -> int:
    with connection.cursor() as cursor:
        rows = 0
        for sql, params in statements:
            cursor.execute(sql, params)
            rows = len(cursor.fetchall()) if rows == 0 else rows
        return rows


def measure_interleaved(probes: list[Probe]) -> dict[tuple[str, str], Timing]:
    """Times every probe REQUESTS times, in rounds that take each probe once (starting one further on each
    round), so that a slow spell of a shared machine falls on all of them alike instead of on one scenario."""
    for probe in probes:
        for _ in range(WARMUP):
            if probe.prepare:
                probe.prepare()
            response = probe.run()
            if probe.statements is None and response.status_code != 200:
                raise SystemExit(f"{probe.what} answered {response.status_code}; the benchmark would measure the "
                                 "wrong thing.")  # fmt: skip
        if probe.expect and probe.expect not in response.content.decode():
            raise SystemExit(
                f"{probe.what} does not show {probe.expect!r}; the benchmark would measure the wrong thing."
            )
    seconds: dict[int, list[float]] = {i: [] for i in range(len(probes))}
    order = list(range(len(probes)))
    for round_ in range(REQUESTS):
        shift = round_ % len(order)
        for i in order[shift:] + order[:shift]:
            if probes[i].prepare:
                probes[i].prepare()  # type: ignore[misc]
            started = time.perf_counter()
            probes[i].run()
            seconds[i].append(time.perf_counter() - started)
    timings = {}
    for i, probe in enumerate(probes):
        if probe.statements is not None:
            timings[probe.scenario, probe.variant] = Timing(seconds[i], probe.statements, rows=probe.run())
            continue
        if probe.prepare:
            probe.prepare()
        with CaptureQueriesContext(connection) as queries:
            response = probe.run()
        timing = Timing(seconds[i], len(queries), response.status_code, _table_rows(response.content.decode()))
        if timing.rows == 0:
            raise SystemExit(f"{probe.what} shows no rows; the benchmark would measure the wrong thing.")
        timings[probe.scenario, probe.variant] = timing
    return timings


def query_counts(world: World, client: Client, admin_client: Client) -> dict[str, Any]:
    """Queries per page as the number of rows shown changes: they must not grow with it."""

    def count(c: Client, url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = c.get(url)
        if response.status_code != 200:
            raise SystemExit(f"GET {url} answered {response.status_code}.")
        return len(queries)

    result: dict[str, Any] = {"list": {}, "admin": {}, "admin_per_row_methods": {}, "case_page": {}}
    for per_page in (10, 25, 50):
        count(client, f"/cases/?per_page={per_page}")
        result["list"][per_page] = count(client, f"/cases/?per_page={per_page}")
        for key, admin_site, prefix in (
            ("admin", site, "/bench-admin"),
            ("admin_per_row_methods", naive_site, "/bench-admin-naive"),
        ):
            model_admin = admin_site._registry[Case]
            saved = model_admin.list_per_page
            model_admin.list_per_page = per_page
            try:
                count(admin_client, f"{prefix}/cases/case/")
                result[key][per_page] = count(admin_client, f"{prefix}/cases/case/")
            finally:
                model_admin.list_per_page = saved
    for label, case in (("quiet", world.quiet), ("busy", world.busy)):
        count(client, f"/cases/{case.pk}/")
        result["case_page"][label] = {
            "queries": count(client, f"/cases/{case.pk}/"),
            "notes": case.notes.count(),
            "tasks": case.tasks.count(),
            "people": case.participants.count(),
        }
    result["independent"] = {
        "list": len(set(result["list"].values())) == 1,
        "admin": len(set(result["admin"].values())) == 1,
        "admin_per_row_methods": len(set(result["admin_per_row_methods"].values())) == 1,
        "case_page": len({v["queries"] for v in result["case_page"].values()}) == 1,
    }
    return result


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "cpus": os.cpu_count(),
    }
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        info["cpu"] = next(line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if "model name" in line)
        meminfo = Path("/proc/meminfo").read_text().split()
        info["memory_gib"] = round(int(meminfo[meminfo.index("MemTotal:") + 1]) / 1024**2, 1)
    except (OSError, StopIteration, ValueError):
        pass
    return info


def database_info() -> dict[str, Any]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
            name = "PostgreSQL"
        else:
            cursor.execute("SELECT sqlite_version()")
            version = cursor.fetchone()[0]
            name = "SQLite"
    return {
        "vendor": connection.vendor,
        "name": name,
        "version": version,
        "database": _relative(str(connection.settings_dict["NAME"])),
    }


def _relative(name: str) -> str:
    path = Path(name)
    return str(path.relative_to(ROOT)) if path.is_absolute() and path.is_relative_to(ROOT) else name


def git_commit() -> dict[str, Any]:
    def git(*args: str) -> str:
        command = ["git", *args]
        return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()  # noqa: S603

    try:
        return {"commit": git("rev-parse", "HEAD"), "dirty": bool(git("status", "--porcelain"))}
    except (OSError, subprocess.CalledProcessError):
        return {}


def fmt(value: float | None, width: int = 7, digits: int = 1) -> str:
    return f"{value:{width}.{digits}f}" if value is not None else " " * (width - 1) + "-"


def main() -> None:
    started = time.perf_counter()
    seeding = ensure_seeded()
    world = build_world()
    db = database_info()
    client = _verified_client(world.coordinator)
    admin_client = _verified_client(world.admin)

    print(
        f"\nCase benchmark — {db['name']} {db['version']}, {N:,} cases (seed {SEED}); a coordinator who sees "
        f"{world.visible_cases:,} of them.\n{REQUESTS} requests per scenario after {WARMUP} warm-up requests, "
        "interleaved (each round takes every scenario and baseline once); server time through Django's test "
        "client, in ms."
    )
    results: dict[str, Any] = {}
    chosen = scenarios(world)
    # The scenarios that move the access stamp are timed after the others, in rounds of their own: moving it drops
    # what every other scenario's process keeps too.
    timings: dict[tuple[str, str], Timing] = {}
    for cold in (False, True):
        group = [scenario for scenario in chosen if scenario.cold is cold]
        timings |= measure_interleaved([probe for s in group for probe in probes_for(world, s, admin_client)])
    for scenario in chosen:
        measured = {variant: timing for (key, variant), timing in timings.items() if key == scenario.key}
        entry: dict[str, Any] = {"label": scenario.label, "kind": scenario.kind, "url": scenario.reparo,
                                 "cold": scenario.cold}  # fmt: skip
        entry.update({k: v.as_json() for k, v in measured.items()})
        entry["vs_floor_p50"] = round(measured["reparo"].p50 / measured["floor"].p50, 2)
        if scenario.admin:
            entry["admin"]["url"] = scenario.admin
            entry["admin_per_row_methods"]["url"] = scenario.admin.replace("/bench-admin/", "/bench-admin-naive/")
            for key, suffix in (("admin", ""), ("admin_per_row_methods", "_per_row_methods")):
                entry[f"vs_admin{suffix}_p50"] = round(measured["reparo"].p50 / measured[key].p50, 2)
                entry[f"vs_admin{suffix}_p95"] = round(measured["reparo"].p95 / measured[key].p95, 2)
        results[scenario.key] = entry

    counts = query_counts(world, client, admin_client)
    print_table(results, counts)
    targets = check_targets(results, counts, db["vendor"])
    write_results(
        {
            "generated_at": timezone.now().isoformat(timespec="seconds"),
            "git": git_commit(),
            "machine": machine(),
            "database": db,
            "cases": N,
            "seed": SEED,
            "visible_cases": world.visible_cases,
            "requests_per_scenario": REQUESTS,
            "warmup_requests": WARMUP,
            "seeding": seeding,
            "scenarios": results,
            "query_counts": counts,
            "targets": targets,
            "busy_case": {
                "reference": world.busy.reference,
                "notes": counts["case_page"]["busy"]["notes"],
                "tasks": counts["case_page"]["busy"]["tasks"],
            },
        },
        db["vendor"],
    )
    print(f"\nWrote {RESULTS} ({db['vendor']}) in {time.perf_counter() - started:.0f} s in all.")


def print_table(results: dict[str, Any], counts: dict[str, Any]) -> None:
    header = (
        f"\n{'':<30}{'Reparo':^24}|{'floor: raw SQL':^28}|{'Django admin changelist':^38}\n"
        f"{'scenario':<30}{'p50':>8}{'p95':>8}{'SQL':>6}  |{'p50':>8}{'p95':>8}{'SQL':>4}{'x':>6}  |"
        f"{'p50':>8}{'p95':>8}{'SQL':>5}{'Reparo/admin':>15}"
    )
    print(header)
    print("-" * len(header.splitlines()[-1]))
    for entry in results.values():
        r, f, a = entry["reparo"], entry["floor"], entry.get("admin")
        indent = "  " if (entry["kind"] == "list" and entry["label"] != "case list") or entry.get("cold") else ""
        line = (
            f"{indent + entry['label']:<30}"
            f"{fmt(r['p50_ms'], 8)}{fmt(r['p95_ms'], 8)}{r['queries']:>6}  |"
            f"{fmt(f['p50_ms'], 8, 2)}{fmt(f['p95_ms'], 8, 2)}{f['queries']:>4}{entry['vs_floor_p50']:>5.0f}x  |"
        )
        if a:
            line += f"{fmt(a['p50_ms'], 8)}{fmt(a['p95_ms'], 8)}{a['queries']:>5}{entry['vs_admin_p50']:>15.2f}"
        else:
            line += f"{'n/a (cannot search encrypted names)' if 'search' in entry['label'] else '':>38}"
        print(line)
    print(
        "\nx = Reparo p50 / floor p50. Reparo/admin = Reparo p50 / admin p50. The floor fetches stored values "
        "only (no decryption, no HTML). The admin uses the same selector (same rows, same annotations)."
    )
    print("\nDjango admin changelist with per-row column methods (a query per column per row):")
    for entry in results.values():
        naive = entry.get("admin_per_row_methods")
        if naive:
            print(
                f"  {entry['label']:<28}{fmt(naive['p50_ms'], 8)}{fmt(naive['p95_ms'], 8)}{naive['queries']:>6} queries"
                f"   Reparo/admin {entry['vs_admin_per_row_methods_p50']:.2f}"
            )
    print("\nQueries per page by rows shown (must not grow with the rows):")
    for key, label in (
        ("list", "Reparo case list"),
        ("admin", "admin changelist"),
        ("admin_per_row_methods", "admin, per-row column methods"),
    ):
        cells = "  ".join(f"{per}: {n:>3}" for per, n in counts[key].items())
        print(f"  {label:<32}{cells}   {'constant' if counts['independent'][key] else 'GROWS'}")
    page = counts["case_page"]
    cells = "  ".join(f"{label} ({v['notes']} notes, {v['tasks']} tasks): {v['queries']}" for label, v in page.items())
    print(f"  {'Reparo case page':<32}{cells}   {'constant' if counts['independent']['case_page'] else 'GROWS'}")


def check_targets(results: dict[str, Any], counts: dict[str, Any], vendor: str) -> dict[str, Any]:
    lists = [v for v in results.values() if v["kind"] == "list"]
    worst_list = max(v["reparo"]["p95_ms"] for v in lists)
    page = max(v["reparo"]["p95_ms"] for v in results.values() if v["kind"] == "page")
    compared = [v for v in lists if "vs_admin_p50" in v]
    worst_ratio = max(v["vs_admin_p50"] for v in compared)
    worst_ratio_naive = max(v["vs_admin_per_row_methods_p50"] for v in compared)
    checks: dict[str, Any] = {
        "applies_to": "postgresql",
        "list_p95_ms": {"target": TARGETS["list_p95_ms"], "measured": worst_list},
        "page_p95_ms": {"target": TARGETS["page_p95_ms"], "measured": page},
        "list_vs_admin_p50": {"target": TARGETS["list_vs_admin"], "measured": worst_ratio},
        "list_vs_admin_per_row_methods_p50": {"target": TARGETS["list_vs_admin"], "measured": worst_ratio_naive},
        "query_count_independent_of_rows": {
            "target": True,
            "measured": counts["independent"]["list"] and counts["independent"]["case_page"],
        },
    }
    for check in checks.values():
        if isinstance(check, dict):
            target, measured = check["target"], check["measured"]
            check["met"] = measured is target if isinstance(target, bool) else measured <= target
    note = "" if vendor == "postgresql" else "  (targets are set for PostgreSQL; shown here for reference)"
    print(f"\nTargets{note}:")
    names = {
        "list_p95_ms": "case list p95 ≤ 30 ms (worst scenario)",
        "page_p95_ms": "case page p95 ≤ 40 ms (worst scenario)",
        "list_vs_admin_p50": "case list ≤ 0.5 x admin changelist (worst, p50)",
        "list_vs_admin_per_row_methods_p50": "  ... x admin with per-row column methods",
        "query_count_independent_of_rows": "query count independent of rows shown",
    }
    for key, label in names.items():
        check = checks[key]
        measured = check["measured"]
        shown = ("yes" if measured else "no") if isinstance(measured, bool) else f"{measured:.2f}"
        print(f"  {label:<52}{shown:>8}   {'met' if check['met'] else 'NOT MET'}")
    return checks


def keep_run(path: Path, about: str, key: str, run: dict[str, Any]) -> None:
    """Keep ``run`` under ``key`` in a benchmark's results file (one entry per vendor, or vendor and size), beside
    the entries other runs left there."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        data = {}
    runs = data.get("runs") if isinstance(data.get("runs"), dict) else {}
    runs[key] = run
    path.write_text(json.dumps({"about": about, "runs": runs}, indent=2, sort_keys=True, default=str) + "\n")


def write_results(run: dict[str, Any], vendor: str) -> None:
    keep_run(RESULTS, "make bench: bench/cases.py. One entry per database vendor; times in milliseconds.", vendor, run)


if __name__ == "__main__":
    main()
