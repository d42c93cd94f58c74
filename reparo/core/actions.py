"""The shapes that views share: a small form post (call a service, say how it went, go back) and a form page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from reparo.core.once import AlreadyDone


def errors_text(form_or_error: Any) -> str:
    """A form's or a ValidationError's messages as one line for a flash message."""
    if hasattr(form_or_error, "messages"):
        return " ".join(str(m) for m in form_or_error.messages)
    return " ".join(str(e) for errors in form_or_error.errors.values() for e in errors)


def run_action(
    request: HttpRequest, call: Callable[[], Any], *, success: str, back_to: str, form: Any = None
) -> HttpResponse:
    """Run ``call`` (a service) when ``form`` (if any) is valid. A service that refuses the actor answers 404,
    as for anything that is not theirs; a refused change is explained in plain words; what was already done (the same
    button pressed twice) is said as information, not as an error; then back to the page."""
    if form is not None and not form.is_valid():
        messages.error(request, errors_text(form))
        return redirect(back_to)
    try:
        call()
    except PermissionDenied:
        raise Http404 from None
    except AlreadyDone as exc:
        messages.info(request, errors_text(exc))
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    else:
        messages.success(request, success)
    return redirect(back_to)


def add_service_errors(form: Any, exc: ValidationError) -> None:
    """Put a service's plain-language errors on the form: next to the fields they are about, and above the form
    when they are about the whole or about something the form does not have."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


Conflict = Callable[[Any, Any], tuple[Any, dict[str, Any]]]


def form_page(
    request: HttpRequest,
    form_class: Any,
    *,
    template: str,
    context: dict[str, Any] | Callable[[], dict[str, Any]],
    call: Callable[[Any], Any],
    success: str | Callable[[Any], Any],
    back_to: str | Callable[[Any], str],
    form_kwargs: dict[str, Any] | None = None,
    initial: dict[str, Any] | None = None,
    conflicts: dict[type[Exception], Conflict] | None = None,
    invalid_status: int = 400,
) -> HttpResponse:
    """The page of a form that a service acts on. GET shows the form (with ``initial``); POST calls ``call(form)``
    with the valid form, then flashes ``success`` (or calls it with the service's result, to say how it went
    itself) and goes to ``back_to`` (a URL, or a function of the result that gives one).

    A service that refuses the actor answers 404, as for anything that is not theirs. A refused change shows its
    reasons on the form, which keeps what was typed, as does an invalid form: answered ``invalid_status``.
    ``conflicts`` maps an exception that a service raises about the state of things (not about what was typed) to a
    function of the exception and the form that returns the form to show again and what to add to the context;
    that page is answered 409. ``context`` is what the page shows beside the form (or a function that returns it,
    called only when the page is shown)."""
    form_kwargs = form_kwargs or {}
    posted = request.method == "POST"
    if posted:
        form = form_class(request.POST, **form_kwargs)
    else:
        # A form that gives itself initial values (today's date, say) keeps them unless the page gives its own.
        form = form_class(**form_kwargs) if initial is None else form_class(initial=initial, **form_kwargs)
    extra: dict[str, Any] = {}
    status = invalid_status if posted else 200
    if posted and form.is_valid():
        conflicts = conflicts or {}
        refusals: tuple[type[Exception], ...] = (ValidationError, *conflicts)
        try:
            result = call(form)
        except PermissionDenied:
            raise Http404 from None
        except AlreadyDone as exc:  # the same form sent twice: say so, and go where the first one went
            messages.info(request, errors_text(exc))
            if not callable(back_to):
                return redirect(back_to)
            return redirect(back_to(exc.result) if exc.result is not None else request.path)
        except refusals as exc:
            handle = next((handle for kind, handle in conflicts.items() if isinstance(exc, kind)), None)
            if handle is not None:
                form, extra = handle(exc, form)
                status = 409
            else:
                add_service_errors(form, exc)  # type: ignore[arg-type]
        else:
            if callable(success):
                success(result)
            else:
                messages.success(request, success)
            return redirect(back_to(result) if callable(back_to) else back_to)
    shown = context() if callable(context) else context
    return render(request, template, {**shown, "form": form, **extra}, status=status)
