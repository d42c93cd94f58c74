from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from reparo.cases.selectors import case_get_for, team_of, users_on_team
from reparo.cases.selectors import participants_of as case_participants_of
from reparo.core.actions import errors_text, form_page, run_action
from reparo.processes import content, selectors, services
from reparo.processes.extensions import my_week_panels, process_page_extras, process_page_panels
from reparo.processes.forms import (
    SUPPORTS_CHOICES,
    CancelForm,
    EndEarlyForm,
    FacilitatorForm,
    ParticipantForm,
    PreparationForm,
    ProcessOpenForm,
    RecordForm,
    RescheduleForm,
    SessionForm,
    StageForm,
    SupportsForm,
)
from reparo.processes.gate import joint_meeting_gate
from reparo.processes.ics import session_ics
from reparo.processes.models import ProcessStage

_errors = errors_text


def _back(process: Any, anchor: str = "") -> HttpResponse:
    return redirect(reverse("processes:detail", kwargs={"pk": process.pk}) + (f"#{anchor}" if anchor else ""))


def _work(
    request: HttpRequest, call: Any, process: Any, success: str, anchor: str = "", form: Any = None
) -> HttpResponse:
    back_to = reverse("processes:detail", kwargs={"pk": process.pk}) + (f"#{anchor}" if anchor else "")
    return run_action(request, call, success=success, back_to=back_to, form=form)


@require_POST
def process_open(request: HttpRequest, case_pk: Any) -> HttpResponse:
    case = case_get_for(request.user, case_pk)
    form = ProcessOpenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _errors(form))
        return redirect("cases:detail", pk=case.pk)
    try:
        process = services.process_open(actor=request.user, case=case, type=form.cleaned_data["type"])
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect("cases:detail", pk=case.pk)
    return redirect("processes:detail", pk=process.pk)


def process_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    process = selectors.process_get_for(request.user, pk)
    access = selectors.process_access_for(request.user, process)
    if access.responsible_side_only:
        return render(
            request,
            "processes/responsible_side.html",
            {
                "process": process,
                "participants": selectors.participants_of(process, responsible_side_only=True),
                "sessions": selectors.upcoming_sessions(process),
            },
        )
    participants = selectors.participants_of(process)
    team = users_on_team([m.user_id for m in team_of(process.case)])
    checklist = content.checklist_for(process.type)
    return render(
        request,
        "processes/detail.html",
        {
            "process": process,
            "access": access,
            "participants": participants,
            "facilitators": selectors.facilitators_of(process),
            "sessions": selectors.sessions_of(process),
            "upcoming": selectors.upcoming_sessions(process)[:5],
            **process_page_extras(process),
            "panels": process_page_panels(request.user, process, access),
            "gate": joint_meeting_gate(process),
            "checklist": checklist,
            "preparation_progress": selectors.preparation_progress(process, participants, checklist),
            # Several forms on one page: each names its fields' ids, so that no two share one ("id_role").
            "participant_form": ParticipantForm(
                case_participants=case_participants_of(process.case), auto_id="id_participant_%s"
            ),
            "facilitator_form": FacilitatorForm(team=team, auto_id="id_facilitator_%s"),
            "preparation_form": PreparationForm(
                participants=participants, checklist=checklist, auto_id="id_preparation_%s"
            ),
            "end_form": EndEarlyForm(auto_id="id_end_%s"),
            "supports_choices": SUPPORTS_CHOICES,
            "stage_form": StageForm(auto_id="id_stage_%s"),
            "next_stages": [(s, ProcessStage(s).label) for s in process.allowed_stages()],
        },
    )


@require_POST
def participant_add(request: HttpRequest, pk: Any) -> HttpResponse:
    process = selectors.process_get_for(request.user, pk)
    form = ParticipantForm(request.POST, case_participants=case_participants_of(process.case))
    return _work(
        request,
        lambda: services.participant_add(actor=request.user, process=process, **form.cleaned_data),
        process, _("Added."), "participants",
        form=form,
    )  # fmt: skip


