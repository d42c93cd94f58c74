"""What an actor holds: their organisation roles (read once per request, and kept per process under the access
stamp), the capabilities those give, and the kind of actor they are. The only reads of memberships."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from reparo.access.capabilities import (
    PARTNER_ROLES,
    TEAM_ROLE_REQUIRES,
    ActorKind,
    Capability,
    TokenScope,
    capabilities_of_roles,
    roles_with,
    team_capabilities,
)
from reparo.accounts import access_cache
from reparo.accounts.models import AccountType, Membership, User
from reparo.core import context


def is_active(actor: Any) -> bool:
    return bool(getattr(actor, "is_authenticated", False) and actor.is_active)


def actor_kind(actor: Any) -> ActorKind:
    if not is_active(actor):
        return ActorKind.ANONYMOUS
    if getattr(actor, "account_type", AccountType.STAFF) == AccountType.PARTICIPANT:
        return ActorKind.PARTICIPANT
    if _is_integration(actor):
        return ActorKind.INTEGRATION
    roles = {role for _org, role in active_roles(actor)}
    if roles and roles <= PARTNER_ROLES:
        return ActorKind.PARTNER
    return ActorKind.STAFF


# The attribute an API token's account carries on the calls that present the token: ``(organisation id, scope)``.
_TOKEN_GRANT = "_reparo_token_grant"  # noqa: S105 - an attribute name, not a secret


def _is_integration(user: Any) -> bool:
    return getattr(user, "account_type", AccountType.STAFF) == AccountType.INTEGRATION


def act_for_token(user: User, *, organisation_id: int, scopes: list[str] | tuple[str, ...]) -> User:
    """Let ``user``, the account of an API token, act for this call as its organisation with its scopes (each a
    :class:`reparo.access.capabilities.TokenScope`, counted as a role in that organisation). Called by the API's
    authentication once the token is found valid; an integration account read any other way holds nothing."""
    if not _is_integration(user):
        raise ValueError("Only an API token's account acts for a token.")
    valid = {str(scope) for scope in TokenScope}
    setattr(user, _TOKEN_GRANT, tuple((organisation_id, str(s)) for s in sorted(set(scopes)) if str(s) in valid))
    return user


def active_roles(user: Any) -> tuple[tuple[int, str], ...]:
    """``(organisation id, role)`` for each active role of ``user`` in an active organisation.

    Read with one query, once per request (``reparo.core.context.memo``): navigation, every selector's access
    check and the case list all ask it. A page that changes nothing uses the copy its process kept while the
    access stamp is unchanged (:mod:`reparo.accounts.access_cache`). Outside a request it is read fresh every time;
    services that change memberships drop the request's copy (:func:`forget_roles`)."""
    if not is_active(user):
        return ()
    if _is_integration(user):  # an API token's account: its token's scopes on this call, or nothing
        return tuple(getattr(user, _TOKEN_GRANT, ()))
    return context.memo(  # type: ignore[no-any-return]
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


def roles_in(actor: Any, organisation: Any) -> frozenset[str]:
    """The actor's active roles in one organisation (an instance or an id)."""
    org_id = getattr(organisation, "pk", organisation)
    return frozenset(role for o, role in active_roles(actor) if o == org_id)


def capabilities_in(actor: Any, organisation: Any) -> frozenset[Capability]:
    return capabilities_of_roles(roles_in(actor, organisation))


def member_organisation_ids(actor: Any) -> list[int]:
    """Organisations where the actor holds any active role."""
    return sorted({org_id for org_id, _role in active_roles(actor)})


def organisation_ids_where(actor: Any, capability: Capability) -> list[int]:
    """Ids of the organisations in which ``actor`` holds a role that grants ``capability``."""
    roles = roles_with(capability)
    return sorted({org_id for org_id, role in active_roles(actor) if role in roles})


def user_can(actor: Any, capability: Capability, *, organisation: Any = None) -> bool:
    """Whether ``actor`` holds ``capability`` in ``organisation`` (an instance or an id), or in any organisation."""
    ids = organisation_ids_where(actor, capability)
    if organisation is None:
        return bool(ids)
    return getattr(organisation, "pk", organisation) in ids


def case_capabilities(actor: Any, *, organisation_id: int, team_roles: frozenset[str]) -> frozenset[Capability]:
    """What ``actor`` may do on one case of ``organisation_id`` on which they hold ``team_roles``. Team roles count
    only while the actor holds an active role in the case's organisation."""
    org_caps = capabilities_in(actor, organisation_id)
    if not roles_in(actor, organisation_id):
        team_roles = frozenset()
    return team_capabilities(team_roles, org_caps)


def memberships_of(user: Any) -> QuerySet[Membership]:
    """The user's active roles, with their organisations (for the home page and the account page)."""
    if not is_active(user):
        return Membership.objects.none()
    return (
        Membership.objects.filter(user=user, is_active=True, organisation__is_active=True)
        .select_related("organisation")
        .order_by("organisation__name", "role")
    )


def members_of(organisation: Any) -> QuerySet[Membership]:
    """Every membership of ``organisation`` (active or ended), for the page of an actor who manages its members:
    the caller checks ``MANAGE_MEMBERS`` first."""
    return Membership.objects.filter(organisation=organisation).select_related("user").order_by("user__email", "role")


def users_with(organisation: Any, capability: Capability) -> QuerySet[User]:
    """Active users holding a role that grants ``capability`` in ``organisation`` (an instance or an id)."""
    org_id = getattr(organisation, "pk", organisation)
    holders = Membership.objects.filter(organisation_id=org_id, role__in=roles_with(capability), is_active=True).values(
        "user_id"
    )
    return User.objects.filter(pk__in=holders, is_active=True)


def user_ids_in(organisation_ids: list[int]) -> QuerySet[Any]:
    """Ids of users who hold any active role in these organisations (a subquery)."""
    return Membership.objects.filter(organisation_id__in=organisation_ids, is_active=True).values("user_id")


def works_in(user: Any, organisation: Any) -> bool:
    """Whether ``user`` holds an active staff role in ``organisation``, read afresh (for writes about another user)."""
    org_id = getattr(organisation, "pk", organisation)
    return Membership.objects.filter(
        user=user, organisation_id=org_id, is_active=True, role__in=roles_with(Capability.WORK_IN_PROGRAM)
    ).exists()


def holds(user: Any, organisation: Any, capability: Capability) -> bool:
    """Whether ``user`` (not necessarily the actor) holds ``capability`` in ``organisation``, read afresh."""
    org_id = getattr(organisation, "pk", organisation)
    return Membership.objects.filter(
        user=user, organisation_id=org_id, is_active=True, role__in=roles_with(capability)
    ).exists()


def may_hold_team_role(user: Any, organisation: Any, team_role: str) -> bool:
    """Whether ``user`` may be given ``team_role`` on a case of ``organisation``."""
    needed = TEAM_ROLE_REQUIRES.get(team_role)
    return needed is not None and holds(user, organisation, needed)
