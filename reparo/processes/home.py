"""What the processes app puts on the home page (``reparo.organisations.extensions``): this week's sessions, the
joint meetings the gate does not allow yet and the paused processes, for coordinators; a facilitator's own sessions
and the preparation still to do. Every read starts from the processes the actor sees."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from reparo.access.desks import Desk
from reparo.organisations.extensions import SECTION_ITEMS, HomeItem, HomeLink, HomeSection, first_items, home_section
from reparo.processes.gate import RESPONSIBLE_ROLES, SURVIVOR_ROLES, joint_meeting_gate
from reparo.processes.models import (
    OPEN_STAGES,
    PreparationMeeting,
    Process,
    ProcessFacilitator,
    ProcessParticipant,
    ProcessStage,
    ProcessType,
    Session,
    SessionStatus,
)
from reparo.processes.selectors import processes_visible_to, sessions_for_week

# The processes whose work is a joint meeting of the survivor and the responsible person.
JOINT_TYPES = (ProcessType.DIRECT_MEDIATION, ProcessType.CONFERENCE, ProcessType.CIRCLE)


def _attention() -> str:
    return _("Cases needing attention")


def _process_url(process_id: Any, anchor: str = "") -> str:
    return reverse("processes:detail", kwargs={"pk": process_id}) + (f"#{anchor}" if anchor else "")


def _session_item(session: Session) -> HomeItem:
    process = session.process
    return HomeItem(
        text=f"{process.get_type_display()} · {process.case.reference}",
        url=reverse("processes:session", kwargs={"pk": process.pk, "session_pk": session.pk}),
        at=session.starts_at,
        detail=session.get_status_display() + (" · " + _("joint meeting") if session.is_joint else ""),
    )


def week_bounds(today: datetime.date | None = None) -> tuple[datetime.datetime, datetime.datetime]:
    """From Monday 00:00 of this week to the end of the next seven days (so that on a Friday the coming Monday is
    there too), in the local time zone."""
    today = today or timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday())
    begin = timezone.make_aware(datetime.datetime.combine(monday, datetime.time.min))
    end = timezone.make_aware(datetime.datetime.combine(today + datetime.timedelta(days=8), datetime.time.min))
    return begin, end


def sessions_this_week(actor: Any, organisation_ids: tuple[int, ...]) -> HomeSection:
    """Every session of this week and the next seven days on the organisations' cases, held, to come or cancelled
    (2 queries)."""
    begin, end = week_bounds()
    rows = (
        Session.objects.filter(
            process__in=processes_visible_to(actor),
            process__case__organisation_id__in=organisation_ids,
            starts_at__gte=begin,
            starts_at__lt=end,
        )
        .select_related("process__case")
        .order_by("starts_at")
    )
    return HomeSection(
        key="sessions_this_week", title=_("Sessions this week and the next seven days"),
        items=first_items(rows, _session_item),
        total=rows.count(), empty=_("No sessions this week."),
    )  # fmt: skip


def my_sessions(actor: Any, organisation_ids: tuple[int, ...]) -> HomeSection:
    """The actor's own sessions (as facilitator or co-facilitator) in the next seven days (2 queries)."""
    rows = sessions_for_week(actor).filter(
        process__case__organisation_id__in=organisation_ids, status=SessionStatus.SCHEDULED
    )
    return HomeSection(
        key="my_sessions", title=_("My sessions this week"), items=first_items(rows, _session_item),
        total=rows.count(), empty=_("No sessions in the next seven days."),
        more=HomeLink(_("My week"), reverse("processes:my_week")),
    )  # fmt: skip


def preparation_due(actor: Any, organisation_ids: tuple[int, ...]) -> HomeSection:
    """The actor's processes still in preparation where someone taking part has not been met alone yet (2
    queries)."""
    unprepared = ProcessParticipant.objects.filter(process=OuterRef("pk"), withdrawn_at__isnull=True).exclude(
        Exists(PreparationMeeting.objects.filter(participant=OuterRef("pk")))
    )
    rows = (
        processes_visible_to(actor)
        .filter(
            Exists(ProcessFacilitator.objects.filter(process=OuterRef("pk"), user=actor)),
            Exists(unprepared),
            case__organisation_id__in=organisation_ids,
            stage=ProcessStage.PREPARATION,
        )
        .select_related("case")
        .order_by("created_at")
    )

    def item(process: Process) -> HomeItem:
        return HomeItem(
            text=f"{process.get_type_display()} · {process.case.reference}",
            url=_process_url(process.pk, "preparation"), day=timezone.localdate(process.created_at),
            detail=_("someone taking part has not been met alone yet · opened"),
        )  # fmt: skip

    return HomeSection(
        key="preparation_due", title=_("Preparation to do"), items=first_items(rows, item), total=rows.count(),
        empty=_("Everyone in your processes has had a preparation meeting."),
    )  # fmt: skip


