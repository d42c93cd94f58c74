"""Reads about users, memberships and roles, already limited to what the actor may see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from reparo.accounts.models import Membership, Role, User
from reparo.accounts.roles import ROLE_CAPABILITIES, Capability, roles_with
from reparo.organisations.models import Organisation


def memberships_of(user: Any) -> QuerySet[Membership]:
    if not getattr(user, "is_authenticated", False):
        return Membership.objects.none()
    return (
        Membership.objects.filter(user=user, is_active=True, organisation__is_active=True)
        .select_related("organisation")
        .order_by("organisation__name", "role")
    )


def organisations_where(user: Any, capability: Capability) -> QuerySet[Organisation]:
    """Organisations in which ``user`` holds a role that grants ``capability``."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Organisation.objects.none()
    return Organisation.objects.filter(
        is_active=True,
        memberships__user=user,
        memberships__is_active=True,
        memberships__role__in=roles_with(capability),
    ).distinct()


def user_can(user: Any, capability: Capability, *, organisation: Organisation | None = None) -> bool:
    orgs = organisations_where(user, capability)
    if organisation is not None:
        orgs = orgs.filter(pk=organisation.pk)
    return orgs.exists()


def organisation_get_for(actor: Any, pk: int, *, capability: Capability = Capability.VIEW_ORGANISATION) -> Organisation:
    """The organisation, if ``actor`` has ``capability`` in it; otherwise 404 (never 403)."""
    try:
        return organisations_where(actor, capability).get(pk=pk)
    except (Organisation.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def members_of(actor: Any, organisation: Organisation) -> QuerySet[Membership]:
    """Memberships of ``organisation``, for an actor who manages its members."""
    organisation_get_for(actor, organisation.pk, capability=Capability.MANAGE_MEMBERS)
    return Membership.objects.filter(organisation=organisation).select_related("user").order_by("user__email", "role")


def member_user_get_for(actor: Any, organisation: Organisation, user_pk: Any) -> User:
    """A user with a membership in ``organisation``, for an actor who manages its members; else 404."""
    organisation_get_for(actor, organisation.pk, capability=Capability.MANAGE_MEMBERS)
    try:
        return User.objects.filter(memberships__organisation=organisation).distinct().get(pk=user_pk)
    except (User.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: Any


def navigation_for(user: Any) -> list[NavItem]:
    """The main navigation for ``user``, by role."""
    if not getattr(user, "is_authenticated", False) or not user.is_verified():
        return []
    items = [NavItem("core:home", _("Home"))]
    memberships = list(memberships_of(user))
    caps = {cap for m in memberships for cap in _caps(m.role)}
    if any(m.role != Role.PARTNER_LIAISON for m in memberships):
        items.append(NavItem("cases:list", _("Cases")))
        items.append(NavItem("evaluation:home", _("Surveys")))
    if Capability.FACILITATE in caps:
        items.append(NavItem("processes:my_week", _("My week")))
        items.append(NavItem("safety:notices", _("Notices")))
    if Capability.VIEW_ORGANISATION in caps:
        items.append(NavItem("organisations:list", _("Organisations")))
    if any(m.role in (Role.ORG_ADMIN, Role.COORDINATOR, Role.EVALUATOR) for m in memberships):
        items.append(NavItem("analytics:index", _("Outcomes")))
    if Capability.VIEW_AUDIT in caps:
        items.append(NavItem("audit:list", _("Activity log")))
    items.append(NavItem("accounts:security", _("Your account")))
    return items


def _caps(role: str) -> frozenset[Capability]:
    return ROLE_CAPABILITIES.get(role, frozenset())
