"""The circle page of a CoSA process and its small form posts. Access: through the process (404 otherwise)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from reparo.core.actions import run_action
from reparo.cosa import forms, selectors, services
from reparo.cosa.models import CLOSING_QUESTIONS, INNER_CIRCLE_MAX, INNER_CIRCLE_MIN, Circle
from reparo.processes.models import ProcessType
from reparo.processes.selectors import process_access_for, process_get_for


def _url(process_pk: Any, anchor: str = "") -> str:
    return reverse("cosa:detail", kwargs={"process_pk": process_pk}) + (f"#{anchor}" if anchor else "")


def _circle(request: HttpRequest, process_pk: Any) -> Circle:
    process = process_get_for(request.user, process_pk)
    return selectors.circle_get_for(request.user, process)


def circle_detail(request: HttpRequest, process_pk: Any) -> HttpResponse:
    process = process_get_for(request.user, process_pk)
    if process.type != ProcessType.COSA:
        raise Http404
    access = process_access_for(request.user, process)
    circle = selectors.circle_of(process)
    context: dict[str, Any] = {"process": process, "circle": circle, "can_work": access.can_work}
    if circle is not None:
        active = selectors.active_inner_members_of(circle)
        questionnaire = selectors.questionnaire_of(circle)
        answers = (
            [(label, questionnaire.ratings.get(code)) for code, label in CLOSING_QUESTIONS] if questionnaire else []
        )
        context.update(
            inner=selectors.inner_members_of(circle),
            outer=selectors.outer_members_of(circle),
            meetings=selectors.meeting_list(circle),
            concerns=selectors.concerns_of(circle),
            reviews=selectors.reviews_of(circle),
            questionnaire=questionnaire,
            answers=answers,
            inner_min=INNER_CIRCLE_MIN,
            inner_max=INNER_CIRCLE_MAX,
            inner_problem=services.inner_circle_problem(circle),
            can_record=access.can_work or services.is_inner_volunteer(request.user, circle),
            inner_form=forms.InnerMemberForm(volunteers=selectors.volunteers_for(circle)),
            outer_form=forms.OuterMemberForm(partners=selectors.partner_organisations()),
            meeting_form=forms.MeetingForm(members=active, initial={"attendees": list(active)}),
            minutes_form=forms.MinutesForm(),
            concern_form=forms.ConcernForm(),
            escalate_form=forms.EscalateForm(outer=selectors.outer_organisations_of(circle)),
            has_outer=selectors.has_outer_circle(circle),
            review_form=forms.ReviewForm(initial={"review_date": timezone.localdate()}),
            questionnaire_form=forms.QuestionnaireForm(),
        )
    return render(request, "cosa/detail.html", context)


@require_POST
def circle_open(request: HttpRequest, process_pk: Any) -> HttpResponse:
    process = process_get_for(request.user, process_pk)
    return run_action(
        request,
        lambda: services.circle_open(actor=request.user, process=process),
        success=_("The circle is open."),
        back_to=_url(process.pk),
    )


@require_POST
def inner_member_add(request: HttpRequest, process_pk: Any) -> HttpResponse:
    circle = _circle(request, process_pk)
    form = forms.InnerMemberForm(request.POST, volunteers=selectors.volunteers_for(circle))
    return run_action(
        request,
        lambda: services.inner_member_add(actor=request.user, circle=circle, **form.cleaned_data),
        success=_("The volunteer joined the inner circle."),
        back_to=_url(process_pk, "inner"),
        form=form,
    )


@require_POST
def inner_member_update(request: HttpRequest, process_pk: Any, member_pk: Any) -> HttpResponse:
    circle = _circle(request, process_pk)
    member = selectors.inner_member_in(circle, member_pk)
    form = forms.InnerMemberUpdateForm(request.POST)
    return run_action(
        request,
        lambda: services.inner_member_update(actor=request.user, member=member, **form.cleaned_data),
        success=_("Saved."),
        back_to=_url(process_pk, "inner"),
        form=form,
    )


@require_POST
def outer_member_add(request: HttpRequest, process_pk: Any) -> HttpResponse:
    circle = _circle(request, process_pk)
    form = forms.OuterMemberForm(request.POST, partners=selectors.partner_organisations())
    return run_action(
        request,
        lambda: services.outer_member_add(actor=request.user, circle=circle, **form.cleaned_data),
        success=_("The organisation joined the outer circle."),
        back_to=_url(process_pk, "outer"),
        form=form,
    )


@require_POST
def meeting_record(request: HttpRequest, process_pk: Any) -> HttpResponse:
    circle = _circle(request, process_pk)
    form = forms.MeetingForm(request.POST, members=selectors.active_inner_members_of(circle))
    return run_action(
        request,
        lambda: services.meeting_record(actor=request.user, circle=circle, **form.cleaned_data),
        success=_("The meeting is recorded."),
        back_to=_url(process_pk, "meetings"),
        form=form,
    )


@require_POST
def minutes_submit(request: HttpRequest, process_pk: Any, meeting_pk: Any) -> HttpResponse:
    circle = _circle(request, process_pk)
    meeting = selectors.meeting_in(circle, meeting_pk)
    form = forms.MinutesForm(request.POST)
    return run_action(
        request,
        lambda: services.minutes_submit(actor=request.user, meeting=meeting, minutes=form.cleaned_data["minutes"]),
        success=_("The minutes are in."),
        back_to=_url(process_pk, "meetings"),
        form=form,
    )


@require_POST
def concern_raise(request: HttpRequest, process_pk: Any) -> HttpResponse:
    circle = _circle(request, process_pk)
    form = forms.ConcernForm(request.POST)
    return run_action(
        request,
        lambda: services.concern_raise(actor=request.user, circle=circle, **form.cleaned_data),
        success=_("The concern is recorded."),
        back_to=_url(process_pk, "concerns"),
        form=form,
    )


@require_POST
def concern_escalate(request: HttpRequest, process_pk: Any, concern_pk: Any) -> HttpResponse:
    circle = _circle(request, process_pk)
    concern = selectors.concern_in(circle, concern_pk)
    form = forms.EscalateForm(request.POST, outer=selectors.outer_organisations_of(circle))
    return run_action(
        request,
        lambda: services.concern_escalate(
            actor=request.user, concern=concern, organisation=form.cleaned_data["organisation"]
        ),
        success=_("The concern was passed to the outer circle."),
        back_to=_url(process_pk, "concerns"),
        form=form,
    )


@require_POST
def review_add(request: HttpRequest, process_pk: Any) -> HttpResponse:
    circle = _circle(request, process_pk)
    form = forms.ReviewForm(request.POST)
    return run_action(
        request,
        lambda: services.review_add(actor=request.user, circle=circle, **form.cleaned_data),
        success=_("The review is recorded."),
        back_to=_url(process_pk, "reviews"),
        form=form,
    )


@require_POST
def questionnaire_complete(request: HttpRequest, process_pk: Any) -> HttpResponse:
    circle = _circle(request, process_pk)
    form = forms.QuestionnaireForm(request.POST)
    return run_action(
        request,
        lambda: services.questionnaire_complete(
            actor=request.user, circle=circle, ratings=form.ratings(), comment=form.cleaned_data["comment"]
        ),
        success=_("The closing questionnaire is saved."),
        back_to=_url(process_pk, "closing"),
        form=form,
    )
