"""Reads for HTCDS exchange: who may export and import, which cases and people an export holds (asking the consent
policy about each person, for everyone at once), and their HTCDS records.

Consent (asked of :mod:`reparo.consent.policy` when the export is planned: ``shared_categories`` answers for every
person in one query, exactly as ``may`` answers for one):

- an identified export is for one partner organisation (the recipient). A case is in it only when every survivor on
  it agreed to share its facts (``case_facts``) with that recipient; a responsible person's row only when they agreed
  too. A person's identity fields (names, date of birth, identity number, salutation, title) are filled only when
  they agreed to share their identity with that recipient, their contact fields (e-mail, phones, mailing address)
  only for contact details, and a case's support plans only when its survivors agreed to share their needs;
- a de-identified file counts only survivors who agreed to be counted in reports that do not identify anyone.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from reparo.access.actors import organisation_ids_where
from reparo.access.capabilities import Capability, TeamRole
from reparo.access.lookup import lookup, one_or_404
from reparo.accounts.models import User
from reparo.cases.models import Case, CaseParticipant, CaseStatus, CaseStatusChange, Harm, Note, NoteConfidentiality
from reparo.cases.models import ParticipantRole as PR
from reparo.consent.models import ConsentPurpose, DataCategory
from reparo.consent.policy import people_who_may, shared_categories
from reparo.interop import records, standard, values
from reparo.interop.models import FieldSubmission, HtcdsLink, Installation, LinkKind
from reparo.organisations.models import Organisation, OrganisationKind, Program
from reparo.organisations.selectors import organisation_get_for
from reparo.people.models import Person

EXPORTED_ROLES = {PR.SURVIVOR: records.VICTIM, PR.RESPONSIBLE: records.PERPETRATOR}
CLOSING = (CaseStatus.CLOSED, CaseStatus.WITHDRAWN)
BATCH = 500  # cases read together as a file is written: a few queries per batch, a few MB at most

# --- access -------------------------------------------------------------------------------------------------------


def organisations_for_exchange(actor: Any) -> QuerySet[Organisation]:
    ids = (
        set(organisation_ids_where(actor, Capability.EXPORT_HTCDS))
        | set(organisation_ids_where(actor, Capability.IMPORT_HTCDS))
        | set(organisation_ids_where(actor, Capability.REVIEW_FIELD_INTAKE))
    )
    return Organisation.objects.filter(pk__in=ids, is_active=True).order_by("name")


def organisation_for_exchange(actor: Any, pk: Any, *, need: Capability) -> Organisation:
    """The organisation, if ``actor`` may export from it (``EXPORT_HTCDS``) or import into it (``IMPORT_HTCDS``);
    else 404."""
    return organisation_get_for(actor, pk, need=need)


def programs_of(organisation: Organisation) -> QuerySet[Program]:
    return Program.objects.filter(organisation=organisation).order_by("name")


def recipients() -> QuerySet[Organisation]:
    """The partner organisations a file can be for."""
    return Organisation.objects.filter(kind=OrganisationKind.PARTNER, is_active=True).order_by("name")


def organisation_named(name: str) -> Organisation:
    found = Organisation.objects.filter(name=name).first()
    if found is None:
        raise Http404
    return found


def program_named(organisation: Organisation, name: str) -> Program:
    found = Program.objects.filter(organisation=organisation, name=name).first()
    if found is None:
        raise Http404
    return found


# --- references ---------------------------------------------------------------------------------------------------


SOURCE_MARK = "@"


def own_ref(local: str, *, code: str | None = None) -> str:
    """A reference of this installation's own (a case reference or person code) as files carry it. ``code``: this
    installation's code, when the caller has read it already (for many references, it is read once)."""
    return f"{local}{SOURCE_MARK}{code if code is not None else Installation.code_here()}"


def _local_part(ref: str) -> str | None:
    """The case reference or person code in ``ref`` if ``ref`` is one of this installation's own, else None."""
    if SOURCE_MARK not in ref:
        return None
    suffix = f"{SOURCE_MARK}{Installation.code_here()}"
    return ref[: -len(suffix)] if ref.endswith(suffix) and len(ref) > len(suffix) else None


