"""Writes for evaluation. Each runs in a transaction with its audit row; audit details hold ids and codes only.

- ``schedule_line_add`` / ``schedule_line_remove``: a program's survey schedule.
- ``surveys_assign_due``: the daily sweep (task and management command) that creates the assignments that are
  due — only for people whose evaluation consent is in force, asked of ``reparo.consent.policy.may`` — and
  cancels open ones whose consent is no longer in force.

  Whose outcomes are measured: survivors' outcome surveys go only to ``ProcessRole.SURVIVOR`` participants and
  the responsible side's only to ``ProcessRole.RESPONSIBLE`` participants. A surrogate (someone standing in for
  a survivor) or a core member (CoSA) is never given an outcome survey: their scores would be counted as the
  survivor's or the responsible person's outcomes. What they think of the program is recorded, if at all, as
  stakeholder feedback (``stakeholder_feedback_record``). A participant who has withdrawn from a process gets
  no survey tied to that process (after a session, end of process, 3 and 12 months); offering one again would
  take an explicit staff action, which is not built.
- ``survey_complete``: a staff interview, or the person answering themself in the portal; answers are encrypted
  and the score comes from ``scoring.score`` either way.
- ``stakeholder_feedback_record``, ``reoffending_record``, ``cohort_import``.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from reparo.access.participants import speaks_for
from reparo.audit.services import audit_record_for
from reparo.cases.models import OPEN_STATUSES, Case, CaseParticipant, ParticipantRole
from reparo.cases.selectors import case_access_for, cases_visible_to
from reparo.consent.models import ConsentPurpose
from reparo.consent.policy import may, people_who_may
from reparo.core.crypto import normalise_text
from reparo.core.once import AlreadyDone
from reparo.evaluation import selectors
from reparo.evaluation.catalogue import instrument as get_instrument
from reparo.evaluation.extensions import occasions_due
from reparo.evaluation.models import (
    SCHEDULED_TIMEPOINTS,
    AssignmentStatus,
    Audience,
    CancelReason,
    CollectionMode,
    ComparisonCohort,
    ComparisonMember,
    InstrumentCode,
    ReoffendingEvent,
    ReoffendingSource,
    ReoffendingType,
    StakeholderFeedback,
    StakeholderKind,
    SurveyAssignment,
    SurveyResponse,
    SurveySchedule,
    Timepoint,
)
from reparo.evaluation.scoring import score
from reparo.organisations.models import Organisation, Program
from reparo.people.models import Person
from reparo.processes.models import (
    Process,
    ProcessParticipant,
    ProcessRole,
    Session,
    SessionInvitation,
    SessionStatus,
)

SYSTEM_LABEL = "system: survey sweep"


def _require_program(actor: Any, program: Program) -> Program:
    if not selectors.programs_for_evaluation(actor).filter(pk=program.pk).exists():
        raise PermissionDenied
    return program


# --- schedule ----------------------------------------------------------------------------------------------


@transaction.atomic
def schedule_line_add(
    *, actor: Any, program: Program, instrument: str, timepoint: str, audience: str, due_within_days: int = 14
) -> SurveySchedule:
    _require_program(actor, program)
    if instrument not in InstrumentCode.values:
        raise ValidationError({"instrument": _("Choose a questionnaire from the list.")})
    if timepoint not in SCHEDULED_TIMEPOINTS:
        raise ValidationError({"timepoint": _("Choose when from the list.")})
    if audience not in Audience.values:
        raise ValidationError({"audience": _("Choose who from the list.")})
    if not 1 <= int(due_within_days) <= 365:
        raise ValidationError({"due_within_days": _("Give between 1 and 365 days.")})
    line, created = SurveySchedule.objects.get_or_create(
        program=program, instrument=instrument, timepoint=timepoint, audience=audience,
        defaults={"due_within_days": due_within_days, "created_by": actor},
    )  # fmt: skip
    if not created:
        if line.is_active:
            raise ValidationError(_("This questionnaire is already on the schedule for that time and audience."))
        line.is_active = True
        line.due_within_days = due_within_days
        line.save(update_fields=["is_active", "due_within_days", "updated_at"])
    audit_record_for(
        actor, "evaluation.schedule_added", line, program.organisation, instrument=instrument, timepoint=timepoint,
        audience=audience,
    )  # fmt: skip
    return line


@transaction.atomic
def schedule_line_remove(*, actor: Any, line: SurveySchedule) -> SurveySchedule:
    _require_program(actor, line.program)
    line.is_active = False
    line.save(update_fields=["is_active", "updated_at"])
    audit_record_for(actor, "evaluation.schedule_removed", line, line.program.organisation)
    return line


# --- the daily sweep ---------------------------------------------------------------------------------------


def _add_months(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return datetime.date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _roles_for(audience: str) -> tuple[set[str], set[str]]:
    """(case participant roles, process participant roles) for an audience."""
    case_roles: set[str] = set()
    process_roles: set[str] = set()
    if audience in (Audience.SURVIVORS, Audience.BOTH):
        case_roles.add(ParticipantRole.SURVIVOR)
        process_roles.add(ProcessRole.SURVIVOR)
    if audience in (Audience.RESPONSIBLE, Audience.BOTH):
        case_roles.add(ParticipantRole.RESPONSIBLE)
        process_roles.add(ProcessRole.RESPONSIBLE)
    return case_roles, process_roles


@dataclass(frozen=True)
class _Candidate:
    case_id: Any
    person_id: Any
    role: str
    occasion: str
    due_on: datetime.date
    process_id: Any = None
    session_id: Any = None


# Only the survivor and the responsible person have outcomes measured (see the module docstring).
_OUTCOME_ROLES: dict[str, str] = {
    ProcessRole.SURVIVOR: ParticipantRole.SURVIVOR,
    ProcessRole.RESPONSIBLE: ParticipantRole.RESPONSIBLE,
}


def _case_role(process_role: str) -> str:
    return _OUTCOME_ROLES[process_role]


def _candidates(line: SurveySchedule, today: datetime.date) -> Iterable[_Candidate]:
    case_roles, process_roles = _roles_for(line.audience)
    if line.timepoint == Timepoint.BASELINE:
        rows = CaseParticipant.objects.filter(
            case__program_id=line.program_id, role__in=case_roles, case__status__in=_open_case_statuses()
        ).values_list("case_id", "person_id", "role", "created_at")
        for case_id, person_id, role, created in rows:
            yield _Candidate(case_id, person_id, role, "baseline", min(timezone.localdate(created), today))
        return
    if line.timepoint == Timepoint.AFTER_SESSION:
        sessions = Session.objects.filter(
            process__case__program_id=line.program_id, status=SessionStatus.HELD, starts_at__date__lte=today
        ).values_list("pk", "process_id", "process__case_id", "starts_at")
        session_rows = list(sessions)
        if not session_rows:
            return
        attended: dict[Any, list[tuple[Any, str]]] = {}
        for session_id, person_id, role, was_there in SessionInvitation.objects.filter(
            session_id__in=[s[0] for s in session_rows],
            participant__role__in=process_roles,
            participant__withdrawn_at__isnull=True,
        ).values_list("session_id", "participant__person_id", "participant__role", "attended"):
            if was_there is not False:
                attended.setdefault(session_id, []).append((person_id, role))
        for session_id, process_id, case_id, starts in session_rows:
            for person_id, role in attended.get(session_id, []):
                yield _Candidate(case_id, person_id, _case_role(role), f"session:{session_id}",
                                 timezone.localdate(starts), process_id, session_id)  # fmt: skip
        return
    offsets: dict[str, int] = {
        Timepoint.END_OF_PROCESS: 0, Timepoint.MONTHS_3: 3, Timepoint.MONTHS_6: 6, Timepoint.MONTHS_12: 12,
    }  # fmt: skip
    prefix: dict[str, str] = {
        Timepoint.END_OF_PROCESS: "end",
        Timepoint.MONTHS_3: "months_3",
        Timepoint.MONTHS_6: "months_6",
        Timepoint.MONTHS_12: "months_12",
    }
    if line.timepoint not in offsets:
        return
    processes = Process.objects.filter(case__program_id=line.program_id, stage__in=selectors.ENDED_STAGES).only(
        "pk", "case_id", "stage", "ended_at", "updated_at"
    )
    by_id = {p.pk: p for p in processes}
    if not by_id:
        return
    participants = ProcessParticipant.objects.filter(
        process_id__in=list(by_id), role__in=process_roles, withdrawn_at__isnull=True
    ).values_list("process_id", "person_id", "role")
    for process_id, person_id, role in participants:
        process = by_id[process_id]
        ended = selectors.process_end_date(process)
        if ended is None:
            continue
        due = _add_months(ended, offsets[line.timepoint])
        if due <= today:
            yield _Candidate(process.case_id, person_id, _case_role(role), f"{prefix[line.timepoint]}:{process_id}",
                             due, process_id)  # fmt: skip


def _open_case_statuses() -> list[str]:
    return list(OPEN_STATUSES)


@transaction.atomic
def surveys_assign_due(*, today: datetime.date | None = None, at: datetime.datetime | None = None) -> int:
    """Create the assignments that are due by ``today`` and not made yet, for people whose evaluation consent
    is in force (asked of the consent policy for each person, right before the assignment is made); cancel
    open assignments of people whose evaluation consent is no longer in force. Safe to run more than once.
    Returns the number of assignments created."""
    today = today or timezone.localdate()
    at = at or timezone.now()
    consenting = people_who_may(purpose=ConsentPurpose.EVALUATION, at=at).values("pk")
    for assignment in (
        SurveyAssignment.objects.select_for_update()
        .filter(status=AssignmentStatus.OPEN)
        .exclude(person_id__in=consenting)
        .select_related("program__organisation")
    ):
        assignment.status = AssignmentStatus.CANCELLED
        assignment.cancel_reason = CancelReason.CONSENT
        assignment.closed_at = at
        assignment.save(update_fields=["status", "cancel_reason", "closed_at", "updated_at"])
        audit_record_for(
            None, "evaluation.survey_cancelled", assignment, assignment.program.organisation, reason="consent",
            system_label=SYSTEM_LABEL,
        )  # fmt: skip
    # Someone who stopped taking part in a process is asked nothing more about it (their right to stop).
    withdrew = ProcessParticipant.objects.filter(
        process_id=OuterRef("process_id"), person_id=OuterRef("person_id"), withdrawn_at__isnull=False
    )
    for assignment in (
        SurveyAssignment.objects.select_for_update()
        .filter(status=AssignmentStatus.OPEN, process__isnull=False)
        .filter(Exists(withdrew))
        .select_related("program__organisation")
    ):
        assignment.status = AssignmentStatus.CANCELLED
        assignment.cancel_reason = CancelReason.WITHDREW
        assignment.closed_at = at
        assignment.save(update_fields=["status", "cancel_reason", "closed_at", "updated_at"])
        audit_record_for(
            None, "evaluation.survey_cancelled", assignment, assignment.program.organisation, reason="withdrew",
            system_label=SYSTEM_LABEL,
        )  # fmt: skip

    created = 0
    decisions: dict[Any, bool] = {}

    def consents(person_id: Any) -> bool:
        """Asked of the consent policy once per person and sweep, right before their first assignment."""
        if person_id not in decisions:
            person = Person.objects.get(pk=person_id)
            decisions[person_id] = bool(may(person=person, purpose=ConsentPurpose.EVALUATION, at=at))
        return decisions[person_id]

    lines = SurveySchedule.objects.filter(is_active=True, program__is_active=True).select_related(
        "program__organisation"
    )
    for line in lines:
        existing = set(
            SurveyAssignment.objects.filter(program=line.program, instrument=line.instrument).values_list(
                "case_id", "person_id", "occasion"
            )
        )
        scheduled_on = timezone.localdate(line.created_at)
        for cand in _candidates(line, today):
            if (cand.case_id, cand.person_id, cand.occasion) in existing:
                continue
            # What fell due before the line was on the schedule is due from the day it was added.
            due_on = max(cand.due_on, min(scheduled_on, today))
            if not consents(cand.person_id):
                continue
            assignment = SurveyAssignment.objects.create(
                program=line.program, case_id=cand.case_id, person_id=cand.person_id, participant_role=cand.role,
                process_id=cand.process_id, session_id=cand.session_id, schedule=line, instrument=line.instrument,
                timepoint=line.timepoint, occasion=cand.occasion, due_on=due_on,
                overdue_on=due_on + datetime.timedelta(days=line.due_within_days),
            )  # fmt: skip
            existing.add((cand.case_id, cand.person_id, cand.occasion))
            audit_record_for(
                None, "evaluation.survey_assigned", assignment, line.program.organisation, instrument=line.instrument,
                timepoint=line.timepoint, system_label=SYSTEM_LABEL,
            )  # fmt: skip
            created += 1
    return created + _assign_occasions(today=today, at=at, consents=consents)


def _assign_occasions(*, today: datetime.date, at: datetime.datetime, consents: Any) -> int:
    """The questionnaires other apps schedule themselves (``reparo.evaluation.extensions``): each made once, and
    only while the person's evaluation consent is in force (asked of the consent policy)."""
    created = 0
    for cand in occasions_due(today):
        if cand.instrument not in InstrumentCode.values or cand.timepoint not in Timepoint.values:
            raise ValueError(f"Unknown questionnaire or timepoint in {cand!r}.")
        if cand.due_on > today:
            continue
        made = SurveyAssignment.objects.filter(
            case_id=cand.case_id, person_id=cand.person_id, instrument=cand.instrument, occasion=cand.occasion
        )
        if made.exists() or not consents(cand.person_id):
            continue
        program = Program.objects.select_related("organisation").get(pk=cand.program_id)
        assignment = SurveyAssignment.objects.create(
            program=program, case_id=cand.case_id, person_id=cand.person_id, participant_role=cand.participant_role,
            process_id=cand.process_id, instrument=cand.instrument, timepoint=cand.timepoint, occasion=cand.occasion,
            due_on=cand.due_on, overdue_on=cand.due_on + datetime.timedelta(days=cand.due_within_days),
        )  # fmt: skip
        audit_record_for(
            None, "evaluation.survey_assigned", assignment, program.organisation, instrument=cand.instrument,
            timepoint=cand.timepoint, system_label=SYSTEM_LABEL,
        )  # fmt: skip
        created += 1
    return created


