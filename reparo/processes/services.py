"""Writes about processes. Scheduling goes through :func:`session_schedule`, whose joint-meeting gate cannot be
gone around. Every write checks the actor's rights on the case and writes its audit row in its transaction."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from reparo.access.capabilities import Capability, team_roles_with
from reparo.access.participants import speaks_for
from reparo.audit.concurrency import check_version
from reparo.audit.services import audit_record_for
from reparo.cases.models import Case, CaseParticipant, CaseStatus, CaseTeamMember, TeamRole
from reparo.cases.models import ParticipantRole as CaseParticipantRole
from reparo.cases.selectors import case_access_for
from reparo.cases.services import case_transition, task_generate
from reparo.core.once import AlreadyDone
from reparo.processes import content, facilitation
from reparo.processes.gate import joint_meeting_gate_for_session
from reparo.processes.models import (
    ACCOMPANYING_ROLES,
    RESPONSIBLE_SIDE,
    STAGE_TRANSITIONS,
    SURVIVOR_ONLY_TYPES,
    Accompanies,
    EndReason,
    FacilitatorRole,
    PreparationMeeting,
    Process,
    ProcessFacilitator,
    ProcessParticipant,
    ProcessRole,
    ProcessStage,
    ProcessType,
    Reply,
    Session,
    SessionInvitation,
    SessionMode,
    SessionStatus,
)
from reparo.processes.signals import participant_withdrew

STAGGER = datetime.timedelta(minutes=10)
STAGGER_WINDOW = datetime.timedelta(minutes=90)


class GateClosedError(ValidationError):
    """A joint session was refused by the joint-meeting gate; ``reasons`` says why, in plain words."""

    def __init__(self, reasons: list[str], codes: list[str]) -> None:
        self.reasons = reasons
        self.codes = codes
        super().__init__(reasons)


def _require_work(actor: Any, case: Case) -> None:
    if not case_access_for(actor, case).can_work:
        raise PermissionDenied(_("You can see this case, but not change it."))


@transaction.atomic
def process_open(*, actor: Any, case: Case, type: str) -> Process:
    _require_work(actor, case)
    if type not in ProcessType.values:
        raise ValidationError({"type": _("Choose a type of process.")})
    if not case.is_open:
        raise ValidationError(_("This case is closed; open a process on an open case."))
    process = Process.objects.create(case=case, type=type, created_by=actor)
    audit_record_for(actor, "process.opened", process, process.case.organisation, type=type)
    return process


@transaction.atomic
def participant_add(
    *, actor: Any, process: Process, case_participant: CaseParticipant, role: str, supports: str = ""
) -> ProcessParticipant:
    """Add a person of the case to the process in a role. ``supports``: for a supporter or a community member,
    whose side they come with (:func:`participant_supports_set`)."""
    _require_work(actor, process.case)
    supports = _checked_supports(role, supports)
    if case_participant.case_id != process.case_id:
        raise ValidationError(_("Only people in this case can take part in its processes."))
    if role not in ProcessRole.values:
        raise ValidationError({"role": _("Choose a role.")})
    expected = {"survivor": {ProcessRole.SURVIVOR}, "responsible": {ProcessRole.RESPONSIBLE, ProcessRole.CORE_MEMBER}}
    if case_participant.role in expected and role not in expected[case_participant.role]:
        raise ValidationError({"role": _("That role does not fit this person's role in the case.")})
    if role == ProcessRole.CORE_MEMBER and process.type != ProcessType.COSA:
        raise ValidationError({"role": _("Only a Circle of Support and Accountability has a core member.")})
    if process.type in SURVIVOR_ONLY_TYPES:
        _require_survivor_alone(process, case_participant, role)
    participant, created = ProcessParticipant.objects.get_or_create(
        process=process, person=case_participant.person, defaults={"role": role, "supports": supports}
    )
    if not created:
        raise ValidationError(_("This person already takes part in this process."))
    audit_record_for(
        actor, "process.participant_added", process, process.case.organisation,
        person=case_participant.person.display_code, role=role, **({"supports": supports} if supports else {}),
    )  # fmt: skip
    return participant


def _checked_supports(role: str, supports: str) -> str:
    supports = supports or ""
    if supports and supports not in Accompanies.values:
        raise ValidationError({"supports": _("Choose whom they come with.")})
    if supports and role not in ACCOMPANYING_ROLES:
        raise ValidationError({"supports": _("Only a supporter or a community member comes with one side.")})
    return supports


@transaction.atomic
def participant_supports_set(*, actor: Any, participant: ProcessParticipant, supports: str) -> ProcessParticipant:
    """Record whose side a supporter (or a community member) comes with, or that it is not known (``""``). In the
    portal they see of a joint meeting only what that side sees (its arrival and leaving times); while it is not
    known, no side's times at all."""
    locked = (
        ProcessParticipant.objects.select_for_update().select_related("process__case", "person").get(pk=participant.pk)
    )
    _require_work(actor, locked.process.case)
    supports = _checked_supports(locked.role, supports)
    if locked.supports == supports:
        raise AlreadyDone(_("This is recorded already. Nothing has changed."), result=locked)
    locked.supports = supports
    locked.save(update_fields=["supports", "updated_at"])
    audit_record_for(
        actor, "process.participant_side_set", locked.process, locked.process.case.organisation,
        person=locked.person.display_code, supports=supports or None,
    )  # fmt: skip
    return locked


