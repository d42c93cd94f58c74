"""Writes about accounts: sign-in, two factors, sessions, memberships. Each writes its audit row in its
own transaction.

Every change to how someone signs in (password, authenticator apps, backup codes) also enqueues, in the same
transaction, a notice to the account's address that says only that a security setting changed
(:func:`_security_notice`)."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from reparo.accounts import lockout, tasks
from reparo.accounts.backends import USER_BACKEND
from reparo.accounts.models import RateLimitWindow, User
from reparo.audit.services import audit_record
from reparo.core.lookup import one_or_404

AUTH_STARTED_KEY = "reparo_auth_started"
LAST_SEEN_KEY = "reparo_last_seen"
# When this session last re-confirmed the password and a second factor (time.time()); see user_reauthenticate.
REAUTH_AT_KEY = "reparo_reauth_at"
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
    """Confirm the authenticator app with a first code. Returns ``None`` if the code was not accepted.

    On a first enrolment (which completes the sign-in) it returns fresh backup codes. An app added to an account
    that already has one (the view asks for a recent re-authentication first) leaves the backup codes as they are
    and returns an empty list."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("-id").first()
    if device is None or not device.verify_token(_clean_token(token)):
        audit_record(actor=user, action="auth.two_factor.enrol_failed", obj=user)
        return None
    first = not TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    codes = _backup_codes_replace(user) if first else []
    otp_login(request, device)
    request.session.cycle_key()
    if first:
        lockout.failures_forget(username=user.email)
    audit_record(actor=user, action="auth.two_factor.enrolled", obj=user, detail={"first": first})
    _security_notice(user)
    return codes


@transaction.atomic
def two_factor_device_remove(*, user: User, device_id: Any) -> None:
    """Remove one of ``user``'s authenticator apps (the view asks for a recent re-authentication first). The last
    one stays: staff accounts need a second factor. Someone else's device, or none, is 404."""
    devices = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True)
    device = one_or_404(devices, device_id)
    if devices.count() <= 1:
        raise ValidationError(_("This is your only authenticator app. Add another one before you remove this one."))
    device.delete()
    audit_record(actor=user, action="auth.two_factor.removed", obj=user)
    _security_notice(user)


def _clean_token(token: str) -> str:
    return "".join(token.split()).replace("-", "").lower()


@transaction.atomic
def two_factor_verify(*, request: HttpRequest, user: User, token: str) -> bool:
    """Check a code from the authenticator app (six digits) or a one-time backup code.

    A TOTP code is accepted once only (django-otp records the last time step used), and a backup code
    is deleted when used.
    """
    device, method = _second_factor_match(user, token)
    if device is None:
        audit_record(actor=user, action="auth.two_factor.failed", obj=user, detail={"method": method})
        return False
    otp_login(request, device)
    request.session.cycle_key()
    lockout.failures_forget(username=user.email)  # the sign-in is complete: this account's failures are forgotten
    audit_record(actor=user, action="auth.two_factor.verified", obj=user, detail={"method": method})
    return True


def _second_factor_match(user: User, token: str) -> tuple[Any, str]:
    """The confirmed device of ``user`` that accepts ``token`` (and, by accepting it, uses it up), or ``None``;
    and which kind of code it was. Call inside a transaction: the devices are locked while checked."""
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
            return device, method
    return None, method


@transaction.atomic
def user_reauthenticate(*, request: HttpRequest, user: User, password: str, token: str) -> bool:
    """Confirm, in a signed-in session, that the person at the keyboard still has the password and a second
    factor, before a change to how the account signs in. On success the session remembers when
    (``REAUTH_AT_KEY``) and the account's failed attempts are forgotten.

    A wrong password, or the right password with a wrong code, counts towards lock-out exactly as a failed
    sign-in does; a locked-out account or address is refused whatever it sends. The code is checked only after
    the password, so a wrong password never uses up a code."""
    request.reparo_reauth = True  # type: ignore[attr-defined]  # signals.audit_login_failed leaves the row to us
    confirmed = authenticate(request, username=user.email, password=password)
    if confirmed is None or confirmed.pk != user.pk:
        audit_record(actor=user, action="auth.reauth.failed", obj=user, detail={"step": "password"})
        return False
    device, method = _second_factor_match(user, token)
    if device is None:
        lockout.failure_record(request, username=user.email)
        audit_record(actor=user, action="auth.reauth.failed", obj=user, detail={"step": "code", "method": method})
        return False
    request.session[REAUTH_AT_KEY] = time.time()
    lockout.failures_forget(username=user.email)
    audit_record(actor=user, action="auth.reauth.verified", obj=user, detail={"method": method})
    return True