def case_refs(case_ids: Any) -> dict[Any, str]:
    """Each case's reference in files: the one it was imported with, else its Reparo reference marked as this
    installation's. ``case_ids``: a list, or a query of them."""
    code = Installation.code_here()
    rows = Case.objects.filter(pk__in=case_ids).values_list("pk", "reference")
    refs = {pk: own_ref(reference, code=code) for pk, reference in rows}
    refs.update(HtcdsLink.objects.filter(case_id__in=case_ids).values_list("case_id", "ref"))
    return refs


def person_refs(person_ids: Any) -> dict[Any, str]:
    """As :func:`case_refs`, for people (by person code)."""
    code = Installation.code_here()
    rows = Person.objects.filter(pk__in=person_ids).values_list("pk", "display_code")
    refs = {pk: own_ref(display_code, code=code) for pk, display_code in rows}
    refs.update(HtcdsLink.objects.filter(person_id__in=person_ids).values_list("person_id", "ref"))
    return refs


def known_case(organisation: Organisation, ref: str) -> Case | None:
    """The case of ``organisation`` a file's case reference stands for, if there is one already: one imported with
    that reference, or, for a reference marked as this installation's own, the organisation's case with that Reparo
    reference. A reference from anywhere else never finds a case that was not imported with it."""
    link = HtcdsLink.objects.filter(organisation=organisation, kind=LinkKind.CASE, ref=ref).select_related("case")
    found = link.first()
    if found is not None:
        return found.case
    local = _local_part(ref)
    return None if local is None else Case.objects.filter(organisation=organisation, reference=local).first()


def known_person(organisation: Organisation, ref: str) -> Person | None:
    """As :func:`known_case`, for a person (by person code)."""
    link = HtcdsLink.objects.filter(organisation=organisation, kind=LinkKind.PERSON, ref=ref).select_related("person")
    found = link.first()
    if found is not None:
        return found.person
    local = _local_part(ref)
    return None if local is None else Person.objects.filter(organisation=organisation, display_code=local).first()


# --- what an export holds -----------------------------------------------------------------------------------------


@dataclass
class ExportPlan:
    """The cases and people of an export, decided (with consent) before anything is written."""

    organisation: Organisation
    recipient: Organisation | None
    case_ids: list[Any] = field(default_factory=list)  # in file order
    people: dict[Any, list[Any]] = field(default_factory=dict)  # case id -> person ids, in file order
    allowed: dict[Any, frozenset[str]] = field(default_factory=dict)  # person id -> categories they may share
    needs_shared: set[Any] = field(default_factory=set)  # cases whose support plans may go
    left_out_cases: int = 0
    left_out_people: int = 0

    @property
    def person_count(self) -> int:
        return len({p for ids in self.people.values() for p in ids})


def _cases_in_scope(organisation: Organisation, program: Program | None, since: datetime.date | None) -> Any:
    cases = Case.objects.filter(organisation=organisation)
    if program is not None:
        cases = cases.filter(program=program)
    if since is not None:
        start = timezone.make_aware(datetime.datetime.combine(since, datetime.time.min))
        cases = cases.filter(updated_at__gte=start)
    return cases


def _participants(case_ids: Any) -> dict[Any, list[tuple[str, Any]]]:
    """Each case's survivors and responsible people, as (role, person id), in the order they were added. ``case_ids``:
    a list, or a query of them (one query however many cases)."""
    out: dict[Any, list[tuple[str, Any]]] = defaultdict(list)
    rows = CaseParticipant.objects.filter(case_id__in=case_ids, role__in=list(EXPORTED_ROLES)).order_by("pk")
    for case_id, role, person_id in rows.values_list("case_id", "role", "person_id").iterator(chunk_size=5000):
        if (role, person_id) not in out[case_id]:
            out[case_id].append((role, person_id))
    return out