def _require_survivor_alone(process: Process, case_participant: CaseParticipant, role: str) -> None:
    """A survivor-only process (a support circle) forms around one survivor: nobody else takes part in it, and
    certainly nobody from the responsible person's side."""
    if role != ProcessRole.SURVIVOR or case_participant.role != CaseParticipantRole.SURVIVOR:
        raise ValidationError(
            {"role": _("Only the survivor takes part in a support circle. Nobody from the other side can join it.")}
        )
    if ProcessParticipant.objects.filter(process=process).exclude(person=case_participant.person).exists():
        raise ValidationError(_("A support circle forms around one survivor only."))


@transaction.atomic
def facilitator_assign(*, actor: Any, process: Process, user: Any, role: str) -> ProcessFacilitator:
    """Assign a facilitator. They must be on the case team as a facilitator or supervisor, and eligible
    (``reparo.training.eligibility``: certification, languages, preferences, conflicts, workload)."""
    access = case_access_for(actor, process.case)
    if not access.can_manage_process_team:
        raise PermissionDenied(_("Only a coordinator or the lead facilitator can assign facilitators."))
    fits = CaseTeamMember.objects.filter(
        case=process.case,
        user=user,
        role__in=team_roles_with(Capability.FACILITATE_ON_CASE),
    ).exists()
    if not fits:
        raise ValidationError(_("Add this person to the case team as a facilitator first."))
    if role not in FacilitatorRole.values:
        raise ValidationError({"role": _("Choose a role.")})
    # One assignment of this person at a time: two at once must not both pass the workload cap.
    type(user).objects.select_for_update().filter(pk=user.pk).first()
    fit = facilitation.facilitator_eligibility(process, user)  # the one eligibility check (issue 6)
    if not fit.eligible:
        raise ValidationError([_("This person cannot facilitate this process:"), *(r.text for r in fit.against)])
    assignment, created = ProcessFacilitator.objects.get_or_create(process=process, user=user, defaults={"role": role})
    if not created:
        raise ValidationError(_("This person already facilitates this process."))
    audit_record_for(
        actor, "process.facilitator_assigned", process, process.case.organisation, user=str(user.pk), role=role,
    )  # fmt: skip
    return assignment


