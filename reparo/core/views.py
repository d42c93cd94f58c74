from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from reparo.core.decorators import public
from reparo.core.help import GUIDES


@public
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        database = "ok"
    except Exception:  # noqa: BLE001 - any failure means "not healthy"
        database = "error"
    status = 200 if database == "ok" else 503
    return JsonResponse({"status": "ok" if status == 200 else "error", "database": database}, status=status)


@public
@csrf_exempt
@require_POST
def quick_exit(request: HttpRequest) -> HttpResponse:
    """End the session and leave for a neutral site.

    Exempt from CSRF on purpose: its only effect is to sign the visitor out, and leaving must work even
    from a page whose form token has gone stale. Cross-site requests are still refused the sign-out.
    """
    if request.headers.get("Sec-Fetch-Site", "same-origin") in ("same-origin", "none"):
        logout(request)
    response = HttpResponse(status=303)
    response["Location"] = settings.QUICK_EXIT_URL
    return response


@public
def csrf_failure(request: HttpRequest, reason: str = "", **kwargs: Any) -> HttpResponse:
    return render(request, "core/csrf_failure.html", status=403)


@require_GET
def help_index(request: HttpRequest) -> HttpResponse:
    """Help: the glossary and a one-page guide for each role."""
    return render(request, "help/index.html")


@require_GET
def help_glossary(request: HttpRequest) -> HttpResponse:
    return render(request, "help/glossary.html")


@require_GET
def help_guide(request: HttpRequest, role: str) -> HttpResponse:
    """A role's one-page guide, made to be printed (print styles keep it to one page)."""
    template = GUIDES.get(role)
    if template is None:
        raise Http404
    return render(request, template, {"role": role})
