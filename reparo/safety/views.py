"""Safety screens. Every one goes through the case or process selectors, and none is open to the
responsible-person side: 404, as for anything that is not yours."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from reparo.access.capabilities import Capability
from reparo.audit.concurrency import edit_page
from reparo.cases.selectors import case_get_for, processes_of_case
from reparo.core.actions import form_page, run_action
from reparo.organisations.selectors import program_get_for
from reparo.processes.gate import joint_meeting_gate
from reparo.processes.models import ProcessRole
from reparo.processes.selectors import process_get_for, sessions_of
from reparo.safety import selectors, services
from reparo.safety.forms import CheckInForm, RestrictionForm, SafetyPlanForm, ScreeningForm, ThresholdForm
from reparo.safety.gate import process_consent_ref
from reparo.safety.instruments import instrument_get
from reparo.safety.models import ScreeningKind

KIND_ROLES: dict[str, set[str]] = {
    ScreeningKind.SURVIVOR_READINESS: {ProcessRole.SURVIVOR},
    ScreeningKind.RESPONSIBLE_SUITABILITY: {ProcessRole.RESPONSIBLE, ProcessRole.CORE_MEMBER},
    ScreeningKind.RISK_ASSESSMENT: set(),
}


PER_PAGE = 25
OVERVIEW_RESTRICTIONS = 10


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _page(request: HttpRequest, rows: Any) -> Any:
    return Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))


def case_overview(request: HttpRequest, pk: Any) -> HttpResponse:
    case = case_get_for(request.user, pk, need=Capability.WORK_ON_CASE)
    today = timezone.localdate()
    plans = list(selectors.safety_plans_of(case))
    planned = {p.person_id for p in plans}
    page = _page(request, selectors.screenings_of_case(case))
    services.screenings_viewed(actor=request.user, case=case, screenings=list(page.object_list))
    return render(
        request,
        "safety/case.html",
        {
            "case": case,
            "plans": [(p, p.review_due(today)) for p in plans],
            "unplanned": [p for p in selectors.people_of_case(case, role="survivor") if p.pk not in planned],
            "page": page,
            "screenings": page.object_list,
            "restrictions": selectors.restrictions_of(case)[:OVERVIEW_RESTRICTIONS],
            "restriction_count": selectors.restriction_count(case),
            "processes": processes_of_case(case),
            "threshold": selectors.distress_threshold(case.program),
            "now": timezone.now(),
        },
    )


def trend(request: HttpRequest, pk: Any) -> HttpResponse:
    """Distress ratings on the case, oldest first: a small panel the case page loads only when opened."""
    case = case_get_for(request.user, pk, need=Capability.WORK_ON_CASE)
    context = {"case": case, "checkins": selectors.checkins_of_case(case)}
    return render(request, "safety/_trend.html" if _is_htmx(request) else "safety/trend.html", context)


def process_screenings(request: HttpRequest, pk: Any) -> HttpResponse:
    process = process_get_for(request.user, pk, need=Capability.WORK_ON_CASE)
    now = timezone.now()
    page = _page(request, selectors.screenings_of(process))
    services.screenings_viewed(
        actor=request.user, case=process.case, process=process, screenings=list(page.object_list)
    )
    return render(
        request,
        "safety/process.html",
        {
            "process": process,
            "page": page,
            "screenings": page.object_list,
            "kinds": ScreeningKind.choices,
            "can_sign_off": selectors.can_sign_off(request.user, process.case),
            "gate": joint_meeting_gate(process, at=now),
            "consent_ref": process_consent_ref(process),
            "now": now,
        },
    )


def screening_new(request: HttpRequest, pk: Any, kind: str) -> HttpResponse:
    process = process_get_for(request.user, pk, need=Capability.WORK_ON_CASE)
    if kind not in ScreeningKind.values:
        raise Http404
    instrument = instrument_get(kind)
    return form_page(
        request,
        ScreeningForm,
        form_kwargs={"instrument": instrument, "people": selectors.people_of_process(process, roles=KIND_ROLES[kind])},
        template="safety/screening_new.html",
        context={"process": process, "instrument": instrument, "kind_label": ScreeningKind(kind).label},
        call=lambda form: services.screening_complete(
            actor=request.user, process=process, kind=kind, **form.service_kwargs()
        ),
        success=_("Saved. It counts once a supervisor signs it off."),
        back_to=reverse("safety:process", kwargs={"pk": process.pk}),
    )


@require_POST
def screening_sign_off(request: HttpRequest, pk: Any) -> HttpResponse:
    screening = selectors.screening_get_for(request.user, pk)
    return run_action(
        request,
        lambda: services.screening_sign_off(actor=request.user, screening=screening),
        success=_("Signed off."),
        back_to=reverse("safety:process", kwargs={"pk": screening.process_id}),
    )


def _plan_initial(plan: Any) -> dict[str, Any]:
    initial = {name: getattr(plan, name) for name in services.PLAN_FIELDS}
    return initial | {"version": plan.version, "next_review_on": plan.next_review_on}


def safety_plan(request: HttpRequest, pk: Any, person_pk: Any) -> HttpResponse:
    case = case_get_for(request.user, pk, need=Capability.WORK_ON_CASE)
    person = selectors.survivor_in(case, person_pk)
    plan = selectors.safety_plan_of(case, person)
    if request.method != "POST" and plan is not None:
        services.safety_plan_viewed(actor=request.user, plan=plan, purpose=_("Opened"))

    def reread() -> Any:
        fresh = selectors.safety_plan_of(case, person)
        if fresh is not None:
            services.safety_plan_viewed(actor=request.user, plan=fresh, purpose=_("Edit conflict"))
        return fresh

    return edit_page(
        request,
        SafetyPlanForm,
        record=plan,
        reread=reread,
        values=lambda plan: _plan_initial(plan) if plan is not None else {},
        template="safety/plan.html",
        context=lambda plan: {
            "case": case,
            "person": person,
            "plan": plan,
            "review_due": plan is not None and plan.review_due(timezone.localdate()),
        },
        call=lambda form: services.safety_plan_save(actor=request.user, case=case, person=person, **form.cleaned_data),
        success=_("The safety plan is saved."),
        back_to=reverse("safety:case", kwargs={"pk": case.pk}),
    )


@require_POST
def safety_plan_share(request: HttpRequest, pk: Any, person_pk: Any) -> HttpResponse:
    """The facilitator's choice whether the survivor may read their own plan in the portal."""
    case = case_get_for(request.user, pk, need=Capability.WORK_ON_CASE)
    person = selectors.survivor_in(case, person_pk)
    plan = selectors.safety_plan_of(case, person)
    if plan is None:
        raise Http404
    shared = request.POST.get("shared") == "yes"
    return run_action(
        request, lambda: services.safety_plan_share(actor=request.user, plan=plan, shared=shared),
        success=_("The survivor can now read this plan in the portal.") if shared
        else _("The survivor can no longer read this plan in the portal."),
        back_to=reverse("safety:plan", args=[case.pk, person.pk]),
    )  # fmt: skip


