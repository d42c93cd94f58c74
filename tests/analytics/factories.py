"""A program's worth of cases for the dashboards, made directly (fast) rather than through intake."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal
from typing import Any

from django.utils import timezone

from reparo.agreements.models import (
    Agreement,
    AgreementItem,
    AgreementStatus,
    Instalment,
    ItemKind,
    Obligation,
    ObligationStatus,
)
from reparo.cases.models import Case, CaseParticipant, CaseStatus, CaseStatusChange, ParticipantRole
from reparo.consent.models import Consent, ConsentMethod, ConsentPurpose
from reparo.organisations.models import Program
from reparo.people.models import Person, PersonKind, new_display_code
from reparo.processes.models import Process, ProcessStage, ProcessType

_n = itertools.count(1)
START = timezone.make_aware(datetime.datetime(2026, 1, 1, 9, 0))


def person(program: Program, kind: str, *, consent: str | None = "current", recorder: Any) -> Person:
    p = Person.objects.create(organisation=program.organisation, kind=kind, display_code=new_display_code(kind))
    if consent is not None:
        Consent.objects.create(
            person=p,
            purpose=ConsentPurpose.EVALUATION,
            method=ConsentMethod.WRITTEN,
            given_at=START - datetime.timedelta(days=30),
            recorded_by=recorder,
            withdrawn_at=START if consent == "withdrawn" else None,
        )
    return p


def case(
    program: Program,
    *,
    recorder: Any,
    status: str = CaseStatus.REFERRED,
    consent: str | None = "current",
    days_per_stage: int = 10,
) -> Case:
    n = next(_n)
    c = Case.objects.create(
        organisation=program.organisation,
        program=program,
        reference=f"T-{n:06d}",
        status=status,
        referral_source="ngo",
        referral_date=datetime.date(2026, 1, 1),
        created_by=recorder,
    )
    Case.objects.filter(pk=c.pk).update(created_at=START)
    survivor = person(program, PersonKind.SURVIVOR, consent=consent, recorder=recorder)
    CaseParticipant.objects.create(case=c, person=survivor, role=ParticipantRole.SURVIVOR)
    # Status history along the workflow, ``days_per_stage`` apart.
    order = [s for s, _l in CaseStatus.choices if s != CaseStatus.WITHDRAWN]
    path = order[: order.index(status) + 1] if status in order else [CaseStatus.REFERRED, CaseStatus.WITHDRAWN]
    at = START
    for before, after in itertools.pairwise(path):
        at = at + datetime.timedelta(days=days_per_stage)
        change = CaseStatusChange.objects.create(case=c, from_status=before, to_status=after, actor=recorder)
        CaseStatusChange.objects.filter(pk=change.pk).update(at=at)
    return c


def process_with_agreement(
    c: Case,
    *,
    type: str = ProcessType.DIRECT_MEDIATION,
    stage: str = ProcessStage.COMPLETED,
    obligation: str = ObligationStatus.MET,
    restitution: tuple[Decimal, Decimal] | None = None,
) -> Process:
    process = Process.objects.create(case=c, type=type, stage=stage)
    agreement = Agreement.objects.create(process=process, version=1, status=AgreementStatus.BINDING)
    item = AgreementItem.objects.create(
        agreement=agreement,
        position=1,
        kind=ItemKind.RESTITUTION if restitution else ItemKind.APOLOGY_SPOKEN,
        description="x",
        amount=restitution[0] if restitution else None,
        currency="EUR" if restitution else "",
    )
    ob = Obligation.objects.create(item=item, status=obligation)
    if restitution:
        Instalment.objects.create(
            obligation=ob, number=1, due_date=datetime.date(2026, 3, 1), amount=restitution[0],
            paid_amount=restitution[1] or None,
        )  # fmt: skip
    return process


def scores(c: Case, instrument: str, before: float, after: float, *, recorder: Any) -> None:
    """A baseline and an end-of-process score of the case's survivor (stored as the evaluation app stores them)."""
    from reparo.evaluation.models import SurveyAssignment, SurveyResponse

    survivor = c.participants.get(role=ParticipantRole.SURVIVOR).person
    for timepoint, total, day in (("baseline", before, 1), ("end_of_process", after, 60)):
        on = datetime.date(2026, 1, 1) + datetime.timedelta(days=day)
        assignment = SurveyAssignment.objects.create(
            program=c.program, case=c, person=survivor, participant_role="survivor", instrument=instrument,
            timepoint=timepoint, occasion=f"{timepoint}:{next(_n)}", due_on=on, overdue_on=on, status="completed",
        )  # fmt: skip
        SurveyResponse.objects.create(
            assignment=assignment, program=c.program, person=survivor, instrument=instrument, instrument_version="1",
            timepoint=timepoint, collected_on=on, language="en", answers={}, total=total, collected_by=recorder,
        )  # fmt: skip
