"""HTCDS export and import: each checks the actor, asks consent where data leaves (exports), writes through the same
services as intake (imports), and records itself in the audit log.

Export: :func:`htcds_export` decides what the file holds (each person's consent), writes its audit row, and
returns the file as chunks to stream. Import: :func:`htcds_import` reads and checks the whole file, and saves nothing
unless every row is valid (or ``valid_only`` asks for the valid cases alone); each new case is opened with
:func:`reparo.cases.services.case_open` (encrypted fields, blind indexes, audit), its other people added with
``participant_add``, its status moved with ``case_transition`` and its comments added as notes with ``note_add``.
A case or person already imported (or already Reparo's own, for a reference marked with this installation's code:
:mod:`reparo.interop.models`) is found by its reference and not made again.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from reparo.access.actors import user_can
from reparo.access.capabilities import Capability
from reparo.audit.services import audit_record
from reparo.cases import services as cases
from reparo.cases.models import CaseStatus, IntakeDraft, ParticipantRole, ReferralSource
from reparo.interop import central, deidentify, formats, importing, records, selectors, standard
from reparo.interop.models import FieldSubmission, HtcdsLink, LinkKind
from reparo.organisations.models import Organisation, OrganisationKind, Program
from reparo.people.models import Person

# --- export ---------------------------------------------------------------------------------------------------


@dataclass
class ExportFile:
    """A file ready to send: its name, content type, and its content as chunks (text for CSV and JSON, one bytes
    chunk for XLSX). ``people`` and ``left_out`` say how many people are in it and how many were left out."""

    filename: str
    content_type: str
    chunks: Iterator[Any]
    people: int = 0
    cases: int = 0
    left_out: int = 0
    note: str = ""


def _filename(organisation: Organisation, file_format: str, *, deidentified: bool) -> str:
    stamp = timezone.localdate().isoformat()
    kind = "htcds-deidentified" if deidentified else "htcds"
    return f"{kind}-{organisation.pk}-{stamp}.{file_format}"


def deidentified_file(
    *, organisation: Organisation, program: Program | None, since: datetime.date | None
) -> deidentify.DeidentifiedFile:
    """The de-identified rows (k-anonymous) of the scope."""
    counted = selectors.counted_survivors(organisation=organisation, program=program, since=since)
    rows, people = [], []
    for entry in counted:
        age = deidentify.age_on(entry.birthdate, entry.referral_date)
        rows.append(
            {
                deidentify.AGE: deidentify.five_year_band(age),
                deidentify.GENDER: entry.gender,
                deidentify.CITIZENSHIP: entry.citizenship,
                deidentify.EXPLOITATION: entry.values.get("vic_TypeOfExploitation", ""),
                deidentify.YEAR: str(entry.referral_date.year),
                **{c: entry.values.get(c, "") for c in deidentify.OTHER_COLUMNS},
            }
        )
        people.append(entry.person_id)
    return deidentify.k_anonymise(rows, people)


def htcds_export_check(
    *,
    actor: Any,
    organisation: Organisation,
    file_format: str = formats.CSV,
    recipient: Organisation | None = None,
    program: Program | None = None,
    since: datetime.date | None = None,
    deidentified: bool = False,
) -> None:
    """Whether the file can be made: PermissionDenied for anyone but the organisation's admins, ValidationError in
    plain words for what was asked wrongly. :func:`htcds_export` asks it first; the page asks it before starting the
    export in the background, so that a mistake is shown on the form at once."""
    if not user_can(actor, Capability.EXPORT_HTCDS, organisation=organisation):
        raise PermissionDenied
    if file_format not in formats.FORMATS:
        raise ValidationError({"file_format": _("Choose CSV, XLSX or JSON.")})
    if program is not None and program.organisation_id != organisation.pk:
        raise ValidationError({"program": _("Choose a program of this organisation.")})
    if since is not None and since > timezone.localdate():
        raise ValidationError({"since": _("The date cannot be in the future.")})
    if not deidentified:
        if recipient is None:
            raise ValidationError(
                {"recipient": _("Choose the partner organisation the file is for, or make a de-identified file.")}
            )
        if recipient.kind != OrganisationKind.PARTNER:
            raise ValidationError({"recipient": _("Information can only be shared with a partner organisation.")})


def htcds_export_start(
    *,
    actor: Any,
    organisation: Organisation,
    file_format: str = formats.CSV,
    recipient: Organisation | None = None,
    program: Program | None = None,
    since: datetime.date | None = None,
    deidentified: bool = False,
    back_to: str = "",
) -> Any:
    """Check what was asked (:func:`htcds_export_check`) and make the file in the background
    (:mod:`reparo.interop.background`); the job, whose page shows the progress and then the download."""
    from reparo.interop.background import EXPORT
    from reparo.jobs.services import job_start

    htcds_export_check(
        actor=actor, organisation=organisation, file_format=file_format, recipient=recipient, program=program,
        since=since, deidentified=deidentified,
    )  # fmt: skip
    params = {
        "organisation": organisation.pk,
        "file_format": file_format,
        "recipient": recipient.pk if recipient is not None and not deidentified else None,
        "program": program.pk if program is not None else None,
        "since": since.isoformat() if since else None,
        "deidentified": deidentified,
    }
    subject = organisation.name if deidentified or recipient is None else f"{organisation.name} → {recipient.name}"
    return job_start(
        actor=actor, organisation=organisation, kind=EXPORT, params=params, subject=subject, back_to=back_to
    )


@transaction.atomic
def htcds_export(
    *,
    actor: Any,
    organisation: Organisation,
    file_format: str = formats.CSV,
    recipient: Organisation | None = None,
    program: Program | None = None,
    since: datetime.date | None = None,
    deidentified: bool = False,
) -> ExportFile:
    """The HTCDS file of ``organisation``'s cases (of ``program``, changed ``since``), for ``recipient`` — or
    de-identified for anyone. Organisation admins only. Recorded in the audit log before the first byte is sent."""
    htcds_export_check(
        actor=actor, organisation=organisation, file_format=file_format, recipient=recipient, program=program,
        since=since, deidentified=deidentified,
    )  # fmt: skip
    detail: dict[str, Any] = {
        "format": file_format,
        "deidentified": deidentified,
        "recipient": recipient.pk if recipient and not deidentified else None,
        "program": program.pk if program else None,
        "since": since.isoformat() if since else None,
    }
    name = _filename(organisation, file_format, deidentified=deidentified)
    if deidentified:
        result = deidentified_file(organisation=organisation, program=program, since=since)
        detail.update(rows=len(result.rows), generalised=result.generalised, suppressed=result.suppressed)
        audit_record(actor=actor, action="htcds.exported", organisation=organisation, object_type="htcds.file",
                     object_id=name, purpose="de-identified statistics", detail=detail)  # fmt: skip
        chunks: Iterator[Any]
        if file_format == formats.XLSX:
            chunks = iter([formats.deidentified_xlsx(result)])
        elif file_format == formats.JSON:
            chunks = formats.deidentified_json(result)
        else:
            chunks = formats.deidentified_csv(result)
        return ExportFile(
            name, formats.CONTENT_TYPES[file_format], chunks, people=len(result.rows), note=result.about()
        )

    if recipient is None:  # pragma: no cover - refused above
        raise ValidationError({"recipient": _("Choose the partner organisation the file is for.")})
    plan = selectors.plan_identified(organisation=organisation, recipient=recipient, program=program, since=since)
    detail.update(cases=len(plan.case_ids), people=plan.person_count, left_out_people=plan.left_out_people,
                  left_out_cases=plan.left_out_cases)  # fmt: skip
    audit_record(actor=actor, action="htcds.exported", organisation=organisation, object_type="htcds.file",
                 object_id=name, purpose=f"share with {recipient.name}", detail=detail)  # fmt: skip
    records_ = selectors.case_records(plan)
    if file_format == formats.XLSX:
        chunks = iter([formats.xlsx_bytes(formats.flat_header(), formats.flat_rows(records_))])
    elif file_format == formats.JSON:
        chunks = formats.json_chunks(records_)
    else:
        chunks = formats.csv_chunks(records_)
    return ExportFile(
        name, formats.CONTENT_TYPES[file_format], chunks, people=plan.person_count, cases=len(plan.case_ids),
        left_out=plan.left_out_people,
    )  # fmt: skip


# --- import ---------------------------------------------------------------------------------------------------


@dataclass
class ImportReport:
    saved: bool = False
    cases_created: int = 0
    people_created: int = 0
    cases_already_there: int = 0
    cases_invalid: int = 0
    rows: int = 0
    problems: list[importing.Problem] = field(default_factory=list)
    refused: str = ""  # why the file as a whole was not read


def _person_fields(person: records.PersonRecord) -> dict[str, Any]:
    """What Reparo holds natively of a person, from their record, and the rest kept as imported."""
    v = person.values
    languages = [code for code in (v.get("prs_PrimaryLanguage"), v.get("prs_SecondaryLanguage")) if code]
    native: dict[str, Any] = {
        "given_name": v.get("prs_FirstName") or None,
        "family_name": v.get("prs_SecondName") or None,
        "date_of_birth": datetime.date.fromisoformat(v["prs_Birthdate"]) if v.get("prs_Birthdate") else None,
        "gender": v.get("prs_Gender", ""),
        "citizenship": [c for c in v.get("prs_Citizenship", "").split(";") if c],
        "email": v.get("prs_Email") or None,
        "phone": v.get("prs_MobilePhone") or None,
        "languages": list(dict.fromkeys(languages)),
        "address": records.join_address(v) or None,
    }
    held = {
        "prs_FirstName", "prs_SecondName", "prs_Birthdate", "prs_Gender", "prs_Citizenship", "prs_Email",
        "prs_MobilePhone", "prs_PrimaryLanguage", "prs_SecondaryLanguage",
    }  # fmt: skip
    if person.role == records.VICTIM:
        held |= set(records.HARM_FIELDS)
    extra = {name: value for name, value in v.items() if value and name not in held}
    extra.setdefault("con_Consent", "")  # as imported, even when not given (an export then leaves it empty too)
    return {**native, "htcds_extra": extra}


def _case_extra(case: records.CaseRecord) -> dict[str, Any]:
    held = {"cas_ReasonForCaseClosure", "cas_IncomingReferralDate"}
    extra: dict[str, Any] = {name: value for name, value in case.values.items() if value and name not in held}
    extra.setdefault("cas_CaseOwner", "")  # as imported, even when not given (not the one who imported it)
    if case.events:
        extra["hte"] = [{k: v for k, v in e.items() if v} for e in case.events]
    if case.plans:
        extra["spl"] = [{k: v for k, v in p.items() if v} for p in case.plans]
    return extra


def _path_to(status: str) -> list[str]:
    """The statuses a new case passes through to reach ``status``, one step at a time."""
    order: list[str] = [CaseStatus.INTAKE, CaseStatus.ASSESSMENT, CaseStatus.PREPARATION, CaseStatus.IN_PROCESS,
             CaseStatus.FOLLOW_UP, CaseStatus.CLOSED]  # fmt: skip
    return [] if status == CaseStatus.REFERRED else order[: order.index(status) + 1]


def _import_case(
    *, actor: Any, organisation: Organisation, program: Program, case: records.CaseRecord, report: ImportReport
) -> None:
    people: dict[str, Person | None] = {p.ref: selectors.known_person(organisation, p.ref) for p in case.persons}
    victims = [p for p in case.persons if p.role == records.VICTIM]
    harms: dict[str, set[str]] = {name: set() for name in records.HARM_FIELDS}
    for person in victims:
        for name in records.HARM_FIELDS:
            harms[name] |= {c for c in person.values.get(name, "").split(";") if c}

    def codes(name: str) -> list[str]:
        return [c for c in standard.field(name).codes if c in harms[name]]

    first = victims[0]
    referral = case.values.get("cas_IncomingReferralDate")
    opened = cases.case_open(
        actor=actor,
        program=program,
        referral_source=ReferralSource.OTHER,
        referral_date=datetime.date.fromisoformat(referral) if referral else timezone.localdate(),
        survivor=people[first.ref] or _person_fields(first),
        exploitation_types=codes("vic_TypeOfExploitation"),
        methods_of_control=codes("vic_MethodsOfControl"),
        recruitment_methods=codes("vic_MethodOfRecruitment"),
        htcds_extra=_case_extra(case),
    )
    HtcdsLink.objects.create(organisation=organisation, kind=LinkKind.CASE, ref=case.ref, case=opened)
    survivor = opened.participants.get(role=ParticipantRole.SURVIVOR).person
    if people[first.ref] is None:
        HtcdsLink.objects.create(organisation=organisation, kind=LinkKind.PERSON, ref=first.ref, person=survivor)
        report.people_created += 1
    people[first.ref] = survivor
    for person in case.persons:
        if person is first:
            continue
        role = ParticipantRole.SURVIVOR if person.role == records.VICTIM else ParticipantRole.RESPONSIBLE
        known = people.get(person.ref)
        if known is not None:
            cases.participant_add(actor=actor, case=opened, role=role, person=known)
            continue
        participant = cases.participant_add(actor=actor, case=opened, role=role, **_person_fields(person))
        HtcdsLink.objects.create(
            organisation=organisation, kind=LinkKind.PERSON, ref=person.ref, person=participant.person
        )
        people[person.ref] = participant.person
        report.people_created += 1
    target = records.FROM_HTCDS_STATUS.get(case.values.get("cas_Status", ""), CaseStatus.REFERRED)
    steps = _path_to(target)
    for step in steps:
        reason = case.values.get("cas_ReasonForCaseClosure", "") if step == steps[-1] else ""
        opened = cases.case_transition(actor=actor, case=opened, to_status=step, reason=reason)
    for comment in case.comments:
        if comment.get("cco_CaseComment"):
            cases.note_add(actor=actor, case=opened, body=comment["cco_CaseComment"])
    report.cases_created += 1


# Reparo's own fields that the services check again (lengths the standard does not set), as the file names them.
_COLUMN_OF = {
    "given_name": "prs_FirstName", "family_name": "prs_SecondName", "date_of_birth": "prs_Birthdate",
    "gender": "prs_Gender", "citizenship": "prs_Citizenship", "email": "prs_Email", "phone": "prs_MobilePhone",
    "languages": "prs_PrimaryLanguage", "address": "prs_MailingStreet", "referral_date": "cas_IncomingReferralDate",
    "reason": "cas_ReasonForCaseClosure",
}  # fmt: skip


def _refused_by_services(line: str, exc: ValidationError) -> list[importing.Problem]:
    """What a service refused in a case that the file's checks let through, at the case's first line, in the column
    of the field it refused where it names one."""
    if not hasattr(exc, "error_dict"):
        return [importing.Problem(line, "", " ".join(exc.messages))]
    return [
        importing.Problem(line, _COLUMN_OF.get(name, ""), " ".join(ValidationError(errors).messages))
        for name, errors in exc.error_dict.items()
    ]


class _Undo(Exception):
    """Raised to roll back everything imported when one case cannot be saved and only a whole file may be."""


def htcds_import_start(
    *,
    actor: Any,
    organisation: Organisation,
    program: Program,
    file_name: str,
    data: bytes,
    valid_only: bool = False,
    back_to: str = "",
) -> Any:
    """Keep the file (encrypted) and import it in the background (:mod:`reparo.interop.background`); the job, whose
    page shows the progress and then what was imported and what was not. Organisation admins only."""
    from reparo.interop.background import IMPORT
    from reparo.jobs.services import job_start

    if not user_can(actor, Capability.IMPORT_HTCDS, organisation=organisation):
        raise PermissionDenied
    if program.organisation_id != organisation.pk:
        raise PermissionDenied
    if len(data) > importing.MAX_BYTES:
        raise ValidationError({"upload": _("The file is larger than 20 MB. Split it and import the parts.")})
    return job_start(
        actor=actor,
        organisation=organisation,
        kind=IMPORT,
        params={
            "organisation": organisation.pk,
            "program": program.pk,
            "file_name": file_name[:255],
            "valid_only": valid_only,
        },
        subject=program.name,
        back_to=back_to,
        input_data=data,
    )


def htcds_import(
    *,
    actor: Any,
    organisation: Organisation,
    program: Program,
    file_name: str,
    data: bytes,
    valid_only: bool = False,
) -> ImportReport:
    """Import an HTCDS file into ``program``. Nothing is saved unless every row is valid, or ``valid_only`` is given
    (then the valid cases are saved and the others reported). Organisation admins only."""
    if not user_can(actor, Capability.IMPORT_HTCDS, organisation=organisation):
        raise PermissionDenied
    if program.organisation_id != organisation.pk:
        raise PermissionDenied
    report = ImportReport()
    digest = hashlib.sha256(data).hexdigest()
    try:
        parsed = importing.parse(file_name, data)
    except importing.FileRefused as exc:
        report.refused = exc.reason
        _audit_import(actor, organisation, program, digest, report)
        return report
    report.rows = parsed.rows
    report.problems = list(parsed.problems)
    report.cases_invalid = len(parsed.invalid)
    if parsed.problems and not valid_only:
        _audit_import(actor, organisation, program, digest, report)
        return report
    try:
        with transaction.atomic():
            for case in parsed.valid_cases:
                if selectors.known_case(organisation, case.ref) is not None or selectors.field_submission_pulled(
                    organisation, case.ref
                ):
                    report.cases_already_there += 1
                    continue
                try:
                    with transaction.atomic():
                        _import_case(actor=actor, organisation=organisation, program=program, case=case, report=report)
                except ValidationError as exc:
                    report.problems.extend(_refused_by_services(parsed.lines[case.ref], exc))
                    report.cases_invalid += 1
                    if not valid_only:
                        raise _Undo from exc
            report.saved = True
            _audit_import(actor, organisation, program, digest, report)
    except _Undo:
        report.saved = False
        report.cases_created = report.people_created = report.cases_already_there = 0
        _audit_import(actor, organisation, program, digest, report)
    return report


@transaction.atomic
def _audit_import(actor: Any, organisation: Organisation, program: Program, digest: str, report: ImportReport) -> None:
    audit_record(
        actor=actor,
        action="htcds.imported" if report.saved else "htcds.import_refused",
        organisation=organisation,
        object_type="organisations.program",
        object_id=str(program.pk),
        detail={
            "sha256": digest,
            "rows": report.rows,
            "cases_created": report.cases_created,
            "people_created": report.people_created,
            "cases_already_there": report.cases_already_there,
            "cases_invalid": report.cases_invalid,
            "problems": len(report.problems),
        },
    )


# --- field intake: submissions of the HTCDS form pulled from ODK Central ------------------------------------------


@dataclass
class PullReport:
    """What a pull found: ``received`` submissions in Central, of which ``new`` became intake drafts (``with_problems``
    of them with answers that could not be read), ``already_here`` had come before (pulled, or imported from a file)
    and ``rejected`` were rejected by a reviewer in Central (not brought in)."""

    received: int = 0
    new: int = 0
    already_here: int = 0
    rejected: int = 0
    with_problems: int = 0
    unreadable: int = 0  # no submission id


def _may_receive(actor: Any, organisation: Organisation, program: Program) -> None:
    for capability in (Capability.REVIEW_FIELD_INTAKE, Capability.OPEN_CASES):
        if not user_can(actor, capability, organisation=organisation):
            raise PermissionDenied
    if program.organisation_id != organisation.pk:
        raise PermissionDenied
    if not program.is_active:
        raise ValidationError({"program": _("This program is closed: choose an open one.")})


def field_intake_pull(*, actor: Any, organisation: Organisation, program: Program) -> PullReport:
    """Bring the new submissions of the HTCDS form in ODK Central (``settings.ODK_CENTRAL``) into ``program`` as
    intake drafts of the actor's, for review. Pulling again brings nothing twice. Reviewers of field intake who may
    open cases in the organisation (coordinators, organisation admins)."""
    conf = settings.ODK_CENTRAL
    if conf is None:
        raise ValidationError(_("Field intake from ODK Central is not set up (see ODK_CENTRAL_URL in the "
                                "configuration guide)."))  # fmt: skip
    _may_receive(actor, organisation, program)
    try:
        submissions = central.fetch(conf)  # no transaction is held open while Central answers
    except central.CentralUnavailable as exc:
        with transaction.atomic():
            audit_record(actor=actor, action="field_intake.pull_failed", organisation=organisation,
                         object_type="organisations.program", object_id=str(program.pk))  # fmt: skip
        raise ValidationError(exc.reason) from None
    return field_intake_receive(
        actor=actor, organisation=organisation, program=program, submissions=submissions, project_id=conf.project,
        form_id=conf.form,
    )  # fmt: skip


def field_intake_receive(
    *,
    actor: Any,
    organisation: Organisation,
    program: Program,
    submissions: Iterable[central.Submission],
    project_id: int,
    form_id: str,
) -> PullReport:
    """Each submission not here yet becomes an intake draft of the actor's (with what could not be read noted), one
    transaction each, so that a pull cut short keeps what it brought. Audited, each and as a whole."""
    _may_receive(actor, organisation, program)
    report = PullReport()
    for submission in submissions:
        report.received += 1
        if not submission.instance_id or len(submission.instance_id) > 120:
            report.unreadable += 1
            continue
        if submission.review_state == "rejected":
            report.rejected += 1
            continue
        try:
            with transaction.atomic():
                if selectors.field_submission_known(organisation, submission.instance_id):
                    report.already_here += 1
                    continue
                made = _field_submission_make(actor, organisation, program, submission, project_id, form_id)
        except IntegrityError:  # the same submission, brought in at this moment by another pull
            report.already_here += 1
            continue
        report.new += 1
        report.with_problems += bool(made.problems)
    with transaction.atomic():
        audit_record(
            actor=actor, action="field_intake.pulled", organisation=organisation, object_type="organisations.program",
            object_id=str(program.pk), detail={"project": project_id, "form": form_id, **asdict(report)},
        )  # fmt: skip
    return report


def _field_submission_make(
    actor: Any,
    organisation: Organisation,
    program: Program,
    submission: central.Submission,
    project_id: int,
    form_id: str,
) -> FieldSubmission:
    found, problems = importing.read_answers(submission.columns)
    ref = f"odk:{submission.instance_id}"
    person_names = [n for n in records.person_fields() if n not in records.section_fields(standard.PERPETRATOR)]
    case_names = records.case_fields()
    for name, value in found.items():
        if value and name not in person_names and name not in case_names:
            problems.append(importing.Problem("", name, _("Field intake brings in the survivor and the case; this "
                                                          "answer was left out.")))  # fmt: skip
    person = records.PersonRecord(
        ref=f"{ref}:1", role=records.VICTIM, values={n: found.get(n, "") for n in person_names}
    )
    case = records.CaseRecord(ref=ref, values={n: found.get(n, "") for n in case_names})
    data, source = _intake_draft_data(program, case, person, submission)
    draft = cases.intake_draft_save(actor=actor, organisation=organisation, data=data, source=source)
    made = FieldSubmission.objects.create(
        organisation=organisation, program=program, instance_id=submission.instance_id, project_id=project_id,
        form_id=form_id[:128], submitted_at=submission.submitted_at, review_state=submission.review_state[:32],
        problems=cast(Any, [[p.column, p.reason] for p in problems] or None), pulled_by=actor, intake_draft=draft,
    )  # fmt: skip
    audit_record(actor=actor, action="field_submission.received", obj=made, organisation=organisation,
                 detail={"intake_draft": str(draft.pk), "problems": len(problems)})  # fmt: skip
    return made


def _intake_draft_data(
    program: Program, case: records.CaseRecord, person: records.PersonRecord, submission: central.Submission
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The intake form's fields filled from a submission, and what it held beyond them (``source``: kept with the
    draft, given to the case and the survivor when the case is opened)."""
    v = person.values
    native = _person_fields(person)
    sent = timezone.localdate(submission.submitted_at) if submission.submitted_at else timezone.localdate()

    def codes(name: str) -> list[str]:
        given = set(v.get(name, "").split(";"))
        return [c for c in standard.field(name).codes if c in given]

    data: dict[str, Any] = {
        "program": [str(program.pk)],
        "referral_source": [ReferralSource.OTHER.value],
        "referral_date": [case.values.get("cas_IncomingReferralDate") or sent.isoformat()],
        "summary": [_("Sent from the field through ODK Central on %(date)s.") % {"date": sent.isoformat()}],
        "given_name": [v.get("prs_FirstName", "")],
        "family_name": [v.get("prs_SecondName", "")],
        "date_of_birth": [v.get("prs_Birthdate", "")],
        "phone": [v.get("prs_MobilePhone", "")],
        "email": [v.get("prs_Email", "")],
        "address": [native["address"] or ""],
        "gender": [v.get("prs_Gender", "")],
        "languages": native["languages"],
        **{attr: codes(name) for name, attr in records.HARM_FIELDS.items()},
    }
    source = {
        "ref": case.ref,
        "case_extra": _case_extra(case),
        "survivor": {"citizenship": native["citizenship"], "htcds_extra": native["htcds_extra"]},
    }
    return data, source


