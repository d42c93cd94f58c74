from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from reparo.accounts.roles import Capability
from reparo.accounts.selectors import organisations_where
from reparo.organisations.models import Organisation, Program


def organisations_visible_to(actor: Any) -> QuerySet[Organisation]:
    return organisations_where(actor, Capability.VIEW_ORGANISATION).prefetch_related(
        Prefetch("programs", queryset=Program.objects.filter(is_active=True).order_by("name"))
    )


def partners_directory(actor: Any) -> QuerySet[Organisation]:
    """Partner organisations, listed for anyone who works in an organisation."""
    if not organisations_where(actor, Capability.VIEW_ORGANISATION).exists():
        return Organisation.objects.none()
    return Organisation.objects.filter(kind="partner", is_active=True).order_by("name")
