"""Reads about processes, limited to what the actor may see (through the case)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext as _

from reparo.access.capabilities import Capability
from reparo.access.lookup import lookup, one_or_404
from reparo.audit.models import AuditEvent
from reparo.cases.selectors import (
    USER_BRIEF,
    TimelineEntry,
    case_access_for,
    case_processes,
    cases_seen_in_full_by,
    cases_visible_to,
    kept_on,
    sees_every_case_in_full,
    sees_in_full_through_organisation,
    with_brief,
)
from reparo.consent.extensions import ProcessChoice
from reparo.consent.models import ConsentPurpose
from reparo.processes.models import (
    SURVIVOR_ONLY_TYPES,
    EndReason,
    PreparationMeeting,
    Process,
    ProcessFacilitator,
    ProcessParticipant,
    ProcessRole,
    ProcessStage,
    Session,
    SessionInvitation,
    SessionStatus,
)


def processes_visible_to(actor: Any) -> QuerySet[Process]:
    """Processes on the cases the actor sees; a survivor-only process (a support circle) only on cases where they
    see the survivor's side too: someone who sees the responsible-person side only never learns it exists."""
    processes = Process.objects.filter(case__in=cases_visible_to(actor))
    if sees_every_case_in_full(actor):
        return processes
    return processes.exclude(Q(type__in=SURVIVOR_ONLY_TYPES) & ~Q(case__in=cases_seen_in_full_by(actor)))


def processes_of_case_for(actor: Any, case: Any) -> list[Process]:
    """The processes of ``case`` that ``actor`` sees (:func:`processes_visible_to`), each with who started it (name and
    e-mail only), for the case page and its timeline. An actor who sees the whole case through an organisation role
    sees every process of it: those are read once for the page (``reparo.cases.selectors.case_processes``); anyone
    else's are asked of the database."""
    if sees_in_full_through_organisation(actor, case):
        return case_processes(case)
    return kept_on(  # type: ignore[no-any-return]
        case,
        ("processes visible to", actor.pk),
        lambda: list(with_brief(processes_visible_to(actor).filter(case=case), "created_by", *USER_BRIEF)),
    )


@lookup("processes.process")
def process_get_for(actor: Any, pk: Any, *, need: Capability | None = None) -> Process:
    """A process on a case the actor sees; with ``need`` (a case capability), only if the actor may also do that
    on its case."""
    process = one_or_404(processes_visible_to(actor).select_related("case", "case__program"), pk)
    if need is not None and need not in case_access_for(actor, process.case).capabilities:
        raise Http404
    return process


def consent_choices_for(actor: Any, person: Any) -> list[ProcessChoice]:
    """The processes ``person`` takes part in (and has not left) that ``actor`` sees, as the consent form offers
    them: by kind and case reference, newest first; a support circle is agreed to as a support circle."""
    processes = (
        processes_visible_to(actor)
        .filter(participants__person=person, participants__withdrawn_at__isnull=True)
        .select_related("case")
        .order_by("-created_at")
        .distinct()
    )
    return [
        ProcessChoice(
            purpose=ConsentPurpose.SUPPORT_CIRCLE if process.type in SURVIVOR_ONLY_TYPES else ConsentPurpose.PROCESS,
            ref=str(process.pk),
            label=f"{process.get_type_display()} · {process.case.reference}",
        )
        for process in processes
    ]


def process_access_for(actor: Any, process: Process) -> Any:
    return case_access_for(actor, process.case)


def participants_of(process: Process, *, responsible_side_only: bool = False) -> QuerySet[ProcessParticipant]:
    participants = ProcessParticipant.objects.filter(process=process).select_related("person").order_by("created_at")
    if responsible_side_only:
        participants = participants.filter(role__in=[ProcessRole.RESPONSIBLE, ProcessRole.CORE_MEMBER])
    return participants


def active_participants_of(process: Process) -> QuerySet[ProcessParticipant]:
    """The participants who have not withdrawn."""
    return participants_of(process).filter(withdrawn_at__isnull=True)


def preparation_progress(
    process: Process, participants: Iterable[ProcessParticipant], checklist: Sequence[Any]
) -> list[tuple[ProcessParticipant, int, int]]:
    """For each participant: how many points of the checklist their preparation meetings covered, and of how many."""
    prepared: dict[int, set[str]] = {p.pk: set() for p in participants}
    for meeting in PreparationMeeting.objects.filter(process=process):
        prepared.setdefault(meeting.participant_id, set()).update(meeting.covered)
    return [(p, len(prepared.get(p.pk, set())), len(checklist)) for p in participants]