def paused_processes(actor: Any, organisation_ids: tuple[int, ...]) -> HomeSection:
    """Open processes that are paused (after a distress rating at the threshold, or by hand) (2 queries)."""
    rows = (
        processes_visible_to(actor)
        .filter(case__organisation_id__in=organisation_ids, paused=True, stage__in=OPEN_STAGES)
        .select_related("case")
        .order_by("paused_at")
    )

    def item(process: Process) -> HomeItem:
        return HomeItem(
            text=f"{process.get_type_display()} · {process.case.reference}", url=_process_url(process.pk),
            at=process.paused_at, detail=_("paused since"), urgent=True,
        )  # fmt: skip

    return HomeSection(
        key="paused_processes", title=_("Paused processes"), group=_attention(), items=first_items(rows, item),
        total=rows.count(), empty=_("No process is paused."),
    )  # fmt: skip


def gate_closed(actor: Any, organisation_ids: tuple[int, ...]) -> HomeSection:
    """Mediations, conferences and circles still before their joint meeting (preparation or meetings, not paused,
    none booked) whose joint-meeting gate is closed, with its first reason. The gate is asked for the
    :data:`SECTION_ITEMS` longest-waiting of them only (a bounded number of queries, whatever their number)."""
    now = timezone.now()
    booked = Session.objects.filter(
        process=OuterRef("pk"), is_joint=True, status=SessionStatus.SCHEDULED, starts_at__gte=now
    )
    both = Exists(
        ProcessParticipant.objects.filter(process=OuterRef("pk"), withdrawn_at__isnull=True, role__in=SURVIVOR_ROLES)
    ) & Exists(
        ProcessParticipant.objects.filter(process=OuterRef("pk"), withdrawn_at__isnull=True, role__in=RESPONSIBLE_ROLES)
    )
    waiting = (
        processes_visible_to(actor)
        .filter(
            both,
            Q(stage=ProcessStage.PREPARATION) | Q(stage=ProcessStage.MEETINGS),
            case__organisation_id__in=organisation_ids,
            type__in=JOINT_TYPES,
            paused=False,
        )
        .exclude(Exists(booked))
        .select_related("case")
        .order_by("updated_at")
    )
    items = []
    for process in waiting[:SECTION_ITEMS]:
        gate = joint_meeting_gate(process, at=now)
        if gate.open:
            continue
        more = len(gate.reasons) - 1
        detail = gate.reasons[0] + (" " + _("(and %(n)d more)") % {"n": more} if more else "")
        items.append(
            HomeItem(
                text=f"{process.get_type_display()} · {process.case.reference}",
                url=_process_url(process.pk, "gate"),
                detail=detail,
            )
        )
    return HomeSection(
        key="gate_closed", title=_("Joint meeting not possible yet"), group=_attention(), items=items,
        empty=_("Every process waiting for a joint meeting could have one."),
        note=_("Each reason links to the process, where the joint-meeting panel says what is missing."),
    )  # fmt: skip


def register() -> None:
    home_section("gate_closed", desk=Desk.COORDINATION, order=30, provider=gate_closed)
    home_section("paused_processes", desk=Desk.COORDINATION, order=35, provider=paused_processes)
    home_section("sessions_this_week", desk=Desk.COORDINATION, order=50, provider=sessions_this_week)
    home_section("my_sessions", desk=Desk.FACILITATION, order=10, provider=my_sessions)
    home_section("preparation_due", desk=Desk.FACILITATION, order=20, provider=preparation_due)
    home_section("my_sessions", desk=Desk.SUPERVISION, order=30, provider=my_sessions, quiet=True)
