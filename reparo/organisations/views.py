from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from reparo.accounts import selectors as account_selectors
from reparo.accounts import services as account_services
from reparo.accounts.forms import MembershipAddForm
from reparo.accounts.roles import Capability
from reparo.core.actions import form_page
from reparo.organisations import selectors


def organisation_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "organisations/list.html",
        {
            "organisations": selectors.organisations_visible_to(request.user),
            "partners": selectors.partners_directory(request.user),
        },
    )


def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = account_selectors.organisation_get_for(request.user, pk)
    can_manage = account_selectors.user_can(request.user, Capability.MANAGE_MEMBERS, organisation=organisation)
    members = None
    form = None
    if can_manage:
        members = Paginator(account_selectors.members_of(request.user, organisation), 50).get_page(
            request.GET.get("page")
        )
        form = MembershipAddForm()
    return render(
        request,
        "organisations/detail.html",
        {
            "organisation": organisation,
            "programs": selectors.active_programs_of(organisation),
            "members": members,
            "form": form,
            "can_manage": can_manage,
        },
    )


@require_POST
def member_add(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = account_selectors.organisation_get_for(request.user, pk, capability=Capability.MANAGE_MEMBERS)
    return form_page(
        request,
        MembershipAddForm,
        template="organisations/detail.html",
        context=lambda: {
            "organisation": organisation,
            "programs": selectors.active_programs_of(organisation),
            "members": Paginator(account_selectors.members_of(request.user, organisation), 50).get_page(1),
            "can_manage": True,
        },
        call=lambda form: account_services.membership_add(
            actor=request.user,  # type: ignore[arg-type]
            organisation=organisation,
            **form.cleaned_data,
        ),
        success=_("The role has been added."),
        back_to=reverse("organisations:detail", kwargs={"pk": organisation.pk}),
    )


@require_POST
def membership_end(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    organisation = account_selectors.organisation_get_for(request.user, pk, capability=Capability.MANAGE_MEMBERS)
    membership = selectors.membership_get_for(request.user, organisation, membership_pk)
    try:
        account_services.membership_end(actor=request.user, membership=membership)  # type: ignore[arg-type]
        messages.success(request, _("The role has been ended."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("organisations:detail", pk=organisation.pk)


@require_POST
def user_deactivate(request: HttpRequest, pk: int, user_pk: str) -> HttpResponse:
    organisation = account_selectors.organisation_get_for(request.user, pk, capability=Capability.MANAGE_MEMBERS)
    target = account_selectors.member_user_get_for(request.user, organisation, user_pk)
    try:
        account_services.user_deactivate(actor=request.user, organisation=organisation, user=target)  # type: ignore[arg-type]
        messages.success(request, _("The account has been deactivated and signed out everywhere."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("organisations:detail", pk=organisation.pk)