@transaction.atomic
def process_move(*, actor: Any, process: Process, to_stage: str) -> Process:
    _require_work(actor, process.case)
    locked = Process.objects.select_for_update().get(pk=process.pk)
    if to_stage not in STAGE_TRANSITIONS.get(locked.stage, frozenset()):
        allowed = ", ".join(str(ProcessStage(s).label) for s in locked.allowed_stages()) or _("nothing")
        raise ValidationError(
            _("A process at “%(current)s” cannot move to “%(target)s”. It can move to: %(allowed)s.")
            % {
                "current": ProcessStage(locked.stage).label,
                "target": ProcessStage(to_stage).label if to_stage in ProcessStage.values else to_stage,
                "allowed": allowed,
            }
        )
    if to_stage == ProcessStage.MEETINGS and locked.type != ProcessType.INDIRECT_DIALOGUE:
        missing = [p.person.display_code for p in locked.participants.filter(withdrawn_at__isnull=True)
                   if not p.preparations.exists()]  # fmt: skip
        if missing:
            raise ValidationError(
                _("Meet each participant alone to prepare before any meeting. Not yet prepared: %(codes)s.")
                % {"codes": ", ".join(missing)}
            )
    previous = locked.stage
    locked.stage = to_stage
    if to_stage == ProcessStage.COMPLETED:
        locked.ended_at = timezone.now()  # follow-up surveys and re-offending follow-up count from here
    locked.version += 1
    locked.save()
    audit_record_for(
        actor, "process.stage_changed", locked, locked.case.organisation, **{"from": previous, "to": to_stage},
    )  # fmt: skip
    return locked


def _end(process: Process, *, reason: str, note: str | None = None) -> None:
    """End a locked, open process early: stage, reason, when, and its future sessions cancelled. The one way a
    process ends early (by hand, by a survivor's withdrawal, with its case); callers audit in their words."""
    process.stage = ProcessStage.ENDED_EARLY
    process.end_reason = reason
    if note is not None:
        process.end_note = note
    process.ended_at = timezone.now()
    process.version += 1
    process.save()
    _cancel_future_sessions(process, reason=_("The process has ended."))


def processes_end_with_case(*, actor: Any, case: Any, reason: str) -> int:
    """When a case is withdrawn or closed, its open processes end and their future sessions are cancelled (the
    caller's transaction covers it). Returns how many processes ended."""
    ended = 0
    for process in (
        Process.objects.select_for_update()
        .filter(case=case)
        .exclude(stage__in=[ProcessStage.COMPLETED, ProcessStage.ENDED_EARLY])
    ):
        _end(process, reason=reason)
        audit_record_for(actor, "process.ended_early", process, process.case.organisation, reason=reason)
        ended += 1
    return ended


@transaction.atomic
def process_end_early(*, actor: Any, process: Process, reason: str, note: str = "") -> Process:
    _require_work(actor, process.case)
    locked = Process.objects.select_for_update().get(pk=process.pk)
    if not locked.is_open:
        raise ValidationError(_("This process has already ended."))
    if reason not in EndReason.values:
        raise ValidationError({"reason": _("Choose why the process ended.")})
    _end(locked, reason=reason, note=note.strip() or None)
    audit_record_for(actor, "process.ended_early", locked, locked.case.organisation, reason=reason)
    return locked


def process_pause(*, actor: Any, process: Process, why: str) -> Process:
    """Pause a process (for example after a distress rating at or above the threshold): no joint meeting can be
    scheduled until it is resumed. ``why`` is a code, never personal text."""
    with transaction.atomic():
        if actor is not None:  # None: the system pausing after a distress rating at the threshold
            _require_work(actor, process.case)
        Process.objects.filter(pk=process.pk).update(paused=True, paused_at=timezone.now())
        process.refresh_from_db()
        # A paused process holds no joint meeting: those already booked are called off too (not only new ones).
        cancelled = _cancel_future_sessions(process, reason=_("The process is paused."), joint_only=True)
        audit_record_for(actor, "process.paused", process, process.case.organisation, why=why, cancelled=cancelled)
    return process


@transaction.atomic
def process_resume(*, actor: Any, process: Process) -> Process:
    _require_work(actor, process.case)
    Process.objects.filter(pk=process.pk).update(paused=False, paused_at=None)
    process.refresh_from_db()
    audit_record_for(actor, "process.resumed", process, process.case.organisation)
    return process


