"""A published release as the API gives it: the same tables and numbers as its page and its CSV."""

from __future__ import annotations

import csv
import io
from typing import Any

from reparo.releases import report, tables
from reparo.releases.models import Release


def release_tables(release: Release) -> list[dict[str, Any]]:
    return [
        {"key": t.key, "title": t.title, "unit": t.unit, "epsilon": t.epsilon, "accuracy": t.accuracy}
        for t in tables.present(release.tables)
    ]


def release_values(release: Release) -> list[dict[str, Any]]:
    """Every released number, one per line of the release's CSV (read from it, so the two never differ)."""
    rows = csv.DictReader(io.StringIO(report.release_csv(release).decode("utf-8")))
    return [
        {
            "table": row["table"],
            "cell": row["cell"],
            "epsilon": row["epsilon"],
            "margin_95": float(row["margin_95"]),
            "noisy_value": int(float(row["noisy_value"])),
            "shown_value": int(float(row["shown_value"])),
        }
        for row in rows
    ]
