"""Staff screens for conversations, the relay queue, attachments and ways to be told. Every one reads through the
lookups in :mod:`reparo.messaging.selectors` (404 for what is not the actor's) and writes through the services.

The participant's own pages are the portal's: it mounts them on the same selectors and services with a
:class:`reparo.messaging.actors.ParticipantActor`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from reparo.access.capabilities import Capability
from reparo.cases.selectors import case_get_for, person_get_for
from reparo.core.actions import errors_text, run_action
from reparo.core.once import AlreadyDone
from reparo.core.pagination import page_of
from reparo.messaging import selectors, services, sms
from reparo.messaging.forms import ContactPointForm, DeclineForm, EditForm, MessageForm, RelayForm, RetentionForm
from reparo.messaging.models import Channel, RelayStatus, ThreadKind
from reparo.organisations.selectors import program_get_for

PER_PAGE = 25


def _thread_url(thread: Any) -> str:
    return reverse("messaging:thread", kwargs={"pk": thread.pk})


def _relay_url(relay: Any) -> str:
    return reverse("messaging:relay", kwargs={"pk": relay.pk})


def _case_url(case: Any, capabilities: frozenset[Capability]) -> str:
    name = "cases:detail" if Capability.WORK_ON_CASE in capabilities else "cases:responsible_side"
    return reverse(name, kwargs={"pk": case.pk})


@require_POST
def thread_start(request: HttpRequest, case_pk: Any) -> HttpResponse:
    """Open (or go to) the conversation with one participant, or the case team's."""
    case = case_get_for(request.user, case_pk, need=Capability.MESSAGE_ON_CASE)
    person_pk = request.POST.get("person", "")
    person = selectors.case_person_in(case, person_pk) if person_pk else None
    try:
        thread = services.thread_open(
            actor=request.user, case=case, person=person, audience=request.POST.get("audience", "")
        )
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
        return redirect(_case_url(case, selectors.case_capabilities_of(request.user, case)))
    return redirect(_thread_url(thread))


def thread_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    """A conversation: its messages, newest first, and a form to write (with attachments). On a participant's
    conversation, staff who work on the whole case also see what the participant asked to pass on."""
    thread = selectors.thread_get_for(request.user, pk)
    case = thread.case
    capabilities = selectors.case_capabilities_of(request.user, case)
    form = MessageForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.message_post(
                    actor=request.user, thread=thread, body=form.cleaned_data["body"], files=form.uploads(),
                    submission=form.token,
                )  # fmt: skip
            except PermissionDenied:
                raise Http404 from None
            except AlreadyDone as exc:  # the same form sent twice
                messages.info(request, errors_text(exc))
                return redirect(_thread_url(thread))
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Sent."))
                return redirect(_thread_url(thread))
        status = 400
    page = page_of(selectors.messages_of(thread), PER_PAGE, request.GET.get("page"))
    rows = selectors.message_rows(page.object_list, viewer=request.user)
    services.thread_viewed(actor=request.user, thread=thread, messages=list(page.object_list))
    full_view = Capability.WORK_ON_CASE in capabilities
    context: dict[str, Any] = {
        "thread": thread,
        "case": case,
        "case_url": _case_url(case, capabilities),
        "page": page,
        "rows": rows,
        "form": form,
        "full_view": full_view,
        "participant": thread.kind == ThreadKind.PARTICIPANT,
    }
    if thread.person is not None and full_view:
        processes = selectors.relay_form_processes(thread.person, case)
        context["relays"] = list(selectors.relays_by(thread.person, case)[:20])
        context["relay_form"] = RelayForm(processes=processes) if processes is not None else None
    return render(request, "messaging/thread.html", context, status=status)


@require_POST
def relay_new(request: HttpRequest, pk: Any) -> HttpResponse:
    """Staff write down, for the participant of this conversation, something they want passed on."""
    thread = selectors.thread_get_for(request.user, pk)
    if thread.person is None:
        raise Http404
    form = RelayForm(request.POST, processes=selectors.relay_processes_for(thread.person, thread.case))
    return run_action(
        request,
        lambda: services.relay_submit(
            actor=request.user, process=form.cleaned_data["process"], body=form.cleaned_data["body"],
            kind=form.cleaned_data["kind"], author=thread.person, submission=form.token,
        ),
        success=_("It is in the facilitators' queue. Nothing is passed on until a facilitator approves it."),
        back_to=_thread_url(thread) + "#relays",
        form=form,
    )  # fmt: skip


def relay_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    """A message to pass on: the author's words, any edit, where it stands, and (for a facilitator) what may be done
    with it and what stops it going now."""
    relay = selectors.relay_get_for(request.user, pk)
    services.relay_viewed(actor=request.user, relay=relay)
    capabilities = selectors.case_capabilities_of(request.user, relay.process.case)
    can_review = Capability.RELAY_MESSAGES in capabilities
    return render(
        request,
        "messaging/relay.html",
        {
            "relay": relay,
            "process": relay.process,
            "can_review": can_review and relay.status == RelayStatus.QUEUED,
            "can_decline": can_review and relay.is_open,
            "refusals": selectors.relay_refusals_now(relay) if relay.is_open else [],
            "edit_form": EditForm(initial={"text": relay.body}),
            "decline_form": DeclineForm(),
            "records_answer": relay.status == RelayStatus.EDIT_PROPOSED and relay.reviewed_by_id != request.user.pk,
            "edit_version": selectors.edit_version(relay),
        },
    )


