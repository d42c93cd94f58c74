"""Reads about users, memberships and roles, already limited to what the actor may see."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from reparo.accounts import access_cache
from reparo.accounts.models import Membership, Role, User
from reparo.accounts.roles import ROLE_CAPABILITIES, Capability, roles_with
from reparo.audit.models import AuditEvent
from reparo.core import context
from reparo.organisations.models import Organisation


def memberships_of(user: Any) -> QuerySet[Membership]:
    if not getattr(user, "is_authenticated", False):
        return Membership.objects.none()
    return (
        Membership.objects.filter(user=user, is_active=True, organisation__is_active=True)
        .select_related("organisation")
        .order_by("organisation__name", "role")
    )


def active_roles(user: Any) -> tuple[tuple[int, str], ...]:
    """``(organisation id, role)`` for each active role of ``user`` in an active organisation.

    Read with one query, once per request (``reparo.core.context.memo``): navigation, every selector's access
    check and the case list all ask it. A page that changes nothing uses the copy its process kept while the
    access stamp is unchanged (:mod:`reparo.accounts.access_cache`). Outside a request it is read fresh every time;
    services that change memberships drop the request's copy (:func:`forget_roles`)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return ()
    return context.memo(
        ("accounts.active_roles", user.pk),
        lambda: access_cache.shared(
            user,
            ("roles", user.pk),
            lambda: tuple(
                Membership.objects.filter(user=user, is_active=True, organisation__is_active=True)
                .order_by("organisation_id", "role")
                .values_list("organisation_id", "role")
            ),
        ),
    )


def forget_roles() -> None:
    """Drop the request's copy of everyone's roles and of the access lists read from them (after a membership
    changes), and stop using copies shared between requests, so the rest of the request sees the change."""
    context.memo_forget(lambda key: True)
    context.stop_sharing_reads()


def organisation_ids_where(user: Any, capability: Capability) -> list[int]:
    """Ids of the organisations in which ``user`` holds a role that grants ``capability``."""
    roles = roles_with(capability)
    return sorted({org_id for org_id, role in active_roles(user) if role in roles})


def organisations_where(user: Any, capability: Capability) -> QuerySet[Organisation]:
    """Organisations in which ``user`` holds a role that grants ``capability``."""
    ids = organisation_ids_where(user, capability)
    if not ids:
        return Organisation.objects.none()
    return Organisation.objects.filter(pk__in=ids)


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

    @property
    def url(self) -> str:
        return _nav_url(self.url_name, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)


@functools.lru_cache(maxsize=128)
def _nav_url(url_name: str, script_prefix: str, urlconf: str) -> str:
    """The navigation's links take no arguments: reversed once per process (and per prefix and URL conf), not
    on every page."""
    return reverse(url_name, urlconf=urlconf)


def navigation_for(user: Any) -> list[NavItem]:
    """The main navigation for ``user``, by role."""
    if not getattr(user, "is_authenticated", False) or not user.is_verified():
        return []
    items = [NavItem("core:home", _("Home"))]
    roles = [role for _org, role in active_roles(user)]
    caps = {cap for role in roles for cap in _caps(role)}
    if any(role != Role.PARTNER_LIAISON for role in roles):
        items.append(NavItem("cases:list", _("Cases")))
        items.append(NavItem("evaluation:home", _("Surveys")))
    if Capability.FACILITATE in caps:
        items.append(NavItem("processes:my_week", _("My week")))
        items.append(NavItem("safety:notices", _("Notices")))
    if any(role != Role.PARTNER_LIAISON for role in roles):
        items.append(NavItem("training:mine", _("Training")))
    if Capability.VIEW_ORGANISATION in caps:
        items.append(NavItem("organisations:list", _("Organisations")))
    if any(role in (Role.ORG_ADMIN, Role.COORDINATOR, Role.EVALUATOR) for role in roles):
        items.append(NavItem("analytics:index", _("Outcomes")))
    if Capability.VIEW_AUDIT in caps:
        items.append(NavItem("audit:list", _("Activity log")))
    items.append(NavItem("accounts:security", _("Your account")))
    return items


def _caps(role: str) -> frozenset[Capability]:
    return ROLE_CAPABILITIES.get(role, frozenset())


def authenticators_of(user: Any) -> list[TOTPDevice]:
    """The signed-in person's own confirmed authenticator apps, oldest first."""
    return list(TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id"))


def authenticator_get_for(user: Any, pk: Any) -> TOTPDevice:
    """One of ``user``'s own confirmed authenticator apps; anyone else's, or none, is 404."""
    try:
        return TOTPDevice.objects.get(user=user, confirmed=True, pk=pk)
    except (TOTPDevice.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


# The audit actions that change how an account signs in, in the words its owner sees on the account page.
SECURITY_ACTIVITY_LABELS: dict[str, Any] = {
    "auth.two_factor.enrolled": _("An authenticator app was added"),
    "auth.two_factor.removed": _("An authenticator app was removed"),
    "auth.backup_codes.regenerated": _("New backup codes were made"),
}
PASSWORD_ACTIVITY_LABELS: dict[str, Any] = {
    "changed": _("Your password was changed"),
    "reset": _("A new password was chosen with an e-mail link"),
}


@dataclass(frozen=True)
class SecurityActivity:
    at: Any
    label: Any


def security_activity_for(user: Any, *, limit: int = 10) -> list[SecurityActivity]:
    """The latest changes to how ``user`` signs in (password, authenticator apps, backup codes), newest first, read
    from the audit trail, in plain words."""
    actions = [*SECURITY_ACTIVITY_LABELS, "auth.password_changed"]
    events = AuditEvent.objects.filter(
        object_type=User._meta.label_lower, object_id=str(user.pk), action__in=actions
    ).order_by("-at", "-id")[:limit]
    activity = []
    for event in events:
        if event.action == "auth.password_changed":
            label = PASSWORD_ACTIVITY_LABELS.get(
                str((event.detail or {}).get("how")), PASSWORD_ACTIVITY_LABELS["changed"]
            )
        else:
            label = SECURITY_ACTIVITY_LABELS[event.action]
        activity.append(SecurityActivity(at=event.at, label=label))
    return activity