@require_POST
def participant_supports(request: HttpRequest, pk: Any, participant_pk: Any) -> HttpResponse:
    """Whose side a supporter (or a community member) comes with."""
    process = selectors.process_get_for(request.user, pk)
    participant = selectors.participant_in(process, participant_pk)
    form = SupportsForm(request.POST)
    return _work(
        request,
        lambda: services.participant_supports_set(
            actor=request.user, participant=participant, supports=form.cleaned_data["supports"]
        ),
        process, _("Recorded."), "participants",
        form=form,
    )  # fmt: skip


@require_POST
def participant_withdraw(request: HttpRequest, pk: Any, participant_pk: Any) -> HttpResponse:
    process = selectors.process_get_for(request.user, pk)
    participant = selectors.participant_in(process, participant_pk)
    close_case = request.POST.get("close_case") == "yes"
    return _work(
        request,
        lambda: services.participant_withdraw(actor=request.user, participant=participant, close_case=close_case),
        process, _("Recorded. No reason is needed."), "participants",
    )  # fmt: skip


@require_POST
def facilitator_assign(request: HttpRequest, pk: Any) -> HttpResponse:
    process = selectors.process_get_for(request.user, pk)
    form = FacilitatorForm(request.POST, team=users_on_team([m.user_id for m in team_of(process.case)]))
    return _work(
        request,
        lambda: services.facilitator_assign(actor=request.user, process=process, **form.cleaned_data),
        process, _("Assigned."), "facilitators",
        form=form,
    )  # fmt: skip


@require_POST
def stage_move(request: HttpRequest, pk: Any) -> HttpResponse:
    process = selectors.process_get_for(request.user, pk)
    to_stage = request.POST.get("to_stage", "")
    return _work(
        request, lambda: services.process_move(actor=request.user, process=process, to_stage=to_stage), process,
        _("The stage has changed."),
    )  # fmt: skip


@require_POST
def end_early(request: HttpRequest, pk: Any) -> HttpResponse:
    process = selectors.process_get_for(request.user, pk)
    form = EndEarlyForm(request.POST)
    return _work(
        request,
        lambda: services.process_end_early(actor=request.user, process=process, **form.cleaned_data),
        process, _("The process has ended. Future sessions are cancelled."),
        form=form,
    )  # fmt: skip


@require_POST
def resume(request: HttpRequest, pk: Any) -> HttpResponse:
    process = selectors.process_get_for(request.user, pk)
    return _work(request, lambda: services.process_resume(actor=request.user, process=process), process, _("Resumed."))


@require_POST
def preparation_add(request: HttpRequest, pk: Any) -> HttpResponse:
    process = selectors.process_get_for(request.user, pk)
    form = PreparationForm(
        request.POST, participants=selectors.participants_of(process), checklist=content.checklist_for(process.type)
    )
    return _work(
        request,
        lambda: services.preparation_record(actor=request.user, process=process, **form.cleaned_data),
        process, _("Preparation recorded."), "preparation",
        form=form,
    )  # fmt: skip


def session_new(request: HttpRequest, pk: Any) -> HttpResponse:
    process = selectors.process_get_for(request.user, pk)
    access = selectors.process_access_for(request.user, process)
    if not access.can_work:
        raise Http404
    return form_page(
        request,
        SessionForm,
        form_kwargs={"participants": selectors.active_participants_of(process)},
        template="processes/session_new.html",
        context=lambda: {"process": process, "gate": joint_meeting_gate(process), "gate_refusal": []},
        call=lambda form: services.session_schedule(
            actor=request.user,
            process=process,
            starts_at=form.cleaned_data["starts_at"],
            duration_minutes=form.cleaned_data["duration_minutes"],
            mode=form.cleaned_data["mode"],
            invited=form.cleaned_data["invited"],
            venue=form.cleaned_data["venue"],
            online_link=form.cleaned_data["online_link"],
            interpreter_language=form.cleaned_data["interpreter_language"],
            times=form.times(),
        ),
        success=_("The session is scheduled."),
        back_to=lambda session: reverse("processes:session", kwargs={"pk": process.pk, "session_pk": session.pk}),
        conflicts={services.GateClosedError: lambda exc, form: (form, {"gate_refusal": exc.reasons})},
    )


