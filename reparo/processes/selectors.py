"""Reads about processes, limited to what the actor may see (through the case)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from reparo.cases.selectors import case_access_for, cases_visible_to
from reparo.processes.models import (
    PreparationMeeting,
    Process,
    ProcessFacilitator,
    ProcessParticipant,
    ProcessRole,
    Session,
    SessionInvitation,
    SessionStatus,
)


def processes_visible_to(actor: Any) -> QuerySet[Process]:
    return Process.objects.filter(case__in=cases_visible_to(actor))


def process_get_for(actor: Any, pk: Any) -> Process:
    try:
        return processes_visible_to(actor).select_related("case", "case__program").get(pk=pk)
    except (Process.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None


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


def session_get_for(actor: Any, process: Process, pk: Any) -> Session:
    try:
        return sessions_of(process).get(pk=pk)
    except (Session.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None


def participant_get_for(actor: Any, process: Process, pk: Any) -> ProcessParticipant:
    try:
        return participants_of(process).get(pk=pk)
    except (ProcessParticipant.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None


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


def invitation_get_for(actor: Any, session: Session, pk: Any) -> SessionInvitation:
    try:
        return SessionInvitation.objects.select_related("session__process__case").get(session=session, pk=pk)
    except (SessionInvitation.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None
