"""Training screens: my training (facilitators), the team, expiring certifications and the framework
(coordinators and admins), assessment (assessors), and the role-play player (htmx, and without JavaScript)."""

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

from reparo.core.actions import errors_text, run_action
from reparo.core.pagination import page_of
from reparo.processes.models import ProcessType
from reparo.processes.selectors import process_access_for, process_get_for
from reparo.training import access, selectors, services
from reparo.training.eligibility import eligible_facilitators, program_settings
from reparo.training.forms import (
    CertificationForm,
    ColleagueObservationForm,
    CompetencyForm,
    ConflictForm,
    CourseForm,
    CourseSessionForm,
    CPDForm,
    ManagerProfileForm,
    ObservationForm,
    OpenToPartnersForm,
    PartnerForm,
    PreferenceForm,
    ProfileForm,
    ProgramSettingsForm,
    ReflectionForm,
    RequirementForm,
    SupervisionForm,
    SuspendForm,
)
from reparo.training.framework import competencies_of
from reparo.training.models import Level
from reparo.training.scenarios import library, scenario_get


def _org(request: HttpRequest) -> Any:
    return access.home_organisation(request.user)


def _manager(request: HttpRequest) -> Any:
    organisation = _org(request)
    if not access.is_manager(request.user, organisation):
        raise Http404
    return organisation


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def my_training(request: HttpRequest, user_pk: Any = None) -> HttpResponse:
    """A facilitator's training record: their own, or (managers) one of their organisation's."""
    organisation = _org(request)
    person = selectors.facilitator_get_for(request.user, organisation, user_pk or request.user.pk)
    own = person == request.user
    profile = selectors.facilitator_profile_of(person, organisation)
    competencies = competencies_of(organisation)
    return render(
        request,
        "training/mine.html",
        {
            "person": person,
            "own": own,
            "profile": profile,
            "progress": selectors.cpd_progress(person, organisation),
            "cpd": selectors.cpd_entries(person, organisation)[:20],
            # Each certification with its own suspend form: ids unique on the page (one "reason" field per row).
            "certifications": [
                (c, SuspendForm(auto_id=f"id_suspend_{c.pk}_%s"))
                for c in selectors.certifications_of(person, organisation)
            ],
            "attempts": selectors.attempts_of(person, organisation)[:20],
            "observations": selectors.observations_of(person, organisation)[:20],
            "supervision": selectors.supervision_of(person, organisation)[:20],
            "reflections": selectors.reflections_of(request.user, person, organisation)[:20],
            "course_hours": selectors.course_hours(person, organisation),
            "competency_names": {c.code: c.label for c in competencies},
            "level_names": dict(Level.choices),
            "is_assessor": access.is_assessor(request.user, organisation) and not own,
            "is_manager": access.is_manager(request.user, organisation),
            "cpd_form": CPDForm(initial={"done_on": timezone.localdate()}),
            "reflection_form": ReflectionForm(initial={"written_on": timezone.localdate()}),
            "profile_form": (ProfileForm if own else ManagerProfileForm)(
                initial={
                    "languages": profile.languages,
                    "gender": profile.gender,
                    "open_process_cap": profile.open_process_cap,
                }
            ),
            "conflict_form": ConflictForm(),
            "observation_form": ObservationForm(
                competencies=competencies,
                sessions=selectors.observable_sessions(request.user, person),
                initial={"observed_on": timezone.localdate()},
            ),
            "supervision_form": SupervisionForm(initial={"held_on": timezone.localdate()}),
            "certification_form": CertificationForm(
                programs=selectors.programs_of(organisation), competencies=competencies
            ),
            "colleague_form": ColleagueObservationForm(
                colleagues=selectors.other_members_of(organisation, request.user),
                competencies=competencies,
                sessions=selectors.sessions_led_by(request.user),
                initial={"observed_on": timezone.localdate(), "observer_role": "co_facilitator"},
            )
            if own
            else None,
            "missing": [
                (p, services.certification_requirements(person, p)) for p in selectors.programs_of(organisation)
            ]
            if access.is_assessor(request.user, organisation) and not own
            else [],
        },
    )