def session_detail(request: HttpRequest, pk: Any, session_pk: Any) -> HttpResponse:
    process = selectors.process_get_for(request.user, pk)
    access = selectors.process_access_for(request.user, process)
    if not access.can_work:
        raise Http404
    session = selectors.session_in(process, session_pk)
    invitations = selectors.invitations_of(session)
    return render(
        request,
        "processes/session.html",
        {
            "process": process,
            "session": session,
            # A one-side session booked before one-side agendas existed carries the joint one: show what fits it.
            "agenda": session.agenda if session.is_joint else content.agenda_for(process.type, joint=False),
            "invitations": invitations,
            "record_form": RecordForm(
                invitations=invitations,
                initial={"record": session.record, "attended": [i.pk for i in invitations if i.attended]},
            ),
            "reschedule_form": RescheduleForm(auto_id="id_move_%s"),  # two forms with a "reason": ids of their own
            "cancel_form": CancelForm(auto_id="id_cancel_%s"),
            "has_started": session.starts_at <= timezone.now(),
        },
    )


@require_POST
def session_cancel(request: HttpRequest, pk: Any, session_pk: Any) -> HttpResponse:
    process = selectors.process_get_for(request.user, pk)
    session = selectors.session_in(process, session_pk)
    form = CancelForm(request.POST)
    reason = form.cleaned_data.get("reason", "") if form.is_valid() else ""
    return _work(
        request,
        lambda: services.session_cancel(actor=request.user, session=session, reason=reason),
        process, _("The session is cancelled."), "sessions",
    )  # fmt: skip


@require_POST
def session_reschedule(request: HttpRequest, pk: Any, session_pk: Any) -> HttpResponse:
    process = selectors.process_get_for(request.user, pk)
    session = selectors.session_in(process, session_pk)
    form = RescheduleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _errors(form))
        return redirect("processes:session", pk=process.pk, session_pk=session.pk)
    return _work(
        request,
        lambda: services.session_reschedule(actor=request.user, session=session, **form.cleaned_data),
        process, _("The session has moved."), "sessions",
    )  # fmt: skip


@require_POST
def session_record(request: HttpRequest, pk: Any, session_pk: Any) -> HttpResponse:
    process = selectors.process_get_for(request.user, pk)
    session = selectors.session_in(process, session_pk)
    form = RecordForm(request.POST, invitations=selectors.invitations_of(session))
    if not form.is_valid():
        messages.error(request, _errors(form))
        return redirect("processes:session", pk=process.pk, session_pk=session.pk)
    return _work(
        request,
        lambda: services.session_record(
            actor=request.user, session=session, attended=form.cleaned_data["attended"],
            record=form.cleaned_data["record"],
        ),
        process, _("The session record is saved."), "sessions",
    )  # fmt: skip


def session_calendar(request: HttpRequest, pk: Any, session_pk: Any, participant_pk: Any) -> HttpResponse:
    process = selectors.process_get_for(request.user, pk)
    if not selectors.process_access_for(request.user, process).can_work:
        raise Http404
    session = selectors.session_in(process, session_pk)
    participant = selectors.participant_in(process, participant_pk)
    response = HttpResponse(session_ics(session, participant), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="appointment.ics"'
    return response


def my_week(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "processes/my_week.html",
        {
            "sessions": selectors.sessions_for_week(request.user),
            "today": timezone.localdate(),
            "panels": my_week_panels(request.user),
        },
    )


@require_POST
def invitation_reply(request: HttpRequest, pk: Any, session_pk: Any, invitation_pk: Any) -> HttpResponse:
    process = selectors.process_get_for(request.user, pk)
    session = selectors.session_in(process, session_pk)
    invitation = selectors.invitation_in(session, invitation_pk)
    reply = request.POST.get("reply", "")
    return run_action(
        request,
        lambda: services.invitation_reply(actor=request.user, invitation=invitation, reply=reply),
        success=_("Reply recorded."),
        back_to=reverse("processes:session", kwargs={"pk": process.pk, "session_pk": session.pk}),
    )