# --- interviews --------------------------------------------------------------------------------------------


def _clean_questionnaire_answers(code: str, answers: Mapping[str, Any]) -> dict[str, int | None]:
    spec = get_instrument(code)
    allowed = set(spec.option_values)
    cleaned: dict[str, int | None] = {}
    for key, value in answers.items():
        if key not in spec.item_ids:
            raise ValueError(f"{key!r}: unknown item for {code}.")
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value not in allowed):
            raise ValueError(f"{key}: {value!r} is not one of the answers.")
        cleaned[key] = value
    return {item_id: cleaned.get(item_id) for item_id in spec.item_ids}


@transaction.atomic
def survey_complete(
    *,
    actor: Any,
    assignment: SurveyAssignment,
    answers: Mapping[str, int | None],
    collected_on: datetime.date,
    language: str,
    comment: str = "",
    at: datetime.datetime | None = None,
) -> SurveyResponse:
    """Record a staff interview, or the answers the person gives themself in the portal (the actor is then the
    person the survey is for: collected today, ``CollectionMode.SELF``). Refused unless the actor may complete this
    assignment, it is still open, and the person's evaluation consent is in force now (asked of the consent
    policy). The score is computed the same way whoever collected the answers."""
    themself = speaks_for(actor, assignment.person_id)
    if not themself:
        if not selectors.assignments_visible_to(actor).filter(pk=assignment.pk).exists():
            raise PermissionDenied
        case_access = case_access_for(actor, assignment.case)
        if case_access.responsible_side_only and assignment.participant_role != ParticipantRole.RESPONSIBLE:
            raise PermissionDenied
    else:
        collected_on = timezone.localdate()
    locked = SurveyAssignment.objects.select_for_update().get(pk=assignment.pk)
    if locked.status == AssignmentStatus.COMPLETED:  # answered already (the same answers sent twice, say)
        raise AlreadyDone(_("The answers to this survey are saved already: it is no longer open. Nothing has changed."))
    if locked.status != AssignmentStatus.OPEN:
        raise ValidationError(_("This survey is no longer open."))
    decision = may(person=locked.person, purpose=ConsentPurpose.EVALUATION, at=at)
    if not decision:
        raise ValidationError(decision.reason)
    if collected_on > timezone.localdate() or collected_on < locked.due_on - datetime.timedelta(days=31):
        raise ValidationError({"collected_on": _("Give the date of the interview (not in the future).")})
    spec = get_instrument(locked.instrument)
    try:
        if spec.scored:
            result = score(locked.instrument, answers)
            stored = {k: answers.get(k) for k in spec.item_ids}
        else:
            stored = _clean_questionnaire_answers(locked.instrument, answers)
            result = None
    except ValueError as exc:
        raise ValidationError(str(exc)) from None
    response = SurveyResponse.objects.create(
        assignment=locked, program_id=locked.program_id, person_id=locked.person_id, instrument=locked.instrument,
        instrument_version=spec.version, timepoint=locked.timepoint, collected_on=collected_on,
        mode=CollectionMode.SELF if themself else CollectionMode.STAFF_INTERVIEW, language=(language or "en")[:8],
        answers=cast(Any, stored),
        comment=comment.strip() or None,
        total=result.total if result else None, subscales=result.subscales if result else {},
        band=(result.band or "") if result else "", extra=result.extra if result else {}, collected_by=actor,
    )  # fmt: skip
    locked.status = AssignmentStatus.COMPLETED
    locked.closed_at = timezone.now()
    locked.save(update_fields=["status", "closed_at", "updated_at"])
    audit_record_for(
        actor, "evaluation.survey_completed", locked, locked.program.organisation, instrument=locked.instrument,
        response=str(response.pk), mode=response.mode,
    )  # fmt: skip
    return response


