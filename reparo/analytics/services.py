"""Writes of the improvement log. Each checks that the actor may see the organisation's outcomes (organisation
admin, coordinator or evaluator) and writes its audit row (ids and codes only) in the same transaction."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from reparo.access.actors import user_can, works_in
from reparo.access.capabilities import Capability
from reparo.analytics.models import ActionStatus, FindingSource, ImprovementAction
from reparo.audit.services import audit_record
from reparo.organisations.models import Organisation, Program


def _may_manage(actor: Any, organisation: Organisation) -> bool:
    return user_can(actor, Capability.VIEW_EVALUATION, organisation=organisation)


@transaction.atomic
def improvement_add(
    *,
    actor: Any,
    organisation: Organisation,
    program: Program | None,
    finding: str,
    source: str,
    action: str,
    owner: Any,
    due_on: datetime.date,
) -> ImprovementAction:
    if not _may_manage(actor, organisation):
        raise PermissionDenied
    if program is not None and program.organisation_id != organisation.pk:
        raise PermissionDenied
    errors: dict[str, str] = {}
    if not (finding or "").strip():
        errors["finding"] = _("Say what was found.")
    if not (action or "").strip():
        errors["action"] = _("Say what will be done about it.")
    if source not in FindingSource.values:
        errors["source"] = _("Choose where the finding came from.")
    if owner is None or not works_in(owner, organisation):
        errors["owner"] = _("Choose an owner from this organisation.")
    if due_on is None:
        errors["due_on"] = _("Give a due date.")
    if errors:
        raise ValidationError(errors)
    item = ImprovementAction.objects.create(
        organisation=organisation,
        program=program,
        finding=finding.strip(),
        source=source,
        action=action.strip(),
        owner=owner,
        due_on=due_on,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="improvement.add",
        obj=item,
        organisation=organisation,
        detail={"program": program.pk if program else None, "source": source},
    )
    return item


@transaction.atomic
def improvement_set_status(*, actor: Any, item: ImprovementAction, status: str) -> ImprovementAction:
    item = ImprovementAction.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=item.pk)
    if not _may_manage(actor, item.organisation):
        raise PermissionDenied
    if status not in ActionStatus.values:
        raise ValidationError({"status": _("Choose a status.")})
    before = item.status
    item.status = status
    item.status_changed_at = timezone.now()
    item.save(update_fields=["status", "status_changed_at", "updated_at"])
    audit_record(
        actor=actor,
        action="improvement.status",
        obj=item,
        organisation=item.organisation,
        detail={"from": before, "to": status},
    )
    return item


def report_start(*, actor: Any, scope: Any, back_to: str = "") -> Any:
    """Start making the funders' PDF for ``scope`` in the background (:mod:`reparo.analytics.background`); the job,
    whose page shows its progress and, when it is done, the download."""
    from reparo.analytics.background import REPORT
    from reparo.jobs.services import job_start

    return job_start(
        actor=actor,
        organisation=scope.organisation,
        kind=REPORT,
        params={"organisation": scope.organisation.pk, "program": scope.program.pk if scope.program else None},
        subject=scope.program.name if scope.program else scope.organisation.name,
        back_to=back_to,
    )


def report_export(*, actor: Any, scope: Any) -> bytes:
    """The funders' PDF for ``scope`` (from :func:`reparo.analytics.selectors.scope_for`), recorded as an export.

    The figures are read before the transaction that records the export, not inside it: a read inside a transaction
    stays on the primary (reparo.core.routers), and the report job reads from the replica when one is configured. The
    PDF is handed back only once the audit row is committed."""
    from reparo.analytics.presentation import figures
    from reparo.analytics.report import report_pdf
    from reparo.analytics.selectors import dashboard

    board = dashboard(scope)
    pdf = report_pdf(board, figures(board))
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="outcomes.report_export",
            object_type="organisations.program" if scope.program else "organisations.organisation",
            object_id=str(scope.program.pk if scope.program else scope.organisation.pk),
            organisation=scope.organisation,
            purpose="funder report",
        )
    return pdf
