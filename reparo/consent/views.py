"""A person's agreements: what they agreed to in plain words, recording a new one, recording a withdrawal."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from reparo.cases.selectors import person_get_for
from reparo.consent import selectors, services
from reparo.consent.forms import ConsentRecordForm
from reparo.people.models import Person


def _form(request: HttpRequest, person: Person, data: object = None) -> ConsentRecordForm:
    return ConsentRecordForm(
        data,
        recipients=selectors.share_recipients_for(request.user),
        cases=selectors.cases_of_person_for(request.user, person),
    )


def _page(request: HttpRequest, person: Person, form: ConsentRecordForm, *, status: int = 200) -> HttpResponse:
    return render(
        request,
        "consent/person.html",
        {"person": person, "ledger": selectors.consent_ledger_for(request.user, person), "form": form},
        status=status,
    )


@require_GET
def person_consents(request: HttpRequest, person_pk: uuid.UUID) -> HttpResponse:
    person = person_get_for(request.user, person_pk)
    return _page(request, person, _form(request, person))


@require_POST
def consent_record(request: HttpRequest, person_pk: uuid.UUID) -> HttpResponse:
    person = person_get_for(request.user, person_pk)
    form = _form(request, person, request.POST)
    if form.is_valid():
        try:
            services.consent_record(actor=request.user, person=person, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The agreement has been recorded."))
            return redirect("consent:person", person_pk=person.pk)
    return _page(request, person, form, status=400)


@require_POST
def consent_withdraw(request: HttpRequest, person_pk: uuid.UUID, pk: uuid.UUID) -> HttpResponse:
    person = person_get_for(request.user, person_pk)
    consent = selectors.consent_get_for(request.user, person, pk)
    error = ""
    try:
        consent = services.consent_withdraw(actor=request.user, consent=consent)
    except ValidationError as exc:
        error = " ".join(exc.messages)
    if getattr(request, "htmx", False):
        return render(
            request,
            "consent/_consent.html",
            {"person": person, "consent": consent, "just_withdrawn": not error, "error": error},
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("The withdrawal has been recorded. It applies from now on."))
    return redirect("consent:person", person_pk=person.pk)


def _add_errors(form: ConsentRecordForm, exc: ValidationError) -> None:
    """Put the service's plain-language errors next to the fields they are about."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)