@transaction.atomic
def preparation_record(
    *,
    actor: Any,
    process: Process,
    participant: ProcessParticipant,
    held_on: datetime.date,
    covered: Iterable[str] = (),
    notes: str = "",
) -> PreparationMeeting:
    _require_work(actor, process.case)
    if participant.process_id != process.pk:
        raise ValidationError(_("That person does not take part in this process."))
    if held_on > timezone.localdate():
        raise ValidationError({"held_on": _("A preparation meeting cannot be recorded before it happens.")})
    known = {key for key, _label in content.checklist_for(process.type)}
    covered = [c for c in covered if c]
    unknown = sorted(set(covered) - known)
    if unknown:
        raise ValidationError({"covered": _("Unknown checklist items: %(items)s") % {"items": ", ".join(unknown)}})
    meeting = PreparationMeeting.objects.create(
        process=process, participant=participant, held_on=held_on, facilitator=actor, covered=covered,
        notes=notes.strip() or None,
    )  # fmt: skip
    audit_record_for(
        actor, "process.preparation_recorded", process, process.case.organisation,
        participant=participant.person.display_code,
    )  # fmt: skip
    return meeting


def _staggered_times(
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    times: dict[str, datetime.datetime | None],
) -> dict[str, datetime.datetime]:
    """Arrival and departure times for a joint session: given, or proposed (the responsible person arrives first
    and leaves last, so the survivor never waits with them or meets them on the way). Refuses times that are not
    at least ten minutes apart."""
    proposed = {
        "responsible_arrives_at": starts_at - datetime.timedelta(minutes=25),
        "survivor_arrives_at": starts_at - datetime.timedelta(minutes=5),
        "survivor_leaves_at": ends_at,
        "responsible_leaves_at": ends_at + datetime.timedelta(minutes=20),
    }
    chosen = {key: times.get(key) or value for key, value in proposed.items()}
    errors = {}
    if abs(chosen["survivor_arrives_at"] - chosen["responsible_arrives_at"]) < STAGGER:
        errors["survivor_arrives_at"] = _("Arrival times must be at least 10 minutes apart.")
    if abs(chosen["survivor_leaves_at"] - chosen["responsible_leaves_at"]) < STAGGER:
        errors["survivor_leaves_at"] = _("Leaving times must be at least 10 minutes apart.")
    for who in ("survivor", "responsible"):
        arrive, leave = chosen[f"{who}_arrives_at"], chosen[f"{who}_leaves_at"]
        if arrive >= leave:
            errors[f"{who}_leaves_at"] = _("Leaving must come after arriving.")
        if arrive < starts_at - STAGGER_WINDOW or leave > ends_at + STAGGER_WINDOW:
            errors[f"{who}_arrives_at"] = _("Arrival and leaving must be within 90 minutes of the session.")
    if errors:
        raise ValidationError(errors)
    return chosen


@transaction.atomic
def session_schedule(
    *,
    actor: Any,
    process: Process,
    starts_at: datetime.datetime,
    duration_minutes: int,
    mode: str,
    invited: Iterable[ProcessParticipant],
    facilitator: Any = None,
    co_facilitator: Any = None,
    venue: str = "",
    online_link: str = "",
    interpreter_language: str = "",
    times: dict[str, datetime.datetime | None] | None = None,
) -> Session:
    """The one way to schedule a session. A session that brings the survivor and the responsible person together
    is a joint meeting: the joint-meeting gate must be open, and their times are staggered."""
    _require_work(actor, process.case)
    locked = Process.objects.select_for_update().get(pk=process.pk)
    invited = list(invited)
    if not invited:
        raise ValidationError({"invited": _("Invite at least one participant.")})
    if any(p.process_id != locked.pk or p.withdrawn_at for p in invited):
        raise ValidationError({"invited": _("Only people taking part in this process can be invited.")})
    if starts_at <= timezone.now():
        raise ValidationError({"starts_at": _("Choose a time in the future.")})
    if not 15 <= int(duration_minutes) <= 480:
        raise ValidationError({"duration_minutes": _("A session lasts between 15 minutes and 8 hours.")})
    if mode not in SessionMode.values:
        raise ValidationError({"mode": _("Choose how the session happens.")})
    if mode == SessionMode.ONLINE and not online_link.strip():
        raise ValidationError({"online_link": _("Give the link to the online meeting.")})
    if not locked.is_open:
        raise ValidationError(_("This process has ended."))
    roles = {p.role for p in invited}
    is_joint = ProcessRole.SURVIVOR in roles and bool(roles & RESPONSIBLE_SIDE)
    facilitator = facilitator or _main_facilitator(locked)
    session = Session(
        process=locked,
        starts_at=starts_at,
        duration_minutes=int(duration_minutes),
        mode=mode,
        venue=venue.strip() or None,
        online_link=online_link.strip() or None,
        interpreter_language=interpreter_language,
        facilitator=facilitator,
        co_facilitator=co_facilitator,
        is_joint=is_joint,
        agenda=content.agenda_for(locked.type, joint=is_joint),
    )
    if is_joint:
        gate = joint_meeting_gate_for_session(locked, starts_at=starts_at, ends_at=session.ends_at, invited=invited)
        if not gate.open:
            raise GateClosedError(gate.reasons, gate.codes)
        for key, value in _staggered_times(starts_at, session.ends_at, times or {}).items():
            setattr(session, key, value)
    for who in (facilitator, co_facilitator):
        problem = who and facilitation.certification_problem(who, locked, [timezone.localdate(starts_at)])
        if problem:
            raise ValidationError(
                _("%(person)s cannot lead a session on that day: %(problem)s")
                % {"person": who.display_name, "problem": problem}
            )
    session.save()
    SessionInvitation.objects.bulk_create([SessionInvitation(session=session, participant=p) for p in invited])
    audit_record_for(
        actor, "process.session_scheduled", locked, locked.case.organisation, session=str(session.pk), joint=is_joint,
    )  # fmt: skip
    return session


