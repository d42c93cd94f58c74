"""The participants' portal (``/my/``) and the staff pages that invite, re-issue and suspend (``/portal-access/``).

Participants' pages are marked ``for_participants``: the sign-in middleware keeps a participant's session on them
(every staff page answers 404) and a staff session off them. Each page reads through the portal's selectors, which
answer only what is about the signed-in participant, and 404 for anything else.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from reparo.access.capabilities import Capability
from reparo.accounts import lockout
from reparo.accounts import services as account_services
from reparo.accounts.middleware import before_two_factor
from reparo.cases.selectors import case_get_for
from reparo.core.actions import errors_text
from reparo.core.decorators import for_participants, public
from reparo.evaluation.catalogue import instrument as get_instrument
from reparo.organisations.selectors import program_get_for
from reparo.portal import selectors, services
from reparo.portal.forms import (
    CheckInForm,
    CodeForm,
    FactorForm,
    GiveForm,
    InviteForm,
    PassphraseForm,
    PortalSettingsForm,
    QuestionnaireForm,
    SignInForm,
)
from reparo.processes.content import checklist_for
from reparo.processes.ics import session_ics

INVITATION_SESSION_KEY = "portal_invitation"
# PLACEHOLDER (messaging): the participant's messages come from ``reparo.messaging``, built alongside this app. The
# portal links to that page once the URL name below exists; until then no link is shown (no page is faked here).
MESSAGES_URL_NAME = "messaging:portal_inbox"


def _optional_url(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


def _page(request: HttpRequest, template: str, context: dict[str, Any] | None = None, *, status: int = 200) -> Any:
    """Render a portal page with what its frame needs: the program's neutral name and the participant's links."""
    account = getattr(request, "portal_account", None)
    program = account.case.program if account is not None else None
    frame: dict[str, Any] = {"portal_name": selectors.portal_name(program), "portal_account": account}
    if account is not None:
        frame["shared_plans"] = selectors.shared_plan_ids(request.user)
        frame["messages_url"] = _optional_url(MESSAGES_URL_NAME)
    return render(request, template, frame | (context or {}), status=status)


def participant_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A page for a signed-in participant whose access is active and whose consent to use the portal is in force.
    Otherwise (suspended, the consent withdrawn) the session ends at once and the sign-in page says so, neutrally."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        account = selectors.account_of(request.user)
        if account is None:
            account_services.user_sign_out(request=request, reason="portal.access_ended")
            messages.info(request, _("You are signed out. To use this site again, talk to the person who invited you."))
            return redirect("portal:sign_in")
        request.portal_account = account  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return for_participants(wrapped)


# --- signing in ---------------------------------------------------------------------------------------------------


@for_participants
@public
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and request.user.is_verified():  # type: ignore[union-attr]
        return redirect("portal:home")
    form = SignInForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        account_services.user_sign_in(request=request, user=form.get_user())  # type: ignore[arg-type]
        return redirect("portal:sign_in_code")
    return _page(request, "portal/sign_in.html", {"form": form}, status=400 if request.method == "POST" else 200)


@for_participants
@before_two_factor
@require_http_methods(["GET", "POST"])
def sign_in_code(request: HttpRequest) -> HttpResponse:
    if request.user.is_verified():  # type: ignore[union-attr]
        return redirect("portal:home")
    form = FactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.sign_in_code(request=request, user=request.user, token=form.cleaned_data["token"]):  # type: ignore[arg-type]
            return redirect(_next(request))
        if lockout.locked_out(request):
            return lockout.lockout_response(request)
        form.add_error("token", _("That code did not work. App codes change every 30 seconds; each code works once."))
    return _page(request, "portal/sign_in_code.html", {"form": form})


def _next(request: HttpRequest) -> str:
    target = request.GET.get(REDIRECT_FIELD_NAME, "")
    if target.startswith("/my/") and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return reverse("portal:home")


@for_participants
@public
@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    account_services.user_sign_out(request=request)
    messages.info(request, _("You have signed out."))
    return redirect("portal:sign_in")


@for_participants
@public
@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    """The web app manifest: the installed app's name is the portal's neutral name (the program's, once signed in)."""
    account = selectors.account_of(request.user) if request.user.is_authenticated else None
    name = str(selectors.portal_name(account.case.program if account else None))
    body = {
        "name": name,
        "short_name": name,
        "start_url": reverse("portal:home"),
        "scope": reverse("portal:home"),
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#1d5c63",
    }
    return HttpResponse(json.dumps(body), content_type="application/manifest+json")


# --- an invitation: the code, a passphrase, a second factor ---------------------------------------------------------


def _invitation(request: HttpRequest) -> Any:
    invitation = services.invitation_usable(request.session.get(INVITATION_SESSION_KEY))
    if invitation is None:
        request.session.pop(INVITATION_SESSION_KEY, None)
    return invitation


@for_participants
@public
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    """Type the invitation code. A wrong, used, replaced or expired code gets the same answer, and counts towards
    lock-out."""
    form = CodeForm(request.POST or None)
    if request.method == "POST":
        if services.invitation_locked(request):
            return lockout.lockout_response(request)
        if form.is_valid():
            invitation = services.invitation_open(request=request, code=form.cleaned_data["code"])
            if invitation is not None:
                request.session.cycle_key()
                request.session[INVITATION_SESSION_KEY] = str(invitation.pk)
                return redirect("portal:start_passphrase")
            if lockout.locked_out(request):
                return lockout.lockout_response(request)
            form.add_error(
                "code",
                _("That code did not work. A code works once, for a few days. Ask the person who gave it to you for "
                  "a new one."),
            )  # fmt: skip
    return _page(request, "portal/start.html", {"form": form}, status=400 if request.method == "POST" else 200)


@for_participants
@public
@require_http_methods(["GET", "POST"])
def start_passphrase(request: HttpRequest) -> HttpResponse:
    invitation = _invitation(request)
    if invitation is None:
        return redirect("portal:start")
    form = PassphraseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.setup_passphrase(invitation=invitation, passphrase=form.cleaned_data["passphrase"])
        except ValidationError as exc:
            form.add_error("passphrase", exc)
        else:
            return redirect("portal:start_factor")
    return _page(
        request,
        "portal/start_passphrase.html",
        {"form": form, "sign_in_name": services.sign_in_name_of(invitation.account.user)},
        status=400 if request.method == "POST" else 200,
    )


@for_participants
@public
@require_http_methods(["GET", "POST"])
def start_factor(request: HttpRequest) -> HttpResponse:
    """Choose the second factor: an authenticator app, or the printed list of codes handed over at a meeting."""
    invitation = _invitation(request)
    if invitation is None:
        return redirect("portal:start")
    if not invitation.account.user.has_usable_password():
        return redirect("portal:start_passphrase")
    printed = services.printed_codes_waiting(invitation)
    method = request.POST.get("method") or request.GET.get("method") or ""
    if method not in ("app", "printed") or (method == "printed" and not printed):
        return _page(request, "portal/start_factor.html", {"printed": printed})
    form = FactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.setup_complete(
            request=request, invitation=invitation, method=method, token=form.cleaned_data["token"]
        ):
            request.session.pop(INVITATION_SESSION_KEY, None)
            messages.success(request, _("You are all set. Next time, sign in with your sign-in name and passphrase."))
            return redirect("portal:home")
        if lockout.locked_out(request):
            return lockout.lockout_response(request)
        form.add_error("token", _("That code did not work. Try the newest code."))
    context: dict[str, Any] = {"form": form, "method": method, "printed": printed}
    if method == "app":
        device = services.setup_app_device(invitation=invitation)
        # A data: address for an <img>: the drawing is never markup inserted into the page.
        context["qr_uri"] = segno.make(device.config_url, error="m").svg_data_uri(
            scale=4, dark="#1b1f24", light="#ffffff"
        )
        key = _base32(device.bin_key)
        context["secret"] = " ".join(key[i : i + 4] for i in range(0, len(key), 4))
    return _page(request, "portal/start_factor.html", context, status=400 if request.method == "POST" else 200)


def _base32(key: bytes) -> str:
    import base64

    return base64.b32encode(key).decode("ascii").rstrip("=")


# --- what the participant sees and does -----------------------------------------------------------------------------


@participant_page
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    upcoming = [selectors.appointment_for(request.user, s) for s in selectors.upcoming_sessions_of(request.user)[:1]]
    return _page(
        request,
        "portal/home.html",
        {
            "next_appointment": upcoming[0] if upcoming else None,
            "surveys_due": selectors.surveys_due_count(request.user),
            "participations": list(selectors.participations_of(request.user)),
        },
    )


@participant_page
@require_GET
def appointments(request: HttpRequest) -> HttpResponse:
    upcoming = [selectors.appointment_for(request.user, s) for s in selectors.upcoming_sessions_of(request.user)[:50]]
    preparations = []
    for meeting in selectors.preparations_of(request.user)[:20]:
        labels = dict(checklist_for(meeting.process.type))
        preparations.append((meeting, [str(labels[key]) for key in meeting.covered or [] if key in labels]))
    return _page(request, "portal/appointments.html", {"upcoming": upcoming, "preparations": preparations})


@participant_page
@require_GET
def appointment(request: HttpRequest, pk: Any) -> HttpResponse:
    session = selectors.session_get_for(request.user, pk)
    return _page(request, "portal/appointment.html", {"a": selectors.appointment_for(request.user, session)})


@participant_page
@require_GET
def appointment_calendar(request: HttpRequest, pk: Any) -> HttpResponse:
    """A calendar file with a neutral title and the participant's own times (no names, no place)."""
    session = selectors.session_get_for(request.user, pk)
    own = selectors.participation_in(request.user, session.process)
    response = HttpResponse(session_ics(session, own), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="appointment.ics"'
    return response


@participant_page
@require_GET
def choices(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    rows = list(selectors.consents_of(request.user))
    return _page(
        request,
        "portal/choices.html",
        {
            "current": [(c, selectors.consent_words(c)) for c in rows if c.in_force_at(now)],
            "history": [(c, selectors.consent_words(c)) for c in rows if not c.in_force_at(now)],
            "offers": selectors.consent_offers_for(request.user, at=now),
        },
    )


def _back(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if target.startswith("/my/") and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return reverse(default)


@participant_page
@require_POST
def choice_give(request: HttpRequest) -> HttpResponse:
    form = GiveForm(request.POST)
    if not form.is_valid():
        messages.error(request, errors_text(form))
        return redirect("portal:choices")
    try:
        services.consent_give(actor=request.user, offer=form.cleaned_data["offer"])
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    else:
        messages.success(request, _("Thank you. This applies from now on. You can withdraw it at any time."))
    return redirect(_back(request, "portal:choices"))


@participant_page
@require_POST
def choice_withdraw(request: HttpRequest, pk: Any) -> HttpResponse:
    consent = selectors.consent_get_for(request.user, pk)
    try:
        services.consent_withdraw(actor=request.user, consent=consent)
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    else:
        messages.success(request, _("Withdrawn. It applies from now on. You did not need to give a reason."))
    return redirect("portal:choices")


@participant_page
@require_GET
def questionnaires(request: HttpRequest) -> HttpResponse:
    language = _language()
    due = [(a, get_instrument(a.instrument).name(language)) for a in selectors.surveys_of(request.user)[:50]]
    return _page(request, "portal/questionnaires.html", {"due": due})


def _language() -> str:
    language = (get_language() or "en").split("-")[0]
    return language if language in ("en", "es") else "en"


@participant_page
@require_http_methods(["GET", "POST"])
def questionnaire(request: HttpRequest, pk: Any) -> HttpResponse:
    """A questionnaire the participant answers themself, in their language. Their evaluation consent is asked
    first: without it, the page asks for it instead of showing the questions."""
    assignment = selectors.survey_get_for(request.user, pk)
    language = _language()
    spec = get_instrument(assignment.instrument)
    evaluation_offer = next((o for o in selectors.consent_offers_for(request.user) if o.code == "evaluation"), None)
    form = QuestionnaireForm(request.POST or None, instrument=spec, language=language)
    if request.method == "POST" and evaluation_offer is None and form.is_valid():
        try:
            services.survey_answer(
                actor=request.user, assignment=assignment, answers=form.answers(), language=language,
                comment=form.cleaned_data.get("comment", ""),
            )  # fmt: skip
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Thank you. Your answers are saved."))
            return redirect("portal:questionnaires")
    return _page(
        request,
        "portal/questionnaire.html",
        {
            "assignment": assignment,
            "instrument": spec,
            "instrument_name": spec.name(language),
            "period": spec.period(language),
            "language": language,
            "form": form,
            "needs_consent": evaluation_offer is not None,
        },
        status=400 if request.method == "POST" else 200,
    )


@participant_page
@require_http_methods(["GET", "POST"])
def checkin(request: HttpRequest) -> HttpResponse:
    sessions = list(selectors.recent_sessions_of(request.user))
    processes = [p.process for p in selectors.stoppable_of(request.user)]
    form = CheckInForm(request.POST or None, sessions=sessions, processes=processes)
    if request.method == "POST" and form.is_valid():
        process, session = form.chosen()
        try:
            services.checkin_record(
                actor=request.user, process=process, session=session, moment=form.cleaned_data["moment"],
                rating=form.cleaned_data["rating"],
            )  # fmt: skip
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Thank you for telling us. If you would like to talk, you can ask for a call."))
            return redirect("portal:home")
    return _page(
        request,
        "portal/checkin.html",
        {"form": form, "nothing": not (sessions or processes)},
        status=400 if request.method == "POST" else 200,
    )


@participant_page
@require_GET
def agreements(request: HttpRequest) -> HttpResponse:
    views = []
    for participation in selectors.participations_of(request.user):
        if participation.role in selectors.PARTY_ROLES:
            views.append(selectors.agreement_for(request.user, participation.process))
    return _page(request, "portal/agreements.html", {"views": views})


@participant_page
@require_GET
def agreement(request: HttpRequest, pk: Any) -> HttpResponse:
    process = selectors.process_get_for(request.user, pk)
    view = selectors.agreement_for(request.user, process)
    items = list(selectors.agreement_items(view.agreement)) if view.agreement else []
    return _page(request, "portal/agreement.html", {"view": view, "items": items})


@participant_page
@require_GET
def stop(request: HttpRequest) -> HttpResponse:
    return _page(request, "portal/stop.html", {"open": selectors.stoppable_of(request.user)})


@participant_page
@require_http_methods(["GET", "POST"])
def stop_process(request: HttpRequest, pk: Any) -> HttpResponse:
    """The participant's "I want to stop": one confirmation, no reason asked; the same effect as a withdrawal
    recorded by staff."""
    process = selectors.process_get_for(request.user, pk)
    participation = selectors.participation_in(request.user, process)
    if participation.withdrawn_at is not None or not process.is_open:
        return _page(request, "portal/stopped.html", {"process": process})
    if request.method == "POST":
        try:
            services.process_stop(actor=request.user, participant=participation)
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            messages.error(request, errors_text(exc))
            return redirect("portal:stop")
        return _page(request, "portal/stopped.html", {"process": process, "just_now": True})
    return _page(request, "portal/stop_confirm.html", {"process": process})


@participant_page
@require_http_methods(["GET", "POST"])
def talk(request: HttpRequest) -> HttpResponse:
    """The participant's "I'd like to talk to someone": asks the team to call back."""
    if request.method == "POST":
        try:
            services.callback_request(actor=request.user)
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            messages.error(request, errors_text(exc))
            return redirect("portal:talk")
        return _page(request, "portal/talk.html", {"asked": True})
    return _page(request, "portal/talk.html", {"asked": False})


@participant_page
@require_GET
def safety_plan(request: HttpRequest, pk: Any) -> HttpResponse:
    plan = selectors.safety_plan_get_for(request.user, pk)
    services.safety_plan_read(actor=request.user, plan=plan)
    return _page(request, "portal/safety_plan.html", {"plan": plan})


# --- the staff side -----------------------------------------------------------------------------------------------


@require_POST
def invite(request: HttpRequest, case_pk: Any, person_pk: Any) -> HttpResponse:
    """Invite a participant (or re-issue): the handout with the code is shown once, on this page."""
    case = case_get_for(request.user, case_pk, need=Capability.MANAGE_PORTAL_ACCESS)
    participant = selectors.invitable_in(case, person_pk)
    form = InviteForm(request.POST)
    back = reverse("cases:detail", args=[case.pk]) + "#portal"
    if not form.is_valid():
        messages.error(request, errors_text(form))
        return redirect(back)
    try:
        issued = services.invitation_issue(
            actor=request.user, case=case, person=participant.person, **form.cleaned_data
        )
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
        return redirect(back)
    return render(
        request,
        "portal/handout.html",
        {
            "case": case,
            "participant": participant,
            "issued": issued,
            "start_url": settings.SITE_URL + reverse("portal:start"),
            "portal_name": selectors.portal_name(case.program),
        },
    )


@require_POST
def suspend(request: HttpRequest, case_pk: Any, person_pk: Any) -> HttpResponse:
    case = case_get_for(request.user, case_pk, need=Capability.MANAGE_PORTAL_ACCESS)
    participant = selectors.invitable_in(case, person_pk)
    try:
        services.access_suspend(actor=request.user, case=case, person=participant.person)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    else:
        messages.success(request, _("Access suspended. It stops working from the person's next page."))
    return redirect(reverse("cases:detail", args=[case.pk]) + "#portal")


@require_http_methods(["GET", "POST"])
def program_settings(request: HttpRequest, pk: Any) -> HttpResponse:
    program = program_get_for(request.user, pk, need=Capability.SEE_ALL_ORG_CASES)
    current = selectors.portal_settings_of(program)
    form = PortalSettingsForm(request.POST or None, initial={"name": current.name if current else ""})
    if request.method == "POST" and form.is_valid():
        try:
            services.portal_settings_set(actor=request.user, program=program, **form.cleaned_data)
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("portal_staff:program", pk=program.pk)
    return render(
        request,
        "portal/program_settings.html",
        {"program": program, "form": form, "shown_as": selectors.portal_name(program)},
        status=400 if request.method == "POST" else 200,
    )
