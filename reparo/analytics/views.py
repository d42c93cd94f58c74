from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from reparo.analytics import selectors, services
from reparo.analytics.forms import ImprovementForm, StatusForm
from reparo.analytics.presentation import improvement_fields, page_parts
from reparo.core.actions import run_action


def index(request: HttpRequest) -> HttpResponse:
    return render(
        request, "analytics/index.html", {"organisations": selectors.organisations_for_outcomes(request.user)}
    )


def _render_dashboard(request: HttpRequest, scope: selectors.Scope) -> HttpResponse:
    board = selectors.dashboard(scope)
    # Shown, not checked: the owners a chosen one is checked against are asked for when the form is sent.
    form = ImprovementForm(
        owner_names=selectors.owner_choices(scope), programs=selectors.programs_of(scope),
        initial={"program": scope.program},
    )  # fmt: skip
    return render(
        request,
        "analytics/dashboard.html",
        {
            "scope": scope,
            "board": board,
            "parts": page_parts(board),
            "log": selectors.improvement_log(scope, page=request.GET.get("page") or 1),
            "form_fields": improvement_fields(scope, form),
            "status_form": StatusForm(),
        },
    )


def organisation_dashboard(request: HttpRequest, organisation_pk: int) -> HttpResponse:
    return _render_dashboard(request, selectors.scope_for(request.user, organisation_pk=organisation_pk))


def program_dashboard(request: HttpRequest, organisation_pk: int, program_pk: int) -> HttpResponse:
    scope = selectors.scope_for(request.user, organisation_pk=organisation_pk, program_pk=program_pk)
    return _render_dashboard(request, scope)


@require_POST
def report(request: HttpRequest, organisation_pk: int, program_pk: int | None = None) -> HttpResponse:
    """Start the funders' PDF in the background and go to its page (progress, then the download)."""
    scope = selectors.scope_for(request.user, organisation_pk=organisation_pk, program_pk=program_pk)
    kwargs = {"organisation_pk": scope.organisation.pk}
    if scope.program:
        kwargs["program_pk"] = scope.program.pk
    back = reverse("analytics:program" if scope.program else "analytics:organisation", kwargs=kwargs)
    try:
        job = services.report_start(actor=request.user, scope=scope, back_to=back)
    except PermissionDenied:
        raise Http404 from None
    return redirect("jobs:detail", pk=job.pk)


def _back(scope: selectors.Scope) -> str:
    return reverse("analytics:organisation", kwargs={"organisation_pk": scope.organisation.pk}) + "#improvements"


@require_POST
def improvement_add(request: HttpRequest, organisation_pk: int) -> HttpResponse:
    scope = selectors.scope_for(request.user, organisation_pk=organisation_pk)
    programs = selectors.programs_of(scope)
    form = ImprovementForm(request.POST, owners=selectors.owners_for(scope), programs=programs)
    back = request.POST.get("back") or ""
    back_to = back if back.startswith("/outcomes/") and "//" not in back else _back(scope)

    def call() -> Any:
        data = form.cleaned_data
        return services.improvement_add(
            actor=request.user, organisation=scope.organisation, program=data.get("program"),
            finding=data["finding"], source=data["source"], action=data["action"], owner=data["owner"],
            due_on=data["due_on"],
        )  # fmt: skip

    return run_action(request, call, success=_("Added to the improvement log."), back_to=back_to, form=form)


@require_POST
def improvement_status(request: HttpRequest, pk: Any) -> HttpResponse:
    item = selectors.improvement_get_for(request.user, pk)
    form = StatusForm(request.POST)
    back = request.POST.get("back") or ""
    if not (back.startswith("/outcomes/") and "//" not in back):
        back = reverse("analytics:organisation", kwargs={"organisation_pk": item.organisation_id}) + "#improvements"

    def call() -> Any:
        return services.improvement_set_status(actor=request.user, item=item, status=form.cleaned_data["status"])

    return run_action(request, call, success=_("Status changed."), back_to=back, form=form)