def _relay_action(request: HttpRequest, pk: Any, call: Any, success: str, form: Any = None) -> HttpResponse:
    relay = selectors.relay_get_for(request.user, pk)
    return run_action(request, lambda: call(relay), success=success, back_to=_relay_url(relay), form=form)


@require_POST
def relay_approve(request: HttpRequest, pk: Any) -> HttpResponse:
    return _relay_action(
        request, pk, lambda relay: services.relay_approve(actor=request.user, relay=relay), _("Passed on.")
    )


@require_POST
def relay_edit(request: HttpRequest, pk: Any) -> HttpResponse:
    form = EditForm(request.POST)
    return _relay_action(
        request, pk,
        lambda relay: services.relay_propose_edit(actor=request.user, relay=relay, **form.cleaned_data),
        _("Your edit is waiting for the author's agreement."), form=form,
    )  # fmt: skip


@require_POST
def relay_decline(request: HttpRequest, pk: Any) -> HttpResponse:
    form = DeclineForm(request.POST)
    return _relay_action(
        request, pk,
        lambda relay: services.relay_decline(actor=request.user, relay=relay, note=form.cleaned_data["note"]),
        _("Not passed on. The author will see your note."), form=form,
    )  # fmt: skip


@require_POST
def relay_answer(request: HttpRequest, pk: Any) -> HttpResponse:
    """A colleague writes down the author's answer to an edit (the author gives it themself in the portal)."""
    answer = request.POST.get("answer", "")
    if answer not in ("agree", "refuse"):
        raise Http404
    return _relay_action(
        request, pk,
        lambda relay: services.relay_answer_edit(
            actor=request.user, relay=relay, agree=answer == "agree", edit_seen=request.POST.get("edit", "")
        ),
        _("Passed on with the edit.") if answer == "agree" else _("Back in the queue with the author's own words."),
    )  # fmt: skip


@require_POST
def relay_withdraw(request: HttpRequest, pk: Any) -> HttpResponse:
    return _relay_action(
        request, pk, lambda relay: services.relay_withdraw(actor=request.user, relay=relay), _("Taken back.")
    )


def attachment_download(request: HttpRequest, pk: Any) -> HttpResponse:
    """An attachment, only ever as a download: never shown in the page, never sniffed as another type."""
    attachment = selectors.attachment_get_for(request.user, pk)
    services.attachment_downloaded(actor=request.user, attachment=attachment)
    response = HttpResponse(bytes(attachment.content or b""), content_type=attachment.content_type)
    response["Content-Disposition"] = content_disposition_header(True, attachment.filename or "file") or "attachment"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def contact(request: HttpRequest, pk: Any) -> HttpResponse:
    """How a participant is told that something is waiting: the addresses they chose, and what the consent ledger
    allows."""
    person = person_get_for(request.user, pk, need=Capability.WORK_ON_CASE)
    available = sms.sms_available()
    form = ContactPointForm(request.POST or None, sms_available=available)
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_point_set(actor=request.user, person=person, **form.cleaned_data)
        except PermissionDenied:
            raise Http404 from None
        except AlreadyDone as exc:
            messages.info(request, errors_text(exc))
            return redirect("messaging:contact", pk=person.pk)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("messaging:contact", pk=person.pk)
    consents = selectors.contact_consents(person)
    points = [(p, consents[p.channel]) for p in selectors.contact_points_of(person)]
    services.contact_points_viewed(actor=request.user, person=person, shown=len(points))
    return render(
        request,
        "messaging/contact.html",
        {
            "person": person,
            "points": points,
            "told_at_all": selectors.told_at_all(person),
            "form": form,
            "channels": [(Channel(c).label, consents[c]) for c in Channel.values if c == Channel.EMAIL or available],
        },
        status=400 if request.method == "POST" else 200,
    )


@require_POST
def contact_end(request: HttpRequest, pk: Any) -> HttpResponse:
    point = selectors.contact_point_get_for(request.user, pk)
    return run_action(
        request,
        lambda: services.contact_point_end(actor=request.user, contact_point=point),
        success=_("They will no longer be told this way."),
        back_to=reverse("messaging:contact", kwargs={"pk": point.person_id}),
    )


def retention(request: HttpRequest, pk: Any) -> HttpResponse:
    """How long a program keeps message texts and files (coordinators and organisation admins)."""
    program = program_get_for(request.user, pk, need=Capability.SEE_ALL_ORG_CASES)
    current = selectors.retention_days(program)
    form = RetentionForm(request.POST or None, initial={"days": current})
    if request.method == "POST" and form.is_valid():
        try:
            services.retention_set(actor=request.user, program=program, **form.cleaned_data)
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("messaging:retention", pk=program.pk)
    return render(
        request, "messaging/retention.html", {"program": program, "form": form, "current": current},
        status=400 if request.method == "POST" else 200,
    )  # fmt: skip
