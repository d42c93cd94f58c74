"""The HTCDS export at scale: the largest synthetic organisation's cases (about half of ``BENCH_CASES``) streamed to a
file, CSV and JSON, identified (for a partner organisation) and de-identified, each in a process of its own so that
its peak memory is its own; against a floor measured in the same run.

What is measured is what the task worker runs for an export job (reparo/interop/background.py ``export_make``):
``services.htcds_export(...)``, then every chunk of ``result.chunks`` written to a file. The consent policy, the
audit row, decryption, the HTCDS records and the file's layout are all in it; the job's own storage (encrypted chunks
kept with the job) is not.

The benchmark database is the one bench/cases.py seeds (``BENCH_CASES``, ``BENCH_SEED``, ``DATABASE_URL``,
``BENCH_DATABASE``). Once, it adds what an identified export needs, and records it (table ``bench_export``) so later
runs reuse it:

- a partner organisation, "Benchmark partner (synthetic, seed 42)", the recipient (an HTCDS export asks the person's
  consent to share with the recipient, not a data-sharing agreement);
- for 9 people in 10 of the organisation (chosen by their id, so always the same ones), a consent to share their case
  facts, identity, contact details and needs with that partner; the tenth are left out of the file, as the policy
  says;
- for the same people, a consent to be counted in reports that do not identify anyone (the de-identified file
  counts only them; the seeding gives none).

All rows are bulk-created, without audit rows: it is a benchmark database.

Each measured export runs in a child process (``python bench/export.py --child ...``) that sets Django up, finds
the organisation, its admin and the recipient, then notes its peak RSS so far (``VmHWM``: the "before") and
runs the export. It reports the wall time, the cases and people in the file, its bytes, the records per second (CSV:
lines, one per person per case; JSON: the cases, or the rows of a de-identified file), the SQL queries (counted by a
connection wrapper, which keeps nothing) and the peak RSS at the end. The **floor**, in a child process too: plain
SQL streaming the same cases' rows (one per survivor or responsible person per case: the case's and the person's
stored columns, nothing decrypted) to a file, with PostgreSQL's ``COPY ... TO STDOUT`` (SQLite: a cursor read in
batches, written with the csv module).

Environment: as bench/cases.py, and BENCH_EXPORT_RUNS (default 3): runs of each export, interleaved (each round runs
every export and the floor once, starting one further along); the medians are printed. BENCH_EXPORT_ONLY: some of
the exports, by name, separated by commas ("identified csv,de-identified json"); the floor always runs. Prints a
table and writes bench/results/export.json (one entry per database vendor and size). Benchmarks print; they do not
assert.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RUNS = int(os.environ.get("BENCH_EXPORT_RUNS") or 3)
ONLY = [n.strip() for n in (os.environ.get("BENCH_EXPORT_ONLY") or "").split(",") if n.strip()]
RESULTS = Path(__file__).resolve().parent / "results" / "export.json"
MARKER = "bench_export"
RECIPIENT = "Benchmark partner (synthetic, seed {seed})"
SHARED = ("case_facts", "identity", "contact", "needs")
SCENARIOS = {
    "identified csv": {"file_format": "csv", "deidentified": False},
    "identified json": {"file_format": "json", "deidentified": False},
    "de-identified csv": {"file_format": "csv", "deidentified": True},
    "de-identified json": {"file_format": "json", "deidentified": True},
    "floor: plain SQL": {"floor": True},
}


def _peak_rss_mb() -> float:
    """This process's peak RSS so far, in MB. On Linux, ``ru_maxrss`` survives ``exec``: a child started by a process
    of 400 MB reports at least 400 MB whatever it does itself. ``VmHWM`` (the high-water mark of this process image)
    does not, so it is read when there is one; ``ru_maxrss`` elsewhere."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def _setup_django() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()


# --- what an identified export needs, added once -------------------------------------------------------------------


def _chosen(pk: Any) -> bool:
    """9 people in 10, always the same ones."""
    return hashlib.sha256(str(pk).encode()).digest()[0] % 10 != 0


