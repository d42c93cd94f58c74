"""Checking and rebuilding the case tally (decision 0024). Triggers keep it exact; these are for an operator
after something wrote cases behind the triggers' back (a restore without them, a TRUNCATE)."""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import Count

from reparo.cases.models import Case, CaseTally

Key = tuple[int, int, str]


def tally_differences() -> list[tuple[Key, int, int]]:
    """(organisation, program, status), the tally's count and the real count, wherever the two differ."""
    tallied = {(t.organisation_id, t.program_id, t.status): t.cases for t in CaseTally.objects.exclude(cases=0)}
    rows = Case.objects.values_list("organisation_id", "program_id", "status").annotate(n=Count("id")).order_by()
    counted = {(org, program, status): n for org, program, status, n in rows}
    keys = sorted(tallied.keys() | counted.keys())
    return [
        (key, tallied.get(key, 0), counted.get(key, 0)) for key in keys if tallied.get(key, 0) != counted.get(key, 0)
    ]


@transaction.atomic
def rebuild_tally() -> int:
    """Count every case again; returns the number of tally rows. Writes to cases wait until it is done."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("LOCK TABLE cases_case IN SHARE MODE")
    CaseTally.objects.all().delete()
    rows = Case.objects.values_list("organisation_id", "program_id", "status").annotate(n=Count("id")).order_by()
    CaseTally.objects.bulk_create(
        CaseTally(organisation_id=org, program_id=program, status=status, cases=n) for org, program, status, n in rows
    )
    return CaseTally.objects.count()
