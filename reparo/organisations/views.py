from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from reparo.access import selectors as access_selectors
from reparo.access import services as access_services
from reparo.access.actors import memberships_of, user_can
from reparo.access.capabilities import Capability
from reparo.core.actions import form_page
from reparo.organisations import selectors
from reparo.organisations.activity_forms import AuditFilterForm
from reparo.organisations.extensions import home_desks
from reparo.organisations.forms import MembershipAddForm


def home(request: HttpRequest) -> HttpResponse:
    """What there is to do today, desk by desk (the sections other apps register), and the person's roles."""
    desks = home_desks(request.user)
    return render(
        request,
        "core/home.html",
        {
            "desks": desks,
            "memberships": memberships_of(request.user),
            "today": timezone.localdate(),
        },
    )


def organisation_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "organisations/list.html",
        {
            "organisations": selectors.organisations_visible_to(request.user),
            "partners": selectors.partners_directory(request.user),
        },
    )


def _detail(request: HttpRequest, organisation: Any, *, form: MembershipAddForm | None, page: Any) -> dict[str, Any]:
    can_manage = user_can(request.user, Capability.MANAGE_MEMBERS, organisation=organisation)
    members = None
    if can_manage:
        members = Paginator(access_selectors.members_for(request.user, organisation), 50).get_page(page)
        form = form or MembershipAddForm()
    return {
        "organisation": organisation,
        "programs": selectors.active_programs_of(organisation),
        "members": members,
        "form": form if can_manage else None,
        "can_manage": can_manage,
    }


def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = selectors.organisation_get_for(request.user, pk)
    return render(
        request, "organisations/detail.html", _detail(request, organisation, form=None, page=request.GET.get("page"))
    )


@require_POST
def member_add(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = selectors.organisation_get_for(request.user, pk, need=Capability.MANAGE_MEMBERS)
    return form_page(
        request,
        MembershipAddForm,
        template="organisations/detail.html",
        context=lambda: {k: v for k, v in _detail(request, organisation, form=None, page=1).items() if k != "form"},
        call=lambda form: access_services.membership_add(
            actor=request.user,  # type: ignore[arg-type]
            organisation=organisation,
            **form.cleaned_data,
        ),
        success=_("The role has been added."),
        back_to=reverse("organisations:detail", kwargs={"pk": organisation.pk}),
    )


@require_POST
def membership_end(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    organisation = selectors.organisation_get_for(request.user, pk, need=Capability.MANAGE_MEMBERS)
    membership = access_selectors.membership_get_for(request.user, organisation, membership_pk)
    try:
        access_services.membership_end(actor=request.user, membership=membership)  # type: ignore[arg-type]
        messages.success(request, _("The role has been ended."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("organisations:detail", pk=organisation.pk)


@require_POST
def user_deactivate(request: HttpRequest, pk: int, user_pk: str) -> HttpResponse:
    organisation = selectors.organisation_get_for(request.user, pk, need=Capability.MANAGE_MEMBERS)
    target = access_selectors.member_user_get_for(request.user, organisation, user_pk)
    try:
        access_services.user_deactivate(actor=request.user, organisation=organisation, user=target)  # type: ignore[arg-type]
        messages.success(request, _("The account has been deactivated and signed out everywhere."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("organisations:detail", pk=organisation.pk)


def audit_list(request: HttpRequest) -> HttpResponse:
    """The activity log of the organisations the actor administers."""
    if not user_can(request.user, Capability.VIEW_AUDIT):
        raise Http404
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    events = selectors.audit_events_for(request.user, **{k: v for k, v in filters.items() if v})
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    template = "audit/_rows.html" if getattr(request, "htmx", False) else "audit/list.html"
    return render(request, template, {"form": form, "page": page, "query": query.urlencode()})