def _mine() -> str:
    return reverse("training:mine")


@require_POST
def cpd_add(request: HttpRequest) -> HttpResponse:
    organisation = _org(request)
    form = CPDForm(request.POST)
    return run_action(
        request,
        lambda: services.cpd_add(actor=request.user, organisation=organisation, **form.cleaned_data),
        success=_("Recorded."),
        back_to=_mine() + "#cpd",
        form=form,
    )


@require_POST
def reflection_add(request: HttpRequest) -> HttpResponse:
    organisation = _org(request)
    form = ReflectionForm(request.POST)
    return run_action(
        request,
        lambda: services.reflection_write(actor=request.user, organisation=organisation, **form.cleaned_data),
        success=_("Saved."),
        back_to=_mine() + "#reflections",
        form=form,
    )


@require_POST
def profile_edit(request: HttpRequest) -> HttpResponse:
    organisation = _org(request)
    form = ProfileForm(request.POST)
    return run_action(
        request,
        lambda: services.profile_update(
            actor=request.user, organisation=organisation, user=request.user, **form.cleaned_data
        ),
        success=_("Saved."),
        back_to=_mine() + "#profile",
        form=form,
    )


@require_POST
def profile_for(request: HttpRequest, user_pk: Any) -> HttpResponse:
    """A manager sets a facilitator's languages, gender and workload cap."""
    organisation = _manager(request)
    person = selectors.facilitator_get_for(request.user, organisation, user_pk)
    form = ManagerProfileForm(request.POST)
    return run_action(
        request,
        lambda: services.profile_update(
            actor=request.user, organisation=organisation, user=person, **form.cleaned_data
        ),
        success=_("Saved."),
        back_to=_person_back(person, "#profile"),
        form=form,
    )


@require_POST
def conflict_declare(request: HttpRequest) -> HttpResponse:
    organisation = _org(request)
    form = ConflictForm(request.POST)
    if not form.is_valid():
        messages.error(request, errors_text(form))
        return redirect(_mine() + "#profile")
    case = selectors.case_with_reference(request.user, organisation, form.cleaned_data["case_reference"])
    if case is None:
        messages.error(request, _("No case of yours has that reference. Tell your coordinator about the conflict."))
        return redirect(_mine() + "#profile")
    return run_action(
        request,
        lambda: services.conflict_declare(
            actor=request.user, organisation=organisation, case=case, description=form.cleaned_data["description"]
        ),
        success=_("Recorded."),
        back_to=_mine() + "#profile",
    )


@require_POST
def conflict_record_for(request: HttpRequest, user_pk: Any) -> HttpResponse:
    """A manager records a conflict of interest a facilitator has told them about."""
    organisation = _manager(request)
    person = selectors.facilitator_get_for(request.user, organisation, user_pk)
    back = _person_back(person, "#profile")
    form = ConflictForm(request.POST)
    if not form.is_valid():
        messages.error(request, errors_text(form))
        return redirect(back)
    case = selectors.case_with_reference(request.user, organisation, form.cleaned_data["case_reference"])
    if case is None:
        messages.error(request, _("No case you can see has that reference."))
        return redirect(back)
    return run_action(
        request,
        lambda: services.conflict_declare(
            actor=request.user, organisation=organisation, case=case, user=person,
            description=form.cleaned_data["description"],
        ),
        success=_("Recorded."),
        back_to=back,
    )  # fmt: skip


# Courses ------------------------------------------------------------------------------------------------------


def course_list(request: HttpRequest) -> HttpResponse:
    organisation = _org(request)
    is_manager = access.is_manager(request.user, organisation)
    form = CourseForm(request.POST or None, competencies=selectors.competency_queryset(organisation))
    if request.method == "POST":
        if not is_manager:
            raise Http404
        return run_action(
            request,
            lambda: services.course_create(
                actor=request.user,
                organisation=organisation,
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"],
                competencies=list(form.cleaned_data["competencies"]),
                is_workshop=form.cleaned_data["is_workshop"],
            ),
            success=_("Saved."),
            back_to=reverse("training:courses"),
            form=form,
        )
    return render(
        request,
        "training/courses.html",
        {
            "courses": selectors.courses_listed(organisation),
            "form": form,
            "is_manager": is_manager,
            "enrolled": selectors.enrolled_course_ids(request.user),
        },
    )


