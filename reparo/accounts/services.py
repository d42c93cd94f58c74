"""Writes about accounts: sign-in, two factors, sessions, memberships. Each writes its audit row in its
own transaction."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.tokens import default_token_generator
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

from reparo.accounts.backends import USER_BACKEND
from reparo.accounts.models import User
from reparo.audit.services import audit_record

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
def password_set(*, form: Any, how: str) -> User:
    """Save a password form (change or reset) and its audit row together. A new password also changes the
    session hash, so every other session of the account ends."""
    user = form.save()
    audit_record(actor=user, action="auth.password_changed", obj=user, detail={"how": how})
    return user
