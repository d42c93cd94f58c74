"""Writes about cases. Each runs in one transaction with its audit row; each checks the actor's rights."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from reparo.access.actors import may_hold_team_role, user_can, works_in
from reparo.access.capabilities import Capability, TeamRole
from reparo.audit.concurrency import apply_changes, check_version
from reparo.audit.services import audit_record
from reparo.cases import selectors
from reparo.cases.models import (
    TRANSITIONS,
    Case,
    CaseParticipant,
    CaseReferenceCounter,
    CaseStatus,
    CaseStatusChange,
    CaseTeamMember,
    Harm,
    IntakeDraft,
    Need,
    Note,
    NoteConfidentiality,
    ParticipantRole,
    Task,
)
from reparo.cases.signals import case_ended, intake_draft_opened, person_erased
from reparo.core.htcds import ExploitationType, MethodOfControl, RecruitmentMethod
from reparo.organisations.models import Organisation, Program
from reparo.people.models import Person, PersonKind, PersonNameIndex
from reparo.people.services import EDITABLE_FIELDS, IDENTITY_FIELDS, clean_aliases, person_create, reindex_names

PARTICIPANT_KIND: dict[str, str] = {
    ParticipantRole.SURVIVOR: PersonKind.SURVIVOR,
    ParticipantRole.RESPONSIBLE: PersonKind.RESPONSIBLE,
}


def _require_work(actor: Any, case: Case) -> selectors.CaseAccess:
    access = selectors.case_access_for(actor, case)
    if not access.can_work:
        raise PermissionDenied(_("You can see this case, but not change it."))
    return access


def _next_reference(organisation: Organisation, year: int) -> str:
    counter, _created = CaseReferenceCounter.objects.select_for_update().get_or_create(
        organisation=organisation, year=year
    )
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"RJ-{year}-{organisation.pk:02d}{counter.last:05d}"


def _check_codes(values: Iterable[str], allowed: Iterable[str], label: str) -> list[str]:
    values = [v for v in values if v]
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise ValidationError(_("Unknown %(label)s: %(codes)s") % {"label": label, "codes": ", ".join(unknown)})
    return values


@transaction.atomic
def case_open(
    *,
    actor: Any,
    program: Program,
    referral_source: str,
    referral_date: datetime.date,
    survivor: Mapping[str, Any] | Person,
    summary: str = "",
    responsible: Mapping[str, Any] | None = None,
    exploitation_types: Iterable[str] = (),
    methods_of_control: Iterable[str] = (),
    recruitment_methods: Iterable[str] = (),
    harm_description: str = "",
    needs: Iterable[Mapping[str, Any]] = (),
    lead_facilitator: Any = None,
    draft: IntakeDraft | None = None,
    htcds_extra: Mapping[str, Any] | None = None,
) -> Case:
    """Open a case from an intake: the survivor (new person, or a person of the organisation already known),
    optionally the responsible person, the harm, the survivor's needs, and the actor on the case team as case
    worker. ``htcds_extra``: HTCDS fields Reparo has no screen for, kept encrypted (an import gives them). A ``draft``
    made from a record of another system (field intake) also brings what that record held beyond the intake form:
    see :data:`DRAFT_SOURCE`."""
    organisation = program.organisation
    if not user_can(actor, Capability.OPEN_CASES, organisation=organisation):
        raise PermissionDenied(_("You cannot open cases in this organisation."))
    if draft is not None:
        htcds_extra, survivor = _from_draft_source(draft, htcds_extra=htcds_extra, survivor=survivor)
    if referral_date > timezone.localdate():
        raise ValidationError({"referral_date": _("The referral date cannot be in the future.")})
    case = Case(
        organisation=organisation,
        program=program,
        reference=_next_reference(organisation, timezone.localdate().year),
        referral_source=referral_source,
        referral_date=referral_date,
        summary=summary or None,
        created_by=actor,
        htcds_extra=cast(Any, dict(htcds_extra) if htcds_extra else None),
    )
    case.full_clean(exclude=["organisation", "program", "created_by"])
    case.save()
    CaseStatusChange.objects.create(case=case, from_status="", to_status=CaseStatus.REFERRED, actor=actor)
    if isinstance(survivor, Person):
        if survivor.organisation_id != organisation.pk:
            raise ValidationError(_("That person belongs to another organisation."))
        if survivor.erased_at is not None:
            raise ValidationError(_("This person's details were erased on request and cannot be edited."))
        survivor_person = survivor
    else:
        survivor_person = person_create(actor=actor, organisation=organisation, kind=PersonKind.SURVIVOR, **survivor)
    CaseParticipant.objects.create(case=case, person=survivor_person, role=ParticipantRole.SURVIVOR)
    if responsible:
        rp = person_create(actor=actor, organisation=organisation, kind=PersonKind.RESPONSIBLE, **responsible)
        CaseParticipant.objects.create(case=case, person=rp, role=ParticipantRole.RESPONSIBLE)
    types = _check_codes(exploitation_types, ExploitationType.values, _("type of exploitation"))
    control = _check_codes(methods_of_control, MethodOfControl.values, _("method of control"))
    recruitment = _check_codes(recruitment_methods, RecruitmentMethod.values, _("recruitment method"))
    if types or control or recruitment or harm_description:
        Harm.objects.create(
            case=case,
            exploitation_types=types,
            methods_of_control=control,
            recruitment_methods=recruitment,
            description=harm_description or None,
            recorded_by=actor,
        )
    for need in needs:
        Need.objects.create(
            case=case,
            category=need["category"],
            priority=need.get("priority") or 2,
            statement=need.get("statement") or None,
        )
    CaseTeamMember.objects.create(case=case, user=actor, role=TeamRole.CASE_WORKER)
    if lead_facilitator is not None:
        _team_add(case=case, user=lead_facilitator, role=TeamRole.LEAD_FACILITATOR)
    if draft is not None:
        intake_draft_opened.send(sender=Case, actor=actor, draft_id=draft.pk, case=case)
        IntakeDraft.objects.filter(pk=draft.pk, owner=actor).delete()
    audit_record(actor=actor, action="case.opened", obj=case, organisation=organisation)
    return case


# The key of an intake draft's data that holds what a record of another system (an ODK Central submission) said
# beyond the intake form: {"ref": its reference, "case_extra": HTCDS fields of the case, "survivor": {"citizenship":
# [...], "htcds_extra": {...}}}. Only a service sets it (``intake_draft_save(source=...)``); a posted form cannot.
DRAFT_SOURCE = "source"
_SOURCE_PERSON_FIELDS = ("citizenship", "htcds_extra")


def _from_draft_source(
    draft: IntakeDraft, *, htcds_extra: Mapping[str, Any] | None, survivor: Mapping[str, Any] | Person
) -> tuple[Mapping[str, Any] | None, Mapping[str, Any] | Person]:
    source = (draft.data or {}).get(DRAFT_SOURCE)
    if not isinstance(source, Mapping):
        return htcds_extra, survivor
    case_extra = source.get("case_extra")
    if htcds_extra is None and isinstance(case_extra, Mapping) and case_extra:
        htcds_extra = case_extra
    person = source.get("survivor")
    if isinstance(survivor, Mapping) and isinstance(person, Mapping):
        kept = {k: person[k] for k in _SOURCE_PERSON_FIELDS if person.get(k) and not survivor.get(k)}
        survivor = {**survivor, **kept}
    return htcds_extra, survivor


CASE_EDITABLE = ("summary", "referral_source", "referral_date", "program")


@transaction.atomic
def case_update(*, actor: Any, case: Case, version: int | str | None, **changes: Any) -> Case:
    unknown = set(changes) - set(CASE_EDITABLE)
    if unknown:
        raise TypeError(f"Unknown case fields: {sorted(unknown)}")
    _require_work(actor, case)
    locked = Case.objects.select_for_update().get(pk=case.pk)
    check_version(locked, version)
    if "program" in changes and changes["program"].organisation_id != locked.organisation_id:
        raise ValidationError({"program": _("Choose a program of this case's organisation.")})
    changed = apply_changes(locked, changes)
    if not changed:
        return locked
    locked.full_clean(exclude=["organisation", "program", "created_by"])
    locked.version += 1
    locked.save()
    audit_record(
        actor=actor,
        action="case.updated",
        obj=locked,
        organisation=locked.organisation,
        detail={"version": locked.version, "fields": changed},
    )
    return locked


@transaction.atomic
def case_transition(*, actor: Any, case: Case, to_status: str, reason: str = "") -> Case:
    """Move a case along its workflow: one step forward, or withdrawn from any open state."""
    _require_work(actor, case)
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if to_status not in TRANSITIONS.get(locked.status, frozenset()):
        raise ValidationError(
            _("A case that is “%(current)s” cannot move to “%(target)s”. It can move to: %(allowed)s.")
            % {
                "current": CaseStatus(locked.status).label,
                "target": CaseStatus(to_status).label if to_status in CaseStatus.values else to_status,
                "allowed": ", ".join(str(CaseStatus(s).label) for s in locked.allowed_transitions())
                or _("nothing (it is finished)"),
            }
        )
    CaseStatusChange.objects.create(
        case=locked, from_status=locked.status, to_status=to_status, actor=actor, reason=reason or None
    )
    previous = locked.status
    locked.status = to_status
    locked.status_changed_at = timezone.now()
    locked.version += 1
    locked.save()
    audit_record(
        actor=actor,
        action="case.status_changed",
        obj=locked,
        organisation=locked.organisation,
        detail={"from": previous, "to": to_status, "version": locked.version, "fields": ["status"]},
    )
    if to_status in (CaseStatus.WITHDRAWN, CaseStatus.CLOSED):
        # Nothing goes on in a case that has ended: its processes end and their future sessions are cancelled
        # (the processes app listens, in this transaction).
        case_ended.send(
            sender=Case,
            actor=actor,
            case=locked,
            reason="withdrawal" if to_status == CaseStatus.WITHDRAWN else "case_closed",
        )
    return locked


@transaction.atomic
def participant_add(
    *, actor: Any, case: Case, role: str, person: Person | None = None, **person_fields: Any
) -> CaseParticipant:
    _require_work(actor, case)
    if person is None:
        kind = PARTICIPANT_KIND.get(role, PersonKind.OTHER)
        person = person_create(actor=actor, organisation=case.organisation, kind=kind, **person_fields)
    elif person.organisation_id != case.organisation_id:
        raise ValidationError(_("That person belongs to another organisation."))
    if CaseParticipant.objects.filter(case=case, person=person, role=role).exists():
        raise ValidationError(_("This person already takes part in this case in that role."))
    participant = CaseParticipant.objects.create(case=case, person=person, role=role)
    audit_record(
        actor=actor,
        action="case.participant_added",
        obj=case,
        organisation=case.organisation,
        detail={"person": person.display_code, "role": role},
    )
    return participant


def _team_add(*, case: Case, user: Any, role: str) -> CaseTeamMember:
    if not works_in(user, case.organisation_id):
        raise ValidationError(_("Only people with a role in this organisation can join the case team."))
    if not may_hold_team_role(user, case.organisation_id, role):
        raise ValidationError(
            _("That person's role in the organisation does not fit “%(role)s” on a case.")
            % {"role": TeamRole(role).label}
        )
    if not user.is_active:
        raise ValidationError(_("That account is deactivated."))
    member, created = CaseTeamMember.objects.get_or_create(case=case, user=user, role=role)
    if not created:
        raise ValidationError(_("This person already has that role on the case."))
    return member


@transaction.atomic
def team_member_add(*, actor: Any, case: Case, user: Any, role: str) -> CaseTeamMember:
    access = selectors.case_access_for(actor, case)
    if not access.can_manage_team:
        raise PermissionDenied(_("Only coordinators and organisation admins can change the case team."))
    member = _team_add(case=case, user=user, role=role)
    audit_record(
        actor=actor,
        action="case.team_added",
        obj=case,
        organisation=case.organisation,
        detail={"user": str(user.pk), "role": role},
    )
    return member


@transaction.atomic
def team_member_remove(*, actor: Any, member: CaseTeamMember) -> None:
    access = selectors.case_access_for(actor, member.case)
    if not access.can_manage_team:
        raise PermissionDenied(_("Only coordinators and organisation admins can change the case team."))
    audit_record(
        actor=actor,
        action="case.team_removed",
        obj=member.case,
        organisation=member.case.organisation,
        detail={"user": str(member.user_id), "role": member.role},
    )
    member.delete()


@transaction.atomic
def note_add(*, actor: Any, case: Case, body: str, confidentiality: str = NoteConfidentiality.TEAM) -> Note:
    _require_work(actor, case)
    if not (body or "").strip():
        raise ValidationError({"body": _("Write something before saving the note.")})
    note = Note(case=case, author=actor, body=body.strip(), confidentiality=confidentiality)
    note.full_clean(exclude=["case", "author"])
    note.save()
    Case.objects.filter(pk=case.pk).update(updated_at=timezone.now())
    audit_record(actor=actor, action="case.note_added", obj=note, organisation=case.organisation)
    return note


@transaction.atomic
def note_update(*, actor: Any, note: Note, version: int | str | None, body: str, confidentiality: str) -> Note:
    _require_work(actor, note.case)
    locked = Note.objects.select_for_update().get(pk=note.pk)
    check_version(locked, version)
    if not (body or "").strip():
        raise ValidationError({"body": _("Write something before saving the note.")})
    changed = apply_changes(locked, {"body": body.strip(), "confidentiality": confidentiality})
    if not changed:
        return locked
    locked.full_clean(exclude=["case", "author"])
    locked.version += 1
    locked.save()
    audit_record(
        actor=actor,
        action="case.note_updated",
        obj=locked,
        organisation=note.case.organisation,
        detail={"version": locked.version, "fields": changed},
    )
    return locked


@transaction.atomic
def task_add(*, actor: Any, case: Case, title: str, owner: Any = None, due_date: datetime.date | None = None) -> Task:
    _require_work(actor, case)
    if not (title or "").strip():
        raise ValidationError({"title": _("Say what needs doing.")})
    if owner is not None and not CaseTeamMember.objects.filter(case=case, user=owner).exists():
        raise ValidationError({"owner": _("A task's owner must be on the case team.")})
    task = Task(case=case, title=title.strip(), owner=owner, due_date=due_date, created_by=actor)
    task.full_clean(exclude=["case", "owner", "created_by"])
    task.save()
    Case.objects.filter(pk=case.pk).update(updated_at=timezone.now())
    audit_record(actor=actor, action="case.task_added", obj=task, organisation=case.organisation)
    return task


def task_generate(
    *,
    case_id: Any,
    message: str,
    params: dict[str, Any] | None = None,
    owner_id: Any = None,
    due_date: datetime.date | None = None,
    created_by: Any = None,
) -> Task:
    """A task Reparo writes itself (a reminder, a follow-up), for the services of the apps that raise them.
    ``message`` is its words as written in the code (marked with ``gettext_noop``) with ``%(name)s`` for each of
    ``params`` (codes, numbers, dates: nothing personal). Each reader sees it in their own language
    (:attr:`Task.display_title`), whoever or whatever raised it; the title keeps the words in the code's language."""
    params = dict(params or {})
    with translation.override(None):  # the words as written in the code, whatever language is active
        title = message % params if params else message
    return Task.objects.create(
        case_id=case_id, title=title[:300], owner_id=owner_id, due_date=due_date, created_by=created_by,
        generated={"message": message, "params": params},
    )  # fmt: skip


