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
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from reparo.access.capabilities import Capability
from reparo.accounts import lockout
from reparo.accounts import services as account_services
from reparo.accounts.middleware import before_two_factor
from reparo.cases.selectors import case_get_for
from reparo.core.actions import add_service_errors, errors_text, run_action
from reparo.core.decorators import for_participants, public
from reparo.core.once import AlreadyDone
from reparo.core.pagination import page_of
from reparo.evaluation.catalogue import instrument as get_instrument
from reparo.messaging import selectors as messaging_selectors
from reparo.messaging import services as messaging_services
from reparo.messaging.forms import MessageForm
from reparo.messaging.services import RelayRefused
from reparo.organisations.selectors import program_get_for
from reparo.portal import selectors, services
from reparo.portal.forms import (
    CheckInForm,
    CodeForm,
    FactorForm,
    GiveForm,
    InviteForm,
    PassOnForm,
    PassphraseForm,
    PortalSettingsForm,
    QuestionnaireForm,
    SignInForm,
)
from reparo.processes.content import checklist_for
from reparo.processes.ics import session_ics

INVITATION_SESSION_KEY = "portal_invitation"
MESSAGES_PER_PAGE = 20


def _page(request: HttpRequest, template: str, context: dict[str, Any] | None = None, *, status: int = 200) -> Any:
    """Render a portal page with what its frame needs: the program's neutral name and the participant's links."""
    account = getattr(request, "portal_account", None)
    program = account.case.program if account is not None else None
    frame: dict[str, Any] = {"portal_name": selectors.portal_name(program), "portal_account": account}
    if account is not None:
        frame["shared_plans"] = selectors.shared_plan_ids(request.user)
        frame["support_circles"] = selectors.circle_ids(request.user)
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
    if request.method == "POST" and services.sign_in_locked(request=request, user=request.user):  # type: ignore[arg-type]
        return lockout.lockout_response(request)
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
    if request.method == "POST" and services.sign_in_locked(request=request, user=invitation.account.user):
        return lockout.lockout_response(request)
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
    except PermissionDenied:
        raise Http404 from None
    except AlreadyDone as exc:  # the same button pressed twice
        messages.info(request, errors_text(exc))
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
    except AlreadyDone as exc:  # the same button pressed twice
        messages.info(request, errors_text(exc))
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
    if request.method == "POST" and selectors.survey_answered(request.user, pk):
        # Answered already: the same answers sent twice (a double tap, or sent again after a slow answer).
        messages.info(request, _("Your answers are saved already. Thank you."))
        return redirect("portal:questionnaires")
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
        except AlreadyDone:  # answered meanwhile, by the same answers sent twice
            messages.info(request, _("Your answers are saved already. Thank you."))
            return redirect("portal:questionnaires")
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
    sessions = [selectors.appointment_for(request.user, s) for s in selectors.recent_sessions_of(request.user)[:20]]
    processes = [p.process for p in selectors.stoppable_of(request.user)]
    form = CheckInForm(request.POST or None, appointments=sessions, processes=processes)
    if request.method == "POST" and form.is_valid():
        process, session = form.chosen()
        try:
            services.checkin_record(
                actor=request.user, process=process, session=session, moment=form.cleaned_data["moment"],
                rating=form.cleaned_data["rating"], submission=form.token,
            )  # fmt: skip
        except PermissionDenied:
            raise Http404 from None
        except AlreadyDone as exc:  # the same form sent twice: recorded once
            messages.info(request, errors_text(exc))
            return redirect("portal:home")
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


# --- messages: the participant's conversations with their team, and what they ask to pass on ----------------------
#
# Everything here is read and written by reparo.messaging's selectors and services, with the participant as a
# ParticipantActor on one of their own cases (selectors.message_case_get_for: any other case is 404).


def _as_participant(request: HttpRequest, case_pk: Any) -> Any:
    case = selectors.message_case_get_for(request.user, case_pk)
    return selectors.messaging_actor(request.user, case)


@participant_page
@require_GET
def messages_home(request: HttpRequest) -> HttpResponse:
    """The participant's inbox: their conversation with the team on each of their cases, and what they asked to pass
    on to the other side, with where it stands."""
    conversations = selectors.conversations_of(request.user)
    return _page(
        request,
        "portal/messages.html",
        {"conversations": conversations, "several": len(conversations) > 1},
    )