def ensure_sharing(organisation: Any, recorder: Any, seed: int) -> dict[str, Any]:
    """The recipient and the consents (share with it; be counted in reports), made once and recorded."""
    from django.db import connection, transaction
    from django.utils import timezone

    from reparo.consent.models import Consent, ConsentMethod, ConsentPurpose
    from reparo.organisations.models import HTCDSOrganisationType, Organisation, OrganisationKind
    from reparo.people.models import Person

    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {MARKER} (organisation_id BIGINT NOT NULL, recipient_id BIGINT NOT NULL, "
            "share_consents INTEGER NOT NULL, reporting_consents INTEGER NOT NULL, seconds DOUBLE PRECISION NOT NULL, "
            "made_at VARCHAR(40) NOT NULL)"
        )
        cursor.execute(
            f"SELECT recipient_id, share_consents, reporting_consents, seconds, made_at FROM {MARKER} "  # noqa: S608
            "WHERE organisation_id = %s",
            [organisation.pk],
        )
        row = cursor.fetchone()
    if row is not None and Organisation.objects.filter(pk=row[0], kind=OrganisationKind.PARTNER).exists():
        recipient_id, shares, reports, seconds, made_at = row
        print(f"Using the consents made for the export benchmark on {made_at} ({shares:,} to share, {reports:,} to be "
              "counted).")  # fmt: skip
        return {"recipient_id": recipient_id, "share_consents": shares, "reporting_consents": reports,
                "seconds": seconds, "made_at": made_at, "reused": True}  # fmt: skip
    started = time.perf_counter()
    print("Adding a partner organisation and consents for the export benchmark (once).", flush=True)
    with transaction.atomic():
        recipient, _created = Organisation.objects.get_or_create(
            name=RECIPIENT.format(seed=seed),
            defaults={"kind": OrganisationKind.PARTNER, "htcds_type": HTCDSOrganisationType.NGO},
        )
        given = timezone.now() - timezone.timedelta(days=1)
        people = Person.objects.filter(organisation=organisation, erased_at__isnull=True)
        sharing = people.exclude(consents__purpose=ConsentPurpose.SHARE, consents__recipient=recipient)
        counted = people.exclude(consents__purpose=ConsentPurpose.REPORTING)
        common = {"method": ConsentMethod.WRITTEN, "given_at": given, "recorded_by": recorder}
        shares = [
            Consent(person_id=pk, purpose=ConsentPurpose.SHARE, recipient=recipient, data_categories=list(SHARED),
                    **common)
            for pk in sharing.values_list("pk", flat=True).iterator() if _chosen(pk)
        ]  # fmt: skip
        Consent.objects.bulk_create(shares, batch_size=5000)
        reports = [
            Consent(person_id=pk, purpose=ConsentPurpose.REPORTING, **common)
            for pk in counted.values_list("pk", flat=True).iterator()
            if _chosen(pk)
        ]
        Consent.objects.bulk_create(reports, batch_size=5000)
        seconds = time.perf_counter() - started
        made_at = timezone.now().isoformat(timespec="seconds")
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {MARKER} WHERE organisation_id = %s", [organisation.pk])  # noqa: S608
            cursor.execute(
                f"INSERT INTO {MARKER} (organisation_id, recipient_id, share_consents, reporting_consents, seconds, "  # noqa: S608
                "made_at) VALUES (%s, %s, %s, %s, %s, %s)",
                [organisation.pk, recipient.pk, len(shares), len(reports), seconds, made_at],
            )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE consent_consent")
    print(f"  {len(shares):,} consents to share, {len(reports):,} to be counted, in {seconds:.1f} s.")
    return {"recipient_id": recipient.pk, "share_consents": len(shares), "reporting_consents": len(reports),
            "seconds": round(seconds, 1), "made_at": made_at, "reused": False}  # fmt: skip


# --- one export, in a child process ---------------------------------------------------------------------------------


FLOOR_SQL = """
    SELECT c.reference, pe.display_code, cp.role, c.status, c.referral_date, c.htcds_extra,
           pe.given_name, pe.family_name, pe.date_of_birth, pe.gender, pe.citizenship, pe.languages, pe.phone,
           pe.email, pe.address, pe.htcds_extra
    FROM cases_case c
    JOIN cases_caseparticipant cp ON cp.case_id = c.id AND cp.role IN ('survivor', 'responsible')
    JOIN people_person pe ON pe.id = cp.person_id
    WHERE c.organisation_id = {organisation}
    ORDER BY c.reference, cp.role DESC, pe.display_code
"""


