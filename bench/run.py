"""Run the benchmarks: `make bench`, or `.venv/bin/python bench/run.py [encryption] [cases] [dashboards] [export]`.

- bench/encryption.py: the cost of field encryption and blind-index search against a plaintext baseline, in a
  throw-away test database.
- bench/cases.py: the case list and case page at scale (100,000 synthetic cases by default; set BENCH_CASES
  for a quicker run), against one raw SQL query (the floor) and Django admin's changelist, on SQLite, or on
  PostgreSQL when DATABASE_URL names a PostgreSQL server. It keeps its seeded database between runs and
  writes bench/results/latest.json.
- bench/dashboards.py: the outcome dashboards (organisation, program, PDF), cold and warm, beside an SQL floor for the
  same figures, on the database bench/cases.py seeded (about a million survey responses at 100,000 cases).
- bench/export.py: the HTCDS export of the largest synthetic organisation's cases (CSV and JSON, identified and
  de-identified) streamed to a file, each in its own process with its peak RSS, beside plain SQL streaming the same
  cases (the floor), on the database bench/cases.py seeded.
- bench/instructions.py (opt-in: `bench/run.py instructions`): instructions per request under valgrind for the
  list, a name search, the case page and the admin changelist, on the database bench/cases.py seeded; counts
  do not move with a shared machine's load.

Each benchmark runs in its own process (they use different settings). Benchmarks print; they do not assert.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = {
    "encryption": HERE / "encryption.py",
    "cases": HERE / "cases.py",
    "instructions": HERE / "instructions.py",
    "dashboards": HERE / "dashboards.py",
    "export": HERE / "export.py",
}
DEFAULT = ["encryption", "cases", "dashboards", "export"]  # instructions: opt-in, it takes minutes under valgrind


def main(argv: list[str]) -> int:
    names = argv or DEFAULT
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"Unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}.", file=sys.stderr)
        return 2
    failed = []
    for name in names:
        print(f"\n=== {name} ===", flush=True)
        if subprocess.run([sys.executable, str(BENCHMARKS[name])], check=False).returncode:  # noqa: S603
            failed.append(name)
    if failed:
        print(f"Failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