@participant_page
@require_http_methods(["GET", "POST"])
def conversation(request: HttpRequest, case_pk: Any) -> HttpResponse:
    """The participant's conversation with their team on one case: the messages, newest first, and a form to write
    (with files). Nothing written here reaches the other side of a process."""
    actor = _as_participant(request, case_pk)
    case = actor.case
    form = MessageForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.message_write(
                    actor=actor, body=form.cleaned_data["body"], files=form.uploads(), submission=form.token
                )
            except PermissionDenied:
                raise Http404 from None
            except AlreadyDone as exc:  # the same form sent twice: sent once
                messages.info(request, errors_text(exc))
                return redirect("portal:conversation", case_pk=case.pk)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Sent. Your team will read it."))
                return redirect("portal:conversation", case_pk=case.pk)
        status = 400
    thread = selectors.thread_of(actor)
    rows: list[Any] = []
    page = None
    if thread is not None:
        page = page_of(messaging_selectors.messages_of(thread), MESSAGES_PER_PAGE, request.GET.get("page"))
        rows = messaging_selectors.message_rows(page.object_list, viewer=actor)
        messaging_services.thread_viewed(actor=actor, thread=thread, messages=list(page.object_list))
    return _page(
        request,
        "portal/conversation.html",
        {"case": case, "thread": thread, "page": page, "rows": rows, "form": form,
         "may_pass_on": bool(messaging_selectors.relay_options_for(actor))},
        status=status,
    )  # fmt: skip


@participant_page
@require_GET
def message_file(request: HttpRequest, case_pk: Any, pk: Any) -> HttpResponse:
    """A file in the participant's conversation, only ever as a download: never shown in the page."""
    actor = _as_participant(request, case_pk)
    attachment = messaging_selectors.attachment_get_for(actor, pk)
    messaging_services.attachment_downloaded(actor=actor, attachment=attachment)
    response = HttpResponse(bytes(attachment.content or b""), content_type=attachment.content_type)
    response["Content-Disposition"] = content_disposition_header(True, attachment.filename or "file") or "attachment"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@participant_page
@require_http_methods(["GET", "POST"])
def pass_on(request: HttpRequest, case_pk: Any) -> HttpResponse:
    """Write something for the other side of a process: it goes to the facilitators, who pass it on, propose an
    edit (which goes only if the participant agrees) or explain why not. When it cannot go now, the page says why
    in plain words, before anything is written."""
    actor = _as_participant(request, case_pk)
    options = messaging_selectors.relay_options_for(actor)
    open_processes = [o.process for o in options if o.open]
    form = PassOnForm(request.POST or None, processes=open_processes)
    status = 200
    refused: list[str] = []
    blocked = [(o.process, [selectors.refusal_words(r) for r in o.refusals]) for o in options if not o.open]
    if request.method == "POST" and not open_processes:
        # Nothing can go now: say why again (the page said so before anything was written).
        refused = [reason for _process, reasons in blocked for reason in reasons] or [str(selectors.NOTHING_TO_PASS_ON)]
        status = 400
    elif request.method == "POST":
        if form.is_valid():
            try:
                relay = messaging_services.relay_submit(
                    actor=actor, process=form.chosen_process(), body=form.cleaned_data["body"],
                    kind=form.cleaned_data["kind"], submission=form.token,
                )  # fmt: skip
            except PermissionDenied:
                raise Http404 from None
            except AlreadyDone as exc:  # the same form sent twice: it waits once, where the first one went
                messages.info(request, errors_text(exc))
                return redirect("portal:relay", case_pk=actor.case.pk, pk=exc.result.pk)
            except RelayRefused as exc:
                refused = selectors.refusal_words_for(exc.codes, exc.reasons)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("It is with your facilitator now. Nothing is passed on until they have read it. You can take "
                      "it back while it waits."),
                )  # fmt: skip
                return redirect("portal:relay", case_pk=actor.case.pk, pk=relay.pk)
        status = 400
    needs_consent = any(r.code == "consent" for o in options for r in o.refusals)
    return _page(
        request,
        "portal/pass_on.html",
        {"case": actor.case, "form": form, "has_open": bool(open_processes), "blocked": blocked, "refused": refused,
         "needs_consent": needs_consent},
        status=status,
    )  # fmt: skip


@participant_page
@require_GET
def relay(request: HttpRequest, case_pk: Any, pk: Any) -> HttpResponse:
    """Something the participant asked to pass on: their words, a facilitator's proposed edit (to agree to or not),
    a note if it was not passed on, and where it stands."""
    actor = _as_participant(request, case_pk)
    found = messaging_selectors.relay_get_for(actor, pk)
    messaging_services.relay_viewed(actor=actor, relay=found)
    refusals = messaging_selectors.relay_refusals_now(found) if found.is_open else []
    return _page(
        request,
        "portal/relay.html",
        {
            "case": actor.case,
            "relay": found,
            "status_words": selectors.relay_status_words(found),
            "why_not_now": [selectors.refusal_words(r) for r in refusals],
            "edit_version": messaging_selectors.edit_version(found),
        },
    )