def _floor(organisation_id: int, path: Path) -> tuple[int, int]:
    """The same cases' rows, stored values only, to ``path``; (rows, queries)."""
    import csv

    from django.db import connection

    sql = FLOOR_SQL.format(organisation=int(organisation_id))
    rows = 0
    with path.open("wb") as out, connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)") as copy:
                for data in copy:
                    out.write(data)
                    rows += bytes(data).count(b"\n")
        else:
            cursor.execute(sql)
            with open(out.fileno(), "w", encoding="utf-8", newline="", closefd=False) as text:
                writer = csv.writer(text, lineterminator="\n")
                while batch := cursor.fetchmany(2000):
                    writer.writerows(batch)
                    rows += len(batch)
    return rows, 1


def child(spec: dict[str, Any]) -> dict[str, Any]:
    _setup_django()
    from django.db import connection

    from reparo.accounts.models import Membership, Role
    from reparo.interop import services
    from reparo.organisations.models import Organisation

    organisation = Organisation.objects.get(pk=spec["organisation"])
    admin = Membership.objects.filter(organisation=organisation, role=Role.ORG_ADMIN).order_by("user__email")[0].user
    recipient = None if spec.get("deidentified") or spec.get("floor") else Organisation.objects.get(
        pk=spec["recipient"]
    )  # fmt: skip
    path = Path(spec["path"])
    queries = [0]

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        queries[0] += 1
        return execute(sql, params, many, context)

    rss_before = _peak_rss_mb()
    out: dict[str, Any] = {}
    started = time.perf_counter()
    if spec.get("floor"):
        records, n = _floor(organisation.pk, path)
        out.update(records=records, cases=None, people=None)
        queries[0] = n
    else:
        with connection.execute_wrapper(count):
            result = services.htcds_export(
                actor=admin, organisation=organisation, file_format=spec["file_format"], recipient=recipient,
                deidentified=spec["deidentified"],
            )  # fmt: skip
            chunks = 0
            with path.open("wb") as file:
                for chunk in result.chunks:
                    file.write(chunk.encode("utf-8") if isinstance(chunk, str) else chunk)
                    chunks += 1
        if spec["file_format"] == "csv":
            records = chunks - (2 if spec["deidentified"] else 1)  # one chunk per line; the header (and note)
        else:
            records = result.people if spec["deidentified"] else result.cases
        out.update(records=records, cases=result.cases, people=result.people, left_out=result.left_out)
    seconds = time.perf_counter() - started
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while block := file.read(1 << 20):
            digest.update(block)
    out.update(seconds=seconds, bytes=path.stat().st_size, queries=queries[0], rss_before_mb=rss_before,
               rss_peak_mb=_peak_rss_mb(), sha256=digest.hexdigest())  # fmt: skip
    return out


def run_child(spec: dict[str, Any]) -> dict[str, Any]:
    done = subprocess.run(  # noqa: S603
        [sys.executable, str(Path(__file__).resolve()), "--child", json.dumps(spec)],
        check=False, capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"The export {spec} failed.")
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


# --- the run ------------------------------------------------------------------------------------------------------