def course_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    organisation = _org(request)
    course = selectors.course_in(organisation, pk)
    is_manager = access.is_manager(request.user, organisation)
    enrolments = selectors.enrolments_of(course) if is_manager else []
    return render(
        request,
        "training/course.html",
        {
            "course": course,
            "is_manager": is_manager,
            "enrolments": enrolments,
            "partner_attendance": selectors.attendance_by_partner(organisation, course=course) if is_manager else [],
            "open_form": OpenToPartnersForm(
                partners=selectors.partner_choices(request.user),
                initial={"organisations": sorted(selectors.open_partner_ids(course))},
            )
            if is_manager
            else None,
            "session_form": CourseSessionForm(),
            "is_enrolled": course.pk in selectors.enrolled_course_ids(request.user),
            "attended": selectors.attendance_in(request.user, course),
            "present": selectors.present_at(course) if is_manager else set(),
        },
    )


@require_POST
def course_enrol(request: HttpRequest, pk: Any) -> HttpResponse:
    organisation = _org(request)
    course = selectors.course_in(organisation, pk)
    return run_action(
        request,
        lambda: services.enrol(actor=request.user, course=course, user=request.user),
        success=_("You are enrolled."),
        back_to=reverse("training:course", args=[course.pk]),
    )


@require_POST
def course_session_add(request: HttpRequest, pk: Any) -> HttpResponse:
    organisation = _manager(request)
    course = selectors.course_in(organisation, pk)
    form = CourseSessionForm(request.POST)
    return run_action(
        request,
        lambda: services.course_session_add(actor=request.user, course=course, **form.cleaned_data),
        success=_("Saved."),
        back_to=reverse("training:course", args=[course.pk]),
        form=form,
    )


@require_POST
def attendance(request: HttpRequest, session_pk: Any) -> HttpResponse:
    organisation = _manager(request)
    session = selectors.course_session_in(organisation, session_pk)
    present = request.POST.getlist("present")
    return run_action(
        request,
        lambda: services.attendance_record(actor=request.user, session=session, attended=present),
        success=_("Attendance saved."),
        back_to=reverse("training:course", args=[session.course_id]),
    )


@require_POST
def course_open(request: HttpRequest, pk: Any) -> HttpResponse:
    """Open a course to partner organisations (or close it again to some): those who manage training."""
    organisation = _manager(request)
    course = selectors.course_in(organisation, pk)
    form = OpenToPartnersForm(request.POST, partners=selectors.partner_choices(request.user))
    return run_action(
        request,
        lambda: services.course_open_to_partners(
            actor=request.user, course=course, organisations=list(form.cleaned_data["organisations"])
        ),
        success=_("Saved."),
        back_to=reverse("training:course", args=[course.pk]) + "#partners",
        form=form,
    )


def partner_attendance(request: HttpRequest) -> HttpResponse:
    """Attendance of partner organisations' staff in the operator's courses, per partner organisation."""
    organisation = _manager(request)
    return render(
        request,
        "training/partner_attendance.html",
        {"rows": selectors.attendance_by_partner(organisation)},
    )


# Joint training: a partner organisation's staff ---------------------------------------------------------------


def _joining(request: HttpRequest) -> None:
    if not selectors.joining_organisation_ids(request.user):
        raise Http404


def joint_training(request: HttpRequest) -> HttpResponse:
    """The courses opened to the actor's partner organisation, and their own record of joint training."""
    _joining(request)
    record = selectors.joint_record(request.user)
    return render(
        request,
        "training/joint.html",
        {
            "courses": selectors.joint_courses_for(request.user),
            "record": record,
            "enrolled": {e.course_id for e in record.enrolments},
            "sessions": page_of(record.sessions, 20, request.GET.get("page")),
        },
    )