@participant_page
@require_POST
def relay_answer(request: HttpRequest, case_pk: Any, pk: Any) -> HttpResponse:
    """The participant's answer to a facilitator's proposed edit: agree (the edited words go), or keep their own
    words (back to the facilitator)."""
    actor = _as_participant(request, case_pk)
    found = messaging_selectors.relay_get_for(actor, pk)
    answer = request.POST.get("answer", "")
    if answer not in ("agree", "own_words"):
        messages.error(request, _("Choose one of the answers."))
        return redirect("portal:relay", case_pk=actor.case.pk, pk=found.pk)
    agree = answer == "agree"
    try:
        messaging_services.relay_answer_edit(
            actor=actor, relay=found, agree=agree, edit_seen=request.POST.get("edit", "")
        )
    except PermissionDenied:
        raise Http404 from None
    except AlreadyDone:  # the same answer given twice
        messages.info(
            request,
            _("You answered already: it was passed on, with the edit you agreed to.") if agree
            else _("You answered already: your own words are back with your facilitator."),
        )  # fmt: skip
    except RelayRefused as exc:
        messages.error(request, " ".join(selectors.refusal_words_for(exc.codes, exc.reasons)))
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    else:
        messages.success(
            request,
            _("Passed on, with the edit you agreed to.") if agree
            else _("Your own words are back with your facilitator. Nothing was passed on."),
        )  # fmt: skip
    return redirect("portal:relay", case_pk=actor.case.pk, pk=found.pk)


@participant_page
@require_POST
def relay_withdraw(request: HttpRequest, case_pk: Any, pk: Any) -> HttpResponse:
    """The participant takes back what they asked to pass on, while it has not gone."""
    actor = _as_participant(request, case_pk)
    found = messaging_selectors.relay_get_for(actor, pk)
    return run_action(
        request,
        lambda: messaging_services.relay_withdraw(actor=actor, relay=found),
        success=_("Taken back. Nothing was passed on."),
        back_to=reverse("portal:relay", kwargs={"case_pk": actor.case.pk, "pk": found.pk}),
    )


# --- the survivor's support circle -----------------------------------------------------------------------------


@participant_page
@require_GET
def circle(request: HttpRequest, pk: Any) -> HttpResponse:
    """The survivor's support circle: their goals in their words, the steps and who helps, progress waiting for
    their answer, the next meeting and the volunteers by first name; and ending the circle, in one step."""
    found = selectors.circle_get_for(request.user, pk)
    services.circle_viewed(actor=request.user, circle=found)
    return _page(request, "portal/circle.html", {"view": selectors.circle_view(found)})


@participant_page
@require_POST
def circle_progress(request: HttpRequest, pk: Any, progress_pk: Any) -> HttpResponse:
    """The survivor's answer to progress someone of the circle noted: "yes, that's right" (it counts from today) or
    "not yet"."""
    found = selectors.circle_get_for(request.user, pk)
    if selectors.circle_progress_answered(found, progress_pk):
        # Answered already (the same answer sent twice): nothing changes.
        messages.info(request, _("You answered this already. Nothing has changed."))
        return redirect(reverse("portal:circle", kwargs={"pk": found.pk}))
    progress = selectors.circle_progress_in(found, progress_pk)
    answer = request.POST.get("answer", "")
    if answer not in ("yes", "not_yet"):
        messages.error(request, _("Choose one of the answers."))
        return redirect("portal:circle", pk=found.pk)
    confirmed = answer == "yes"
    return run_action(
        request,
        lambda: services.circle_progress_answer(actor=request.user, progress=progress, confirmed=confirmed),
        success=_("Thank you. It counts from today.") if confirmed else _("Thank you. It does not count for now."),
        back_to=reverse("portal:circle", kwargs={"pk": found.pk}) + "#waiting",
    )


@participant_page
@require_POST
def circle_end(request: HttpRequest, pk: Any) -> HttpResponse:
    """The survivor ends their circle: one step, no reason asked."""
    found = selectors.circle_get_for(request.user, pk)
    try:
        services.circle_end(actor=request.user, circle=found)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        if found.pk not in selectors.circle_ids(request.user):
            return _page(request, "portal/circle_ended.html")  # it ended meanwhile (the same tap, sent twice)
        messages.error(request, errors_text(exc))
        return redirect("portal:circle", pk=found.pk)
    return _page(request, "portal/circle_ended.html")


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
    except AlreadyDone as exc:  # pressed twice
        messages.info(request, errors_text(exc))
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