def restrictions(request: HttpRequest, pk: Any) -> HttpResponse:
    case = case_get_for(request.user, pk, need=Capability.WORK_ON_CASE)

    def context() -> dict[str, Any]:
        page = _page(request, selectors.restrictions_of(case))
        return {"case": case, "page": page, "restrictions": page.object_list, "today": timezone.localdate(),
                "can_lift": selectors.can_lift_restrictions(request.user, case)}  # fmt: skip

    return form_page(
        request,
        RestrictionForm,
        form_kwargs={"people": selectors.people_of_case(case)},
        template="safety/restrictions.html",
        context=context,
        call=lambda form: services.restriction_record(actor=request.user, case=case, **form.cleaned_data),
        success=_("The restriction is recorded."),
        back_to=reverse("safety:restrictions", kwargs={"pk": case.pk}),
    )


@require_POST
def restriction_lift(request: HttpRequest, pk: Any, restriction_pk: Any) -> HttpResponse:
    case = case_get_for(request.user, pk, need=Capability.WORK_ON_CASE)
    restriction = selectors.restriction_in(case, restriction_pk)
    back_to = reverse("safety:restrictions", kwargs={"pk": case.pk})
    if not selectors.can_lift_restrictions(request.user, case):
        messages.error(request, services.lift_refused_message())
        return redirect(back_to)
    return run_action(
        request,
        lambda: services.restriction_lift(actor=request.user, restriction=restriction),
        success=_("The restriction is lifted."),
        back_to=back_to,
    )


def checkin(request: HttpRequest, pk: Any) -> HttpResponse:
    process = process_get_for(request.user, pk, need=Capability.WORK_ON_CASE)

    def said(checkin: Any) -> None:
        if checkin.at_threshold:
            messages.warning(
                request,
                _("The rating is at or above the threshold: the process is paused, any joint sessions already "
                  "booked are cancelled, the team is told, and a follow-up task is created."),
            )  # fmt: skip
        else:
            messages.success(request, _("The check-in is recorded."))

    return form_page(
        request,
        CheckInForm,
        form_kwargs={
            "people": selectors.people_of_process(process),
            "sessions": sessions_of(process),
            "preparations": selectors.preparations_of(process),
        },
        initial={"session": request.GET["session"]} if request.GET.get("session") else {},
        template="safety/checkin.html",
        context={"process": process},
        call=lambda form: services.distress_record(actor=request.user, process=process, **form.cleaned_data),
        success=said,
        back_to=reverse("processes:detail", kwargs={"pk": process.pk}),
    )


def notices(request: HttpRequest) -> HttpResponse:
    return render(request, "safety/notices.html", {"notices": selectors.notices_for(request.user)[:50]})


@require_POST
def notice_read(request: HttpRequest, pk: Any) -> HttpResponse:
    notice = selectors.notice_get_for(request.user, pk)
    return run_action(
        request,
        lambda: services.notice_read(actor=request.user, notice=notice),
        success=_("Marked as read."),
        back_to=reverse("safety:notices"),
    )


def program_threshold(request: HttpRequest, pk: Any) -> HttpResponse:
    program = program_get_for(request.user, pk, need=Capability.SEE_ALL_ORG_CASES)
    current = selectors.distress_threshold(program)
    return form_page(
        request,
        ThresholdForm,
        initial={"threshold": current},
        template="safety/threshold.html",
        context={"program": program, "current": current},
        call=lambda form: services.program_threshold_set(actor=request.user, program=program, **form.cleaned_data),
        success=_("Saved."),
        back_to=reverse("safety:program_threshold", kwargs={"pk": program.pk}),
    )
