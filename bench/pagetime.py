"""Where a page's time goes: `.venv/bin/python bench/pagetime.py [list|page|search|dashboard] [requests]`.

Requests the page through Django's test client (as bench/cases.py does, signed in as the largest synthetic
organisation's coordinator, ``DEBUG`` off) under cProfile, on the benchmark database bench/cases.py seeds
(``BENCH_CASES``, ``DATABASE_URL`` as there). Prints the time a request takes (unprofiled), then splits the CPU
time this process spends on it (the profiler's clock is the process's CPU time, so waiting for the database server
is left out, and a busy machine's other work counts less): the database driver, decrypting fields, rendering
templates, the ORM, translations, and the rest (middleware, views, selectors); and the 25 functions with the most CPU
time of their own. The profiler slows Python code down, so the split is a guide to where to cut, not a measurement
of the page's speed (bench/cases.py and bench/loadtest.py measure that).
"""

from __future__ import annotations

import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"

import django  # noqa: E402

django.setup()

from bench import cases as bench_cases  # noqa: E402
from bench import cpu as bench_cpu  # noqa: E402

# Where time is spent, by the file of the function that spends it (the first match wins).
BUCKETS = [
    ("database (driver and server)", ("psycopg", "sqlite3/dbapi2", "/sqlite3/", "{method 'execute'", "{method 'fetch")),
    ("decryption (AES-GCM, field decoding)", ("reparo/core/crypto", "cryptography", "reparo/core/fields")),
    ("templates", ("django/template", "django/templatetags", "reparo/core/templatetags", "template_partials")),
    ("ORM (building queries, making objects)", ("django/db/models", "django/db/backends", "django/db/utils")),
    ("translations and formatting", ("django/utils/translation", "gettext", "django/utils/formats", "babel")),
]


def bucket_of(filename: str) -> str:
    for name, marks in BUCKETS:
        if any(mark in filename for mark in marks):
            return name
    return "everything else (middleware, views, selectors, Python)"


def main(argv: list[str]) -> None:
    what = argv[0] if argv else "page"
    count = int(argv[1]) if len(argv) > 1 else 100
    bench_cases.ensure_seeded()
    world = bench_cases.build_world()
    client = bench_cases._verified_client(world.coordinator)
    paths = {
        "list": "/cases/",
        "page": f"/cases/{world.busy.pk}/",
        "search": "/cases/?search=1",
        "dashboard": f"/outcomes/{world.organisation.pk}/",
    }
    if what == "search":
        bench_cases.search_for(client, world.name)
    if what == "ordinary":
        # Ordinary open cases, a different one each request, as the load test and bench/cpu.py ask for them.
        pages = [path for scenario in bench_cpu.build(world) if scenario.key == "page" for path in scenario.paths]
    else:
        pages = [paths[what]]
    for warm in range(5):
        assert client.get(pages[warm % len(pages)]).status_code == 200
    wall, cpu = time.perf_counter(), time.process_time()
    for request in range(count):
        client.get(pages[request % len(pages)])
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    shown = pages[0] if len(pages) == 1 else f"{len(pages)} pages like {pages[0]}"
    print(f"\n{what}: {shown}: {1000 * wall / count:.1f} ms a request, {1000 * cpu / count:.1f} ms of it CPU here")
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for request in range(count):
        client.get(pages[request % len(pages)])
    profiler.disable()
    stats = pstats.Stats(profiler)
    totals: dict[str, float] = {}
    for (filename, _line, _name), (_cc, _nc, own, _cum, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        key = bucket_of(f"{filename} {_name}")
        totals[key] = totals.get(key, 0.0) + own
    whole = sum(totals.values())
    print(f"CPU under the profiler, {count} requests: {1000 * whole / count:.1f} ms a request")
    for key, seconds in sorted(totals.items(), key=lambda kv: -kv[1]):
        print(f"  {key:<58}{100 * seconds / whole:5.1f} %  {1000 * seconds / count:7.2f} ms")
    print()
    stats.sort_stats("tottime").print_stats(25)
    if os.environ.get("PAGETIME_DUMP"):
        stats.dump_stats(os.environ["PAGETIME_DUMP"])


if __name__ == "__main__":
    main(sys.argv[1:])
