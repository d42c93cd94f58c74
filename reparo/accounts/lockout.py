"""django-axes hooks: how attempts are keyed, and what a locked-out sign-in sees.

Attempts are keyed by the normalised account name and, separately, by the connecting address taken
from REMOTE_ADDR only: a forged ``X-Forwarded-For`` header neither resets nor shifts the count. A
deployment behind a reverse proxy sets REMOTE_ADDR from the proxy's trusted header in the proxy
itself (see docs/deployment-postgresql.md). Unknown and known accounts are locked, and answered, alike.

A completed sign-in (password and second factor) clears the failures recorded under that account name
(:func:`failures_forget`); a failed re-authentication counts like a failed sign-in (:func:`failure_record`).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse


def username_from_request(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    value = (credentials or {}).get("username")
    if value is None and request is not None:
        value = request.POST.get("username", "")
    return str(value or "").strip().lower()


def client_ip(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR") or "")


def lockout_response(request: HttpRequest, original_response: Any = None, credentials: Any = None) -> HttpResponse:
    response = TemplateResponse(request, "accounts/locked.html", status=429)
    response.render()
    return response


def failures_forget(*, username: str) -> None:
    """Clear the failed attempts recorded under this account name, from every address: the person has just shown
    both factors. The address count drops by those same attempts; the address's failures against other accounts
    stay counted, so signing in to one's own account cannot clear a lock earned by guessing at others."""
    from axes.utils import reset as axes_reset  # django-axes' public API; imported late, it reads the models

    axes_reset(username=username.strip().lower())


def failure_record(request: HttpRequest, *, username: str) -> None:
    """Count a failed attempt that Django's ``authenticate()`` did not see (a wrong code after the right password),
    exactly as django-axes counts a wrong password: it may lock the account name and the address."""
    user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)


def locked_out(request: HttpRequest) -> bool:
    """Whether django-axes found this request's account name or address locked out (or locked it just now)."""
    return bool(getattr(request, "axes_locked_out", False))


def is_locked(request: HttpRequest, *, username: str) -> bool:
    """Whether django-axes holds ``username``, or this request's address, locked out now (for a check that does not
    go through ``authenticate()``, such as an invitation code)."""
    from axes.handlers.proxy import AxesProxyHandler  # django-axes' public API; imported late, it reads the models

    return bool(AxesProxyHandler.is_locked(request, credentials={"username": username}))