@transaction.atomic
def field_submission_take(*, actor: Any, submission: FieldSubmission) -> IntakeDraft:
    """Take over a submission's intake draft from the reviewer who holds it, to review it and open the case."""
    if not user_can(actor, Capability.REVIEW_FIELD_INTAKE, organisation=submission.organisation_id):
        raise PermissionDenied
    locked = (
        FieldSubmission.objects.select_for_update(of=("self",))
        .select_related("intake_draft", "organisation")
        .get(pk=submission.pk)
    )
    if locked.intake_draft is None:
        raise ValidationError(_("This submission is no longer waiting for review."))
    draft = cases.intake_draft_take(actor=actor, draft=locked.intake_draft)
    audit_record(actor=actor, action="field_submission.taken", obj=locked, organisation=locked.organisation,
                 detail={"intake_draft": str(draft.pk)})  # fmt: skip
    return draft


def field_intake_configured() -> bool:
    """Whether an ODK Central to pull from is configured (``settings.ODK_CENTRAL``)."""
    return settings.ODK_CENTRAL is not None


@transaction.atomic
def field_intake_viewed(*, actor: Any, organisation: Organisation) -> None:
    audit_record(actor=actor, action="field_intake.viewed", organisation=organisation)


def on_intake_draft_opened(*, actor: Any, draft_id: Any, case: Any, **_kwargs: Any) -> None:
    """A case was opened from an intake draft (``cases.signals.intake_draft_opened``, inside that transaction): if
    the draft came from a submission, note the case, and link the case and its survivor to the submission's reference
    so that an ODK Central file with the same submission finds them instead of making them again."""
    made = selectors.field_submission_of_draft(draft_id)
    if made is None:
        return
    made.case = case
    made.save(update_fields=["case", "updated_at"])
    ref = f"odk:{made.instance_id}"
    if selectors.known_case(case.organisation, ref) is None:
        HtcdsLink.objects.create(organisation=case.organisation, kind=LinkKind.CASE, ref=ref, case=case)
    survivor = case.participants.get(role=ParticipantRole.SURVIVOR).person
    if (
        selectors.known_person(case.organisation, f"{ref}:1") is None
        and not HtcdsLink.objects.filter(person=survivor).exists()
    ):
        HtcdsLink.objects.create(organisation=case.organisation, kind=LinkKind.PERSON, ref=f"{ref}:1", person=survivor)
    audit_record(actor=actor, action="field_submission.case_opened", obj=made, organisation=case.organisation,
                 detail={"case": str(case.pk)})  # fmt: skip


def on_person_erased(*, actor: Any, person: Person, **_kwargs: Any) -> None:
    """A survivor's data was erased on request (``cases.signals.person_erased``, inside that transaction): what could
    not be read from the submission their case came from may quote their answers (a birth date), so it goes too."""
    for made in FieldSubmission.objects.filter(case__participants__person=person).distinct():
        if made.problems is not None:
            made.problems = None
            made.save(update_fields=["problems", "updated_at"])