def _main_facilitator(process: Process) -> Any:
    assignment = process.facilitators.filter(role=FacilitatorRole.FACILITATOR).select_related("user").first()
    return assignment.user if assignment else None


@transaction.atomic
def session_reschedule(
    *, actor: Any, session: Session, starts_at: datetime.datetime, reason: str = "",
    times: dict[str, datetime.datetime | None] | None = None,
) -> Session:  # fmt: skip
    """Move a session: cancel it and schedule it again through the same gate, so a move cannot go around it."""
    invited = [i.participant for i in session.invitations.select_related("participant")]
    replacement = session_schedule(
        actor=actor,
        process=session.process,
        starts_at=starts_at,
        duration_minutes=session.duration_minutes,
        mode=session.mode,
        invited=invited,
        facilitator=session.facilitator,
        co_facilitator=session.co_facilitator,
        venue=session.venue or "",
        online_link=session.online_link or "",
        interpreter_language=session.interpreter_language,
        times=times,
    )
    session_cancel(actor=actor, session=session, reason=reason or _("Moved to a new time."))
    return replacement


@transaction.atomic
def session_cancel(*, actor: Any, session: Session, reason: str) -> Session:
    _require_work(actor, session.process.case)
    if session.status != SessionStatus.SCHEDULED:
        raise ValidationError(_("Only a scheduled session can be cancelled."))
    Session.objects.filter(pk=session.pk).update(status=SessionStatus.CANCELLED)
    session.refresh_from_db()
    session.cancel_reason = reason.strip() or None
    session.save(update_fields=["cancel_reason", "updated_at"])
    audit_record_for(
        actor, "process.session_cancelled", session.process, session.process.case.organisation, session=str(session.pk),
    )  # fmt: skip
    return session


def _cancel_future_sessions(process: Process, *, reason: str, joint_only: bool = False) -> int:
    rows = Session.objects.filter(process=process, status=SessionStatus.SCHEDULED, starts_at__gte=timezone.now())
    if joint_only:
        rows = rows.filter(is_joint=True)
    upcoming = list(rows)
    for session in upcoming:
        session.status = SessionStatus.CANCELLED
        session.cancel_reason = reason
        session.save(update_fields=["status", "cancel_reason", "updated_at"])
    return len(upcoming)


