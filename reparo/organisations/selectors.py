from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from reparo.accounts.models import Membership
from reparo.accounts.roles import Capability
from reparo.accounts.selectors import members_of, organisations_where
from reparo.organisations.models import Organisation, Program


def organisations_visible_to(actor: Any) -> QuerySet[Organisation]:
    """Each with ``active_programs``, a list of its active programs by name."""
    return organisations_where(actor, Capability.VIEW_ORGANISATION).prefetch_related(
        Prefetch(
            "programs", queryset=Program.objects.filter(is_active=True).order_by("name"), to_attr="active_programs"
        )
    )


def active_programs_of(organisation: Organisation) -> list[Program]:
    return list(Program.objects.filter(organisation=organisation, is_active=True))


def membership_get_for(actor: Any, organisation: Organisation, pk: Any) -> Membership:
    """One of ``organisation``'s memberships, for an actor who manages its members; else 404."""
    membership = members_of(actor, organisation).filter(pk=pk).first()
    if membership is None:
        raise Http404
    return membership


def partners_directory(actor: Any) -> QuerySet[Organisation]:
    """Partner organisations, listed for anyone who works in an organisation."""
    if not organisations_where(actor, Capability.VIEW_ORGANISATION).exists():
        return Organisation.objects.none()
    return Organisation.objects.filter(kind="partner", is_active=True).order_by("name")
