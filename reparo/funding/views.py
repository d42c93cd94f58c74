"""Funding screens: the grants (with totals per currency and the reports that are due), a grant's page (budget
against spending as a chart and its table, the rate of spending, cost per completed process and per survivor,
allocations, reporting deadlines, spending), spend entry, the funders, and the funder report (PDF and CSV)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from reparo.access.capabilities import Capability
from reparo.analytics.presentation import cell_text
from reparo.audit.concurrency import edit_page
from reparo.core.actions import errors_text, form_page, run_action
from reparo.core.pagination import page_of
from reparo.funding import report, selectors, services
from reparo.funding.forms import (
    AllocationForm,
    DeadlineForm,
    DeadlineSentForm,
    FunderForm,
    GrantEditForm,
    GrantForm,
    PeriodForm,
    SpendForm,
)


def _grant_url(grant: Any, anchor: str = "") -> str:
    return reverse("funding:grant", args=[grant.pk]) + anchor


def grants(request: HttpRequest) -> HttpResponse:
    if not selectors.funding_organisation_ids(request.user):
        raise Http404
    listed = selectors.grants_listed(request.user)
    page = page_of(listed, 20, request.GET.get("page"))
    return render(
        request,
        "funding/grants.html",
        {
            "page": page,
            "lines": selectors.grant_lines(list(page.object_list)),
            "totals": selectors.totals_by_currency(listed),
            "deadlines": selectors.upcoming_deadlines(request.user)[:20],
            "today": timezone.localdate(),
            "can_manage": selectors.manages_funding(request.user),
        },
    )


def funders(request: HttpRequest) -> HttpResponse:
    organisations = selectors.organisations_for(request.user, Capability.MANAGE_FUNDING)
    if not selectors.manages_funding(request.user):
        raise Http404
    form = FunderForm(request.POST or None, organisations=organisations)
    if request.method == "POST":
        return run_action(
            request,
            lambda: services.funder_create(
                actor=request.user,
                organisation=form.cleaned_data["organisation"],
                name=form.cleaned_data["name"],
                website=form.cleaned_data["website"],
            ),
            success=_("Saved."),
            back_to=reverse("funding:funders"),
            form=form,
        )
    page = page_of(selectors.funders_listed(request.user), 50, request.GET.get("page"))
    return render(request, "funding/funders.html", {"page": page, "form": form})


def grant_new(request: HttpRequest) -> HttpResponse:
    if not selectors.manages_funding(request.user):
        raise Http404
    funders_qs = selectors.active_funders(request.user)
    return form_page(
        request,
        GrantForm,
        template="funding/grant_form.html",
        context=lambda: {"grant": None, "has_funders": selectors.has_active_funders(request.user)},
        form_kwargs={"funders": funders_qs},
        call=lambda form: services.grant_create(actor=request.user, **form.cleaned_data),
        success=_("Saved."),
        back_to=_grant_url,
    )


def _grant_values(grant: Any) -> dict[str, Any]:
    return {
        "reference": grant.reference,
        "restricted": "1" if grant.restricted else "0",
        "amount": grant.amount.amount,
        "currency": grant.currency,
        "starts_on": grant.starts_on,
        "ends_on": grant.ends_on,
        "purpose": grant.purpose,
        "conditions": grant.conditions or "",
        "version": grant.version,
    }


def grant_edit(request: HttpRequest, pk: Any) -> HttpResponse:
    grant = selectors.grant_get_for(request.user, pk, need=Capability.MANAGE_FUNDING)

    def call(form: Any) -> Any:
        data = dict(form.cleaned_data)
        version = data.pop("version")
        return services.grant_update(actor=request.user, grant=grant, version=version, **data)

    return edit_page(
        request,
        GrantEditForm,
        record=grant,
        reread=lambda: selectors.grant_get_for(request.user, pk, need=Capability.MANAGE_FUNDING),
        values=_grant_values,
        template="funding/grant_form.html",
        context=lambda g: {"grant": g, "has_funders": True},
        call=call,
        success=_("Saved."),
        back_to=_grant_url(grant),
    )


def grant_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    grant = selectors.grant_get_for(request.user, pk)
    window = selectors.default_window(grant)
    budget = selectors.budget(grant, window)
    result = selectors.outputs(grant, window)
    can_manage = selectors.may(request.user, Capability.MANAGE_FUNDING, grant.organisation_id)
    return render(
        request,
        "funding/grant.html",
        {
            "grant": grant,
            "window": window,
            "budget": budget,
            "chart": report.budget_chart(budget),
            "burn": selectors.burn(grant),
            "outputs": [
                (line, cell_text(line.completed), cell_text(line.survivors)) for line in [*result.lines, result.total]
            ],
            "outputs_note": report.outputs_note(),
            "deadlines": selectors.deadlines_of(grant),
            "allocations": selectors.allocations_of(grant),
            "lines": page_of(selectors.spend_lines_of(grant), 20, request.GET.get("page")),
            "can_manage": can_manage,
            "can_spend": selectors.may(request.user, Capability.RECORD_SPEND, grant.organisation_id),
            "allocation_form": AllocationForm(programs=selectors.programs_of(grant)) if can_manage else None,
            "deadline_form": DeadlineForm() if can_manage else None,
            "sent_form": DeadlineSentForm(initial={"sent_on": timezone.localdate()}) if can_manage else None,
            "period_form": PeriodForm(grant=grant, initial={"start": window.start, "end": window.end}),
            "today": timezone.localdate(),
        },
    )


@require_POST
def allocation_set(request: HttpRequest, pk: Any) -> HttpResponse:
    grant = selectors.grant_get_for(request.user, pk, need=Capability.MANAGE_FUNDING)
    form = AllocationForm(request.POST, programs=selectors.programs_of(grant))
    return run_action(
        request,
        lambda: services.allocation_set(actor=request.user, grant=grant, **form.cleaned_data),
        success=_("Saved."),
        back_to=_grant_url(grant, "#allocations"),
        form=form,
    )


@require_POST
def deadline_add(request: HttpRequest, pk: Any) -> HttpResponse:
    grant = selectors.grant_get_for(request.user, pk, need=Capability.MANAGE_FUNDING)
    form = DeadlineForm(request.POST)
    return run_action(
        request,
        lambda: services.deadline_add(actor=request.user, grant=grant, **form.cleaned_data),
        success=_("Saved."),
        back_to=_grant_url(grant, "#deadlines"),
        form=form,
    )


@require_POST
def deadline_sent(request: HttpRequest, pk: Any, deadline_pk: Any) -> HttpResponse:
    grant = selectors.grant_get_for(request.user, pk, need=Capability.MANAGE_FUNDING)
    deadline = selectors.deadline_in(grant, deadline_pk)
    form = DeadlineSentForm(request.POST)
    return run_action(
        request,
        lambda: services.deadline_mark_sent(
            actor=request.user, deadline=deadline, sent_on=form.cleaned_data["sent_on"]
        ),
        success=_("Marked as sent."),
        back_to=_grant_url(grant, "#deadlines"),
        form=form,
    )


def spend_new(request: HttpRequest, pk: Any) -> HttpResponse:
    """Record spending from a grant (coordinators and organisation admins)."""
    grant = selectors.grant_get_for(request.user, pk, need=Capability.RECORD_SPEND)
    may_override = grant.restricted and selectors.may(
        request.user, Capability.OVERRIDE_RESTRICTED_SPEND, grant.organisation_id
    )
    return form_page(
        request,
        SpendForm,
        template="funding/spend_form.html",
        context=lambda: {"grant": grant, "allocations": selectors.allocations_left(grant)},
        form_kwargs={
            "programs": selectors.programs_of(grant),
            "process_sessions": selectors.process_session_choices(request.user, grant),
            "course_sessions": selectors.course_session_choices(grant),
            "may_override": may_override,
        },
        initial={"spent_on": timezone.localdate()},
        call=lambda form: services.spend_record(actor=request.user, grant=grant, **form.cleaned_data),
        success=_("Spending recorded."),
        back_to=_grant_url(grant, "#spending"),
    )


def _report(request: HttpRequest, pk: Any, kind: str) -> HttpResponse:
    """Start the funder report in the background and go to its page (progress, then the download)."""
    grant = selectors.grant_get_for(request.user, pk)
    form = PeriodForm(request.POST, grant=grant)
    if not form.is_valid():
        messages.error(request, errors_text(form))
        return redirect(_grant_url(grant, "#report"))
    window = selectors.Window(form.cleaned_data["start"], form.cleaned_data["end"])
    try:
        job = services.report_start(
            actor=request.user, grant=grant, window=window, kind=kind, back_to=_grant_url(grant, "#report")
        )
    except PermissionDenied:
        raise Http404 from None
    return redirect("jobs:detail", pk=job.pk)


@require_POST
def report_pdf(request: HttpRequest, pk: Any) -> HttpResponse:
    return _report(request, pk, "pdf")


@require_POST
def report_csv(request: HttpRequest, pk: Any) -> HttpResponse:
    return _report(request, pk, "csv")