@transaction.atomic
def survey_cancel(*, actor: Any, assignment: SurveyAssignment, reason: str) -> SurveyAssignment:
    if not selectors.assignments_visible_to(actor).filter(pk=assignment.pk).exists():
        raise PermissionDenied
    if reason not in (CancelReason.DECLINED, CancelReason.UNREACHABLE):
        raise ValidationError(_("Choose why the survey will not be done."))
    locked = SurveyAssignment.objects.select_for_update().get(pk=assignment.pk)
    if locked.status != AssignmentStatus.OPEN:
        raise ValidationError(_("This survey is no longer open."))
    locked.status = AssignmentStatus.CANCELLED
    locked.cancel_reason = reason
    locked.closed_at = timezone.now()
    locked.save(update_fields=["status", "cancel_reason", "closed_at", "updated_at"])
    audit_record_for(actor, "evaluation.survey_cancelled", locked, locked.program.organisation, reason=reason)
    return locked


# --- stakeholder feedback ----------------------------------------------------------------------------------


@transaction.atomic
def stakeholder_feedback_record(
    *,
    actor: Any,
    program: Program,
    stakeholder_kind: str,
    received_on: datetime.date,
    answers: Mapping[str, int | None],
    comment: str = "",
    organisation: Organisation | None = None,
) -> StakeholderFeedback:
    _require_program(actor, program)
    if stakeholder_kind not in StakeholderKind.values:
        raise ValidationError({"stakeholder_kind": _("Choose who the feedback is from.")})
    if received_on > timezone.localdate():
        raise ValidationError({"received_on": _("The date cannot be in the future.")})
    try:
        stored = _clean_questionnaire_answers("stakeholder", answers)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None
    feedback = StakeholderFeedback.objects.create(
        program=program, stakeholder_kind=stakeholder_kind, organisation=organisation, received_on=received_on,
        instrument_version=get_instrument("stakeholder").version, answers=cast(Any, stored),
        comment=comment.strip() or None, recorded_by=actor,
    )  # fmt: skip
    audit_record_for(
        actor, "evaluation.stakeholder_feedback_recorded", feedback, program.organisation, kind=stakeholder_kind,
    )  # fmt: skip
    return feedback


