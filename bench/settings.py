"""Settings for the case benchmark: Reparo's own settings in the ``test`` environment, plus Django's admin (as a
baseline to compare with), pointed at a benchmark database that is kept between runs.

The benchmark database is never the one DATABASE_URL names:

- DATABASE_URL unset (or SQLite): ``var/bench-<N>.sqlite3``;
- DATABASE_URL a PostgreSQL URL: database ``reparo_bench`` (``reparo_bench_<N>`` when BENCH_CASES is not
  100000) on the same server, created by the benchmark.

BENCH_DATABASE gives another name (the SQLite file ``var/<name>.sqlite3``).
"""

from __future__ import annotations

import os

os.environ.setdefault("REPARO_ENV", "test")

import dj_database_url

from reparo.settings import *  # noqa: F403
from reparo.settings import BASE_DIR, INSTALLED_APPS

BENCH_CASES = int(os.environ.get("BENCH_CASES") or 100_000)
BENCH_SEED = int(os.environ.get("BENCH_SEED") or 42)
BENCH_REQUESTS = int(os.environ.get("BENCH_REQUESTS") or 60)
DEFAULT_BENCH_CASES = 100_000


def bench_database(url: str | None = None, cases: int = BENCH_CASES) -> dict:
    url = os.environ.get("DATABASE_URL") if url is None else url
    named = os.environ.get("BENCH_DATABASE")  # another name, e.g. to keep one's own benchmark database
    if url:
        config = dj_database_url.parse(url)
        if config["ENGINE"] == "django.db.backends.postgresql":
            config["NAME"] = named or ("reparo_bench" if cases == DEFAULT_BENCH_CASES else f"reparo_bench_{cases}")
            return config
        if config["ENGINE"] != "django.db.backends.sqlite3":
            raise SystemExit(f"The benchmark runs on SQLite or PostgreSQL, not {config['ENGINE']}.")
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(BASE_DIR / "var" / f"{named or f'bench-{cases}'}.sqlite3"),
        "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20},
    }


DATABASES = {"default": bench_database()}
INSTALLED_APPS = [*INSTALLED_APPS, "django.contrib.admin"]
ROOT_URLCONF = "bench.urls"
