"""Writes about accounts: sign-in, two factors, sessions, memberships. Each writes its audit row in its
own transaction."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from reparo.accounts import selectors
from reparo.accounts.backends import USER_BACKEND
from reparo.accounts.models import Membership, Role, User
from reparo.accounts.roles import Capability
from reparo.audit.services import audit_record
from reparo.organisations.models import Organisation

AUTH_STARTED_KEY = "reparo_auth_started"
LAST_SEEN_KEY = "reparo_last_seen"
BACKUP_CODE_COUNT = 10
BACKUP_DEVICE_NAME = "backup"


@transaction.atomic
def user_sign_in(*, request: HttpRequest, user: User) -> None:
    """First factor accepted: start a fresh session (new key). The second factor is still to come."""
    auth_login(request, user, backend=USER_BACKEND)
    now = time.time()
    request.session[AUTH_STARTED_KEY] = now
    request.session[LAST_SEEN_KEY] = now
    audit_record(actor=user, action="auth.password_accepted", obj=user)


@transaction.atomic
def user_sign_out(*, request: HttpRequest, reason: str = "auth.signed_out") -> None:
    user = request.user
    if getattr(user, "is_authenticated", False):
        audit_record(actor=user, action=reason, obj=user)  # type: ignore[arg-type]
    auth_logout(request)


@transaction.atomic
def user_sign_out_everywhere(*, request: HttpRequest, user: User) -> None:
    """End every session of ``user``, this one included."""
    User.objects.filter(pk=user.pk).update(session_generation=user.session_generation + 1)
    audit_record(actor=user, action="auth.signed_out_everywhere", obj=user)
    auth_logout(request)


def totp_device_for_enrolment(*, user: User) -> TOTPDevice:
    """The unconfirmed authenticator-app device that enrolment shows (created on first visit)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=_("Authenticator app"), confirmed=False)
    return device


def _backup_codes_replace(user: User) -> list[str]:
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name=BACKUP_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _i in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@transaction.atomic
def two_factor_enrol_confirm(*, request: HttpRequest, user: User, token: str) -> list[str] | None:
    """Confirm the authenticator app with a first code. Returns fresh backup codes, or ``None`` if the code
    was not accepted."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("-id").first()
    if device is None or not device.verify_token(_clean_token(token)):
        audit_record(actor=user, action="auth.two_factor.enrol_failed", obj=user)
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    codes = _backup_codes_replace(user)
    otp_login(request, device)
    request.session.cycle_key()
    audit_record(actor=user, action="auth.two_factor.enrolled", obj=user)
    return codes


def _clean_token(token: str) -> str:
    return "".join(token.split()).replace("-", "").lower()


@transaction.atomic
def two_factor_verify(*, request: HttpRequest, user: User, token: str) -> bool:
    """Check a code from the authenticator app (six digits) or a one-time backup code.

    A TOTP code is accepted once only (django-otp records the last time step used), and a backup code
    is deleted when used.
    """
    token = _clean_token(token)
    devices: list[Any]
    if token.isdigit() and len(token) == 6:
        devices = list(TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True))
        method = "totp"
    else:
        devices = list(StaticDevice.objects.select_for_update().filter(user=user, confirmed=True))
        method = "backup_code"
    for device in devices:
        if device.verify_token(token):
            otp_login(request, device)
            request.session.cycle_key()
            audit_record(actor=user, action="auth.two_factor.verified", obj=user, detail={"method": method})
            return True
    audit_record(actor=user, action="auth.two_factor.failed", obj=user, detail={"method": method})
    return False


@transaction.atomic
def backup_codes_regenerate(*, user: User) -> list[str]:
    codes = _backup_codes_replace(user)
    audit_record(actor=user, action="auth.backup_codes.regenerated", obj=user)
    return codes


def backup_codes_remaining(*, user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def membership_add(
    *, actor: User, organisation: Organisation, email: str, role: str, full_name: str = ""
) -> Membership:
    """Give ``email`` a role in ``organisation``, creating the account if needed (it then gets a link to
    choose a password; the e-mail says only that an account is waiting)."""
    selectors.organisation_get_for(actor, organisation.pk, capability=Capability.MANAGE_MEMBERS)
    if role not in Role.values:
        raise ValidationError({"role": _("Choose a role from the list.")})
    email = User.objects.normalize_email(email).lower()
    user = User.objects.filter(email__iexact=email).first()
    created = user is None
    if user is not None:
        managed = set(selectors.organisation_ids_where(actor, Capability.MANAGE_MEMBERS))
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
        selectors.forget_roles()
        return ended
    membership = Membership.objects.create(user=user, organisation=organisation, role=role)
    audit_record(
        actor=actor,
        action="membership.added",
        obj=membership,
        organisation=organisation,
        detail={"role": role, "user": str(user.pk), "account_created": created},
    )
    selectors.forget_roles()
    if created:
        transaction.on_commit(lambda: send_set_password_email(user))
    return membership


def send_set_password_email(user: User) -> None:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("accounts:password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    base = settings.SITE_URL
    send_mail(
        subject=_("Something is waiting for you"),
        message=_("An account is waiting for you. Choose a password here: %(link)s") % {"link": base + path},
        from_email=None,
        recipient_list=[user.email],
    )


@transaction.atomic
def membership_end(*, actor: User, membership: Membership) -> None:
    selectors.organisation_get_for(actor, membership.organisation_id, capability=Capability.MANAGE_MEMBERS)
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
    selectors.forget_roles()


@transaction.atomic
def user_deactivate(*, actor: User, organisation: Organisation, user: User) -> None:
    """Deactivate an account: it can no longer sign in, and every session it has ends at once."""
    target = selectors.member_user_get_for(actor, organisation, user.pk)
    if target.pk == actor.pk:
        raise ValidationError(_("You cannot deactivate your own account."))
    managed = set(selectors.organisation_ids_where(actor, Capability.MANAGE_MEMBERS))
    theirs = set(Membership.objects.filter(user=target, is_active=True).values_list("organisation_id", flat=True))
    if not theirs <= managed:
        raise ValidationError(_("This person also works with another organisation. End their role here instead."))
    User.objects.filter(pk=target.pk).update(is_active=False, session_generation=target.session_generation + 1)
    audit_record(actor=actor, action="user.deactivated", obj=target, organisation=organisation)
    selectors.forget_roles()


@transaction.atomic
def password_set(*, form: Any, how: str) -> User:
    """Save a password form (change or reset) and its audit row together. A new password also changes the
    session hash, so every other session of the account ends."""
    user = form.save()
    audit_record(actor=user, action="auth.password_changed", obj=user, detail={"how": how})
    return user