def plan_identified(
    *, organisation: Organisation, recipient: Organisation, program: Program | None, since: datetime.date | None
) -> ExportPlan:
    """Which cases and people go in a file for ``recipient``, and what of each, as the consent policy answers for
    each person (in one question for everyone: :func:`reparo.consent.policy.shared_categories`). Ids only: the
    records are read batch by batch as the file is written (:func:`case_records`). The number of queries does not
    grow with the number of cases or people."""
    plan = ExportPlan(organisation=organisation, recipient=recipient)
    scope = _cases_in_scope(organisation, program, since)
    case_ids = list(scope.values_list("pk", flat=True))
    in_scope = scope.values("pk")
    participants = _participants(in_scope)
    people = CaseParticipant.objects.filter(case_id__in=in_scope, role__in=list(EXPORTED_ROLES)).values("person_id")
    categories = (DataCategory.CASE_FACTS, DataCategory.IDENTITY, DataCategory.CONTACT, DataCategory.NEEDS)
    shared = shared_categories(people=people, recipient=recipient, categories=categories)
    nothing: frozenset[str] = frozenset()
    allowed: dict[Any, frozenset[str]] = {p: shared.get(p, nothing) for rows in participants.values() for _r, p in rows}
    refs = case_refs(in_scope)
    prefs = person_refs(people)
    for case_id in sorted(case_ids, key=lambda pk: refs[pk]):
        rows = participants.get(case_id, [])
        survivors = [p for role, p in rows if role == PR.SURVIVOR]
        if not survivors or any(DataCategory.CASE_FACTS not in allowed[p] for p in survivors):
            plan.left_out_cases += 1
            plan.left_out_people += len({p for _r, p in rows})
            continue
        kept = [(role, p) for role, p in rows if DataCategory.CASE_FACTS in allowed[p]]
        plan.left_out_people += len({p for _r, p in rows}) - len({p for _r, p in kept})
        kept.sort(key=lambda rp: (0 if rp[0] == PR.SURVIVOR else 1, prefs[rp[1]]))
        plan.case_ids.append(case_id)
        plan.people[case_id] = [p for _r, p in kept]
        if all(DataCategory.NEEDS in allowed[p] for p in survivors):
            plan.needs_shared.add(case_id)
    plan.allowed = allowed
    return plan


# --- the records ----------------------------------------------------------------------------------------------


def _harm_values(harms: list[Harm]) -> dict[str, str]:
    out = {}
    for name, attribute in records.HARM_FIELDS.items():
        found = {code for h in harms for code in (getattr(h, attribute) or [])}
        f = standard.field(name)
        out[name] = ";".join(c for c in f.codes if c in found)
    return out


def _valid(field_name: str, value: Any) -> str:
    """``value`` in canonical form, or "" when Reparo holds something the standard does not allow (a phone number
    without its country code, say): left out rather than written wrong."""
    try:
        return values.canonical(standard.field(field_name), value)
    except values.Invalid:
        return ""


def person_values(person: Person, *, role: str, harms: dict[str, str], allowed: frozenset[str]) -> dict[str, str]:
    """The person's HTCDS fields: kept ones first, then what Reparo holds, identity and contact fields only as
    ``allowed``."""
    kept = dict(person.htcds_extra or {})
    out = {name: kept.get(name, "") for name in records.person_fields()}
    out.update(
        {
            "prs_FirstName": person.given_name or "",
            "prs_SecondName": person.family_name or "",
            "prs_Birthdate": person.date_of_birth.isoformat() if person.date_of_birth else "",
            "prs_Gender": person.gender or "",
            "prs_Citizenship": _valid("prs_Citizenship", ";".join(str(c) for c in person.citizenship)),
            "prs_Email": _valid("prs_Email", person.email),
            "prs_MobilePhone": _valid("prs_MobilePhone", person.phone),
        }
    )
    languages = [code for code in (person.languages or []) if code in values.language_codes()]
    out["prs_PrimaryLanguage"] = languages[0] if languages else ""
    out["prs_SecondaryLanguage"] = languages[1] if len(languages) > 1 else ""
    address = person.address or ""
    parts = {k: kept.get(k, "") for k in (*records.MAILING, "prs_MailingLongitude", "prs_MailingLatitude")}
    if records.join_address(parts) != address:  # the address was changed in Reparo: it is the street line now
        parts = dict.fromkeys(parts, "")
        parts["prs_MailingStreet"] = _valid("prs_MailingStreet", address.replace("\n", ", "))
    out.update(parts)
    if role == records.VICTIM:
        out.update(harms)
    if "con_Consent" not in kept:
        out["con_Consent"] = "TRUE"  # they are in the file because their consent allows it
    for name in records.IDENTITY:
        if DataCategory.IDENTITY not in allowed:
            out[name] = ""
    for name in records.CONTACT:
        if DataCategory.CONTACT not in allowed:
            out[name] = ""
    return out


