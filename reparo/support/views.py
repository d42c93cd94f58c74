"""Support circles: the coordinator's and the volunteers' screens. Every page reaches its circle through
:func:`reparo.support.selectors.support_circle_get_for` (404 otherwise); a volunteer's page shows the survivor only
by the name they chose for the circle."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from reparo.access.capabilities import Capability
from reparo.core.actions import form_page, run_action
from reparo.processes.models import ProcessType
from reparo.processes.selectors import process_get_for
from reparo.support import forms, selectors, services
from reparo.support.models import INNER_CIRCLE_MAX, INNER_CIRCLE_MIN, SupportCircle

STAFF = Capability.WORK_ON_CASE


def _url(circle: Any, anchor: str = "") -> str:
    return reverse("support:detail", kwargs={"pk": circle.pk}) + (f"#{anchor}" if anchor else "")


def _staff_circle(request: HttpRequest, pk: Any) -> SupportCircle:
    return selectors.support_circle_get_for(request.user, pk, need=STAFF)


def _circle(request: HttpRequest, pk: Any) -> tuple[SupportCircle, bool]:
    """The circle and whether the actor reaches it as a volunteer."""
    circle = selectors.support_circle_get_for(request.user, pk)
    return circle, selectors.access_of(request.user, circle) == selectors.VOLUNTEER


def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "support/home.html",
        {
            "served": selectors.volunteer_home(request.user),
            "is_volunteer": selectors.is_volunteer(request.user),
            "coordinated": selectors.staff_home(request.user),
        },
    )


def for_process(request: HttpRequest, process_pk: Any) -> HttpResponse:
    """A support-circle process's circle: open it (staff who work on the case), or go to it."""
    process = process_get_for(request.user, process_pk, need=STAFF)
    if process.type != ProcessType.SUPPORT_CIRCLE:
        raise Http404
    circle = selectors.circle_of_process(request.user, process)
    if circle is not None:
        return redirect(_url(circle))
    survivors = selectors.survivors_of_process(process)
    return form_page(
        request,
        forms.OpenForm,
        template="support/open.html",
        context={"process": process},
        form_kwargs={"survivors": survivors},
        call=lambda form: services.support_circle_open(actor=request.user, process=process, **form.cleaned_data),
        success=_("The support circle is open."),
        back_to=lambda circle: _url(circle),
    )


def circle_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    circle, as_volunteer = _circle(request, pk)
    services.circle_read(actor=request.user, circle=circle, as_volunteer=as_volunteer)
    if as_volunteer:
        return render(
            request,
            "support/circle_volunteer.html",
            {
                "circle": circle,
                "goals": selectors.goal_rows(circle, as_volunteer=True, proposed_by=request.user),
                "volunteers": selectors.active_volunteers_of(circle),
                "partners": selectors.partners_of(circle),
                "meetings": selectors.meeting_list(circle),
                "next_meeting": selectors.next_meeting_of(circle),
                "worries": selectors.worries_of(circle, raised_by=request.user),
                "inner_problem": services.inner_circle_problem(circle),
            },
        )
    open_ = circle.process.is_open
    volunteers = selectors.active_volunteers_of(circle)
    partners = selectors.partners_of(circle)
    return render(
        request,
        "support/circle_staff.html",
        {
            "circle": circle,
            "process": circle.process,
            "is_open": open_,
            "agreement": services.survivor_agrees(circle),
            "goals": selectors.goal_rows(circle),
            "volunteers": selectors.volunteers_of(circle),
            "partners": partners,
            "awaiting": selectors.progress_awaiting(circle),
            "meetings": selectors.meeting_list(circle),
            "next_meeting": selectors.next_meeting_of(circle),
            "worries": selectors.worries_of(circle),
            "closing": selectors.closing_of(circle),
            "inner_min": INNER_CIRCLE_MIN,
            "inner_max": INNER_CIRCLE_MAX,
            "inner_problem": services.inner_circle_problem(circle),
            "settings_form": forms.SettingsForm(
                initial={
                    "known_as": circle.known_as,
                    "survivor_joins_meetings": circle.survivor_joins_meetings,
                    "next_meeting_at": circle.next_meeting_at,
                    "next_meeting_place": circle.next_meeting_place or "",
                }
            ),
            "volunteer_form": forms.VolunteerForm(volunteers=selectors.volunteers_for(circle)),
            "partner_form": forms.PartnerForm(partners=selectors.partner_organisations()),
            "goal_form": forms.GoalForm(),
            "step_form": forms.StepForm(helpers=volunteers, partners=partners),
            "answer_form": forms.AnswerForm(),
            "closing_form": forms.ClosingForm(),
        },
    )


