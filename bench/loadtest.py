"""Load and soak: `make loadtest` (bench/README.md).

Starts the production server (gunicorn with reparo/server.py's settings, ``REPARO_ENV=production``) on a free
127.0.0.1 port against the benchmark database that bench/cases.py seeds (``reparo_bench`` on the PostgreSQL server
``DATABASE_URL`` names, ``reparo_bench_<N>`` for another ``LOADTEST_CASES``; SQLite without it), signs in staff with
both factors (password and a TOTP code computed from the device key kept in the benchmark database), and drives
bounded phases of requests from client processes (one per client, so that no two clients wait for each other in one
Python interpreter), each on its own keep-alive connection:

1. ``/healthz`` alone: the baseline (the server, the middleware-free path and one ``SELECT 1``);
2. the case list alone, then the case page alone: the throughput goals;
3. the case list with one more client asking for the organisation's dashboard, one after another (the harshest
   case: that client alone keeps a share of the cores busy), then asking at most once a second: how much dashboards
   slow the list's p95;
4. a realistic mix: lists (plain and filtered), searches (POST, then the searched list), case pages, notes added
   through htmx (a write: the case's notes partial comes back) and, now and then, a dashboard;
5. with ``LOADTEST_SOAK=1``: the mix at 16 clients for 10 minutes, the server's memory sampled every 10 s.

Prints, per phase and per kind of request, req/s, p50/p95/p99, errors, and the server's RSS (master and workers);
writes bench/results/loadtest.json. Benchmarks print; they do not assert. Every loop is bounded in time and stops by
itself; only 127.0.0.1 is reached.

Environment: ``LOADTEST_CLIENTS`` (8), ``LOADTEST_SECONDS`` per phase (20), ``LOADTEST_SOAK`` (off),
``LOADTEST_PHASES`` (a comma-separated subset of the phases' names),
``LOADTEST_SOAK_CLIENTS`` (16), ``LOADTEST_SOAK_SECONDS`` (600), ``LOADTEST_CASES`` (``BENCH_CASES``, 100000),
and the server's own: ``WEB_WORKERS``, ``WEB_THREADS``, ``DATABASE_POOL_MAX_SIZE`` (default: ``WEB_THREADS``;
0 for persistent connections instead, ``DATABASE_CONN_MAX_AGE`` 60), ``GUNICORN_CMD_ARGS`` (gunicorn's own
overrides, e.g. ``--worker-class sync`` to compare), ``LOADTEST_SERVER_DATABASE_URL`` (the server reaches the same
database another way, e.g. through pgbouncer), ``LOADTEST_SERVER_COMMAND`` (another server to compare, its
``{port}`` filled in, e.g. ``granian --interface wsgi --host 127.0.0.1 --port {port} reparo.wsgi:application`` with
``TRUST_X_FORWARDED_PROTO=true``).

Besides the server's CPU a request, each phase prints the load generator's (this process and its client processes)
and the local PostgreSQL's, so that where the two cores went is accounted for.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import os
import platform
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
if os.environ.get("LOADTEST_CASES"):
    os.environ["BENCH_CASES"] = os.environ["LOADTEST_CASES"]
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django_otp.oath import TOTP  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from bench import cases as bench_cases  # noqa: E402
from bench.webclient import Response, WebClient  # noqa: E402
from reparo.accounts.models import Membership, Role, User  # noqa: E402
from reparo.cases.models import OPEN_STATUSES, Case, CaseStatus, ParticipantRole  # noqa: E402
from reparo.organisations.models import Organisation, Program  # noqa: E402
from reparo.people.models import Person  # noqa: E402

CLIENTS = int(os.environ.get("LOADTEST_CLIENTS") or 8)
SECONDS = float(os.environ.get("LOADTEST_SECONDS") or 20)
SOAK = os.environ.get("LOADTEST_SOAK", "").lower() in ("1", "true", "yes", "on")
SOAK_CLIENTS = int(os.environ.get("LOADTEST_SOAK_CLIENTS") or 16)
SOAK_SECONDS = float(os.environ.get("LOADTEST_SOAK_SECONDS") or 600)
PASSWORD = "loadtest-" + "correct-horse-battery"  # synthetic users in the benchmark database only
RESULTS = ROOT / "bench" / "results" / "loadtest.json"
SERVER_SETTINGS = ("WEB_WORKERS", "WEB_THREADS", "DATABASE_POOL_MAX_SIZE", "DATABASE_CONN_MAX_AGE", "GUNICORN_CMD_ARGS")
GOALS = {"list_rps": 200.0, "page_rps": 120.0, "p95_ms": 100.0, "dashboard_slowdown": 0.20}
# The public development keys: bench/cases.py seeds the benchmark database under them (REPARO_ENV=test).
FIELD_KEYS = "dev1:ZGV2LW9ubHktZmllbGQta2V5LTMyLWJ5dGVzLWxvbmc="
BLIND_KEY = "ZGV2LW9ubHktYmxpbmQtaW5kZXgta2V5LTMyLWJ5dGVz"


# --- who signs in, and what they look at --------------------------------------------------------------------------


@dataclass
class Plan:
    organisation: Organisation
    users: list[tuple[str, str]]  # e-mail, TOTP key (hex)
    cases: list[str]
    programs: list[str]
    statuses: list[str]
    searches: list[str]
    dashboard: str


def prepare(users_needed: int) -> Plan:
    from axes.models import AccessAttempt

    organisation = Organisation.objects.get(name=f"{bench_cases.OPERATORS[0][0]} (synthetic, seed {bench_cases.SEED})")
    AccessAttempt.objects.all().delete()  # the benchmark database's own lock-out records, from earlier runs
    users = []
    for number in range(1, users_needed + 1):
        email = f"loadtest-{number:02d}@example.org"
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email, PASSWORD, full_name=f"Load test {number}")
        elif not user.check_password(PASSWORD):
            user.set_password(PASSWORD)
            user.save(update_fields=["password"])
        Membership.objects.get_or_create(user=user, organisation=organisation, role=Role.COORDINATOR)
        device = TOTPDevice.objects.filter(user=user, name="loadtest").first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="loadtest", key=secrets.token_hex(20), confirmed=True)
        users.append((email, device.key))
    rng = random.Random(7)
    case_ids = list(
        Case.objects.filter(organisation=organisation, status__in=OPEN_STATUSES)
        .order_by("id")
        .values_list("id", flat=True)[:5000]
    )
    chosen = [str(pk) for pk in rng.sample(case_ids, min(400, len(case_ids)))]
    people = list(
        Person.objects.filter(
            participations__case__organisation=organisation, participations__role=ParticipantRole.SURVIVOR
        ).order_by("display_code")[:40]
    )
    searches = [p.full_name for p in people[:20] if p.full_name] + [p.phone for p in people[20:] if p.phone]
    return Plan(
        organisation=organisation,
        users=users,
        cases=chosen,
        programs=[str(pk) for pk in Program.objects.filter(organisation=organisation).values_list("pk", flat=True)],
        statuses=[CaseStatus.INTAKE, CaseStatus.ASSESSMENT, CaseStatus.IN_PROCESS],
        searches=searches or ["RJ-2026"],
        dashboard=f"/outcomes/{organisation.pk}/",
    )


def code_for(key: str) -> Callable[[], str]:
    def code() -> str:
        totp = TOTP(bytes.fromhex(key))
        return f"{totp.token():06d}"

    return code


# --- the server ---------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def database_url() -> str:
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = db.get("USER") or ""
    if db.get("PASSWORD"):
        auth += f":{db['PASSWORD']}"
    return (
        f"postgres://{auth}{'@' if auth else ''}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"
    )


def server_environment(port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "BENCH_", "LOADTEST_"))}
    threads = env.get("WEB_THREADS") or "4"
    postgresql = not settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")
    pool = env.get("DATABASE_POOL_MAX_SIZE", threads if postgresql else "0")
    env.update(
        {
            "REPARO_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "FIELD_ENCRYPTION_KEYS": FIELD_KEYS,
            "BLIND_INDEX_KEY": BLIND_KEY,
            # The synthetic data was encrypted under the public development keys, which production refuses otherwise.
            "ALLOW_PUBLIC_DEVELOPMENT_KEYS": "true",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SITE_URL": f"https://127.0.0.1:{port}",
            # LOADTEST_SERVER_DATABASE_URL: the same database reached another way (through pgbouncer, say).
            "DATABASE_URL": os.environ.get("LOADTEST_SERVER_DATABASE_URL") or database_url(),
            "DATABASE_POOL_MAX_SIZE": pool if postgresql else "0",
            "WEB_BIND": f"127.0.0.1:{port}",
            "WEB_THREADS": threads,
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": "9",  # nothing listens: the benchmark sends no e-mail
            "LOG_LEVEL": "WARNING",
        }
    )
    if pool in ("", "0"):
        env["DATABASE_POOL_MAX_SIZE"] = "0"
        env.setdefault("DATABASE_CONN_MAX_AGE", "60")
    return env


class Server:
    def __init__(self) -> None:
        self.port = free_port()
        self.env = server_environment(self.port)
        self.log = open(ROOT / "var" / "loadtest-server.log", "w")  # noqa: SIM115 - closed in stop()
        command = [sys.executable, "-m", "gunicorn", "--config", "python:reparo.server"]
        if os.environ.get("LOADTEST_SERVER_COMMAND"):  # another server to compare, e.g. "granian ... {port} ..."
            command = [part.format(port=self.port) for part in os.environ["LOADTEST_SERVER_COMMAND"].split()]
        self.process = subprocess.Popen(  # noqa: S603 - the benchmark's own command, or the operator's
            command,
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"The server stopped at start; see {self.log.name}.")
            try:
                if WebClient("127.0.0.1", self.port, timeout=5).get("/healthz").status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.5)
        self.stop()
        raise SystemExit(f"The server did not answer /healthz within 90 s; see {self.log.name}.")

    def pids(self) -> list[int]:
        children: dict[int, list[int]] = defaultdict(list)
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
                children[ppid].append(int(entry.name))
        found, todo = [], [self.process.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            todo.extend(children.get(pid, []))
        return found

    def rss_mib(self) -> float:
        total = 0
        for pid in self.pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            except OSError:
                continue
        return total / 1024

    def cpu_seconds(self) -> float:
        """CPU time of the master and its workers, including workers that have exited (a worker replaced after
        ``WEB_MAX_REQUESTS`` takes its CPU time with it, but the master, which waited for it, counts it as its
        children's)."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0.0
        for pid in self.pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
            if pid == self.process.pid:
                total += (int(fields[13]) + int(fields[14])) / ticks  # cutime, cstime: the workers that exited
        return total

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()


def local_database_cpu_seconds() -> dict[int, float]:
    """CPU time of each of this machine's PostgreSQL processes (none when none runs here), by process id."""
    ticks = os.sysconf("SC_CLK_TCK")
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() not in ("postgres", "postmaster"):
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[int(entry.name)] = (int(fields[11]) + int(fields[12])) / ticks
    return found


def database_cpu_between(before: dict[int, float], after: dict[int, float]) -> float:
    """The PostgreSQL processes' CPU between two readings: a process started in between counts whole, one that
    exited in between (a connection closed) is missed, so this may undercount, never go below zero."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


# --- clients and phases ---------------------------------------------------------------------------------------------


@dataclass
class Tally:
    seconds: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    examples: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, response: Response | None, ok: bool, problem: str = "") -> None:
        with self.lock:
            if response is not None:
                self.seconds[kind].append(response.seconds)
            if not ok:
                self.errors[kind] += 1
                if len(self.examples) < 5:
                    self.examples.append(f"{kind}: {problem or (response.status if response else '?')}")


Action = Callable[[WebClient, random.Random, Tally], None]


def timed(
    client: WebClient, tally: Tally, kind: str, method: str, path: str, expect: tuple[int, ...] = (200,), **kw: Any
) -> Response | None:
    try:
        response = client.request(method, path, **kw)
    except TimeoutError:
        tally.add(kind, None, False, f"no answer within {client.timeout:.0f} s (a proxy would have answered 504)")
        client.close()
        return None
    except OSError as exc:
        tally.add(kind, None, False, repr(exc))
        client.close()
        return None
    tally.add(kind, response, response.status in expect, f"{response.status} {path}")
    return response


def actions(plan: Plan) -> dict[str, Action]:
    def healthz(client: WebClient, rng: random.Random, tally: Tally) -> None:
        timed(client, tally, "healthz", "GET", "/healthz")

    def case_list(client: WebClient, rng: random.Random, tally: Tally) -> None:
        page = rng.choice([1, 1, 1, 2, 3])
        timed(client, tally, "case list", "GET", "/cases/" + (f"?page={page}" if page > 1 else ""))

    def case_list_filtered(client: WebClient, rng: random.Random, tally: Tally) -> None:
        query = f"?status={rng.choice(plan.statuses)}&program={rng.choice(plan.programs)}"
        timed(client, tally, "case list, filtered", "GET", "/cases/" + query)

    def search(client: WebClient, rng: random.Random, tally: Tally) -> None:
        data = {"csrfmiddlewaretoken": client.cookies.get("reparo_csrf", ""), "q": rng.choice(plan.searches)}
        if timed(client, tally, "search (POST)", "POST", "/cases/search/", expect=(302,), data=data):
            timed(client, tally, "searched list", "GET", "/cases/?search=1")

    def case_page(client: WebClient, rng: random.Random, tally: Tally) -> None:
        timed(client, tally, "case page", "GET", f"/cases/{rng.choice(plan.cases)}/")

    def note_htmx(client: WebClient, rng: random.Random, tally: Tally) -> None:
        data = {
            "csrfmiddlewaretoken": client.cookies.get("reparo_csrf", ""),
            "body": f"Load test note {rng.randrange(10**6)}: called back, left a message.",
            "confidentiality": "team",
        }
        headers = {"HX-Request": "true"}
        timed(
            client,
            tally,
            "note added (htmx)",
            "POST",
            f"/cases/{rng.choice(plan.cases)}/notes/",
            data=data,
            headers=headers,
        )

    def dashboard(client: WebClient, rng: random.Random, tally: Tally) -> None:
        timed(client, tally, "dashboard", "GET", plan.dashboard)

    return {
        "healthz": healthz,
        "case list": case_list,
        "case list, filtered": case_list_filtered,
        "search": search,
        "case page": case_page,
        "note added (htmx)": note_htmx,
        "dashboard": dashboard,
    }


MIX = {
    "case list": 30,
    "case list, filtered": 10,
    "search": 6,
    "case page": 45,
    "note added (htmx)": 8,
    "dashboard": 1,
}


@dataclass
class Phase:
    name: str
    clients: int
    seconds: float
    choose: dict[str, int]  # weights of actions for the main clients
    dashboard_client: bool = False  # one more client asking for the dashboard, one request after another
    dashboard_pace: float = 0.0  # seconds: that client asks at most once in each (0: as soon as one arrives)


def run_phase(server: Server, signed: list[WebClient], plan: Plan, phase: Phase) -> dict[str, Any]:
    acts = actions(plan)
    tally = Tally()
    stop_at = time.monotonic() + phase.seconds
    names, weights = zip(*phase.choose.items(), strict=True)
    rss: list[tuple[float, float]] = []
    started = time.monotonic()
    sampling = threading.Event()

    pids_at_start = set(server.pids())
    pids_seen = set(pids_at_start)

    def sample() -> None:  # the server's memory (and which workers run) every 10 s, until the phase ends
        while not sampling.wait(10.0):
            rss.append((time.monotonic() - started, server.rss_mib()))
            pids_seen.update(server.pids())

    cpu_before = server.cpu_seconds()
    client_cpu_before = time.process_time()  # this process: the memory sampler (the clients report their own)
    database_cpu_before = local_database_cpu_seconds()

    def work(
        client: WebClient, seed: int, kinds: tuple[str, ...], kind_weights: tuple[int, ...], pace: float, out: Any
    ) -> None:
        """One client, in a process of its own (forked: it has the signed-in client). Sends back what it measured
        and the CPU it took."""
        client.close()  # the connection this process inherited belongs to the parent: open one of its own
        own = Tally()
        rng = random.Random(seed)
        cpu_start = time.process_time()

        def stopped(*_args: Any) -> None:
            raise SystemExit(1)  # terminated by the parent (never finished): send what was measured

        signal.signal(signal.SIGTERM, stopped)
        try:
            while time.monotonic() < stop_at:
                asked = time.monotonic()
                kind = rng.choices(kinds, weights=kind_weights)[0]
                try:
                    acts[kind](client, rng, own)
                except Exception as exc:  # noqa: BLE001 - e.g. http.client.IncompleteRead: an error, not the end
                    own.add(kind, None, False, repr(exc))
                    client.close()
                if pace:
                    time.sleep(max(0.0, min(asked + pace, stop_at) - time.monotonic()))
        finally:
            client.close()
            out.send((dict(own.seconds), dict(own.errors), own.examples, time.process_time() - cpu_start))
            out.close()

    fork = multiprocessing.get_context("fork")
    jobs = [(client, index, names, weights, 0.0) for index, client in enumerate(signed[: phase.clients])]
    if phase.dashboard_client:
        jobs.append((signed[phase.clients], 999, ("dashboard",), (1,), phase.dashboard_pace))
    processes = []
    for client, seed, kinds, kind_weights, pace in jobs:
        receive, send = fork.Pipe(duplex=False)
        process = fork.Process(target=work, args=(client, seed, kinds, kind_weights, pace, send), daemon=True)
        process.start()
        send.close()
        processes.append((process, receive))
    rss.append((0.0, server.rss_mib()))
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    children_cpu = 0.0
    for process, receive in processes:  # a request in flight at the end may take up to the client's time-out (60 s)
        finished = receive.poll(max(0.1, stop_at - time.monotonic() + 90))
        if not finished:
            process.terminate()  # it sends what it measured on its way out
        try:
            got = receive.recv() if finished or receive.poll(5) else None
        except EOFError:  # it died without a word (killed, say)
            got = None
        if not finished or got is None:
            tally.errors["(a client that never finished)" if not finished else "(a client process that died)"] += 1
        if got is None:
            process.kill()
        else:
            seconds, errors, examples, used = got
            for kind, values in seconds.items():
                tally.seconds[kind].extend(values)
            for kind, count in errors.items():
                tally.errors[kind] += count
            tally.examples.extend(examples[: max(0, 5 - len(tally.examples))])
            children_cpu += used
        process.join(timeout=5)
        receive.close()
    sampling.set()
    sampler.join()
    elapsed = time.monotonic() - started
    rss.append((elapsed, server.rss_mib()))
    pids_seen.update(server.pids())
    cpu = server.cpu_seconds() - cpu_before
    client_cpu = time.process_time() - client_cpu_before + children_cpu
    database_cpu = database_cpu_between(database_cpu_before, local_database_cpu_seconds())
    kinds = {}
    for kind, seconds in sorted(tally.seconds.items()):
        kinds[kind] = summary(seconds, elapsed, tally.errors.get(kind, 0))
    for kind, errors in tally.errors.items():
        kinds.setdefault(kind, {"requests": 0, "errors": errors})
    return {
        "clients": phase.clients + (1 if phase.dashboard_client else 0),
        "seconds": round(elapsed, 1),
        "requests": sum(len(s) for s in tally.seconds.values()),
        "rps": round(sum(len(s) for s in tally.seconds.values()) / elapsed, 1),
        "errors": sum(tally.errors.values()),
        "error_examples": tally.examples,
        "server_cpu_seconds": round(cpu, 1),
        # What a request costs the server in CPU, whatever else the machine is doing: a steadier figure than req/s
        # on a shared machine (2 cores / this = the most requests per second the server could serve).
        "server_cpu_ms_per_request": round(1000 * cpu / max(1, sum(len(s) for s in tally.seconds.values())), 2),
        # The load generator's own CPU a request: the share of the two cores the server did not get.
        "client_cpu_ms_per_request": round(1000 * client_cpu / max(1, sum(len(s) for s in tally.seconds.values())), 2),
        # PostgreSQL's processes on this machine (backends that exited during the phase are not counted).
        "database_cpu_ms_per_request": round(
            1000 * database_cpu / max(1, sum(len(s) for s in tally.seconds.values())), 2
        ),
        "rss_mib": {
            "first": round(rss[0][1], 1),
            "middle": round(min(rss, key=lambda sample: abs(sample[0] - elapsed / 2))[1], 1),
            "last": round(rss[-1][1], 1),
            "max": round(max(r for _t, r in rss), 1),
        },
        "rss_samples": [(round(t), round(r, 1)) for t, r in rss],
        # Workers started during the phase (seen at the 10-second samples): gunicorn replaces a worker after
        # WEB_MAX_REQUESTS requests, which keeps memory bounded whatever the code does, so say how often it did.
        "workers_replaced": len(pids_seen - pids_at_start),
        "kinds": kinds,
    }


def percentile(ordered: list[float], p: float) -> float:
    return ordered[max(0, math.ceil(p * len(ordered)) - 1)]


def summary(seconds: list[float], elapsed: float, errors: int) -> dict[str, Any]:
    ordered = sorted(seconds)
    return {
        "requests": len(ordered),
        "rps": round(len(ordered) / elapsed, 1),
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(percentile(ordered, 0.95) * 1000, 1),
        "p99_ms": round(percentile(ordered, 0.99) * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
        "errors": errors,
    }


def print_phase(name: str, result: dict[str, Any]) -> None:
    rss = result["rss_mib"]
    print(
        f"\n{name}: {result['clients']} clients, {result['seconds']} s, {result['rps']} req/s, "
        f"{result['errors']} errors, server CPU {result['server_cpu_seconds']} s "
        f"({result['server_cpu_ms_per_request']} ms a request; load generator "
        f"{result['client_cpu_ms_per_request']} ms, database {result['database_cpu_ms_per_request']} ms), "
        f"RSS at start, middle and end {rss['first']:.0f} -> {rss['middle']:.0f} -> {rss['last']:.0f} MiB "
        f"(max {rss['max']:.0f}), workers replaced {result['workers_replaced']}"
    )
    print(f"  {'request':<24}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}{'errors':>8}")
    for kind, row in result["kinds"].items():
        if row.get("requests"):
            print(
                f"  {kind:<24}{row['rps']:>8}{row['p50_ms']:>9}{row['p95_ms']:>9}{row['p99_ms']:>9}"
                f"{row['max_ms']:>9}{row['errors']:>8}"
            )
    for example in result["error_examples"]:
        print(f"  error: {example}")


def goals(results: dict[str, Any]) -> dict[str, Any]:
    def kind(phase: str, name: str) -> dict[str, Any]:
        return results.get(phase, {}).get("kinds", {}).get(name, {})

    list_alone = kind("case list", "case list")
    page_alone = kind("case page", "case page")
    list_with_dashboard = kind("case list + dashboard", "case list")

    def slowed(beside: dict[str, Any]) -> float | None:  # a kind with no answer at all has no p95_ms
        alone, with_it = list_alone.get("p95_ms"), beside.get("p95_ms")
        return with_it / alone - 1 if alone and with_it is not None else None

    slowdown = slowed(list_with_dashboard)
    list_beside_paced = kind("case list + a dashboard a second", "case list")
    paced = slowed(list_beside_paced)
    phases = [p for p in results.values() if isinstance(p, dict) and "errors" in p]
    checks = {
        "case list >= 200 req/s (8 clients)": (
            list_alone.get("rps"),
            (list_alone.get("rps") or 0) >= GOALS["list_rps"],
        ),
        "case page >= 120 req/s (8 clients)": (
            page_alone.get("rps"),
            (page_alone.get("rps") or 0) >= GOALS["page_rps"],
        ),
        "case list p95 <= 100 ms": (list_alone.get("p95_ms"), (list_alone.get("p95_ms") or 1e9) <= GOALS["p95_ms"]),
        "case page p95 <= 100 ms": (page_alone.get("p95_ms"), (page_alone.get("p95_ms") or 1e9) <= GOALS["p95_ms"]),
        "dashboards one after another slow the list's p95 by <= 20 %": (
            None if slowdown is None else round(100 * slowdown, 1),
            slowdown is not None and slowdown <= GOALS["dashboard_slowdown"],
        ),
        "a dashboard a second slows the list's p95 by <= 20 %": (
            None if paced is None else round(100 * paced, 1),
            paced is not None and paced <= GOALS["dashboard_slowdown"],
        ),
        "0 errors": (sum(p["errors"] for p in phases), all(p["errors"] == 0 for p in phases)),
    }
    if "soak" in results:
        soak = results["soak"]
        samples = [r for _t, r in soak["rss_samples"]]
        minute = max(1, len(samples) // 10)
        early, late = statistics.fmean(samples[minute : 2 * minute] or samples), statistics.fmean(samples[-minute:])
        growth = late / early - 1
        checks["soak: 0 errors"] = (soak["errors"], soak["errors"] == 0)
        checks["soak: memory flat (last tenth within 10 % of the second)"] = (round(100 * growth, 1), growth <= 0.10)
    print("\nGoals (PostgreSQL, 8 clients; this machine's 2 cores are shared with the load generator):")
    for label, (measured, met) in checks.items():
        print(f"  {label:<58}{'' if measured is None else measured!s:>10}   {'met' if met else 'NOT MET'}")
    return {label: {"measured": measured, "met": met} for label, (measured, met) in checks.items()}


def main() -> None:
    seeded = bench_cases.ensure_seeded()
    users_needed = max(CLIENTS + 1, SOAK_CLIENTS if SOAK else 0)
    plan = prepare(users_needed)
    vendor = connection.vendor
    connection.close()
    server = Server()
    print(
        f"Server: gunicorn on 127.0.0.1:{server.port}, {vendor}, workers {os.environ.get('WEB_WORKERS') or 'default'}, "
        f"threads {server.env['WEB_THREADS']}, pool {server.env['DATABASE_POOL_MAX_SIZE']}; "
        "log in var/loadtest-server.log"
    )
    results: dict[str, Any] = {}
    clients: list[WebClient] = []
    try:
        started = time.perf_counter()
        for email, key in plan.users:
            client = WebClient("127.0.0.1", server.port)
            client.sign_in(email, PASSWORD, code_for(key))
            clients.append(client)
        print(f"Signed in {len(clients)} staff with password and TOTP code in {time.perf_counter() - started:.1f} s.")
        warm = Phase("warm-up", CLIENTS, min(5.0, SECONDS), {"case list": 1, "case page": 1, "dashboard": 0})
        run_phase(server, clients, plan, warm)
        phases = [
            Phase("healthz", CLIENTS, SECONDS, {"healthz": 1}),
            Phase("case list", CLIENTS, SECONDS, {"case list": 1}),
            Phase("case page", CLIENTS, SECONDS, {"case page": 1}),
            Phase("case list + dashboard", CLIENTS, SECONDS, {"case list": 1}, dashboard_client=True),
            Phase(
                "case list + a dashboard a second",
                CLIENTS,
                SECONDS,
                {"case list": 1},
                dashboard_client=True,
                dashboard_pace=1.0,
            ),
            Phase("mix", CLIENTS, SECONDS, MIX),
        ]
        if SOAK:
            phases.append(Phase("soak", SOAK_CLIENTS, SOAK_SECONDS, MIX))
        if os.environ.get("LOADTEST_PHASES"):  # a comma-separated subset, e.g. "case list,case list + dashboard"
            wanted = {name.strip() for name in os.environ["LOADTEST_PHASES"].split(",")}
            phases = [phase for phase in phases if phase.name in wanted]
        for phase in phases:
            print(f"\n... {phase.name} ({phase.seconds:.0f} s)", flush=True)
            results[phase.name] = run_phase(server, clients, plan, phase)
            print_phase(phase.name, results[phase.name])
    finally:
        for client in clients:
            client.close()
        server.stop()
    checks = goals(results)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    run = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "load_average": os.getloadavg()},
        "database": vendor,
        "cases": seeded.get("cases"),
        "server": {k: server.env.get(k) for k in SERVER_SETTINGS},
        "phases": results,
        "goals": checks,
    }
    RESULTS.write_text(json.dumps(run, indent=2, default=str) + "\n")
    print(f"\nWritten to {RESULTS.relative_to(ROOT)}.")


if __name__ == "__main__":
    main()
