"""The funder report (PDF or CSV) as background work (:mod:`reparo.jobs`): the grant's page starts it and answers at
once; the task worker makes it as the person who asked, through :func:`reparo.funding.services.report_export` (the
same access check and audit row as before)."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import Http404
from django.utils.translation import gettext_lazy as _

from reparo.funding import selectors
from reparo.jobs.kinds import JobKind, register
from reparo.jobs.models import JobStep
from reparo.jobs.work import Work

REPORT = "funding.report"
CONTENT_TYPES = {"pdf": "application/pdf", "csv": "text/csv; charset=utf-8"}


def report_allowed(actor: Any, params: dict[str, Any]) -> bool:
    """Whether ``actor`` may still read the grant."""
    try:
        selectors.grant_get_for(actor, params.get("grant"))
    except Http404:
        return False
    return True


def report_make(work: Work) -> None:
    from reparo.funding import services

    kind = work.params["format"]
    window = selectors.Window(
        datetime.date.fromisoformat(work.params["start"]), datetime.date.fromisoformat(work.params["end"])
    )
    work.progress(JobStep.COLLECTING, None)
    grant = selectors.grant_get_for(work.actor, work.params["grant"])
    content = services.report_export(actor=work.actor, grant=grant, window=window, kind=kind)
    work.progress(JobStep.WRITING, 0.9)
    work.write(content)
    work.done(filename=f"funder-report-{window.start}-{window.end}.{kind}", content_type=CONTENT_TYPES[kind])


def register_kinds() -> None:
    register(JobKind(name=REPORT, title=_("Funder report"), run=report_make, allowed=report_allowed))