def _closing_reasons(case_ids: list[Any]) -> dict[Any, str]:
    out: dict[Any, str] = {}
    changes = CaseStatusChange.objects.filter(case_id__in=case_ids, to_status__in=CLOSING).order_by("at", "id")
    for change in changes:
        out[change.case_id] = change.reason or ""
    return out


def _case_owners(case_ids: list[Any]) -> dict[Any, str]:
    from reparo.cases.models import CaseTeamMember

    out: dict[Any, str] = {}
    members = (
        CaseTeamMember.objects.filter(case_id__in=case_ids, role=TeamRole.CASE_WORKER)
        .select_related("user")
        .order_by("created_at", "pk")
    )
    for member in members:
        out.setdefault(member.case_id, member.user.full_name or "")
    return out


def case_values(case: Case, *, closing_reason: str, owner: str) -> dict[str, str]:
    kept = dict(case.htcds_extra or {})
    out = {name: str(kept.get(name, "") or "") for name in records.case_fields()}
    out["cas_Status"] = records.htcds_status(case.status, out["cas_Status"])
    out["cas_ReasonForCaseClosure"] = closing_reason if case.status in CLOSING else ""
    if "cas_CaseOwner" not in kept:  # Reparo's own case: its (first) case worker
        out["cas_CaseOwner"] = _valid("cas_CaseOwner", owner)
    out["cas_IncomingReferralDate"] = case.referral_date.isoformat()
    return out


def case_records(plan: ExportPlan) -> Iterator[records.CaseRecord]:
    """The plan's cases as HTCDS records, read in batches."""
    for start in range(0, len(plan.case_ids), BATCH):
        batch = plan.case_ids[start : start + BATCH]
        cases = Case.objects.in_bulk(batch)
        person_ids = list({p for pk in batch for p in plan.people[pk]})
        people = Person.objects.in_bulk(person_ids)
        prefs = person_refs(person_ids)
        refs = case_refs(batch)
        roles = {(c, p): r for c, rows in _participants(batch).items() for r, p in rows}
        harms: dict[Any, list[Harm]] = defaultdict(list)
        found = Harm.objects.filter(case_id__in=batch).only("case_id", *records.HARM_FIELDS.values())
        for harm in found.order_by("created_at"):
            harms[harm.case_id].append(harm)
        notes: dict[Any, list[Note]] = defaultdict(list)
        team_notes = Note.objects.filter(case_id__in=batch, confidentiality=NoteConfidentiality.TEAM)
        for note in team_notes.order_by("created_at", "pk"):
            notes[note.case_id].append(note)
        reasons = _closing_reasons(batch)
        owners = _case_owners(batch)
        for pk in batch:
            case = cases[pk]
            kept = dict(case.htcds_extra or {})
            harm_values = _harm_values(harms[pk])
            record = records.CaseRecord(
                ref=refs[pk],
                values=case_values(case, closing_reason=reasons.get(pk, ""), owner=owners.get(pk, "")),
                events=[dict(e) for e in kept.get("hte", [])],
                plans=[dict(p) for p in kept.get("spl", [])] if pk in plan.needs_shared else [],
                comments=[{"cco_CaseComment": n.body} for n in notes[pk] if n.body],
            )
            for person_id in plan.people[pk]:
                role = records.VICTIM if roles[(pk, person_id)] == PR.SURVIVOR else records.PERPETRATOR
                record.persons.append(
                    records.PersonRecord(
                        ref=prefs[person_id],
                        role=role,
                        values=person_values(
                            people[person_id], role=role, harms=harm_values, allowed=plan.allowed[person_id]
                        ),
                    )
                )
            yield record


# --- de-identified rows ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CountedSurvivor:
    person_id: Any
    birthdate: datetime.date | None
    referral_date: datetime.date
    gender: str
    citizenship: str
    values: dict[str, str]  # the standard's code fields of the row


