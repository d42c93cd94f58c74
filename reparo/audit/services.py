"""Writing audit records. Call ``audit_record`` inside the transaction of the action it records."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction

from reparo.audit.models import AuditEvent
from reparo.core import context


class AuditOutsideTransactionError(RuntimeError):
    """An audit row must be written in the same transaction as its action."""


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    purpose: str = "",
    organisation: Any = None,
    detail: dict[str, Any] | None = None,
    actor_label: str = "",
) -> AuditEvent:
    """Append an audit row. ``detail`` must hold no personal data (ids and codes only)."""
    if not transaction.get_connection().in_atomic_block:
        raise AuditOutsideTransactionError(
            f"audit_record({action!r}) called outside a transaction; wrap the action and its audit in "
            "transaction.atomic so that they commit or roll back together."
        )
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    user = actor if getattr(actor, "is_authenticated", False) else None
    ctx = context.current()
    return AuditEvent.objects.create(
        actor=user,
        actor_label=actor_label or (getattr(user, "email", "") if user else ""),
        organisation=organisation,
        action=action,
        object_type=object_type,
        object_id=object_id,
        purpose=purpose,
        request_id=ctx.request_id,
        ip=ctx.ip,
        detail=detail or {},
    )


def audit_record_for(
    actor: Any, action: str, obj: models.Model, organisation: Any, /, *, system_label: str = "", **detail: Any
) -> AuditEvent:
    """A service's audit row for its action on ``obj`` in ``organisation``, with ``detail`` given as keywords (ids
    and codes only, no personal data; any name will do, ``organisation`` included). Background work, which has no
    actor, names itself with ``system_label``."""
    return audit_record(
        actor=actor,
        action=action,
        obj=obj,
        organisation=organisation,
        detail=detail,
        actor_label="" if actor is not None else system_label,
    )
