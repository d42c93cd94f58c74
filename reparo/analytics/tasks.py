"""Background work: keeping the outcome figures up to date between views (decision 0070).

A view takes whatever its organisation has on the list of changes before it reads, so nothing here is needed for
the figures to be right; enqueued every few minutes (or ``manage.py evidence_refresh`` from a timer), it keeps that
list short, so that views after a busy spell stay fast.
"""

from __future__ import annotations

from django_tasks import task

from reparo.analytics import evidence


@task()
def refresh_outcome_figures(organisation_id: int | None = None) -> int:
    """Take the changes on the list (one organisation's, or all) into the tallies; returns how many."""
    return evidence.refresh(organisation_id=organisation_id)