@transaction.atomic
def backup_codes_regenerate(*, user: User) -> list[str]:
    codes = _backup_codes_replace(user)
    audit_record(actor=user, action="auth.backup_codes.regenerated", obj=user)
    _security_notice(user)
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
    _security_notice(user)
    return user


def _security_notice(user: User) -> None:
    """Enqueue, in the caller's transaction, the notice that a security setting of ``user``'s account changed (it
    is sent only if the change commits). It goes to the account's address, in the language of this request."""
    tasks.security_notice_send_task.enqueue([user.email], translation.get_language() or settings.LANGUAGE_CODE)


def _rate_limit_key(scope: str, value: str) -> str:
    return salted_hmac("reparo.accounts.rate_limit", f"{scope}:{value}", algorithm="sha256").hexdigest()


def rate_limit_take(*, scope: str, value: str, limit: int, window: timedelta) -> bool:
    """Count one more use of ``value`` in ``scope``; ``True`` while the uses in the current window number at most
    ``limit``. A window opens with the first use and lasts ``window``. The count is taken under a row lock, so
    concurrent requests in any number of processes each see their own number."""
    return rate_limit_use(scope=scope, value=value, window=window) <= limit


@transaction.atomic
def rate_limit_use(*, scope: str, value: str, window: timedelta) -> int:
    """Count one more use of ``value`` in ``scope`` and return how many uses the current window now holds (this one
    included; exactly one concurrent caller sees each number). As :func:`rate_limit_take`."""
    now = timezone.now()
    row, created = RateLimitWindow.objects.select_for_update().get_or_create(
        key=_rate_limit_key(scope, value), defaults={"expires_at": now + window, "count": 1}
    )
    if not created:
        if row.expires_at <= now:
            row.expires_at, row.count = now + window, 0
        row.count += 1
        row.save(update_fields=["expires_at", "count"])
    return row.count


def rate_limits_forget_expired() -> None:
    """Delete the counts whose window has ended (they would start afresh anyway)."""
    RateLimitWindow.objects.filter(expires_at__lte=timezone.now()).delete()


@transaction.atomic
def password_reset_request(*, email: str, client: str) -> bool:
    """Someone asked for a link to choose a new password. The request does the same work whether or not the
    address belongs to an account: it counts against the address's and the client's limits and, within them,
    enqueues one task that decides whether there is anyone to write to. Beyond a limit nothing is enqueued and
    ``False`` is returned; the person is answered the same either way. Only the first request refused in a
    limit's window is recorded (one row per client or address per window), so that a flood of requests does not
    become a flood of audit rows; a flood that goes on is recorded once a window."""
    address = email.strip().lower()
    window = settings.PASSWORD_RESET_LIMIT_WINDOW
    rate_limits_forget_expired()
    for kind, value, limit in (
        ("client", client, settings.PASSWORD_RESET_LIMIT_PER_CLIENT),
        ("address", address, settings.PASSWORD_RESET_LIMIT_PER_ADDRESS),
    ):
        uses = rate_limit_use(scope=f"password_reset.{kind}", value=value, window=window)
        if uses > limit:
            if uses == limit + 1:
                audit_record(
                    actor=None,
                    action="auth.password_reset.limited",
                    detail={"limit": kind, "allowed": limit, "window_seconds": int(window.total_seconds())},
                )
            return False
    tasks.password_reset_send_task.enqueue(address, translation.get_language() or settings.LANGUAGE_CODE)
    return True
