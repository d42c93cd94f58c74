from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from reparo.access.actors import user_can
from reparo.access.capabilities import Capability
from reparo.core.actions import add_service_errors, run_action
from reparo.releases import report, selectors, services, tables
from reparo.releases.forms import BudgetForm, ReleaseForm


def index(request: HttpRequest) -> HttpResponse:
    year = timezone.localdate().year
    organisations = [(o, selectors.budget_of(o, year)) for o in selectors.organisations_for_releases(request.user)]
    return render(request, "releases/index.html", {"organisations": organisations, "year": year})


def organisation(request: HttpRequest, organisation_pk: int) -> HttpResponse:
    org = selectors.organisation_for_releases(request.user, organisation_pk)
    year = timezone.localdate().year
    budget = selectors.budget_of(org, year)
    return render(
        request,
        "releases/organisation.html",
        {
            "organisation": org,
            "year": year,
            "budget": budget,
            "releases": selectors.releases_of(org, page=request.GET.get("page") or 1),
            "may_publish": user_can(request.user, Capability.PUBLISH_RELEASES, organisation=org),
            "may_set_budget": user_can(request.user, Capability.SET_PRIVACY_BUDGET, organisation=org),
            "budget_form": BudgetForm(initial={"limit": budget.limit}),
        },
    )


def release_new(request: HttpRequest, organisation_pk: int) -> HttpResponse:
    org = selectors.organisation_for_releases(request.user, organisation_pk, need=Capability.PUBLISH_RELEASES)
    budget = selectors.budget_of(org, timezone.localdate().year)
    programs = selectors.programs_of(org)
    posted = request.method == "POST"
    form = ReleaseForm(request.POST if posted else None, programs=programs, initial={"tables": list(tables.TABLES)})
    accuracy: list[tuple[str, str]] = []
    status = 200
    if posted and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            accuracy = tables.preview(float(data["epsilon"]), data["tables"])
            if "publish" in request.POST:
                release = services.release_publish(
                    actor=request.user, organisation=org, title=data["title"], epsilon=data["epsilon"],
                    tables_chosen=data["tables"], program=data.get("program"),
                )  # fmt: skip
                return redirect("releases:detail", pk=release.pk)
        except ValidationError as exc:
            add_service_errors(form, exc)
            status = 400
    elif posted:
        status = 400
    return render(
        request,
        "releases/new.html",
        {"organisation": org, "budget": budget, "form": form, "accuracy": accuracy},
        status=status,
    )


@require_POST
def budget(request: HttpRequest, organisation_pk: int) -> HttpResponse:
    org = selectors.organisation_for_releases(request.user, organisation_pk, need=Capability.SET_PRIVACY_BUDGET)
    form = BudgetForm(request.POST)

    def call() -> Any:
        return services.budget_set(actor=request.user, organisation=org, limit=form.cleaned_data["limit"])

    back = reverse("releases:organisation", kwargs={"organisation_pk": org.pk})
    return run_action(request, call, success=_("The yearly budget is set."), back_to=back, form=form)


def release_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    release = selectors.release_get_for(request.user, pk)
    return render(request, "releases/detail.html", {"release": release, "tables": tables.present(release.tables)})


def release_csv(request: HttpRequest, pk: Any) -> HttpResponse:
    release = selectors.release_get_for(request.user, pk)
    services.release_downloaded(actor=request.user, release=release, file_format="csv")
    response = HttpResponse(report.release_csv(release), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="release.csv"'
    return response


def release_pdf(request: HttpRequest, pk: Any) -> HttpResponse:
    release = selectors.release_get_for(request.user, pk)
    services.release_downloaded(actor=request.user, release=release, file_format="pdf")
    response = HttpResponse(report.release_pdf(release), content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="release.pdf"'
    return response
