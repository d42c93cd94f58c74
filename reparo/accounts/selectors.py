"""Reads about the signed-in person's own account: their authenticator apps and recent security activity."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from reparo.accounts.models import User
from reparo.audit.models import AuditEvent
from reparo.core.lookup import lookup, one_or_404


def authenticators_of(user: Any) -> list[TOTPDevice]:
    """The signed-in person's own confirmed authenticator apps, oldest first."""
    return list(TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id"))


@lookup("otp_totp.totpdevice")
def authenticator_get_for(user: Any, pk: Any) -> TOTPDevice:
    """One of ``user``'s own confirmed authenticator apps; anyone else's, or none, is 404."""
    return one_or_404(TOTPDevice.objects.filter(user=user, confirmed=True), pk)


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
