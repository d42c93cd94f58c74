from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from reparo.access.actors import user_can
from reparo.access.capabilities import Capability
from reparo.audit.concurrency import edit_page
from reparo.cases import selectors, services
from reparo.cases.extensions import case_page_forms, case_page_panels
from reparo.cases.forms import (
    CaseEditForm,
    CaseFilterForm,
    CaseSearchForm,
    HarmForm,
    IntakeForm,
    NeedForm,
    NoteEditForm,
    NoteForm,
    TaskForm,
    TeamForm,
    TransitionForm,
)
from reparo.cases.models import CaseStatus, ParticipantRole
from reparo.core.actions import errors_text, form_page, run_action


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _require_program_work(request: HttpRequest) -> None:
    """The case list and search are for staff of a program: a partner user (or anyone else) is answered 404."""
    if not user_can(request.user, Capability.WORK_IN_PROGRAM):
        raise Http404


def case_list(request: HttpRequest) -> HttpResponse:
    _require_program_work(request)
    form = CaseFilterForm(
        request.GET or None,
        programs=selectors.program_choices(request.user),
        colleagues=selectors.colleague_choices(request.user),
    )
    filters: dict[str, Any] = {}
    per_page = 25
    if form.is_bound:
        form.is_valid()  # show errors for what is wrong, and still apply every filter that is right
        data = dict.fromkeys(form.fields) | form.cleaned_data
        filters = {
            "program": data["program"],
            "status": data["status"],
            "team_member": data["team_member"],
            "overdue": data["overdue"],
        }
        per_page = data["per_page"] or 25
    search = (
        selectors.SearchKey.from_dict(request.session.get(SEARCH_SESSION_KEY)) if request.GET.get("search") else None
    )
    page = selectors.case_list_page(
        request.user, number=request.GET.get("page"), per_page=per_page, search=search, **filters
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "search_form": CaseSearchForm(),
        "searching": search is not None,
        "page": page,
        "lead_names": selectors.user_names(request.user, [row["lead_id"] for row in page.object_list]),
        "query": query.urlencode(),
        "filtered": any(filters.values()) or search is not None,
    }
    return render(request, "cases/_list_rows.html" if _is_htmx(request) else "cases/list.html", context)


SEARCH_SESSION_KEY = "reparo_case_search"


@require_POST
def case_search(request: HttpRequest) -> HttpResponse:
    """Search by POST: the words typed (often a name or a phone number) never appear in a URL, a browser's
    history or a server log. Only blind-index digests are kept, in the session, for paging through results."""
    _require_program_work(request)
    form = CaseSearchForm(request.POST)
    q = form.cleaned_data["q"].strip() if form.is_valid() else ""
    if "clear" in request.POST or not q:
        request.session.pop(SEARCH_SESSION_KEY, None)
        return redirect("cases:list")
    key = selectors.SearchKey.from_text(q, regions=selectors.phone_regions_for(request.user))
    request.session[SEARCH_SESSION_KEY] = key.as_dict()
    services.case_search_recorded(actor=request.user, kinds=key.kinds)
    return redirect(f"{reverse('cases:list')}?search=1")


def intake(request: HttpRequest) -> HttpResponse:
    if not selectors.may_open_cases(request.user):
        raise Http404
    programs = selectors.programs_for_intake(request.user)
    draft = selectors.intake_draft_get_for(request.user, request.GET["draft"]) if request.GET.get("draft") else None
    if request.method == "POST":
        draft_id = request.POST.get("draft_id")
        draft = selectors.intake_draft_get_for(request.user, draft_id) if draft_id else None
        if "save_draft" in request.POST:
            organisation = selectors.intake_draft_organisation(request.user, request.POST.get("program", ""))
            typed = {key: request.POST.getlist(key) for key in request.POST if key != "csrfmiddlewaretoken"}
            draft = services.intake_draft_save(actor=request.user, organisation=organisation, data=typed, draft=draft)
            messages.success(request, _("Draft saved. Only you can see it."))
            return redirect(f"{reverse('cases:intake')}?draft={draft.pk}")

    def case_open(form: IntakeForm) -> Any:
        data = form.cleaned_data
        return services.case_open(
            actor=request.user,
            program=data["program"],
            referral_source=data["referral_source"],
            referral_date=data["referral_date"],
            summary=data["summary"],
            survivor=form.survivor_fields(),
            responsible=form.responsible_fields(),
            exploitation_types=data["exploitation_types"],
            methods_of_control=data["methods_of_control"],
            recruitment_methods=data["recruitment_methods"],
            harm_description=data["harm_description"],
            needs=form.needs(),
            draft=draft,
        )

    return form_page(
        request,
        IntakeForm,
        form_kwargs={"programs": programs},
        initial=_draft_initial(draft),
        template="cases/intake.html",
        context=lambda: {"draft": draft, "drafts": selectors.intake_drafts_of(request.user)[:10]},
        call=case_open,
        success=_("The case has been opened."),
        back_to=lambda case: reverse("cases:detail", kwargs={"pk": case.pk}),
        invalid_status=200,
    )


