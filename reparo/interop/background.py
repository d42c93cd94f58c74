"""HTCDS exports and imports as background work (:mod:`reparo.jobs`): the page checks what was asked, starts the job
and answers at once; the task worker does the work as the person who asked, through
:func:`reparo.interop.services.htcds_export` and :func:`~reparo.interop.services.htcds_import` (the same access
checks, consent, audit rows and all-or-nothing saving as before). An export is written piece by piece as it is
made; an import reads the file kept (encrypted) with the job, which is removed as soon as it has been read."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reparo.access.capabilities import Capability
from reparo.interop import selectors
from reparo.jobs.kinds import JobKind, JobRefused, register
from reparo.jobs.models import JobStep
from reparo.jobs.work import Work

EXPORT = "htcds.export"
IMPORT = "htcds.import"
# An import's page lists this many problems, and says how many more there are.
SHOWN_PROBLEMS = 200


def _allowed(need: Capability) -> Any:
    def allowed(actor: Any, params: dict[str, Any]) -> bool:
        try:
            selectors.organisation_for_exchange(actor, params.get("organisation"), need=need)
        except Http404:
            return False
        return True

    return allowed


# --- export --------------------------------------------------------------------------------------------------------


def export_make(work: Work) -> None:
    from reparo.interop import services

    p = work.params
    organisation = selectors.organisation_for_exchange(work.actor, p["organisation"], need=Capability.EXPORT_HTCDS)
    recipient = selectors.recipients().filter(pk=p["recipient"]).first() if p.get("recipient") else None
    if p.get("recipient") and recipient is None:
        raise JobRefused(_("The partner organisation is no longer in the directory, so the file was not made."))
    program = selectors.programs_of(organisation).filter(pk=p["program"]).first() if p.get("program") else None
    if p.get("program") and program is None:
        raise JobRefused(_("The program is no longer there, so the file was not made."))
    work.progress(JobStep.COLLECTING, None)
    result = services.htcds_export(
        actor=work.actor, organisation=organisation, file_format=p["file_format"], recipient=recipient,
        program=program, since=datetime.date.fromisoformat(p["since"]) if p.get("since") else None,
        deidentified=bool(p.get("deidentified")),
    )  # fmt: skip
    # One piece per row of a CSV file (per case of a JSON file): near enough to tell how far it is.
    tick = work.counter(JobStep.WRITING, max(result.people, result.cases, 1) + 1)
    for chunk in result.chunks:
        work.write(chunk)
        tick()
    work.done(
        filename=result.filename,
        content_type=result.content_type,
        summary={
            "people": result.people, "cases": result.cases, "left_out": result.left_out, "note": result.note,
            "deidentified": bool(p.get("deidentified")), "format": p["file_format"],
        },
    )  # fmt: skip


# --- import --------------------------------------------------------------------------------------------------------


def import_make(work: Work) -> None:
    from reparo.interop import services

    p = work.params
    organisation = selectors.organisation_for_exchange(work.actor, p["organisation"], need=Capability.IMPORT_HTCDS)
    program = selectors.programs_of(organisation).filter(pk=p["program"]).first()
    if program is None:
        raise JobRefused(_("The program is no longer there, so nothing was imported."))
    work.progress(JobStep.READING, None)
    data = work.input()
    work.progress(JobStep.SAVING, None)
    report = services.htcds_import(
        actor=work.actor, organisation=organisation, program=program, file_name=p.get("file_name", ""), data=data,
        valid_only=bool(p.get("valid_only")),
    )  # fmt: skip
    work.done(
        summary={
            "saved": report.saved, "rows": report.rows, "cases_created": report.cases_created,
            "people_created": report.people_created, "cases_already_there": report.cases_already_there,
            "cases_invalid": report.cases_invalid, "refused": report.refused,
            "problems": [
                {"place": problem.place, "column": problem.column, "reason": problem.reason}
                for problem in report.problems[:SHOWN_PROBLEMS]
            ],
            "more_problems": max(0, len(report.problems) - SHOWN_PROBLEMS),
        }
    )  # fmt: skip


def register_kinds() -> None:
    register(
        JobKind(
            name=EXPORT,
            title=gettext_lazy("HTCDS file"),
            run=export_make,
            allowed=_allowed(Capability.EXPORT_HTCDS),
            summary_template="interop/_export_summary.html",
        )
    )
    register(
        JobKind(
            name=IMPORT,
            title=gettext_lazy("HTCDS import"),
            run=import_make,
            allowed=_allowed(Capability.IMPORT_HTCDS),
            summary_template="interop/_import_report.html",
        )
    )