# --- re-offending ------------------------------------------------------------------------------------------


@transaction.atomic
def reoffending_record(
    *,
    actor: Any,
    case: Case,
    person: Person,
    occurred_on: datetime.date,
    source: str,
    type: str,
    note: str = "",
) -> ReoffendingEvent:
    if not cases_visible_to(actor).filter(pk=case.pk).exists():
        raise PermissionDenied
    if not CaseParticipant.objects.filter(case=case, person=person, role=ParticipantRole.RESPONSIBLE).exists():
        raise ValidationError({"person": _("Choose the responsible person on this case.")})
    if source not in ReoffendingSource.values:
        raise ValidationError({"source": _("Choose the source from the list.")})
    if type not in ReoffendingType.values:
        raise ValidationError({"type": _("Choose the type from the list.")})
    if occurred_on > timezone.localdate():
        raise ValidationError({"occurred_on": _("The date cannot be in the future.")})
    event = ReoffendingEvent.objects.create(
        case=case, person=person, occurred_on=occurred_on, source=source, type=type, note=note.strip() or None,
        recorded_by=actor,
    )  # fmt: skip
    audit_record_for(actor, "evaluation.reoffending_recorded", event, case.organisation, type=type, source=source)
    return event


# --- comparison cohort import ------------------------------------------------------------------------------

