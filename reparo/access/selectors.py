"""Lookups of the records this module owns: the members of an organisation."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from reparo.access.actors import members_of, user_can
from reparo.access.capabilities import Capability
from reparo.access.lookup import lookup, one_or_404
from reparo.accounts.models import Membership, User


def _manages(actor: Any, organisation: Any) -> None:
    if not user_can(actor, Capability.MANAGE_MEMBERS, organisation=organisation):
        raise Http404


def members_for(actor: Any, organisation: Any) -> Any:
    """Memberships of ``organisation``, for an actor who manages its members; else 404."""
    _manages(actor, organisation)
    return members_of(organisation)


@lookup("accounts.membership")
def membership_get_for(actor: Any, organisation: Any, pk: Any) -> Membership:
    """One membership of ``organisation``, for an actor who manages its members; else 404."""
    return one_or_404(members_for(actor, organisation), pk)


@lookup("accounts.user")
def member_user_get_for(actor: Any, organisation: Any, user_pk: Any) -> User:
    """A user with a membership in ``organisation``, for an actor who manages its members; else 404."""
    _manages(actor, organisation)
    return one_or_404(User.objects.filter(memberships__organisation=organisation).distinct(), user_pk)