@transaction.atomic
def task_complete(*, actor: Any, task: Task) -> Task:
    _require_work(actor, task.case)
    if task.done_at is None:
        Task.objects.filter(pk=task.pk).update(done_at=timezone.now())
        task.refresh_from_db()
        audit_record(actor=actor, action="case.task_done", obj=task, organisation=task.case.organisation)
    return task


@transaction.atomic
def need_add(*, actor: Any, case: Case, category: str, priority: int, statement: str = "") -> Need:
    _require_work(actor, case)
    need = Need(case=case, category=category, priority=priority, statement=statement.strip() or None)
    need.full_clean(exclude=["case"])
    need.save()
    audit_record(actor=actor, action="case.need_added", obj=need, organisation=case.organisation)
    return need


@transaction.atomic
def harm_add(
    *,
    actor: Any,
    case: Case,
    exploitation_types: Iterable[str] = (),
    methods_of_control: Iterable[str] = (),
    recruitment_methods: Iterable[str] = (),
    description: str = "",
) -> Harm:
    _require_work(actor, case)
    if not (list(exploitation_types) or list(methods_of_control) or list(recruitment_methods) or description.strip()):
        raise ValidationError(_("Record at least one thing: a type, a method, or their words."))
    harm = Harm.objects.create(
        case=case,
        exploitation_types=_check_codes(exploitation_types, ExploitationType.values, _("type of exploitation")),
        methods_of_control=_check_codes(methods_of_control, MethodOfControl.values, _("method of control")),
        recruitment_methods=_check_codes(recruitment_methods, RecruitmentMethod.values, _("recruitment method")),
        description=description.strip() or None,
        recorded_by=actor,
    )
    audit_record(actor=actor, action="case.harm_added", obj=harm, organisation=case.organisation)
    return harm


