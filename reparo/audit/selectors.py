from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Q, QuerySet

from reparo.accounts.models import Membership
from reparo.accounts.roles import Capability
from reparo.accounts.selectors import organisation_ids_where
from reparo.audit.models import AuditEvent


def audit_events_for(
    actor: Any,
    *,
    action: str = "",
    actor_email: str = "",
    object_type: str = "",
    object_id: str = "",
    since: datetime.date | None = None,
    until: datetime.date | None = None,
) -> QuerySet[AuditEvent]:
    """Audit events an organisation admin may read: those recorded against their organisations, and the
    organisation-less events (sign-in, two factors) of people who hold an active role in them."""
    org_ids = organisation_ids_where(actor, Capability.VIEW_AUDIT)
    if not org_ids:
        return AuditEvent.objects.none()
    # Events of these organisations; and events that belong to no organisation (sign-in and the like) of
    # people who hold an active role here. Another organisation's events are never shown.
    members = Membership.objects.filter(organisation_id__in=org_ids, is_active=True).values("user_id")
    events = AuditEvent.objects.filter(
        Q(organisation_id__in=org_ids) | Q(organisation__isnull=True, actor_id__in=members)
    )
    if action:
        events = events.filter(action__startswith=action)
    if actor_email:
        events = events.filter(actor_label__iexact=actor_email.strip())
    if object_type:
        events = events.filter(object_type=object_type)
    if object_id:
        events = events.filter(object_id=object_id.strip())
    if since:
        events = events.filter(at__date__gte=since)
    if until:
        events = events.filter(at__date__lte=until)
    return events.order_by("-at", "-id")


def audit_action_choices() -> list[str]:
    return sorted(AuditEvent.objects.values_list("action", flat=True).distinct()[:200])