@transaction.atomic
def session_record(
    *, actor: Any, session: Session, attended: Iterable[int], record: str = "", version: int | None = None
) -> Session:
    """After the session: who attended, and the (encrypted) session record."""
    _require_work(actor, session.process.case)

    locked = Session.objects.select_for_update().get(pk=session.pk)
    if version is not None:
        check_version(locked, version)
    if locked.status == SessionStatus.CANCELLED:
        raise ValidationError(_("This session was cancelled."))
    if locked.starts_at > timezone.now():
        raise ValidationError(_("A session can be recorded once it has started."))
    attended_ids = {int(i) for i in attended}
    for invitation in locked.invitations.all():
        invitation.attended = invitation.pk in attended_ids
        invitation.save(update_fields=["attended", "updated_at"])
    locked.status = SessionStatus.HELD
    locked.record = record.strip() or None
    locked.version += 1
    locked.save()
    audit_record_for(
        actor, "process.session_recorded", locked.process, locked.process.case.organisation, session=str(locked.pk),
        version=locked.version, fields=["record", "attendance"],
    )  # fmt: skip
    return locked


@transaction.atomic
def invitation_reply(*, actor: Any, invitation: SessionInvitation, reply: str) -> SessionInvitation:
    _require_work(actor, invitation.session.process.case)
    if reply not in Reply.values:
        raise ValidationError({"reply": _("Choose a reply.")})
    invitation.reply = reply
    invitation.save(update_fields=["reply", "updated_at"])
    audit_record_for(
        actor, "process.invitation_reply", invitation.session.process, invitation.session.process.case.organisation,
        reply=reply,
    )  # fmt: skip
    return invitation


@transaction.atomic
def participant_withdraw(
    *, actor: Any, participant: ProcessParticipant, close_case: bool = False
) -> ProcessParticipant:
    """A participant stops taking part, with no reason asked. When the survivor or the responsible person
    withdraws from a process that needs them both, the process ends and future sessions are cancelled; the team
    is told, without blame, in a task. The case stays open for support unless the survivor asks for it to close
    (``close_case``: only for the survivor's own withdrawal, recorded by staff).

    A participant may stop themself, through the portal (the actor is then the person who stops): the effects are
    exactly these, with no reason asked; closing the case stays a conversation with the team."""
    process = participant.process
    themself = speaks_for(actor, participant.person_id)
    if not themself:
        _require_work(actor, process.case)
    elif close_case:
        raise ValidationError(_("Your team will talk with you about closing the case."))
    if close_case and participant.role != ProcessRole.SURVIVOR:
        raise ValidationError(_("Only the survivor's withdrawal can close the case."))
    # Read afresh under lock (the process, then the participant): a stop sent twice at once (a double tap) or
    # recorded by staff while the person stops in the portal takes effect once.
    locked = Process.objects.select_for_update().get(pk=process.pk)
    given, participant = participant, ProcessParticipant.objects.select_for_update().get(pk=participant.pk)
    participant.process = locked
    if participant.withdrawn_at:
        given.withdrawn_at = participant.withdrawn_at
        return participant
    participant.withdrawn_at = given.withdrawn_at = timezone.now()
    participant.save(update_fields=["withdrawn_at", "updated_at"])
    ends = participant.role in {ProcessRole.SURVIVOR, *RESPONSIBLE_SIDE} and locked.is_open
    if ends:
        _end(locked, reason=EndReason.WITHDRAWAL)
        owners = {member.user for member in locked.facilitators.select_related("user")}
        owners |= {m.user for m in CaseTeamMember.objects.filter(case=locked.case, role=TeamRole.SUPERVISOR)
                   .select_related("user")}  # fmt: skip
        for owner in sorted(owners, key=lambda u: u.pk):
            task_generate(
                case_id=locked.case_id,
                message=gettext_noop(
                    "A participant has stopped taking part in a process. Check in with the team and offer support."
                ),
                owner_id=owner.pk,
                due_date=timezone.localdate(),
            )
        participant_withdrew.send(sender=ProcessParticipant, process=locked, users=owners)
    audit_record_for(
        actor, "process.participant_withdrew", process, process.case.organisation, role=participant.role,
        process_ended=ends, case_closed=close_case,
    )  # fmt: skip
    if close_case and process.case.is_open:
        case_transition(actor=actor, case=process.case, to_status=CaseStatus.WITHDRAWN)
    return participant


def on_case_ended(*, actor: Any, case: Any, reason: str, **_kwargs: Any) -> None:
    """A case was withdrawn or closed (``reparo.cases.signals.case_ended``): its processes end with it."""
    processes_end_with_case(actor=actor, case=case, reason=reason)