def facilitators_of(process: Process) -> QuerySet[ProcessFacilitator]:
    return ProcessFacilitator.objects.filter(process=process).select_related("user").order_by("role", "created_at")


def sessions_of(process: Process) -> QuerySet[Session]:
    return Session.objects.filter(process=process).select_related("facilitator", "co_facilitator")


def session_in(process: Process, pk: Any) -> Session:
    return one_or_404(sessions_of(process), pk)


def participant_in(process: Process, pk: Any) -> ProcessParticipant:
    return one_or_404(participants_of(process), pk)


def sessions_for_week(actor: Any, *, start: datetime.date | None = None) -> QuerySet[Session]:
    """The actor's sessions (as facilitator or co-facilitator) in the seven days from ``start``."""
    start = start or timezone.localdate()
    begin = timezone.make_aware(datetime.datetime.combine(start, datetime.time.min))
    end = begin + datetime.timedelta(days=7)
    return (
        Session.objects.filter(process__in=processes_visible_to(actor), starts_at__gte=begin, starts_at__lt=end)
        .filter(Q(facilitator=actor) | Q(co_facilitator=actor))
        .select_related("process", "process__case")
        .order_by("starts_at")
    )


def upcoming_sessions(process: Process) -> QuerySet[Session]:
    return sessions_of(process).filter(status=SessionStatus.SCHEDULED, starts_at__gte=timezone.now())


def invitations_of(session: Session) -> QuerySet[SessionInvitation]:
    return SessionInvitation.objects.filter(session=session).select_related("participant__person")


def invitation_in(session: Session, pk: Any) -> SessionInvitation:
    return one_or_404(SessionInvitation.objects.select_related("session__process__case"), pk, session=session)


# --- the case timeline (registered with reparo.cases.extensions.case_timeline_entries) -----------------------------

TIMELINE_ACTIONS = ("process.stage_changed", "process.paused", "process.resumed", "process.ended_early")


def case_timeline_entries(actor: Any, case: Any, access: Any) -> list[TimelineEntry]:
    """The case's processes on its timeline, for the team: each one started, each move to a stage, each pause (and
    how many joint sessions it called off) and resumption, each early end. The moves, pauses and ends are read from
    the audit trail, which records each of them (one query)."""
    if not access.can_work:
        return []
    processes = {str(p.pk): p for p in processes_of_case_for(actor, case)}
    if not processes:
        return []
    entries = [
        TimelineEntry(
            at=process.created_at,
            kind="event",
            text=_("Process started: %(kind)s") % {"kind": process.get_type_display()},
            actor_label=process.created_by.display_name if process.created_by else "",
        )
        for process in processes.values()
    ]
    events = with_brief(
        AuditEvent.objects.filter(
            object_type=Process._meta.label_lower, object_id__in=list(processes), action__in=TIMELINE_ACTIONS
        ),
        "actor",
        *USER_BRIEF,
    )
    for event in events:
        kind = processes[event.object_id].get_type_display()
        detail = event.detail or {}
        if event.action == "process.stage_changed":
            stage = detail.get("to", "")
            label = ProcessStage(stage).label if stage in ProcessStage.values else stage
            text = _("%(kind)s: moved on to “%(stage)s”") % {"kind": kind, "stage": label}
        elif event.action == "process.paused":
            cancelled = int(detail.get("cancelled") or 0)
            text = (
                _("%(kind)s paused after a distress rating at or above the threshold")
                if detail.get("why") == "distress_threshold"
                else _("%(kind)s paused")
            ) % {"kind": kind}
            if cancelled:
                text += " · " + ngettext(
                    "%(count)d joint session cancelled", "%(count)d joint sessions cancelled", cancelled
                ) % {"count": cancelled}
        elif event.action == "process.resumed":
            text = _("%(kind)s resumed") % {"kind": kind}
        else:
            reason = detail.get("reason", "")
            label = EndReason(reason).label if reason in EndReason.values else reason
            text = _("%(kind)s ended early: %(reason)s") % {"kind": kind, "reason": label}
        who = event.actor.display_name if event.actor else gettext("Reparo")
        entries.append(TimelineEntry(at=event.at, kind="event", text=text, actor_label=who))
    return entries
