"""Who may do what in training, inside one organisation: facilitators their own records; coordinators, org
admins and supervisors their organisation's; assessors (supervisors and org admins) issue certifications."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from reparo.accounts.models import Membership, Role
from reparo.organisations.models import OrganisationKind

MANAGERS = frozenset({Role.ORG_ADMIN, Role.COORDINATOR, Role.SUPERVISOR})
ASSESSORS = frozenset({Role.ORG_ADMIN, Role.SUPERVISOR})
LEARNERS = frozenset({Role.FACILITATOR, Role.SUPERVISOR, Role.COSA_VOLUNTEER, Role.COORDINATOR})


def roles_in(user: Any, organisation: Any) -> set[str]:
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(
        Membership.objects.filter(user=user, organisation=organisation, is_active=True).values_list("role", flat=True)
    )


def home_organisation(user: Any) -> Any:
    """The operator organisation the user works in (training is per organisation); 404 without one."""
    membership = (
        Membership.objects.filter(user=user, is_active=True, organisation__kind=OrganisationKind.OPERATOR)
        .exclude(role=Role.PARTNER_LIAISON)
        .select_related("organisation")
        .order_by("created_at")
        .first()
    )
    if membership is None:
        raise Http404
    return membership.organisation


def is_manager(user: Any, organisation: Any) -> bool:
    return bool(roles_in(user, organisation) & MANAGERS)


def is_assessor(user: Any, organisation: Any) -> bool:
    return bool(roles_in(user, organisation) & ASSESSORS)


def is_admin(user: Any, organisation: Any) -> bool:
    return Role.ORG_ADMIN in roles_in(user, organisation)


def is_supervisor(user: Any, organisation: Any) -> bool:
    return Role.SUPERVISOR in roles_in(user, organisation)


def is_member(user: Any, organisation: Any) -> bool:
    return bool(roles_in(user, organisation) - {Role.PARTNER_LIAISON})