@transaction.atomic
def intake_draft_save(
    *,
    actor: Any,
    organisation: Organisation,
    data: Mapping[str, Any],
    draft: IntakeDraft | None = None,
    source: Mapping[str, Any] | None = None,
) -> IntakeDraft:
    """Save the intake form part-way, for ``actor`` alone. ``source``: what a record of another system held beyond
    the form (see :data:`DRAFT_SOURCE`); a draft saved again keeps the source it had."""
    clean = {k: v for k, v in data.items() if k not in ("csrfmiddlewaretoken", DRAFT_SOURCE)}
    if draft is None:
        draft = IntakeDraft(owner=actor, organisation=organisation)
    elif draft.owner_id != actor.pk:
        raise PermissionDenied
    kept = source if source is not None else (draft.data or {}).get(DRAFT_SOURCE)
    if kept is not None:
        clean[DRAFT_SOURCE] = dict(kept)
    draft.data = clean
    draft.save()
    audit_record(actor=actor, action="case.intake_draft_saved", obj=draft, organisation=organisation)
    return draft


@transaction.atomic
def intake_draft_take(*, actor: Any, draft: IntakeDraft) -> IntakeDraft:
    """Make ``draft`` the actor's own (it leaves its owner's drafts), for the actor to review and open. The caller
    decides whose drafts may be taken (field intake: those made from a submission, by a reviewer of field intake);
    here the actor must be able to open cases in the draft's organisation."""
    locked = IntakeDraft.objects.select_for_update().select_related("organisation").get(pk=draft.pk)
    if not user_can(actor, Capability.OPEN_CASES, organisation=locked.organisation):
        raise PermissionDenied(_("You cannot open cases in this organisation."))
    if locked.owner_id == actor.pk:
        raise ValidationError(_("This draft is already yours."))
    previous = locked.owner_id
    locked.owner = actor
    locked.save(update_fields=["owner", "updated_at"])
    audit_record(
        actor=actor, action="case.intake_draft_taken", obj=locked, organisation=locked.organisation,
        detail={"from_user": str(previous)},
    )  # fmt: skip
    return locked