def joint_course(request: HttpRequest, pk: Any) -> HttpResponse:
    course = selectors.joint_course_get_for(request.user, pk)
    return render(
        request,
        "training/joint_course.html",
        {
            "course": course,
            "sessions": selectors.course_sessions_for(request.user, course),
            "is_enrolled": course.pk in selectors.enrolled_course_ids(request.user),
        },
    )


@require_POST
def joint_enrol(request: HttpRequest, pk: Any) -> HttpResponse:
    course = selectors.joint_course_get_for(request.user, pk)
    return run_action(
        request,
        lambda: services.joint_enrol(actor=request.user, course=course),
        success=_("You are enrolled."),
        back_to=reverse("training:joint_course", args=[course.pk]),
    )


# Role-play practice -------------------------------------------------------------------------------------------


def scenario_list(request: HttpRequest) -> HttpResponse:
    organisation = _org(request)
    lib = library()
    people = selectors.other_members_of(organisation, request.user)
    return render(
        request,
        "training/scenarios.html",
        {
            # One form per scenario, each with its own prefix: no two fields on the page share an id.
            "scenarios": [
                (s, PartnerForm(people=people, prefix=s.id))
                for s in sorted(lib.scenarios.values(), key=lambda s: s.title)
            ],
            "broken": lib.broken if access.is_manager(request.user, organisation) else [],
            "passed": selectors.passed_scenarios(request.user, organisation),
        },
    )


@require_POST
def attempt_start(request: HttpRequest, scenario_id: str) -> HttpResponse:
    organisation = _org(request)
    if scenario_get(scenario_id) is None:
        raise Http404
    form = PartnerForm(request.POST, people=selectors.other_members_of(organisation, request.user), prefix=scenario_id)
    if not form.is_valid():
        messages.error(request, errors_text(form))
        return redirect("training:scenarios")
    try:
        attempt = services.attempt_start(
            actor=request.user, organisation=organisation, scenario_id=scenario_id, partner=form.cleaned_data["partner"]
        )
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
        return redirect("training:scenarios")
    return redirect("training:attempt", pk=attempt.pk)


def attempt_play(request: HttpRequest, pk: Any) -> HttpResponse:
    """The player: the current situation and choices; a choice posts here (htmx swaps the player, or the whole
    page reloads without JavaScript). The feedback on the last choice is shown above the next situation."""
    attempt = selectors.attempt_get_for(request.user, pk)
    scenario = scenario_get(attempt.scenario)
    if scenario is None:
        raise Http404
    error = ""
    last_feedback = None
    if request.method == "POST":
        if request.user.pk not in {attempt.user_id, attempt.partner_id}:
            raise Http404
        try:
            attempt = services.attempt_choose(
                actor=request.user, attempt=attempt, choice_id=request.POST.get("choice", "")
            )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            error = errors_text(exc)
        if not _is_htmx(request) and not error:
            return redirect("training:attempt", pk=attempt.pk)
    if attempt.steps:
        last = attempt.steps[-1]
        node = scenario.node(last["node"])
        choice = node.choice(last["choice"]) if node else None
        last_feedback = choice
    names = {c.code: c.label for c in competencies_of(attempt.organisation)}
    context = {
        "attempt": attempt,
        "scenario": scenario,
        "node": scenario.node(attempt.current_node),
        "last_choice": last_feedback,
        "error": error,
        "score_rows": [(names.get(code, code), points) for code, points in sorted(attempt.scores.items())],
        "can_play": request.user.pk in {attempt.user_id, attempt.partner_id},
    }
    template = "training/_player.html" if _is_htmx(request) else "training/attempt.html"
    return render(request, template, context, status=400 if error else 200)


# Coordinators and assessors ----------------------------------------------------------------------------------