def main() -> None:
    started = time.perf_counter()
    from django.utils import timezone

    from bench.cases import SEED, N, database_info, ensure_seeded, git_commit, keep_run, machine  # sets Django up
    from reparo.accounts.models import Membership, Role
    from reparo.cases.models import Case
    from reparo.cases.synthetic import OPERATORS
    from reparo.organisations.models import Organisation

    seeding = ensure_seeded()
    organisation = Organisation.objects.get(name=f"{OPERATORS[0][0]} (synthetic, seed {SEED})")
    admin = Membership.objects.filter(organisation=organisation, role=Role.ORG_ADMIN).order_by("user__email")[0].user
    sharing = ensure_sharing(organisation, admin, SEED)
    cases = Case.objects.filter(organisation=organisation).count()
    db = database_info()
    print(
        f"\nExport benchmark — {db['name']} {db['version']}, {N:,} cases (seed {SEED}); the organisation has "
        f"{cases:,}. {RUNS} run(s) of each export, interleaved, each in its own process; medians."
    )
    timings: dict[str, list[dict[str, Any]]] = {name: [] for name in SCENARIOS}
    names = [n for n in SCENARIOS if not ONLY or n in ONLY or n.startswith("floor")]
    timings = {name: timings[name] for name in names}
    with tempfile.TemporaryDirectory(prefix="reparo-export-bench-") as tmp:
        for round_ in range(RUNS):
            shift = round_ % len(names)
            for name in [*names[shift:], *names[:shift]]:
                spec = {**SCENARIOS[name], "organisation": organisation.pk, "recipient": sharing["recipient_id"],
                        "path": str(Path(tmp) / f"{name.replace(' ', '-').replace(':', '')}.out")}  # fmt: skip
                measured = run_child(spec)
                timings[name].append(measured)
                print(f"  round {round_ + 1}  {name:<20}{measured['seconds']:9.1f} s  "
                      f"peak {measured['rss_peak_mb']:7.0f} MB", flush=True)  # fmt: skip

    def med(name: str, key: str) -> float:
        return statistics.median(m[key] for m in timings[name])

    floor = "floor: plain SQL"
    summary: dict[str, Any] = {}
    for name, runs in timings.items():
        last = runs[-1]
        seconds = med(name, "seconds")
        summary[name] = {
            "seconds_median": round(seconds, 2),
            "seconds": [round(m["seconds"], 2) for m in runs],
            "cases": last["cases"],
            "people": last["people"],
            "records": last["records"],
            "records_per_second": round(last["records"] / seconds) if seconds else None,
            "bytes": last["bytes"],
            "queries": last["queries"],
            "rss_before_mb": round(med(name, "rss_before_mb"), 1),
            "rss_peak_mb": round(med(name, "rss_peak_mb"), 1),
            "rss_growth_mb": round(med(name, "rss_peak_mb") - med(name, "rss_before_mb"), 1),
            "sha256": last["sha256"],
            "same_bytes_every_run": len({m["sha256"] for m in runs}) == 1,
        }
    for entry in summary.values():
        entry["vs_floor_seconds"] = round(entry["seconds_median"] / summary[floor]["seconds_median"], 2)
        entry["vs_floor_rss_growth"] = (
            round(entry["rss_growth_mb"] / summary[floor]["rss_growth_mb"], 2)
            if summary[floor]["rss_growth_mb"] > 0
            else None
        )

    print(
        f"\n{'export':<20}{'time s':>8}{'cases':>8}{'people':>8}{'records':>9}{'MB':>7}{'rec/s':>8}{'SQL':>8}"
        f"{'RSS before':>11}{'peak':>7}{'growth':>8}{'x floor':>9}"
    )
    print("-" * 111)
    for name, e in summary.items():
        print(
            f"{name:<20}{e['seconds_median']:8.1f}{e['cases'] or '':>8}{e['people'] or '':>8}{e['records']:>9,}"
            f"{e['bytes'] / 1e6:7.1f}{e['records_per_second'] or 0:>8,}{e['queries']:>8,}{e['rss_before_mb']:>10.0f}M"
            f"{e['rss_peak_mb']:>6.0f}M{e['rss_growth_mb']:>7.0f}M{e['vs_floor_seconds']:>8.1f}x"
        )
    print(
        "\nTime: wall time of htcds_export and writing every chunk (median). Records: CSV lines (a person in a case), "
        "JSON cases (rows of a de-identified file). RSS (MB): peak of the process before the export (after Django's "
        "setup) and at its end. x floor: time / the floor's. The floor streams the same cases' stored values "
        "(one row per person in a case, nothing decrypted) with plain SQL."
    )
    if not all(e["same_bytes_every_run"] for e in summary.values()):
        print("Note: an export gave different bytes in different runs.")

    run = {
        "generated_at": timezone.now().isoformat(timespec="seconds"),
        "git": git_commit(),
        "machine": machine(),
        "database": db,
        "cases": N,
        "seed": SEED,
        "seeding": seeding,
        "sharing": sharing,
        "cases_in_organisation": cases,
        "runs_per_export": RUNS,
        "exports": summary,
    }
    keep_run(RESULTS, "bench/export.py: the HTCDS export; one entry per vendor and size.", f"{db['vendor']}:{N}", run)
    print(f"\nWrote {RESULTS} in {time.perf_counter() - started:.0f} s in all.")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        print(json.dumps(child(json.loads(sys.argv[2]))))
    else:
        main()