@require_POST
def settings_update(request: HttpRequest, pk: Any) -> HttpResponse:
    circle = _staff_circle(request, pk)
    form = forms.SettingsForm(request.POST)
    return run_action(
        request,
        lambda: services.circle_settings_update(actor=request.user, circle=circle, **form.cleaned_data),
        success=_("Saved."),
        back_to=_url(circle, "settings"),
        form=form,
    )


@require_POST
def circle_end(request: HttpRequest, pk: Any) -> HttpResponse:
    circle = _staff_circle(request, pk)
    return run_action(
        request,
        lambda: services.support_circle_end(actor=request.user, circle=circle),
        success=_("The circle has ended. The volunteers no longer see it."),
        back_to=_url(circle),
    )


@require_POST
def volunteer_add(request: HttpRequest, pk: Any) -> HttpResponse:
    circle = _staff_circle(request, pk)
    form = forms.VolunteerForm(request.POST, volunteers=selectors.volunteers_for(circle))
    return run_action(
        request,
        lambda: services.volunteer_add(actor=request.user, circle=circle, **form.cleaned_data),
        success=_("The volunteer joined the circle."),
        back_to=_url(circle, "volunteers"),
        form=form,
    )


@require_POST
def volunteer_update(request: HttpRequest, pk: Any, member_pk: Any) -> HttpResponse:
    circle = _staff_circle(request, pk)
    member = selectors.volunteer_in(circle, member_pk)
    form = forms.VolunteerUpdateForm(request.POST)
    return run_action(
        request,
        lambda: services.volunteer_update(actor=request.user, member=member, **form.cleaned_data),
        success=_("Saved."),
        back_to=_url(circle, "volunteers"),
        form=form,
    )


@require_POST
def partner_add(request: HttpRequest, pk: Any) -> HttpResponse:
    circle = _staff_circle(request, pk)
    form = forms.PartnerForm(request.POST, partners=selectors.partner_organisations())
    return run_action(
        request,
        lambda: services.partner_add(actor=request.user, circle=circle, **form.cleaned_data),
        success=_("The organisation joined the outer circle."),
        back_to=_url(circle, "partners"),
        form=form,
    )


@require_POST
def goal_set(request: HttpRequest, pk: Any) -> HttpResponse:
    circle = _staff_circle(request, pk)
    form = forms.GoalForm(request.POST)
    return run_action(
        request,
        lambda: services.goal_set(actor=request.user, circle=circle, **form.cleaned_data),
        success=_("The goal is saved."),
        back_to=_url(circle, "goals"),
        form=form,
    )


@require_POST
def goal_update(request: HttpRequest, pk: Any, goal_pk: Any) -> HttpResponse:
    circle = _staff_circle(request, pk)
    goal = selectors.goal_in(circle, goal_pk)
    form = forms.GoalUpdateForm(request.POST)
    return run_action(
        request,
        lambda: services.goal_update(actor=request.user, goal=goal, **form.cleaned_data),
        success=_("Saved."),
        back_to=_url(circle, "goals"),
        form=form,
    )


@require_POST
def step_add(request: HttpRequest, pk: Any, goal_pk: Any) -> HttpResponse:
    circle = _staff_circle(request, pk)
    goal = selectors.goal_in(circle, goal_pk)
    form = forms.StepForm(
        request.POST, helpers=selectors.active_volunteers_of(circle), partners=selectors.partners_of(circle)
    )
    return run_action(
        request,
        lambda: services.step_add(actor=request.user, goal=goal, **form.cleaned_data),
        success=_("The step is saved."),
        back_to=_url(circle, "goals"),
        form=form,
    )