def team(request: HttpRequest) -> HttpResponse:
    organisation = _manager(request)
    competencies, rows = selectors.competency_matrix(request.user, organisation)
    return render(
        request,
        "training/team.html",
        {
            "competencies": competencies,
            "rows": rows,
            "level_names": dict(Level.choices),
        },
    )


def expiring(request: HttpRequest) -> HttpResponse:
    organisation = _org(request)
    return render(
        request,
        "training/expiring.html",
        {
            "certifications": selectors.expiring_certifications(request.user, organisation)[:200],
        },
    )


def framework(request: HttpRequest) -> HttpResponse:
    organisation = _manager(request)
    competencies = competencies_of(organisation)
    table = selectors.requirements_table(organisation)
    rows = [
        (value, label, [table.get(value, {}).get(c.code, 0) for c in competencies])
        for value, label in ProcessType.choices
    ]
    programs = [(p, program_settings(p)) for p in selectors.programs_of(organisation)]
    return render(
        request,
        "training/framework.html",
        {
            "competencies": competencies,
            "rows": rows,
            "level_names": dict(Level.choices),
            "is_admin": access.is_admin(request.user, organisation),
            "requirement_form": RequirementForm(),
            "competency_form": CompetencyForm(),
            "programs": programs,
            "level_choices": [(0, _("Not needed")), *Level.choices],
        },
    )


@require_POST
def requirement_set(request: HttpRequest) -> HttpResponse:
    organisation = _manager(request)
    form = RequirementForm(request.POST)
    by_code = {c.code: c for c in competencies_of(organisation)}

    def call() -> Any:
        competency = by_code.get(form.cleaned_data["competency"])
        if competency is None:
            raise ValidationError(_("Choose a competency."))
        return services.requirement_set(
            actor=request.user,
            organisation=organisation,
            competency=competency,
            process_type=form.cleaned_data["process_type"],
            level=form.cleaned_data["level"],
        )

    return run_action(request, call, success=_("Saved."), back_to=reverse("training:framework"), form=form)


@require_POST
def competency_save(request: HttpRequest) -> HttpResponse:
    organisation = _manager(request)
    form = CompetencyForm(request.POST)
    return run_action(
        request,
        lambda: services.competency_save(actor=request.user, organisation=organisation, **form.cleaned_data),
        success=_("Saved."),
        back_to=reverse("training:framework"),
        form=form,
    )


@require_POST
def program_settings_save(request: HttpRequest, pk: Any) -> HttpResponse:
    organisation = _manager(request)
    program = selectors.program_in(organisation, pk)
    form = ProgramSettingsForm(request.POST)
    return run_action(
        request,
        lambda: services.program_settings_update(actor=request.user, program=program, **form.cleaned_data),
        success=_("Saved."),
        back_to=reverse("training:framework"),
        form=form,
    )


def _person_back(person: Any, anchor: str) -> str:
    return reverse("training:person", args=[person.pk]) + anchor


@require_POST
def observation_add(request: HttpRequest, user_pk: Any) -> HttpResponse:
    organisation = _org(request)
    person = selectors.observable_get_for(request.user, organisation, user_pk)
    form = ObservationForm(
        request.POST,
        competencies=competencies_of(organisation),
        sessions=selectors.observable_sessions(request.user, person),
    )
    return run_action(
        request,
        lambda: services.observation_record(
            actor=request.user,
            organisation=organisation,
            facilitator=person,
            ratings=form.ratings(),
            observer_role=form.cleaned_data["observer_role"],
            observed_on=form.cleaned_data["observed_on"],
            feedback=form.cleaned_data["feedback"],
            session=form.cleaned_data["session"],
        ),
        success=_("Saved."),
        back_to=_person_back(person, "#observations"),
        form=form,
    )


