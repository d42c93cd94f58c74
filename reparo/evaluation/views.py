from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from reparo.access.capabilities import Capability
from reparo.cases.selectors import case_access_for, case_get_for
from reparo.core.actions import form_page, run_action
from reparo.evaluation import selectors, services
from reparo.evaluation.catalogue import SCORED_CODES
from reparo.evaluation.catalogue import instrument as get_instrument
from reparo.evaluation.forms import (
    CancelForm,
    CohortImportForm,
    InterviewForm,
    ReoffendingForm,
    ScheduleLineForm,
    StakeholderFeedbackForm,
)
from reparo.organisations.selectors import program_get_for

LANGUAGES = ("en", "es")


def _language(request: HttpRequest) -> str:
    wanted = request.GET.get("lang", "")
    return wanted if wanted in LANGUAGES else (get_language() or "en").split("-")[0]


def home(request: HttpRequest) -> HttpResponse:
    """Surveys due and overdue that the user can complete, and the programs they evaluate."""
    overdue_only = request.GET.get("show") == "overdue"
    assignments = selectors.assignments_open_for(request.user, overdue_only=overdue_only)
    page = Paginator(assignments, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "evaluation/home.html",
        {
            "page": page,
            "today": timezone.localdate(),
            "overdue_only": overdue_only,
            "query": "show=overdue" if overdue_only else "",
            "programs": selectors.programs_for_evaluation_in_order(request.user),
        },
    )


def program_detail(request: HttpRequest, pk: int) -> HttpResponse:
    program = program_get_for(request.user, pk, need=Capability.VIEW_EVALUATION)
    return render(
        request,
        "evaluation/program.html",
        {
            "program": program,
            "lines": selectors.schedule_of(program),
            "counts": selectors.assignments_of_program(program),
            "cohorts": selectors.cohorts_of(program),
            "form": ScheduleLineForm(),
            "instruments": [get_instrument(code) for code in (*SCORED_CODES, "satisfaction", "stakeholder")],
        },
    )


@require_POST
def schedule_add(request: HttpRequest, pk: int) -> HttpResponse:
    program = program_get_for(request.user, pk, need=Capability.VIEW_EVALUATION)
    form = ScheduleLineForm(request.POST)
    return run_action(
        request, lambda: services.schedule_line_add(actor=request.user, program=program, **form.cleaned_data),
        success=_("Added to the schedule."), back_to=reverse("evaluation:program", args=[program.pk]), form=form,
    )  # fmt: skip


@require_POST
def schedule_remove(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    program = program_get_for(request.user, pk, need=Capability.VIEW_EVALUATION)
    line = selectors.schedule_line_in(program, line_pk)
    return run_action(
        request, lambda: services.schedule_line_remove(actor=request.user, line=line),
        success=_("Removed from the schedule."), back_to=reverse("evaluation:program", args=[program.pk]),
    )  # fmt: skip


def interview(request: HttpRequest, pk: Any) -> HttpResponse:
    assignment = selectors.assignment_get_for(request.user, pk)
    if (
        case_access_for(request.user, assignment.case).responsible_side_only
        and assignment.participant_role != "responsible"
    ):
        raise Http404
    spec = get_instrument(assignment.instrument)
    language = _language(request)
    return form_page(
        request,
        InterviewForm,
        form_kwargs={"instrument": spec, "language": language},
        template="evaluation/interview.html",
        context={
            "assignment": assignment,
            "instrument": spec,
            "instrument_name": spec.name(language),
            "period": spec.period(language),
            "language": language,
            "cancel_form": CancelForm(),
            "other_language": "es" if language == "en" else "en",
        },
        call=lambda form: services.survey_complete(
            actor=request.user,
            assignment=assignment,
            answers=form.answers(),
            collected_on=form.cleaned_data["collected_on"],
            language=language,
            comment=form.cleaned_data.get("comment", ""),
        ),
        success=_("The answers are saved."),
        back_to=reverse("evaluation:home"),
    )


@require_POST
def survey_cancel(request: HttpRequest, pk: Any) -> HttpResponse:
    assignment = selectors.assignment_get_for(request.user, pk)
    form = CancelForm(request.POST)
    return run_action(
        request, lambda: services.survey_cancel(actor=request.user, assignment=assignment, **form.cleaned_data),
        success=_("The survey is closed."), back_to=reverse("evaluation:home"), form=form,
    )  # fmt: skip


def reoffending(request: HttpRequest, case_pk: Any) -> HttpResponse:
    case = case_get_for(request.user, case_pk)
    people = selectors.responsible_people_of(case)
    form = ReoffendingForm(request.POST or None, people=people)
    if request.method == "POST":
        return run_action(
            request, lambda: services.reoffending_record(actor=request.user, case=case, **form.service_kwargs()),
            success=_("The event is recorded."), back_to=reverse("evaluation:reoffending", args=[case.pk]), form=form,
        )  # fmt: skip
    return render(
        request,
        "evaluation/reoffending.html",
        {"case": case, "events": selectors.reoffending_events_of(case), "form": form, "people": people},
    )


def cohort_import(request: HttpRequest, pk: int) -> HttpResponse:
    program = program_get_for(request.user, pk, need=Capability.VIEW_EVALUATION)
    form = CohortImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = services.cohort_import(
                actor=request.user, program=program, name=form.cleaned_data["name"], content=upload.read(),
                filename=upload.name or "", description=form.cleaned_data["description"],
                valid_rows_only=form.cleaned_data["valid_rows_only"],
            )  # fmt: skip
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            form.add_error(None, exc)
        if result is not None and result.saved and not result.errors:
            messages.success(request, _("The comparison group is imported."))
            return redirect("evaluation:program", pk=program.pk)
    return render(
        request,
        "evaluation/cohort_import.html",
        {"program": program, "form": form, "result": result},
        status=400 if request.method == "POST" and (result is None or not result.saved) else 200,
    )


def stakeholder_feedback(request: HttpRequest, pk: int) -> HttpResponse:
    program = program_get_for(request.user, pk, need=Capability.VIEW_EVALUATION)
    language = _language(request)
    spec = get_instrument("stakeholder")
    return form_page(
        request,
        StakeholderFeedbackForm,
        form_kwargs={"instrument": spec, "language": language},
        template="evaluation/feedback.html",
        context={"program": program, "instrument_name": spec.name(language)},
        call=lambda form: services.stakeholder_feedback_record(
            actor=request.user,
            program=program,
            stakeholder_kind=form.cleaned_data["stakeholder_kind"],
            received_on=form.cleaned_data["received_on"],
            answers=form.answers(),
            comment=form.cleaned_data["comment"],
        ),
        success=_("The feedback is saved."),
        back_to=reverse("evaluation:program", args=[program.pk]),
    )
