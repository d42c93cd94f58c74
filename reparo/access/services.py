"""Writes about memberships: who holds which role in an organisation. Each writes its audit row in its own
transaction and makes the rest of the request see the change."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from reparo.access.actors import forget_roles, organisation_ids_where, user_can
from reparo.access.capabilities import Capability, roles_to_give
from reparo.access.selectors import member_user_get_for
from reparo.accounts.models import Membership, Role, User
from reparo.accounts.services import send_set_password_email
from reparo.audit.services import audit_record


def _require_manager(actor: Any, organisation_id: int) -> None:
    if not user_can(actor, Capability.MANAGE_MEMBERS, organisation=organisation_id):
        raise Http404


@transaction.atomic
def membership_add(*, actor: User, organisation: Any, email: str, role: str, full_name: str = "") -> Membership:
    """Give ``email`` a role in ``organisation``, creating the account if needed (it then gets a link to
    choose a password; the e-mail says only that an account is waiting)."""
    _require_manager(actor, organisation.pk)
    if role not in dict(roles_to_give()):
        raise ValidationError({"role": _("Choose a role from the list.")})
    email = User.objects.normalize_email(email).lower()
    user = User.objects.filter(email__iexact=email).first()
    created = user is None
    if user is not None:
        managed = set(organisation_ids_where(actor, Capability.MANAGE_MEMBERS))
        elsewhere = Membership.objects.filter(user=user, is_active=True).exclude(organisation_id__in=managed)
        if elsewhere.exists():
            raise ValidationError(
                _(
                    "That e-mail address belongs to an account of another organisation. Ask that organisation's "
                    "admin, or use a different address."
                )
            )
    if user is None:
        user = User(email=email, full_name=full_name or None)
        user.set_unusable_password()
        user.save()
    if Membership.objects.filter(user=user, organisation=organisation, role=role, is_active=True).exists():
        raise ValidationError(_("This person already has that role here."))
    ended = Membership.objects.filter(user=user, organisation=organisation, role=role, is_active=False).first()
    if ended is not None:
        ended.is_active = True
        ended.save(update_fields=["is_active", "updated_at"])
        audit_record(
            actor=actor,
            action="membership.restored",
            obj=ended,
            organisation=organisation,
            detail={"role": role, "user": str(user.pk)},
        )
        forget_roles()
        return ended
    membership = Membership.objects.create(user=user, organisation=organisation, role=role)
    audit_record(
        actor=actor,
        action="membership.added",
        obj=membership,
        organisation=organisation,
        detail={"role": role, "user": str(user.pk), "account_created": created},
    )
    forget_roles()
    if created:
        new_user = user
        transaction.on_commit(lambda: send_set_password_email(new_user))
    return membership


@transaction.atomic
def membership_end(*, actor: User, membership: Membership) -> None:
    _require_manager(actor, membership.organisation_id)
    if membership.user_id == actor.pk and membership.role == Role.ORG_ADMIN:
        raise ValidationError(_("You cannot remove your own admin role. Ask another admin."))
    membership.is_active = False
    membership.save(update_fields=["is_active", "updated_at"])
    audit_record(
        actor=actor,
        action="membership.ended",
        obj=membership,
        organisation=membership.organisation,
        detail={"role": membership.role, "user": str(membership.user_id)},
    )
    forget_roles()


@transaction.atomic
def user_deactivate(*, actor: User, organisation: Any, user: User) -> None:
    """Deactivate an account: it can no longer sign in, and every session it has ends at once."""
    target = member_user_get_for(actor, organisation, user.pk)
    if target.pk == actor.pk:
        raise ValidationError(_("You cannot deactivate your own account."))
    managed = set(organisation_ids_where(actor, Capability.MANAGE_MEMBERS))
    theirs = set(Membership.objects.filter(user=target, is_active=True).values_list("organisation_id", flat=True))
    if not theirs <= managed:
        raise ValidationError(_("This person also works with another organisation. End their role here instead."))
    User.objects.filter(pk=target.pk).update(is_active=False, session_generation=target.session_generation + 1)
    audit_record(actor=actor, action="user.deactivated", obj=target, organisation=organisation)
    forget_roles()


@transaction.atomic
def membership_grant(
    *, organisation: Any, user: User, role: str, actor_label: str = "", detail: dict[str, Any] | None = None
) -> Membership:
    """Give ``user`` ``role`` in ``organisation`` outside a request (the operator's set-up command, the demo): no
    actor to check; the audit row names no actor. Nothing changes, and nothing is recorded, if they hold it."""
    membership, created = Membership.objects.get_or_create(user=user, organisation=organisation, role=role)
    if not created and membership.is_active:
        return membership
    if not membership.is_active:
        membership.is_active = True
        membership.save(update_fields=["is_active", "updated_at"])
    audit_record(
        actor=None,
        actor_label=actor_label,
        action="membership.added",
        obj=membership,
        organisation=organisation,
        detail={"role": role, "user": str(user.pk), **(detail or {})},
    )
    forget_roles()
    return membership


def admin_grant(*, organisation: Any, user: User, actor_label: str, detail: dict[str, Any] | None = None) -> Membership:
    """Make ``user`` an organisation admin of ``organisation`` outside a request (a new installation's first admin)."""
    return membership_grant(
        organisation=organisation, user=user, role=Role.ORG_ADMIN, actor_label=actor_label, detail=detail
    )
