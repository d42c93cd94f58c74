from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from reparo.access.actors import user_can
from reparo.access.capabilities import Capability
from reparo.core.actions import add_service_errors
from reparo.core.pagination import page_of
from reparo.interop import formats, importing, selectors, services
from reparo.interop.forms import DEIDENTIFIED, ExportForm, ImportForm

SHOWN_PROBLEMS = 200
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
    org = selectors.organisation_for_exchange(request.user, organisation_pk, need=Capability.EXPORT_HTCDS)
    posted = request.method == "POST"
    form = ExportForm(
        request.POST if posted else None, recipients=selectors.recipients(), programs=selectors.programs_of(org)
    )
    status = 200
    if posted and form.is_valid():
        data = form.cleaned_data
        try:
            result = services.htcds_export(
                actor=request.user, organisation=org, file_format=data["file_format"],
                recipient=data.get("recipient"), program=data.get("program"), since=data.get("since"),
                deidentified=data["kind"] == DEIDENTIFIED,
            )  # fmt: skip
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            add_service_errors(form, exc)
            status = 400
        else:
            response: HttpResponse | StreamingHttpResponse
            if data["file_format"] == formats.XLSX:
                response = HttpResponse(b"".join(result.chunks), content_type=result.content_type)
            else:
                response = StreamingHttpResponse(
                    (chunk.encode("utf-8") for chunk in result.chunks), content_type=result.content_type
                )
            response["Content-Disposition"] = f'attachment; filename="{result.filename}"'
            response["X-Reparo-People"] = str(result.people)
            return response  # type: ignore[return-value]
    elif posted:
        status = 400
    return render(request, "interop/export.html", {"organisation": org, "form": form}, status=status)


def import_file(request: HttpRequest, organisation_pk: int) -> HttpResponse:
    org = selectors.organisation_for_exchange(request.user, organisation_pk, need=Capability.IMPORT_HTCDS)
    posted = request.method == "POST"
    form = ImportForm(request.POST if posted else None, request.FILES if posted else None,
                      programs=selectors.programs_of(org))  # fmt: skip
    report = None
    status = 200
    if posted and form.is_valid():
        upload = form.cleaned_data["upload"]
        if upload.size > importing.MAX_BYTES:
            form.add_error("upload", _("The file is larger than 20 MB. Split it and import the parts."))
            status = 400
        else:
            try:
                report = services.htcds_import(
                    actor=request.user, organisation=org, program=form.cleaned_data["program"],
                    file_name=upload.name or "", data=upload.read(), valid_only=form.cleaned_data["valid_only"],
                )  # fmt: skip
            except PermissionDenied:
                raise Http404 from None
            status = 200 if report.saved else 400
    elif posted:
        status = 400
    return render(
        request,
        "interop/import.html",
        {
            "organisation": org,
            "form": form,
            "report": report,
            "problems": report.problems[:SHOWN_PROBLEMS] if report else [],
            "more_problems": max(0, len(report.problems) - SHOWN_PROBLEMS) if report else 0,
        },
        status=status,
    )


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