def progress_propose(request: HttpRequest, pk: Any, goal_pk: Any) -> HttpResponse:
    circle, as_volunteer = _circle(request, pk)
    goal = selectors.goal_in(circle, goal_pk, as_volunteer=as_volunteer)
    return form_page(
        request,
        forms.ProgressForm,
        template="support/progress.html",
        context={"circle": circle, "goal": goal},
        form_kwargs={"steps": selectors.steps_of(goal)},
        call=lambda form: services.progress_propose(actor=request.user, goal=goal, **form.cleaned_data),
        success=_("Thank you. It now awaits the survivor's confirmation."),
        back_to=_url(circle, "goals"),
    )


@require_POST
def progress_answer(request: HttpRequest, pk: Any, progress_pk: Any) -> HttpResponse:
    circle = _staff_circle(request, pk)
    progress = selectors.progress_in(circle, progress_pk)
    form = forms.AnswerForm(request.POST)
    return run_action(
        request,
        lambda: services.progress_answer(actor=request.user, progress=progress, confirmed=form.is_confirmed),
        success=_("The survivor's answer is recorded."),
        back_to=_url(circle, "goals"),
        form=form,
    )


def meeting_record(request: HttpRequest, pk: Any) -> HttpResponse:
    circle, _as_volunteer = _circle(request, pk)
    if not circle.process.is_open:
        raise Http404
    return form_page(
        request,
        forms.MeetingForm,
        template="support/meeting.html",
        context={"circle": circle, "inner_problem": services.inner_circle_problem(circle)},
        form_kwargs={
            "members": selectors.active_volunteers_of(circle),
            "survivor_may_come": circle.survivor_joins_meetings,
        },
        initial={"attendees": list(selectors.active_volunteers_of(circle))},
        call=lambda form: services.meeting_record(actor=request.user, circle=circle, **form.cleaned_data),
        success=_("The meeting is recorded."),
        back_to=_url(circle, "meetings"),
    )


def minutes_submit(request: HttpRequest, pk: Any, meeting_pk: Any) -> HttpResponse:
    circle, _as_volunteer = _circle(request, pk)
    meeting = selectors.meeting_in(circle, meeting_pk)
    return form_page(
        request,
        forms.MinutesForm,
        template="support/minutes.html",
        context={"circle": circle, "meeting": meeting},
        call=lambda form: services.minutes_submit(actor=request.user, meeting=meeting, **form.cleaned_data),
        success=_("The minutes are in."),
        back_to=_url(circle, "meetings"),
    )


def worry_raise(request: HttpRequest, pk: Any) -> HttpResponse:
    circle, _as_volunteer = _circle(request, pk)
    return form_page(
        request,
        forms.WorryForm,
        template="support/worry.html",
        context={"circle": circle},
        call=lambda form: services.worry_raise(actor=request.user, circle=circle, **form.cleaned_data),
        success=_("Your worry went to the coordinator. Thank you for telling us."),
        back_to=_url(circle),
    )


@require_POST
def worry_seen(request: HttpRequest, pk: Any, worry_pk: Any) -> HttpResponse:
    circle = _staff_circle(request, pk)
    worry = selectors.worry_in(circle, worry_pk)
    return run_action(
        request,
        lambda: services.worry_seen(actor=request.user, worry=worry),
        success=_("Marked as read."),
        back_to=_url(circle, "worries"),
    )


@require_POST
def closing_record(request: HttpRequest, pk: Any) -> HttpResponse:
    circle = _staff_circle(request, pk)
    form = forms.ClosingForm(request.POST)
    return run_action(
        request,
        lambda: services.closing_review_record(actor=request.user, circle=circle, **form.cleaned_data),
        success=_("The closing review is saved."),
        back_to=_url(circle, "closing"),
        form=form,
    )