@transaction.atomic
def case_search_recorded(*, actor: Any, kinds: list[str]) -> None:
    """A search for a person among cases is a look at who is known to the program: audited, without the words."""
    audit_record(actor=actor, action="case.searched", detail={"by": kinds})


# --- people: their details, changed and erased through their cases ----------------------------------------


@transaction.atomic
def person_update(*, actor: Any, person: Person, version: int | str | None, **changes: Any) -> Person:
    """Change a person's details, refusing an edit based on an older version (see ``check_version``)."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown person fields: {sorted(unknown)}")
    # 404 for anyone who may not act for this person
    selectors.person_get_for(actor, person.pk, need=Capability.WORK_ON_CASE)
    locked = Person.objects.select_for_update().get(pk=person.pk)
    if locked.erased_at:
        raise ValidationError(_("This person's details were erased on request and cannot be edited."))
    check_version(locked, version)
    if "aliases" in changes:
        changes["aliases"] = clean_aliases(changes["aliases"])
    changed = apply_changes(locked, changes)
    if not changed:
        return locked
    locked.full_clean(exclude=["display_code", "organisation", "created_by", "erased_by"])
    locked.version += 1
    locked.save()
    if {"given_name", "family_name", "aliases"} & set(changed):
        reindex_names(locked)
    audit_record(
        actor=actor,
        action="person.updated",
        obj=locked,
        organisation=locked.organisation,
        detail={"version": locked.version, "fields": changed},
    )
    return locked


def _age_band(date_of_birth: datetime.date | None) -> str:
    if not date_of_birth:
        return ""
    today = timezone.localdate()
    age = today.year - date_of_birth.year - ((today.month, today.day) < (date_of_birth.month, date_of_birth.day))
    if age < 18:
        return "under 18"
    if age >= 65:
        return "65+"
    low = 18 if age < 25 else (age // 10) * 10
    high = 24 if low == 18 else low + 9
    return f"{low}-{high}"


def _ask_for_free_text_review(*, actor: Any, person: Person) -> None:
    """Free text (summaries, notes, needs in someone's words) can mention the person by name; software cannot
    find every mention safely, so each of their cases gets a task, due today, to review and redact it."""
    case_ids = person.participations.values_list("case_id", flat=True).distinct()
    Task.objects.bulk_create(
        [
            Task(
                case_id=case_id,
                title=_("Erasure of %(code)s: remove their name and contact details from summaries, notes and needs")
                % {"code": person.display_code},
                due_date=timezone.localdate(),
                created_by=actor,
            )
            for case_id in case_ids
        ]
    )


@transaction.atomic
def person_erase(*, actor: Any, person: Person, reason: str = "") -> Person:
    """Erasure on the person's request: remove identity and contact data, keep de-identified facts
    (kind, gender, citizenship, languages, an age group, and their cases' facts) for statistics."""
    if not user_can(actor, Capability.ERASE_PEOPLE, organisation=person.organisation_id):
        raise PermissionDenied(_("Only an organisation admin can erase a person's details."))
    locked = Person.objects.select_for_update().get(pk=person.pk)
    if locked.erased_at:
        raise ValidationError(_("This person's details were already erased."))
    locked.birth_year_band = _age_band(locked.date_of_birth)
    for name in IDENTITY_FIELDS:
        setattr(locked, name, None)
    locked.htcds_extra = None  # imported HTCDS fields (identity numbers, addresses, context) go with the rest
    locked.erased_at = timezone.now()
    locked.erased_by = actor
    locked.version += 1
    locked.save()
    PersonNameIndex.objects.filter(person=locked).delete()
    _ask_for_free_text_review(actor=actor, person=locked)
    person_erased.send(sender=Person, actor=actor, person=locked)
    audit_record(
        actor=actor,
        action="person.erased",
        obj=locked,
        organisation=locked.organisation,
        purpose=_("Erasure on the person's request"),
        detail={"version": locked.version, "fields": list(IDENTITY_FIELDS), "reason_given": bool(reason)},
    )
    return locked
