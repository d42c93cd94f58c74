"""Instructions per request (valgrind's callgrind), for ``/healthz`` (the baseline), the case list, a name search, the
case page (a busy case, and ordinary open cases one after another) and Django admin's changelist: the Python side of
each request counted, not timed, so the figures and their ratios do not move with a shared machine's load. Opt-in
(several minutes): `.venv/bin/python bench/run.py instructions`; `bench/instructions.py healthz list ordinary` counts
only those.

It uses the benchmark database bench/cases.py seeds (run that first) and the same signed-in coordinator. Each
page is requested WARMUP times, then REQUESTS times inside ``functools.reduce``, and callgrind counts only
inside that call (``--toggle-collect=functools_reduce``). The database server's own work is not counted: that
is what the time benchmark's floor measures. Skipped, with a message, where valgrind is not installed.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "instructions.json"
WARMUP = 5
REQUESTS = 10
PAGES = {
    "/healthz (baseline)": "healthz",
    "case list": "list",
    "searched: exact name": "name",
    "case page (busy case)": "page",
    "case page (ordinary cases)": "ordinary",
    "admin changelist (same selector)": "admin",
}


def drive(which: str) -> None:
    """Runs inside valgrind: sign in, warm up, then the counted requests."""
    sys.path.insert(0, str(ROOT))
    from django.test import Client

    from bench import cases
    from reparo.cases.models import OPEN_STATUSES, Case

    world = cases.build_world()
    user = world.admin if which == "admin" else world.coordinator
    client = Client() if which == "healthz" else cases._verified_client(user)
    if which == "ordinary":  # open cases across the organisation, a different one each request (as the load test)
        ordinary = Case.objects.filter(organisation=world.organisation, status__in=OPEN_STATUSES).order_by("reference")
        spread = ordinary.values_list("pk", flat=True)[:: max(1, world.visible_cases // 40)][:20]
        urls = [f"/cases/{pk}/" for pk in spread]
    else:
        urls = [{"healthz": "/healthz", "list": "/cases/", "name": "/cases/?search=1",
                 "page": f"/cases/{world.busy.pk}/", "admin": "/bench-admin/cases/case/"}[which]]  # fmt: skip
    if which == "name":
        cases.search_for(client, world.name)
    for url in urls[:WARMUP] + urls[:1] * (WARMUP - len(urls[:WARMUP])):
        if client.get(url).status_code != 200:
            raise SystemExit(f"GET {url} did not answer 200.")
    functools.reduce(lambda _acc, i: client.get(urls[(WARMUP + i) % len(urls)]), range(REQUESTS), None)


def count(which: str) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        command = [
            "valgrind", "--tool=callgrind", "--collect-atstart=no", "--toggle-collect=functools_reduce",
            f"--callgrind-out-file={tmp}/out", sys.executable, __file__, "--drive", which,
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)  # noqa: S603
        for line in done.stderr.splitlines():
            if "Collected :" in line:
                return int(line.split(":")[1].strip()) // REQUESTS
        raise SystemExit(f"valgrind gave no count for {which}:\n{done.stderr[-2000:]}")


def main() -> int:
    if shutil.which("valgrind") is None:
        print("Skipped: valgrind is not installed (apt-get install valgrind).")
        return 0
    wanted = set(sys.argv[1:])  # e.g. healthz list ordinary: only those (by their short names)
    print(f"Instructions per request (callgrind), {REQUESTS} requests after {WARMUP} warm-up; Python side only.")
    counted = {label: count(which) for label, which in PAGES.items() if not wanted or which in wanted}
    base = counted.get("/healthz (baseline)") or 0
    admin = counted.get("admin changelist (same selector)") or 0
    for label, n in counted.items():
        versus = "".join(f"   x {name} {n / of:6.2f}" for name, of in (("healthz", base), ("admin", admin)) if of and n)
        print(f"  {label:<36}{n / 1e6:8.1f} M{versus}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"instructions_per_request": counted, "requests": REQUESTS}, indent=2) + "\n")
    print(f"Wrote {RESULTS}.")
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--drive"]:
        os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
        drive(sys.argv[2])
    else:
        sys.exit(main())
