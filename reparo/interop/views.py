from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from reparo.access.actors import user_can
from reparo.access.capabilities import Capability
from reparo.core.actions import add_service_errors
from reparo.core.pagination import page_of
from reparo.interop import importing, selectors, services
from reparo.interop.forms import DEIDENTIFIED, ExportForm, ImportForm

FIELD_INTAKE_PER_PAGE = 25


def index(request: HttpRequest) -> HttpResponse:
    organisations = [
        (
            org,
            user_can(request.user, Capability.EXPORT_HTCDS, organisation=org),
            user_can(request.user, Capability.IMPORT_HTCDS, organisation=org),
            user_can(request.user, Capability.REVIEW_FIELD_INTAKE, organisation=org),
        )
        for org in selectors.organisations_for_exchange(request.user)
    ]
    return render(request, "interop/index.html", {"organisations": organisations})


def export(request: HttpRequest, organisation_pk: int) -> HttpResponse:
    """The export form; a valid one starts the file in the background and goes to its page (progress, then the
    download)."""
    org = selectors.organisation_for_exchange(request.user, organisation_pk, need=Capability.EXPORT_HTCDS)
    posted = request.method == "POST"
    form = ExportForm(
        request.POST if posted else None, recipients=selectors.recipients(), programs=selectors.programs_of(org)
    )
    status = 200
    if posted and form.is_valid():
        data = form.cleaned_data
        try:
            job = services.htcds_export_start(
                actor=request.user, organisation=org, file_format=data["file_format"],
                recipient=data.get("recipient"), program=data.get("program"), since=data.get("since"),
                deidentified=data["kind"] == DEIDENTIFIED, back_to=request.path,
            )  # fmt: skip
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            add_service_errors(form, exc)
            status = 400
        else:
            return redirect("jobs:detail", pk=job.pk)
    elif posted:
        status = 400
    return render(request, "interop/export.html", {"organisation": org, "form": form}, status=status)


def import_file(request: HttpRequest, organisation_pk: int) -> HttpResponse:
    """The import form; a valid one keeps the file and brings it in in the background, then goes to the job's page
    (progress, then what was imported and what was not)."""
    org = selectors.organisation_for_exchange(request.user, organisation_pk, need=Capability.IMPORT_HTCDS)
    posted = request.method == "POST"
    form = ImportForm(request.POST if posted else None, request.FILES if posted else None,
                      programs=selectors.programs_of(org))  # fmt: skip
    status = 200
    if posted and form.is_valid():
        upload = form.cleaned_data["upload"]
        if upload.size > importing.MAX_BYTES:
            form.add_error("upload", _("The file is larger than 20 MB. Split it and import the parts."))
            status = 400
        else:
            try:
                job = services.htcds_import_start(
                    actor=request.user, organisation=org, program=form.cleaned_data["program"],
                    file_name=upload.name or "", data=upload.read(), valid_only=form.cleaned_data["valid_only"],
                    back_to=request.path,
                )  # fmt: skip
            except PermissionDenied:
                raise Http404 from None
            except ValidationError as exc:
                add_service_errors(form, exc)
                status = 400
            else:
                return redirect("jobs:detail", pk=job.pk)
    elif posted:
        status = 400
    return render(request, "interop/import.html", {"organisation": org, "form": form}, status=status)


@require_GET
def field_intake(request: HttpRequest, organisation_pk: int) -> HttpResponse:
    """What arrived from ODK Central for the organisation: each submission, whose draft it is, what became of it."""
    org = selectors.organisation_for_exchange(request.user, organisation_pk, need=Capability.REVIEW_FIELD_INTAKE)
    page = page_of(selectors.field_submissions_of(request.user, org), FIELD_INTAKE_PER_PAGE, request.GET.get("page"))
    services.field_intake_viewed(actor=request.user, organisation=org)
    return render(
        request,
        "interop/field_intake.html",
        {"organisation": org, "page": page, "query": "", "configured": services.field_intake_configured()},
    )


@require_POST
def field_intake_take(request: HttpRequest, pk: str) -> HttpResponse:
    submission = selectors.field_submission_get_for(request.user, pk)
    try:
        draft = services.field_submission_take(actor=request.user, submission=submission)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("interop:field_intake", organisation_pk=submission.organisation_id)
    messages.success(request, _("The draft is yours now. Check each answer with what you know, then open the case."))
    return redirect(f"{reverse('cases:intake')}?draft={draft.pk}")
