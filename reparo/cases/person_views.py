from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from reparo.access.capabilities import Capability
from reparo.audit.concurrency import edit_page
from reparo.cases import selectors, services
from reparo.cases.person_forms import ErasureForm, PersonForm
from reparo.people import services as people_services


def person_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    """Non-identifying facts first; identity only when asked for, and every showing is audited."""
    person = selectors.person_get_for(request.user, pk)
    return render(
        request,
        "people/detail.html",
        {
            "person": person,
            "cases": selectors.cases_of_person_for(request.user, person),
            "can_erase": selectors.can_erase(request.user, person),
            "erasure_form": ErasureForm(),
        },
    )


def person_identity(request: HttpRequest, pk: Any) -> HttpResponse:
    person = selectors.person_get_for(request.user, pk)
    if person.erased_at:
        raise Http404
    people_services.person_identity_viewed(actor=request.user, person=person, purpose=_("Shown on the person's page"))
    template = "people/_identity.html" if getattr(request, "htmx", False) else "people/identity.html"
    return render(request, template, {"person": person})


def person_edit(request: HttpRequest, pk: Any) -> HttpResponse:
    person = selectors.person_get_for(request.user, pk, need=Capability.WORK_ON_CASE)
    if person.erased_at:
        raise Http404
    if request.method != "POST":
        people_services.person_identity_viewed(actor=request.user, person=person, purpose=_("Opened for editing"))

    def reread() -> Any:
        fresh = selectors.person_get_for(request.user, pk, need=Capability.WORK_ON_CASE)
        people_services.person_identity_viewed(actor=request.user, person=fresh, purpose=_("Edit conflict"))
        return fresh

    return edit_page(
        request,
        PersonForm,
        record=person,
        reread=reread,
        values=PersonForm.initial_for,
        template="people/edit.html",
        context=lambda person: {"person": person},
        call=lambda form: services.person_update(
            actor=request.user, person=person, version=form.cleaned_data["version"], **form.changes()
        ),
        success=_("Saved."),
        back_to=reverse("people:detail", kwargs={"pk": person.pk}),
    )


@require_POST
def person_erase(request: HttpRequest, pk: Any) -> HttpResponse:
    person = selectors.person_get_for(request.user, pk)
    form = ErasureForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Tick the box to confirm the request first."))
        return redirect("people:detail", pk=person.pk)
    try:
        services.person_erase(actor=request.user, person=person)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The person's identity and contact details have been erased."))
    return redirect("people:detail", pk=person.pk)
