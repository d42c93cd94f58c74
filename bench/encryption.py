"""Benchmarks: the cost of field encryption and blind-index search, against a plaintext baseline measured
in the same run. Prints medians of several repetitions and the ratio to the baseline.

Run with `make bench` (which also runs bench/cases.py), or alone: `.venv/bin/python bench/encryption.py`.
Like the test runner, it works in a throw-away test database (SQLite in memory, or
``test_<name>`` on the server named by DATABASE_URL) that it creates and destroys: it never writes to the
database DATABASE_URL names.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reparo.test_settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402

from reparo.core import crypto  # noqa: E402
from reparo.core.fields import blind_lookup  # noqa: E402
from tests.crypto_app.models import Secret  # noqa: E402

ROWS = 2000
REPEATS = 5


def median_seconds(fn: Callable[[], object], *, setup: Callable[[], object] | None = None) -> float:
    times = []
    for _ in range(REPEATS):
        if setup:
            setup()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def report(name: str, baseline: float, measured: float, unit_count: int) -> None:
    print(
        f"{name:<44} baseline {baseline * 1e6 / unit_count:9.1f} µs/op   "
        f"encrypted {measured * 1e6 / unit_count:9.1f} µs/op   ratio {measured / baseline:5.2f}x"
    )


def clear() -> None:
    Secret.objects.all().delete()


def insert_plain() -> None:
    with transaction.atomic():
        Secret.objects.bulk_create([Secret(plain=f"p{i}") for i in range(ROWS)], batch_size=500)


def insert_encrypted() -> None:
    with transaction.atomic():
        Secret.objects.bulk_create(
            [Secret(plain=f"p{i}", name=f"Person {i}", phone=f"+4420794600{i:04d}") for i in range(ROWS)],
            batch_size=500,
        )


def read_plain() -> None:
    for s in Secret.objects.all():
        _ = s.plain


def read_encrypted() -> None:
    for s in Secret.objects.all():
        _ = (s.name, s.phone)


def main() -> None:
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    print(f"Reparo benchmarks — {ROWS} rows, median of {REPEATS} runs, database {django.db.connection.vendor}")

    n = 5000
    payload = "A survivor's own words about what they need." * 3
    base = median_seconds(lambda: [payload.encode().decode() for _ in range(n)])
    enc = median_seconds(
        lambda: [
            crypto.decrypt(crypto.encrypt(payload.encode(), associated_data=b"x:1"), associated_data=b"x:1")
            for _ in range(n)
        ]
    )
    report("AES-GCM encrypt+decrypt vs encode+decode", base, enc, n)

    base = median_seconds(insert_plain, setup=clear)
    enc = median_seconds(insert_encrypted, setup=clear)
    report("insert a row (2 encrypted fields + 2 indexes)", base, enc, ROWS)

    clear()
    insert_encrypted()
    base = median_seconds(read_plain)
    enc = median_seconds(read_encrypted)
    report("read a row and its fields", base, enc, ROWS)

    lookups = 200
    base = median_seconds(lambda: [Secret.objects.filter(plain=f"p{i * 7}").exists() for i in range(lookups)])
    enc = median_seconds(
        lambda: [
            Secret.objects.filter(**blind_lookup(Secret, "name_bidx", f"person {i * 7}")).exists()
            for i in range(lookups)
        ]
    )
    report("exact-match lookup: blind index vs plain column", base, enc, lookups)
    print("(plain column is unindexed; the blind index is indexed — compare orders of magnitude, not exact values)")


if __name__ == "__main__":
    old_name = connection.settings_dict["NAME"]
    try:
        main()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