def _draft_initial(draft: Any) -> dict[str, Any]:
    if draft is None:
        return {}
    data = dict(draft.data or {})
    multi = ("languages", "exploitation_types", "methods_of_control", "recruitment_methods")
    return {k: (v if k in multi else (v[-1] if isinstance(v, list) and v else v)) for k, v in data.items()}


def _case_context(request: HttpRequest, case: Any, access: Any, **extra: Any) -> dict[str, Any]:
    team = access.team if access.team is not None else list(selectors.team_of(case))
    participants = selectors.case_participants(case)
    notes = selectors.notes_on_page(request.user, case, access)
    tasks = selectors.tasks_on_page(case)
    context = {
        "case": case,
        "access": access,
        "participants": participants,
        "harms": selectors.harms_of(case),
        "needs": selectors.needs_of(case),
        "team": team,
        "notes": notes,
        "tasks": tasks,
        "today": selectors.today(),
        "transition_form": TransitionForm(),
        "transitions": [(status, CaseStatus(status).label) for status in case.allowed_transitions()],
        "note_form": NoteForm(),
        "processes": selectors.processes_of_case(case),
        **case_page_forms(),
        "panels": case_page_panels(request.user, case, access),
    }
    context.update(extra)
    return context


def _team_users(team: Any) -> Any:
    return selectors.users_on_team([m.user_id for m in team])


def _errors_text(form: Any) -> str:
    return errors_text(form)


def case_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    case = selectors.case_get_for(request.user, pk)
    access = selectors.case_access_for(request.user, case, with_team=True)
    if access.responsible_side_only:
        return redirect("cases:responsible_side", pk=case.pk)
    return render(request, "cases/detail.html", _case_context(request, case, access))


def responsible_side(request: HttpRequest, pk: Any) -> HttpResponse:
    """The case as the responsible-person side may see it: never the survivor's identity or contact."""
    case = selectors.case_get_for(request.user, pk)
    access = selectors.case_access_for(request.user, case)
    participants = [p for p in selectors.participants_of(case) if p.role == ParticipantRole.RESPONSIBLE]
    return render(
        request,
        "cases/responsible_side.html",
        {
            "case": case,
            "access": access,
            "participants": participants,
            "status_label": selectors.status_label_for_responsible_side(case.status),
            "timeline": selectors.responsible_side_timeline(request.user, case, access),
            "panels": case_page_panels(request.user, case, access, responsible_side=True),
        },
    )


def case_edit(request: HttpRequest, pk: Any) -> HttpResponse:
    case = selectors.case_get_for(request.user, pk)
    access = selectors.case_access_for(request.user, case)
    if not access.can_work:
        raise Http404
    return edit_page(
        request,
        CaseEditForm,
        record=case,
        reread=lambda: selectors.case_get_for(request.user, pk),
        values=lambda case: {
            "version": case.version,
            "summary": case.summary,
            "referral_source": case.referral_source,
            "referral_date": case.referral_date,
        },
        template="cases/edit.html",
        context=lambda case: {"case": case},
        call=lambda form: services.case_update(
            actor=request.user,
            case=case,
            version=form.cleaned_data["version"],
            summary=form.cleaned_data["summary"] or None,
            referral_source=form.cleaned_data["referral_source"],
            referral_date=form.cleaned_data["referral_date"],
        ),
        success=_("Saved."),
        back_to=reverse("cases:detail", kwargs={"pk": case.pk}),
    )


@require_POST
def case_transition(request: HttpRequest, pk: Any) -> HttpResponse:
    case = selectors.case_get_for(request.user, pk)
    form = TransitionForm(request.POST)
    if form.is_valid():
        try:
            services.case_transition(
                actor=request.user,
                case=case,
                to_status=form.cleaned_data["to_status"],
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, _("The case status has changed."))
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, _("Choose where the case should move."))
    return redirect("cases:detail", pk=case.pk)


def _notes_partial(request: HttpRequest, case: Any, *, form: Any = None, status: int = 200) -> HttpResponse:
    access = selectors.case_access_for(request.user, case)
    return render(
        request,
        "cases/_notes.html",
        {"case": case, "access": access, "notes": selectors.notes_for(request.user, case, access),
         "note_form": form or NoteForm()},
        status=status,
    )  # fmt: skip