@require_POST
def colleague_observation_add(request: HttpRequest) -> HttpResponse:
    """A co-facilitator (or supervisor) rates a colleague's session from their own training page."""
    organisation = _org(request)
    form = ColleagueObservationForm(
        request.POST,
        colleagues=selectors.other_members_of(organisation, request.user),
        competencies=competencies_of(organisation),
        sessions=selectors.sessions_led_by(request.user),
    )
    return run_action(
        request,
        lambda: services.observation_record(
            actor=request.user,
            organisation=organisation,
            facilitator=form.cleaned_data["facilitator"],
            ratings=form.ratings(),
            observer_role=form.cleaned_data["observer_role"],
            observed_on=form.cleaned_data["observed_on"],
            feedback=form.cleaned_data["feedback"],
            session=form.cleaned_data["session"],
        ),
        success=_("Saved."),
        back_to=_mine() + "#observations",
        form=form,
    )


@require_POST
def supervision_add(request: HttpRequest, user_pk: Any) -> HttpResponse:
    organisation = _manager(request)
    person = selectors.facilitator_get_for(request.user, organisation, user_pk)
    form = SupervisionForm(request.POST)
    return run_action(
        request,
        lambda: services.supervision_log(
            actor=request.user, organisation=organisation, facilitator=person, **form.cleaned_data
        ),
        success=_("Saved."),
        back_to=_person_back(person, "#supervision"),
        form=form,
    )


@require_POST
def certification_issue(request: HttpRequest, user_pk: Any) -> HttpResponse:
    organisation = _manager(request)
    person = selectors.facilitator_get_for(request.user, organisation, user_pk)
    form = CertificationForm(
        request.POST, programs=selectors.programs_of(organisation), competencies=competencies_of(organisation)
    )
    return run_action(
        request,
        lambda: services.certification_issue(
            actor=request.user, user=person, program=form.cleaned_data["program"], levels=form.levels()
        ),
        success=_("Certification issued."),
        back_to=_person_back(person, "#certifications"),
        form=form,
    )


@require_POST
def certification_renew(request: HttpRequest, pk: Any) -> HttpResponse:
    certification = selectors.certification_get_for(request.user, pk)
    return run_action(
        request,
        lambda: services.certification_renew(actor=request.user, certification=certification),
        success=_("Certification renewed."),
        back_to=_person_back(certification.user, "#certifications"),
    )


@require_POST
def certification_suspend(request: HttpRequest, pk: Any) -> HttpResponse:
    certification = selectors.certification_get_for(request.user, pk)
    form = SuspendForm(request.POST)
    return run_action(
        request,
        lambda: services.certification_suspend(
            actor=request.user, certification=certification, reason=form.cleaned_data["reason"]
        ),
        success=_("Certification suspended."),
        back_to=_person_back(certification.user, "#certifications"),
        form=form,
    )


def process_eligibility(request: HttpRequest, pk: Any) -> HttpResponse:
    """Who may facilitate this process, with the reasons (shown on the process page's assign form; htmx
    fragment, or a page of its own without JavaScript)."""
    process = process_get_for(request.user, pk)
    case_access = process_access_for(request.user, process)
    # Those who may assign (a coordinator, the lead facilitator) see the reasons about each colleague.
    if not case_access.can_manage_process_team:
        raise Http404
    candidates = eligible_facilitators(process)
    template = "training/_eligibility.html" if _is_htmx(request) else "training/eligibility.html"
    survivor = selectors.survivor_of(process)
    form = PreferenceForm(initial={"facilitator_gender": selectors.preference_of(survivor)})
    return render(
        request,
        template,
        {"process": process, "candidates": candidates, "preference_form": form, "survivor": survivor},
    )


@require_POST
def preference_set(request: HttpRequest, pk: Any) -> HttpResponse:
    """Record the survivor's stated preference about who facilitates (staff who work on the case)."""
    process = process_get_for(request.user, pk)
    if not process_access_for(request.user, process).can_work:
        raise Http404
    survivor = selectors.survivor_of(process)
    if survivor is None:
        raise Http404
    form = PreferenceForm(request.POST)
    return run_action(
        request,
        lambda: services.preference_set(
            actor=request.user,
            case=process.case,
            person=survivor,
            facilitator_gender=form.cleaned_data["facilitator_gender"],
        ),
        success=_("Saved."),
        back_to=reverse("training:eligibility", args=[process.pk]),
        form=form,
    )