def counted_survivors(
    *, organisation: Organisation, program: Program | None, since: datetime.date | None
) -> list[CountedSurvivor]:
    """One entry per survivor per case, for survivors who agreed to be counted in reports that do not identify
    anyone."""
    cases = _cases_in_scope(organisation, program, since)
    counted = people_who_may(purpose=ConsentPurpose.REPORTING).values("pk")
    rows = CaseParticipant.objects.filter(case__in=cases, role=PR.SURVIVOR, person_id__in=counted).order_by("pk")
    pairs = list(rows.values_list("case_id", "person_id"))
    out = []
    # Read in batches, and only the fields the row needs: nothing else is decrypted or kept while the file is made.
    for start in range(0, len(pairs), BATCH):
        batch = pairs[start : start + BATCH]
        case_ids = list({c for c, _p in batch})
        cases_by_id = Case.objects.only("referral_date", "status", "htcds_extra").in_bulk(case_ids)
        people = Person.objects.only("date_of_birth", "gender", "citizenship", "htcds_extra").in_bulk(
            list({p for _c, p in batch})
        )
        harms: dict[Any, list[Harm]] = defaultdict(list)
        for harm in Harm.objects.filter(case_id__in=case_ids).only("case_id", *records.HARM_FIELDS.values()):
            harms[harm.case_id].append(harm)
        for case_id, person_id in batch:
            case, person = cases_by_id[case_id], people[person_id]
            kept = person.htcds_extra or {}
            code_values = _harm_values(harms[case_id])
            code_values["vic_TraffickingStatus"] = _valid(
                "vic_TraffickingStatus", kept.get("vic_TraffickingStatus", "")
            )
            code_values["cas_Status"] = records.htcds_status(
                case.status, (case.htcds_extra or {}).get("cas_Status", "")
            )
            out.append(
                CountedSurvivor(
                    person_id=person_id,
                    birthdate=person.date_of_birth,
                    referral_date=case.referral_date,
                    gender=person.gender or "",
                    citizenship=_valid("prs_Citizenship", ";".join(str(c) for c in person.citizenship)),
                    values=code_values,
                )
            )
    return out


# --- field intake (submissions pulled from ODK Central) -----------------------------------------------------------


def field_submissions_visible_to(actor: Any) -> QuerySet[FieldSubmission]:
    """The submissions of the organisations in which ``actor`` reviews field intake."""
    return FieldSubmission.objects.filter(
        organisation_id__in=organisation_ids_where(actor, Capability.REVIEW_FIELD_INTAKE)
    )


@lookup("interop.fieldsubmission")
def field_submission_get_for(actor: Any, pk: Any) -> FieldSubmission:
    """A submission pulled from ODK Central, if ``actor`` reviews field intake in its organisation; else 404."""
    return one_or_404(field_submissions_visible_to(actor).select_related("organisation", "intake_draft"), pk)


def field_submissions_of(actor: Any, organisation: Organisation) -> QuerySet[FieldSubmission]:
    """What arrived for ``organisation``, newest first, with its program, the draft's holder and the case."""
    return (
        field_submissions_visible_to(actor)
        .filter(organisation=organisation)
        .select_related("program", "intake_draft__owner", "case")
        .annotate(mine=ExpressionWrapper(Q(intake_draft__owner_id=getattr(actor, "pk", None)), BooleanField()))
        .order_by("-created_at", "-submitted_at", "pk")
    )


def field_submission_known(organisation: Organisation, instance_id: str) -> bool:
    """Whether a submission is already here: pulled before, or imported from an ODK Central CSV file."""
    return (
        FieldSubmission.objects.filter(organisation=organisation, instance_id=instance_id).exists()
        or HtcdsLink.objects.filter(organisation=organisation, kind=LinkKind.CASE, ref=f"odk:{instance_id}").exists()
    )


def field_submission_pulled(organisation: Organisation, case_ref: str) -> bool:
    """Whether a file's case reference (``odk:<instance id>``) is a submission already pulled from ODK Central."""
    if not case_ref.startswith("odk:"):
        return False
    return FieldSubmission.objects.filter(organisation=organisation, instance_id=case_ref[4:]).exists()


def field_submission_of_draft(draft_id: Any) -> FieldSubmission | None:
    return FieldSubmission.objects.filter(intake_draft_id=draft_id).first()


def pull_scope(organisation_id: int, program_id: int, user_id: str) -> tuple[Organisation, Program, User]:
    """What a queued pull names (the service then checks that the user may do it)."""
    organisation = Organisation.objects.get(pk=organisation_id)
    return organisation, Program.objects.get(pk=program_id, organisation=organisation), User.objects.get(pk=user_id)
