"""Session bookkeeping and audit rows for Django's and django-axes' authentication signals."""

from __future__ import annotations

import time
from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db import transaction
from django.dispatch import receiver

from reparo.accounts.services import AUTH_STARTED_KEY, LAST_SEEN_KEY
from reparo.audit.services import audit_record


@receiver(user_logged_in, dispatch_uid="reparo_session_clock")
def start_session_clock(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[AUTH_STARTED_KEY] = now
        request.session[LAST_SEEN_KEY] = now


@receiver(user_login_failed, dispatch_uid="reparo_audit_login_failed")
def audit_login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    # The account name is not stored: a mistyped password could land in it.
    if getattr(request, "reparo_reauth", False):
        return  # a failed re-authentication writes its own row (services.user_reauthenticate)
    with transaction.atomic():
        audit_record(actor=None, action="auth.sign_in_failed")


@receiver(user_locked_out, dispatch_uid="reparo_audit_locked_out")
def audit_locked_out(sender: Any, request: Any = None, username: str | None = None, **kwargs: Any) -> None:
    with transaction.atomic():
        audit_record(actor=None, action="auth.locked_out")
