"""The shape every small form-post view shares: call a service, say how it went, go back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect


def errors_text(form_or_error: Any) -> str:
    """A form's or a ValidationError's messages as one line for a flash message."""
    if hasattr(form_or_error, "messages"):
        return " ".join(str(m) for m in form_or_error.messages)
    return " ".join(str(e) for errors in form_or_error.errors.values() for e in errors)


def run_action(
    request: HttpRequest, call: Callable[[], Any], *, success: str, back_to: str, form: Any = None
) -> HttpResponse:
    """Run ``call`` (a service) when ``form`` (if any) is valid. A service that refuses the actor answers 404,
    as for anything that is not theirs; a refused change is explained in plain words; then back to the page."""
    if form is not None and not form.is_valid():
        messages.error(request, errors_text(form))
        return redirect(back_to)
    try:
        call()
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    else:
        messages.success(request, success)
    return redirect(back_to)