@require_POST
def note_add(request: HttpRequest, pk: Any) -> HttpResponse:
    case = selectors.case_get_for(request.user, pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.note_add(actor=request.user, case=case, **form.cleaned_data)
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            form.add_error(None, exc)
    ok = not form.errors
    if _is_htmx(request):
        return _notes_partial(request, case, form=None if ok else form, status=200 if ok else 400)
    if ok:
        messages.success(request, _("Note saved."))
    else:
        messages.error(request, _errors_text(form))
    return redirect(f"{reverse('cases:detail', kwargs={'pk': case.pk})}#notes")


def note_edit(request: HttpRequest, pk: Any, note_pk: Any) -> HttpResponse:
    case = selectors.case_get_for(request.user, pk)
    note = selectors.note_get_for(request.user, case, note_pk)
    if note.author_id != request.user.pk:
        raise Http404  # a note is its author's words: others add a note of their own
    return edit_page(
        request,
        NoteEditForm,
        record=note,
        reread=lambda: selectors.note_get_for(request.user, case, note_pk),
        values=lambda note: {"body": note.body, "confidentiality": note.confidentiality, "version": note.version},
        template="cases/note_edit.html",
        context=lambda note: {"case": case, "note": note},
        call=lambda form: services.note_update(actor=request.user, note=note, **form.cleaned_data),
        success=_("Note saved."),
        back_to=_back(case, "notes"),
    )


def _back(case: Any, anchor: str) -> str:
    return f"{reverse('cases:detail', kwargs={'pk': case.pk})}#{anchor}"


@require_POST
def task_add(request: HttpRequest, pk: Any) -> HttpResponse:
    case = selectors.case_get_for(request.user, pk)
    form = TaskForm(request.POST, team=_team_users(selectors.team_of(case)))
    return run_action(
        request,
        lambda: services.task_add(actor=request.user, case=case, **form.cleaned_data),
        form=form,
        success=_("Task added."),
        back_to=_back(case, "tasks"),
    )


@require_POST
def task_complete(request: HttpRequest, pk: Any, task_pk: Any) -> HttpResponse:
    case = selectors.case_get_for(request.user, pk)
    task = selectors.task_in(case, task_pk)
    return run_action(
        request,
        lambda: services.task_complete(actor=request.user, task=task),
        success=_("Done."),
        back_to=_back(case, "tasks"),
    )


@require_POST
def team_add(request: HttpRequest, pk: Any) -> HttpResponse:
    case = selectors.case_get_for(request.user, pk)
    form = TeamForm(request.POST, colleagues=selectors.colleagues_of(request.user))
    return run_action(
        request,
        lambda: services.team_member_add(actor=request.user, case=case, **form.cleaned_data),
        form=form,
        success=_("Added to the case team."),
        back_to=_back(case, "team"),
    )


@require_POST
def team_remove(request: HttpRequest, pk: Any, member_pk: Any) -> HttpResponse:
    case = selectors.case_get_for(request.user, pk)
    member = selectors.team_member_in(case, member_pk)
    return run_action(
        request,
        lambda: services.team_member_remove(actor=request.user, member=member),
        success=_("Removed from the case team."),
        back_to=_back(case, "team"),
    )


@require_POST
def need_add(request: HttpRequest, pk: Any) -> HttpResponse:
    case = selectors.case_get_for(request.user, pk)
    form = NeedForm(request.POST)
    return run_action(
        request,
        lambda: services.need_add(actor=request.user, case=case, **form.cleaned_data),
        form=form,
        success=_("Need recorded."),
        back_to=_back(case, "needs"),
    )


@require_POST
def harm_add(request: HttpRequest, pk: Any) -> HttpResponse:
    case = selectors.case_get_for(request.user, pk)
    form = HarmForm(request.POST)
    return run_action(
        request,
        lambda: services.harm_add(actor=request.user, case=case, **form.cleaned_data),
        form=form,
        success=_("Recorded."),
        back_to=_back(case, "harms"),
    )


def case_form(request: HttpRequest, pk: Any, name: str) -> HttpResponse:
    """The larger forms of the case page, loaded when opened (htmx) or as a page of their own (no JavaScript)."""
    case = selectors.case_get_for(request.user, pk)
    access = selectors.case_access_for(request.user, case)
    if name == "harm" and access.can_work:
        form: Any = HarmForm()
    elif name == "need" and access.can_work:
        form = NeedForm()
    elif name == "task" and access.can_work:
        form = TaskForm(team=_team_users(list(selectors.team_of(case))))
    elif name == "team" and access.can_manage_team:
        form = TeamForm(colleagues=selectors.colleagues_of(request.user))
    else:
        raise Http404
    partial = f"cases/_form_{name}.html"
    context = {"case": case, "form": form, "partial": partial}
    return render(request, partial if _is_htmx(request) else "cases/form_page.html", context)


def timeline(request: HttpRequest, pk: Any) -> HttpResponse:
    """The case's timeline, which the case page loads when it is opened (htmx), or a page of its own (no JavaScript).
    The responsible-person side gets its neutral timeline (:func:`selectors.timeline_for`); asked for as a page, it
    is sent to its own side of the case, as the case page sends it."""
    case = selectors.case_get_for(request.user, pk)
    access = selectors.case_access_for(request.user, case)
    if not _is_htmx(request) and access.responsible_side_only:
        return redirect(f"{reverse('cases:responsible_side', kwargs={'pk': case.pk})}#timeline")
    context = {"case": case, "timeline": selectors.timeline_for(request.user, case, access)}
    return render(request, "cases/_timeline.html" if _is_htmx(request) else "cases/timeline.html", context)
