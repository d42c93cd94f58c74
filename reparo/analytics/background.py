"""The outcome report (PDF) as background work (:mod:`reparo.jobs`): the page starts it and answers at once; the task
worker makes it as the person who asked, through :func:`reparo.analytics.services.report_export` (the same access
check, figures and audit row as before), reading the figures from the replica when one is configured (the changes
they rest on are taken on the primary: reparo.analytics.evidence.catch_up)."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext_lazy as _

from reparo.analytics import selectors
from reparo.jobs.kinds import JobKind, register
from reparo.jobs.models import JobStep
from reparo.jobs.work import Work

REPORT = "outcomes.report"


def _scope(actor: Any, params: dict[str, Any]) -> selectors.Scope:
    return selectors.scope_for(actor, organisation_pk=params.get("organisation"), program_pk=params.get("program"))


def report_allowed(actor: Any, params: dict[str, Any]) -> bool:
    """Whether ``actor`` may still see the outcomes the report covers."""
    try:
        _scope(actor, params)
    except Http404:
        return False
    return True


def report_make(work: Work) -> None:
    from reparo.analytics import services

    work.progress(JobStep.COLLECTING, None)
    pdf = services.report_export(actor=work.actor, scope=_scope(work.actor, work.params))
    work.progress(JobStep.WRITING, 0.9)
    work.write(pdf)
    work.done(filename="outcome-report.pdf", content_type="application/pdf")


def register_kinds() -> None:
    register(
        JobKind(
            name=REPORT,
            title=_("Outcome report (PDF)"),
            run=report_make,
            allowed=report_allowed,
            reads_from_replica=True,
        )
    )
