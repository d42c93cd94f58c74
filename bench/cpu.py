"""CPU time and queries per request, for the case list and the case page: `.venv/bin/python bench/cpu.py`.

What the load test's throughput comes down to on a machine whose cores are all busy is the CPU each request costs
the server process, and that is what this measures: ``time.process_time()`` around each request through Django's
test client (as bench/cases.py: the largest synthetic organisation's coordinator, signed in with both factors,
``DEBUG`` off, cached templates), so the time other processes take on a shared machine, and the time spent waiting for
the database server, are left out. Each scenario is requested in interleaved rounds (each round one request of every
scenario, starting one further along), and ``/healthz`` is measured in the same rounds as the baseline: the ratio to
it moves much less with the machine than the milliseconds do. The number of SQL queries comes from one more request
of each scenario.

Scenarios: ``/healthz`` (anonymous), the case list (pages 1 and 2 alternately), the case page of a busy case (many
notes and tasks), of ordinary open cases (a different one each request, as the load test asks for them), and of the
case page and the list when the access stamp has just moved (the first request after an access change: the roles,
the device and the list's choices are read again; the stamp is moved untimed before each such request).

It uses the benchmark database bench/cases.py seeds (``DATABASE_URL``, ``BENCH_CASES``, ``BENCH_DATABASE``: see
bench/README.md). ``BENCH_CPU_REQUESTS`` (default 200) rounds. ``--save NAME`` keeps the result in
bench/results/cpu.json under NAME; ``--compare NAME`` prints each scenario's ratio to a result kept earlier (the
ratio of the ratios to ``/healthz``, so that a slower or faster machine does not count). Benchmarks print; they do
not assert.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench import cases as bench_cases  # noqa: E402
from reparo.accounts.models import Membership  # noqa: E402
from reparo.cases.models import OPEN_STATUSES, Case  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "cpu.json"
REQUESTS = int(os.environ.get("BENCH_CPU_REQUESTS") or 200)
WARMUP = 5
ORDINARY_CASES = 40


@dataclass
class Scenario:
    key: str
    label: str
    client: Client
    paths: list[str]
    before: Callable[[], None] | None = None  # untimed, before each request
    turn: int = 0

    def next_path(self) -> str:
        path = self.paths[self.turn % len(self.paths)]
        self.turn += 1
        return path


def move_access_stamp(membership: Membership) -> Callable[[], None]:
    """A membership write that changes nothing, which moves the access stamp (as bench/cases.py's cold scenarios)."""

    def move() -> None:
        membership.save(update_fields=["is_active"])

    return move


def build(world: bench_cases.World) -> list[Scenario]:
    coordinator = world.coordinator
    ordinary = list(
        Case.objects.filter(organisation=world.organisation, status__in=OPEN_STATUSES)
        .order_by("reference")
        .values_list("pk", flat=True)[:: max(1, world.visible_cases // (ORDINARY_CASES * 2))][:ORDINARY_CASES]
    )
    membership = Membership.objects.filter(user=coordinator, organisation=world.organisation).first()
    assert membership is not None
    client = bench_cases._verified_client
    return [
        Scenario("healthz", "/healthz (baseline)", Client(), ["/healthz"]),
        Scenario("list", "case list", client(coordinator), ["/cases/", "/cases/?page=2"]),
        Scenario("page_busy", "case page, busy case", client(coordinator), [f"/cases/{world.busy.pk}/"]),
        Scenario("page", "case page, ordinary cases", client(coordinator), [f"/cases/{pk}/" for pk in ordinary]),
        Scenario(
            "page_cold",
            "case page, first after an access change",
            client(coordinator),
            [f"/cases/{pk}/" for pk in ordinary],
            before=move_access_stamp(membership),
        ),
        Scenario(
            "list_cold",
            "case list, first after an access change",
            client(coordinator),
            ["/cases/"],
            before=move_access_stamp(membership),
        ),
    ]


def queries_of(scenario: Scenario) -> int:
    if scenario.before:
        scenario.before()
    with CaptureQueriesContext(connection) as captured:
        response = scenario.client.get(scenario.paths[0])
    if response.status_code != 200:
        raise SystemExit(f"{scenario.paths[0]} answered {response.status_code}.")
    return len(captured.captured_queries)


def warm_up(scenarios: list[Scenario]) -> None:
    """The first requests of a session fill its process's copies and write the session: not the steady state."""
    for scenario in scenarios:
        for _ in range(WARMUP):
            if scenario.before:
                scenario.before()
            status = scenario.client.get(scenario.next_path()).status_code
            if status != 200:
                raise SystemExit(f"{scenario.label} answered {status}.")


def run(scenarios: list[Scenario], rounds: int) -> dict[str, dict[str, list[float]]]:
    samples: dict[str, dict[str, list[float]]] = {s.key: {"cpu": [], "wall": []} for s in scenarios}
    cpu, wall = time.process_time, time.perf_counter
    for turn in range(rounds):
        start = turn % len(scenarios)
        for scenario in scenarios[start:] + scenarios[:start]:
            if scenario.before:
                scenario.before()
            path = scenario.next_path()
            c0, w0 = cpu(), wall()
            response = scenario.client.get(path)
            c1, w1 = cpu(), wall()
            if response.status_code != 200:
                raise SystemExit(f"{path} answered {response.status_code}.")
            samples[scenario.key]["cpu"].append(c1 - c0)
            samples[scenario.key]["wall"].append(w1 - w0)
    return samples


def summary(samples: dict[str, list[float]]) -> dict[str, float]:
    ordered = sorted(samples["cpu"])
    quartiles = statistics.quantiles(ordered, n=4)
    return {
        "cpu_ms_median": round(statistics.median(ordered) * 1000, 3),
        "cpu_ms_q1": round(quartiles[0] * 1000, 3),
        "cpu_ms_q3": round(quartiles[2] * 1000, 3),
        "cpu_ms_mean": round(statistics.fmean(ordered) * 1000, 3),
        "wall_ms_median": round(statistics.median(samples["wall"]) * 1000, 3),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--save", help="keep this run in bench/results/cpu.json under this name")
    parser.add_argument("--compare", help="compare with a run kept earlier under this name")
    parser.add_argument("--only", help="comma-separated scenario keys (healthz is always measured)")
    args = parser.parse_args(argv)
    seeded = bench_cases.ensure_seeded()
    world = bench_cases.build_world()
    scenarios = build(world)
    if args.only:
        wanted = {"healthz", *args.only.split(",")}
        scenarios = [s for s in scenarios if s.key in wanted]
    warm_up(scenarios)
    queries = {s.key: queries_of(s) for s in scenarios}
    gc.collect()
    samples = run(scenarios, REQUESTS)
    results = {key: {**summary(values), "queries": queries[key]} for key, values in samples.items()}
    base = results["healthz"]["cpu_ms_median"]
    for result in results.values():
        result["x_healthz"] = round(result["cpu_ms_median"] / base, 2)
    kept = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    earlier = kept.get(args.compare, {}).get("scenarios", {}) if args.compare else {}
    if args.compare and not earlier:
        print(f"No run named {args.compare!r} in {RESULTS}.")
    load = os.getloadavg()[0]
    print(
        f"\nCPU per request (process time), median of {REQUESTS} interleaved rounds; {connection.vendor}, "
        f"{seeded['cases']:,} cases; load average {load:.1f}"
    )
    header = f"{'scenario':<42}{'CPU ms':>8}{'q1-q3':>15}{'x healthz':>11}{'queries':>9}{'wall ms':>9}"
    if earlier:
        header += f"{'vs ' + args.compare:>16}"
    print(header)
    labels = {s.key: s.label for s in scenarios}
    for key, r in results.items():
        line = (
            f"{labels[key]:<42}{r['cpu_ms_median']:>8.2f}{r['cpu_ms_q1']:>7.2f}-{r['cpu_ms_q3']:<7.2f}"
            f"{r['x_healthz']:>11.2f}{r['queries']:>9}{r['wall_ms_median']:>9.2f}"
        )
        if key in earlier and key != "healthz":
            then = earlier[key]
            line += f"{r['x_healthz'] / then['x_healthz']:>9.2f} ({then['queries']} q)"
        print(line)
    if args.save:
        kept[args.save] = {
            "database": connection.vendor,
            "cases": seeded["cases"],
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
            "load_average": round(load, 1),
            "rounds": REQUESTS,
            "at": time.strftime("%Y-%m-%dT%H:%M:%S"),
            "scenarios": results,
        }
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(kept, indent=2) + "\n")
        print(f"Kept as {args.save!r} in {RESULTS}.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
