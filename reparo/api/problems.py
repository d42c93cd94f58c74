"""Every error the API answers is a problem details object (RFC 9457, ``application/problem+json``): ``type``
(``about:blank``: the status says it all), ``title`` (the status's phrase), ``status``, ``detail`` (in plain words),
``instance`` (the path asked), and ``code`` (a stable word to program against); ``errors`` lists, field by field, what
was not valid (400).

"Not yours" answers as "not there" (404), as the pages do: a service that refuses the actor is answered 404."""

from __future__ import annotations

import math
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import set_rollback

PROBLEM = "application/problem+json"
API_PATH = "/api/"

PLAIN_DETAIL: dict[int, Callable[[], str]] = {
    400: lambda: _("Some values are not valid."),
    401: lambda: _("Send a valid API token as “Authorization: Bearer <token>”."),
    403: lambda: _("This token may not do this."),
    404: lambda: _("There is nothing here: the address is wrong, or it is not for this token to see."),
    405: lambda: _("This address does not take that method."),
    406: lambda: _("The API answers in JSON only."),
    415: lambda: _("Send JSON (Content-Type: application/json)."),
    429: lambda: _("Too many calls. Wait a minute and try again."),
    500: lambda: _("Something went wrong on our side. It has been logged."),
}


def problem(status: int, *, detail: str = "", code: str = "", instance: str = "", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error",
        "status": status,
        "detail": detail or (PLAIN_DETAIL[status]() if status in PLAIN_DETAIL else ""),
    }
    if instance:
        body["instance"] = instance
    if code:
        body["code"] = code
    body.update(extra)
    return body


def _field_errors(exc: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {field: [str(m) for m in messages] for field, messages in exc.message_dict.items()}
    return {"non_field_errors": [str(m) for m in exc.messages]}


def _drf_errors(detail: Any) -> dict[str, Any]:
    if isinstance(detail, dict):
        return {str(k): [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in detail.items()}
    return {"non_field_errors": [str(m) for m in (detail if isinstance(detail, list) else [detail])]}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's exception handler, answering problem details. Anything it does not know is left to Django (a 500)."""
    request = context.get("request")
    instance = request.path if request is not None else ""
    if isinstance(exc, Http404 | DjangoPermissionDenied):
        exc = exceptions.NotFound()
    if isinstance(exc, DjangoValidationError):
        set_rollback()
        body = problem(400, code="invalid", instance=instance, errors=_field_errors(exc))
        return Response(body, status=400, content_type=PROBLEM)
    if not isinstance(exc, exceptions.APIException):
        return None
    headers: dict[str, str] = {}
    auth_header = getattr(exc, "auth_header", None)
    if auth_header:
        headers["WWW-Authenticate"] = auth_header
    wait = getattr(exc, "wait", None)
    if wait is not None:
        headers["Retry-After"] = str(max(1, math.ceil(wait)))
    status = exc.status_code
    if isinstance(exc.detail, list | dict):
        body = problem(status, code="invalid", instance=instance, errors=_drf_errors(exc.detail))
    else:
        code = str(getattr(exc.detail, "code", "") or exc.default_code)
        detail = "" if status in (404, 405) or code == "not_authenticated" else str(exc.detail)
        body = problem(status, detail=detail, code=code, instance=instance)
    set_rollback()
    return Response(body, status=status, headers=headers, content_type=PROBLEM)


class ApiProblemMiddleware:
    """Under ``/api/``, an error answered outside the API's views (an address that does not exist, a server error)
    is a problem details object too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path_info.startswith(API_PATH) or response.status_code < 400:
            return response
        if response.get("Content-Type", "").startswith(PROBLEM):
            return response
        status = response.status_code
        codes = {404: "not_found", 405: "method_not_allowed", 500: "server_error"}
        replaced = JsonResponse(
            problem(status, code=codes.get(status, ""), instance=request.path), status=status, content_type=PROBLEM
        )
        if response.has_header("Allow"):
            replaced["Allow"] = response["Allow"]
        return replaced
