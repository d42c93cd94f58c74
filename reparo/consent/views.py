"""A person's consents: what they agreed to in plain words, recording a new one, recording a withdrawal."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from reparo.cases.selectors import person_get_for
from reparo.consent import selectors, services
from reparo.consent.extensions import process_choices_for
from reparo.consent.forms import ConsentRecordForm
from reparo.core.actions import form_page
from reparo.core.once import AlreadyDone


def _page(request: HttpRequest, person_pk: uuid.UUID) -> HttpResponse:
    """The person's agreements and the form to record a new one."""
    person = person_get_for(request.user, person_pk)
    return form_page(
        request,
        ConsentRecordForm,
        form_kwargs={
            "recipients": selectors.share_recipients_for(request.user),
            "cases": selectors.cases_of_person_for(request.user, person),
            "processes": process_choices_for(request.user, person),
        },
        template="consent/person.html",
        context=lambda: {"person": person, "ledger": selectors.consent_ledger_for(request.user, person)},
        call=lambda form: services.consent_record(actor=request.user, person=person, **form.cleaned_data),
        success=_("The consent has been recorded."),
        back_to=reverse("consent:person", kwargs={"person_pk": person.pk}),
    )


@require_GET
def person_consents(request: HttpRequest, person_pk: uuid.UUID) -> HttpResponse:
    return _page(request, person_pk)


@require_POST
def consent_record(request: HttpRequest, person_pk: uuid.UUID) -> HttpResponse:
    return _page(request, person_pk)


@require_POST
def consent_withdraw(request: HttpRequest, person_pk: uuid.UUID, pk: uuid.UUID) -> HttpResponse:
    person = person_get_for(request.user, person_pk)
    consent = selectors.consent_get_for(request.user, person, pk)
    error = info = ""
    try:
        consent = services.consent_withdraw(actor=request.user, consent=consent)
    except AlreadyDone as exc:  # pressed twice, or withdrawn meanwhile: said as information (decision 0091)
        consent, info = exc.result or consent, " ".join(exc.messages)
    except ValidationError as exc:
        error = " ".join(exc.messages)
    if getattr(request, "htmx", False):
        return render(
            request,
            "consent/_consent.html",
            {"person": person, "consent": consent, "just_withdrawn": not (error or info), "error": error, "info": info},
        )
    if error:
        messages.error(request, error)
    elif info:
        messages.info(request, info)
    else:
        messages.success(request, _("The withdrawal has been recorded. It applies from now on."))
    return redirect("consent:person", person_pk=person.pk)
