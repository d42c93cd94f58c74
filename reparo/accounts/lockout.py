"""django-axes hooks: how attempts are keyed, and what a locked-out sign-in sees.

Attempts are keyed by the normalised account name and, separately, by the connecting address taken
from REMOTE_ADDR only: a forged ``X-Forwarded-For`` header neither resets nor shifts the count. A
deployment behind a reverse proxy sets REMOTE_ADDR from the proxy's trusted header in the proxy
itself (see docs/deployment-postgresql.md). Unknown and known accounts are locked, and answered, alike.
"""

from __future__ import annotations

from typing import Any

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
