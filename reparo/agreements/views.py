from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from reparo.agreements import selectors, services
from reparo.agreements.forms import AcceptanceForm, ItemForm, ObligationMarkForm, PaymentForm
from reparo.core.actions import run_action
from reparo.processes.models import Process
from reparo.processes.selectors import process_access_for, process_get_for


def _process_for(request: HttpRequest, process_pk: Any) -> Process:
    """The process, or 404 when it is not the actor's or the actor sees only the responsible person's side."""
    process = process_get_for(request.user, process_pk)
    if process_access_for(request.user, process).responsible_side_only:
        raise Http404
    return process


def _back(process: Process, anchor: str = "") -> str:
    return reverse("agreements:detail", kwargs={"process_pk": process.pk}) + (f"#{anchor}" if anchor else "")


def agreement_detail(request: HttpRequest, process_pk: Any) -> HttpResponse:
    process = _process_for(request, process_pk)
    in_force = selectors.agreement_in_force(process)
    preparing = selectors.agreement_in_preparation(process)
    return render(
        request,
        "agreements/detail.html",
        {
            "process": process,
            "in_force": in_force,
            "preparing": preparing,
            "items": selectors.items_of(preparing) if preparing else [],
            "acceptances": selectors.acceptances_of(preparing) if preparing else [],
            "obligations": _with_forms(selectors.obligation_rows(in_force)) if in_force else [],
            "ledger": selectors.restitution_ledger(in_force) if in_force else [],
            "completion": selectors.completion_rate(process),
            "versions": selectors.agreements_of(process),
            "item_form": ItemForm(),
            "acceptance_form": AcceptanceForm(participants=selectors.acceptors_of(process)),
        },
    )


def _with_forms(rows: list[Any]) -> list[Any]:
    """Each obligation with its own outcome form, and each instalment with its own payment form: one form per row,
    whose fields' ids name the row, so that no two fields on the page share an id (a label points at its own)."""
    return [
        (
            obligation,
            ledger,
            [(i, PaymentForm(auto_id=f"id_payment_{i.pk}_%s")) for i in instalments],
            ObligationMarkForm(auto_id=f"id_outcome_{obligation.pk}_%s"),
        )
        for obligation, ledger, instalments in rows
    ]


@require_POST
def agreement_draft(request: HttpRequest, process_pk: Any) -> HttpResponse:
    process = _process_for(request, process_pk)
    return run_action(
        request, lambda: services.agreement_draft(actor=request.user, process=process),
        success=_("A new version was started."), back_to=_back(process, "preparing"),
    )  # fmt: skip


@require_POST
def item_add(request: HttpRequest, process_pk: Any, pk: Any) -> HttpResponse:
    process = _process_for(request, process_pk)
    agreement = selectors.agreement_in(process, pk)
    form = ItemForm(request.POST)
    return run_action(
        request, lambda: services.item_add(actor=request.user, agreement=agreement, **form.service_kwargs()),
        success=_("Added."), back_to=_back(process, "preparing"), form=form,
    )  # fmt: skip


@require_POST
def item_remove(request: HttpRequest, process_pk: Any, pk: Any) -> HttpResponse:
    process = _process_for(request, process_pk)
    item = selectors.item_in(process, pk)
    return run_action(
        request, lambda: services.item_remove(actor=request.user, item=item),
        success=_("Removed."), back_to=_back(process, "preparing"),
    )  # fmt: skip


@require_POST
def agreement_propose(request: HttpRequest, process_pk: Any, pk: Any) -> HttpResponse:
    process = _process_for(request, process_pk)
    agreement = selectors.agreement_in(process, pk)
    return run_action(
        request, lambda: services.agreement_propose(actor=request.user, agreement=agreement),
        success=_("The agreement was put to the parties."), back_to=_back(process, "preparing"),
    )  # fmt: skip


@require_POST
def acceptance_record(request: HttpRequest, process_pk: Any, pk: Any) -> HttpResponse:
    process = _process_for(request, process_pk)
    agreement = selectors.agreement_in(process, pk)
    form = AcceptanceForm(request.POST, participants=selectors.acceptors_of(process))
    return run_action(
        request, lambda: services.acceptance_record(actor=request.user, agreement=agreement, **form.cleaned_data),
        success=_("Recorded."), back_to=_back(process, "preparing"), form=form,
    )  # fmt: skip


@require_POST
def obligation_mark(request: HttpRequest, process_pk: Any, pk: Any) -> HttpResponse:
    process = _process_for(request, process_pk)
    obligation = selectors.obligation_in(process, pk)
    form = ObligationMarkForm(request.POST)
    return run_action(
        request, lambda: services.obligation_mark(actor=request.user, obligation=obligation, **form.cleaned_data),
        success=_("Recorded."), back_to=_back(process, "obligations"), form=form,
    )  # fmt: skip


@require_POST
def instalment_pay(request: HttpRequest, process_pk: Any, pk: Any) -> HttpResponse:
    process = _process_for(request, process_pk)
    instalment = selectors.instalment_in(process, pk)
    form = PaymentForm(request.POST)
    return run_action(
        request, lambda: services.instalment_pay(actor=request.user, instalment=instalment, **form.cleaned_data),
        success=_("Payment recorded."), back_to=_back(process, "obligations"), form=form,
    )  # fmt: skip