COHORT_COLUMNS = ("reference", "followup_start", "followup_end", "reoffended_on", "event_type")
MAX_COHORT_ROWS = 50_000


@dataclass(frozen=True)
class RowError:
    row: int  # the line in the file where the row starts, the header being line 1 (blank lines count)
    column: str
    reason: str


@dataclass
class CohortImportResult:
    cohort: ComparisonCohort | None
    rows_read: int = 0
    imported: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def saved(self) -> bool:
        return self.cohort is not None


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
DELIMITERS = (",", ";")


def _date(value: str) -> datetime.date:
    """Strictly YYYY-MM-DD (``date.fromisoformat`` would also take ``20200101`` or ``2020-W01-1``)."""
    value = value.strip()
    if not _ISO_DATE.fullmatch(value):
        raise ValueError(value)
    return datetime.datetime.strptime(value, "%Y-%m-%d").date()


def _header_key(name: str) -> str:
    return name.strip().lower()


def _unreadable(line: int) -> RowError:
    return RowError(line, "", _("This line cannot be read as CSV (for example a quote that is never closed, "
                                "or a value that is too long)."))  # fmt: skip


def _choose_delimiter(text: str) -> str:
    """``,`` or ``;``: the one whose first line names more of the expected columns (``,`` on a tie)."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    best, found = ",", -1
    for delimiter in DELIMITERS:
        try:
            names = {_header_key(h) for h in next(csv.reader([first], delimiter=delimiter), [])}
        except csv.Error:
            continue
        count = len(names & set(COHORT_COLUMNS))
        if count > found:
            best, found = delimiter, count
    return best


def _parse_cohort(text: str) -> tuple[list[ComparisonMember], list[RowError], int]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_choose_delimiter(text))
    header: list[str] = []
    header_line = 1
    try:
        for cells in reader:
            if any(c.strip() for c in cells):
                header, header_line = [_header_key(c) for c in cells], reader.line_num
                break
    except csv.Error:
        return [], [_unreadable(reader.line_num)], 0
    missing = [c for c in COHORT_COLUMNS if c not in header]
    if missing:
        return [], [RowError(header_line, c, _("This column is missing from the first line.")) for c in missing], 0
    members: list[ComparisonMember] = []
    errors: list[RowError] = []
    seen: dict[str, tuple[str, int]] = {}  # normalised as the blind index is -> (reference, line)
    rows = 0
    previous_end = reader.line_num
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error:
            errors.append(_unreadable(reader.line_num))
            break
        index, previous_end = previous_end + 1, reader.line_num  # the line this row starts on
        if not any(c.strip() for c in cells):
            continue
        rows += 1
        if rows > MAX_COHORT_ROWS:
            errors.append(RowError(index, "", _("The file has more than %(n)s rows.") % {"n": MAX_COHORT_ROWS}))
            break
        if len(cells) > len(header):
            errors.append(RowError(index, "", _("This row has more values than the first line has columns.")))
            continue
        row: dict[str, str] = {}
        for name, value in zip(header, cells, strict=False):
            row.setdefault(name, value.strip())
        row_errors: list[RowError] = []
        ref = row.get("reference", "")
        ref_key = normalise_text(ref)
        if not ref_key:
            row_errors.append(RowError(index, "reference", _("A reference is needed.")))
        elif len(ref) > 64:
            row_errors.append(RowError(index, "reference", _("The reference is longer than 64 characters.")))
        elif ref_key in seen and seen[ref_key][0] == ref:
            row_errors.append(
                RowError(index, "reference", _("The same reference is already on line %(line)s.")
                         % {"line": seen[ref_key][1]})
            )  # fmt: skip
        elif ref_key in seen:
            row_errors.append(
                RowError(index, "reference", _("This reference matches the one on line %(line)s except for "
                                               "capitals or spaces; they count as the same.")
                         % {"line": seen[ref_key][1]})
            )  # fmt: skip
        dates: dict[str, datetime.date | None] = {}
        for column in ("followup_start", "followup_end", "reoffended_on"):
            value = row.get(column, "")
            if not value:
                dates[column] = None
                if column != "reoffended_on":
                    row_errors.append(RowError(index, column, _("A date is needed.")))
                continue
            try:
                dates[column] = _date(value)
            except ValueError:
                dates[column] = None
                row_errors.append(RowError(index, column, _("Not a date in the form YYYY-MM-DD.")))
        start, end, reoffended = dates["followup_start"], dates["followup_end"], dates["reoffended_on"]
        if start and end and end < start:
            row_errors.append(RowError(index, "followup_end", _("The end of follow-up is before its start.")))
        if reoffended and start and reoffended < start:
            row_errors.append(RowError(index, "reoffended_on", _("The date is before the start of follow-up.")))
        if reoffended and end and reoffended > end:
            row_errors.append(RowError(index, "reoffended_on", _("The date is after the end of follow-up.")))
        event_type = row.get("event_type", "")
        if event_type and event_type not in ReoffendingType.values:
            row_errors.append(
                RowError(index, "event_type", _("Unknown type; use one of: %(types)s.")
                         % {"types": ", ".join(ReoffendingType.values)})
            )  # fmt: skip
        elif reoffended and not event_type:
            row_errors.append(RowError(index, "event_type", _("A type is needed when there is a date.")))
        elif event_type and not row.get("reoffended_on"):
            row_errors.append(RowError(index, "event_type", _("A type is given without a date.")))
        if row_errors:
            errors.extend(row_errors)
            continue
        seen[ref_key] = (ref, index)
        if start is None or end is None:  # pragma: no cover - reported above
            continue
        members.append(
            ComparisonMember(
                reference=ref, followup_start=start, followup_end=end, reoffended_on=reoffended, event_type=event_type
            )
        )
    return members, errors, rows


@transaction.atomic
def cohort_import(
    *,
    actor: Any,
    program: Program,
    name: str,
    content: bytes,
    filename: str = "",
    description: str = "",
    valid_rows_only: bool = False,
) -> CohortImportResult:
    """Import a comparison cohort from CSV (columns ``reference, followup_start, followup_end, reoffended_on,
    event_type``, matched whatever their case and surrounding spaces, separated by ``,`` or ``;``; dates strictly
    YYYY-MM-DD). Every problem is reported with the file's line (where the row starts), column and reason; a
    line the CSV reader cannot read (an unclosed quote, a value over the field size limit) stops the reading
    there and is reported, and an empty file gets one "the file is empty" error. When any
    row is bad, nothing is saved, unless ``valid_rows_only`` is chosen: then the good rows are saved and the
    bad ones listed. A file with no good row is never saved."""
    _require_program(actor, program)
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the comparison group a name.")})
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return CohortImportResult(None, errors=[RowError(1, "", _("The file is not UTF-8 text (CSV)."))])
    if not text.strip():
        return CohortImportResult(None, errors=[RowError(1, "", _("The file is empty."))])
    members, errors, rows = _parse_cohort(text)
    result = CohortImportResult(None, rows_read=rows, errors=errors)
    if not members or (errors and not valid_rows_only):
        if not members and not errors:
            result.errors.append(RowError(1, "", _("The file has no rows.")))
        return result
    cohort = ComparisonCohort.objects.create(
        program=program, name=name[:200], description=description.strip(), source_filename=filename[:255],
        imported_by=actor,
    )  # fmt: skip
    for member in members:
        member.cohort = cohort
    try:
        ComparisonMember.objects.bulk_create(members, batch_size=1000)
    except IntegrityError:  # pragma: no cover - duplicates are refused while parsing
        raise ValidationError(_("The file has the same reference twice.")) from None
    audit_record_for(
        actor, "evaluation.cohort_imported", cohort, program.organisation, rows=len(members),
        rejected=len({e.row for e in errors}),
    )  # fmt: skip
    result.cohort = cohort
    result.imported = len(members)
    return result


__all__ = [
    "CohortImportResult",
    "RowError",
    "cohort_import",
    "reoffending_record",
    "schedule_line_add",
    "schedule_line_remove",
    "stakeholder_feedback_record",
    "survey_cancel",
    "survey_complete",
    "surveys_assign_due",
]
