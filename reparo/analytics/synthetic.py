"""The evidence of a synthetic program, added to every case ``seed_synthetic`` makes (decision 0071).

For each case, from a random stream of its own (the case's other rows are unchanged by it): the survivor's and the
responsible person's evaluation consents (some withdrawn, some ending on a date, some already ended); the
restorative process a case that reached preparation has, by the program's kind (dialogue, conference or circle,
CoSA), with its participants, facilitator, preparation meetings and the distress check-ins around them; the
agreement, binding only once both sides accepted it, its items, obligations and restitution instalments, paid or
late as the process went; the survey assignments the daily sweep would have made from the program's schedule while
consent was in force (baseline, end of the process, 3, 6 and 12 months after), most completed with answers scored
by ``reparo.evaluation.scoring.score``, some declined, unreachable or cancelled when consent ended; and re-offending
events after the process ended. Per program, once: the survey schedule and a comparison cohort. At the end the
outcome tallies are computed from scratch (``evidence.rebuild``), as the triggers and the refresh would have kept
them.

Proportions follow a program that grew over six years: about three in four cases reach preparation, most
survivors agree to evaluation, and about ten survey responses per case (so ``--responses 1000000`` means about
100,000 cases). Scores improve over a process on average, more for completed processes than for those that ended
early; a quarter of responsible persons followed for two years re-offend, against more than a third of the
comparison group.

Everything is written as the services write it (encrypted answers, descriptions and notes; scores from the one
scoring function; a response only while consent is in force), but without audit rows: seeding is not a user action.
"""

from __future__ import annotations

import datetime
import random
import uuid
from decimal import Decimal
from typing import Any, cast

from django.db.models import Max
from django.utils import timezone

from reparo.agreements.models import (
    Acceptance,
    AcceptanceHow,
    Agreement,
    AgreementItem,
    AgreementStatus,
    Instalment,
    InstalmentStatus,
    ItemKind,
    Obligation,
    ObligationStatus,
)
from reparo.agreements.services import add_months, instalment_schedule
from reparo.cases.models import CaseStatus, ParticipantRole
from reparo.cases.synthetic import CaseDraft, Rows, SyntheticExtension, program_kind
from reparo.consent.models import Consent, ConsentMethod, ConsentPurpose, WithdrawalVia
from reparo.evaluation.catalogue import instrument
from reparo.evaluation.models import (
    AssignmentStatus,
    Audience,
    CancelReason,
    CollectionMode,
    ComparisonCohort,
    ComparisonMember,
    ReoffendingEvent,
    ReoffendingSource,
    ReoffendingType,
    SurveyAssignment,
    SurveyResponse,
    SurveySchedule,
    Timepoint,
)
from reparo.evaluation.scoring import score
from reparo.processes.models import (
    EndReason,
    FacilitatorRole,
    PreparationMeeting,
    Process,
    ProcessFacilitator,
    ProcessParticipant,
    ProcessRole,
    ProcessStage,
    ProcessType,
)
from reparo.safety.models import DEFAULT_DISTRESS_THRESHOLD, CheckInMoment, DistressCheckIn

PARTICIPANTS_PER_CASE = 16  # room for the keys given to process participants, per case
DAY = datetime.timedelta(days=1)

# The program's schedule, by kind of program: (instrument, timepoint, audience).
_BOTH, _SURVIVORS, _RESPONSIBLE = Audience.BOTH, Audience.SURVIVORS, Audience.RESPONSIBLE
SCHEDULES: dict[str, list[tuple[str, str, str]]] = {
    "dialogue": [
        ("who5", Timepoint.BASELINE, _BOTH), ("who5", Timepoint.END_OF_PROCESS, _BOTH),
        ("who5", Timepoint.MONTHS_3, _BOTH), ("who5", Timepoint.MONTHS_6, _BOTH), ("who5", Timepoint.MONTHS_12, _BOTH),
        ("rses", Timepoint.BASELINE, _BOTH), ("rses", Timepoint.END_OF_PROCESS, _SURVIVORS),
        ("rses", Timepoint.MONTHS_12, _SURVIVORS),
        ("mspss", Timepoint.BASELINE, _BOTH), ("mspss", Timepoint.END_OF_PROCESS, _BOTH),
        ("mspss", Timepoint.MONTHS_6, _SURVIVORS), ("mspss", Timepoint.MONTHS_12, _SURVIVORS),
        ("pcl5", Timepoint.BASELINE, _SURVIVORS), ("pcl5", Timepoint.END_OF_PROCESS, _SURVIVORS),
        ("pcl5", Timepoint.MONTHS_6, _SURVIVORS), ("pcl5", Timepoint.MONTHS_12, _SURVIVORS),
        ("k10", Timepoint.BASELINE, _BOTH), ("k10", Timepoint.END_OF_PROCESS, _BOTH),
        ("k10", Timepoint.MONTHS_12, _BOTH), ("k6", Timepoint.END_OF_PROCESS, _BOTH),
        ("k6", Timepoint.MONTHS_3, _BOTH), ("k6", Timepoint.MONTHS_6, _BOTH), ("k6", Timepoint.MONTHS_12, _BOTH),
        ("satisfaction", Timepoint.END_OF_PROCESS, _BOTH),
    ],
    "conference": [
        ("who5", Timepoint.BASELINE, _BOTH), ("who5", Timepoint.END_OF_PROCESS, _BOTH),
        ("who5", Timepoint.MONTHS_3, _BOTH), ("who5", Timepoint.MONTHS_6, _BOTH), ("who5", Timepoint.MONTHS_12, _BOTH),
        ("rses", Timepoint.BASELINE, _BOTH), ("rses", Timepoint.END_OF_PROCESS, _SURVIVORS),
        ("rses", Timepoint.MONTHS_12, _SURVIVORS),
        ("mspss", Timepoint.BASELINE, _BOTH), ("mspss", Timepoint.END_OF_PROCESS, _BOTH),
        ("mspss", Timepoint.MONTHS_6, _BOTH), ("pcl5", Timepoint.BASELINE, _SURVIVORS),
        ("pcl5", Timepoint.END_OF_PROCESS, _SURVIVORS), ("pcl5", Timepoint.MONTHS_6, _SURVIVORS),
        ("pcl5", Timepoint.MONTHS_12, _SURVIVORS), ("k10", Timepoint.BASELINE, _BOTH),
        ("k10", Timepoint.END_OF_PROCESS, _BOTH), ("k10", Timepoint.MONTHS_12, _BOTH),
        ("k6", Timepoint.MONTHS_3, _BOTH), ("k6", Timepoint.MONTHS_12, _BOTH),
        ("satisfaction", Timepoint.END_OF_PROCESS, _BOTH),
    ],
    "cosa": [
        ("who5", Timepoint.BASELINE, _SURVIVORS), ("mspss", Timepoint.BASELINE, _SURVIVORS),
        ("pcl5", Timepoint.BASELINE, _SURVIVORS), ("k10", Timepoint.BASELINE, _SURVIVORS),
        ("who5", Timepoint.BASELINE, _RESPONSIBLE), ("who5", Timepoint.END_OF_PROCESS, _RESPONSIBLE),
        ("who5", Timepoint.MONTHS_12, _RESPONSIBLE), ("mspss", Timepoint.BASELINE, _RESPONSIBLE),
        ("mspss", Timepoint.END_OF_PROCESS, _RESPONSIBLE), ("k10", Timepoint.BASELINE, _RESPONSIBLE),
        ("k6", Timepoint.MONTHS_3, _RESPONSIBLE), ("satisfaction", Timepoint.END_OF_PROCESS, _RESPONSIBLE),
    ],
}  # fmt: skip
OFFSET_MONTHS: dict[str, int] = {
    Timepoint.END_OF_PROCESS: 0, Timepoint.MONTHS_3: 3, Timepoint.MONTHS_6: 6, Timepoint.MONTHS_12: 12,
}  # fmt: skip
OCCASION_PREFIX: dict[str, str] = {
    Timepoint.END_OF_PROCESS: "end", Timepoint.MONTHS_3: "months_3", Timepoint.MONTHS_6: "months_6",
    Timepoint.MONTHS_12: "months_12",
}  # fmt: skip
MEASURED = (ProcessRole.SURVIVOR, ProcessRole.RESPONSIBLE)
SYMPTOMS = {"pcl5", "k10", "k6"}  # a higher score is worse
# How much better a person is doing at each timepoint than at baseline (0-1 scale), for a completed process.
GAIN: dict[str, float] = {
    Timepoint.BASELINE: 0.0, Timepoint.END_OF_PROCESS: 0.12, Timepoint.MONTHS_3: 0.14, Timepoint.MONTHS_6: 0.15,
    Timepoint.MONTHS_12: 0.16,
}  # fmt: skip
ITEM_TEXTS = {
    ItemKind.APOLOGY_SPOKEN: "An apology, said in the joint meeting.",
    ItemKind.APOLOGY_LETTER: "A letter of apology, passed on through the facilitator.",
    ItemKind.RESTITUTION: "Repayment of the wages that were withheld.",
    ItemKind.SERVICE_HOURS: "Hours of community service with a partner organisation.",
    ItemKind.PROGRAM: "Completion of a treatment or education program.",
    ItemKind.COMMITMENT: "A commitment to make no contact unless the survivor asks for it.",
    ItemKind.OTHER: "Help with returning personal documents.",
}
ITEM_WEIGHTS = {
    ItemKind.APOLOGY_SPOKEN: 24, ItemKind.APOLOGY_LETTER: 14, ItemKind.RESTITUTION: 22, ItemKind.SERVICE_HOURS: 10,
    ItemKind.PROGRAM: 12, ItemKind.COMMITMENT: 15, ItemKind.OTHER: 3,
}  # fmt: skip
CURRENCY = {"GB": "GBP", "AU": "AUD"}
# How the obligations of a binding agreement stand, by the stage its process is in (weights).
OBLIGATION_OUTCOMES: dict[str, dict[str, int]] = {
    ProcessStage.COMPLETED: {"met": 85, "waived": 8, "late": 7},
    ProcessStage.FOLLOW_UP: {"met": 45, "pending": 35, "late": 20},
    ProcessStage.AGREEMENT: {"pending": 90, "late": 10},
    ProcessStage.ENDED_EARLY: {"late": 50, "waived": 20, "met": 30},
}
WITNESSES = ["A colleague from the partner service", "The interpreter", "A second case worker"]


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _between(rng: random.Random, start: datetime.datetime, end: datetime.datetime) -> datetime.datetime:
    if end <= start:
        return start
    return start + datetime.timedelta(seconds=rng.uniform(0, (end - start).total_seconds()))


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class _Consent:
    """When a person's evaluation consent is in force: [given, end)."""

    def __init__(self, given: datetime.datetime | None, end: datetime.datetime | None) -> None:
        self.given, self.end = given, end

    def at(self, moment: datetime.datetime) -> bool:
        return self.given is not None and self.given <= moment and (self.end is None or moment < self.end)


NO_CONSENT = _Consent(None, None)


def answers_for(rng: random.Random, code: str, level: float) -> dict[str, int | None]:
    """Answers to instrument ``code`` from a person doing ``level`` well (0-1): each item near that level, reverse
    keyed items the other way, symptom scales upside down; a K10 item left out now and then (prorated)."""
    spec = instrument(code)
    options = sorted(spec.option_values)
    reverse = set(spec.spec.get("reverse_keyed", []))
    answers: dict[str, int | None] = {}
    for item_id in spec.item_ids:
        p = 1 - level if code in SYMPTOMS else level
        if item_id in reverse:
            p = 1 - p
        p = min(1.0, max(0.0, p + rng.gauss(0, 0.18)))
        answers[item_id] = options[round(p * (len(options) - 1))]
    if code == "k10" and rng.random() < 0.04:
        answers[rng.choice(spec.item_ids)] = None
    return answers


class EvidenceSeed(SyntheticExtension):
    models = [
        (Consent, "evaluation consents"),
        (Process, "processes"),
        (ProcessParticipant, "process participants"),
        (ProcessFacilitator, "process facilitators"),
        (PreparationMeeting, "preparation meetings"),
        (DistressCheckIn, "distress check-ins"),
        (Agreement, "agreements"),
        (AgreementItem, "agreement items"),
        (Acceptance, "acceptances"),
        (Obligation, "obligations"),
        (Instalment, "instalments"),
        (SurveyAssignment, "survey assignments"),
        (SurveyResponse, "survey responses"),
        (ReoffendingEvent, "re-offending events"),
    ]
    timestamp_models = [SurveySchedule]
    responses_per_case = 10.0  # measured: 10.3 at 2,000 cases, seed 5

    def __init__(self) -> None:
        self.schedules: dict[int, list[SurveySchedule]] = {}
        self.first_participant_key = 1

    # -- once, before the cases ----------------------------------------------------------------------------------

    def prepare(self, gen: Any) -> None:
        self.schedules = {}
        lines = []
        for org in gen.orgs:
            created = gen.now - datetime.timedelta(days=6 * 365 + 20)
            for program in org.programs:
                for code, timepoint, audience in SCHEDULES[program_kind(program)]:
                    lines.append(
                        SurveySchedule(
                            program=program, instrument=code, timepoint=timepoint, audience=audience,
                            due_within_days=14, created_at=created, updated_at=created,
                        )
                    )  # fmt: skip
        made = SurveySchedule.objects.bulk_create(lines)
        for line in made:
            self.schedules.setdefault(line.program_id, []).append(line)
        gen._count("survey schedule lines", len(made))
        top = ProcessParticipant.objects.aggregate(top=Max("pk"))["top"] or 0
        self.first_participant_key = top + 1

    # -- each case (in a worker process) -------------------------------------------------------------------------

    def case(self, gen: Any, draft: CaseDraft, out: Rows) -> None:
        _Case(self, gen, draft, out).make()

    # -- once, after the cases -----------------------------------------------------------------------------------

    def finish(self, gen: Any) -> dict[str, int]:
        from reparo.analytics import evidence

        counts = {"comparison groups": 0, "comparison members": 0}
        for org_index, org in enumerate(gen.orgs):
            for program_index, program in enumerate(org.programs):
                rng = random.Random(f"{gen.seed}/comparison/{org_index}/{program_index}")  # noqa: S311
                ended = Process.objects.filter(case__program=program, stage__in=evidence.ENDED_STAGES).count()
                size = max(30, round(ended * 0.4))
                cohort = ComparisonCohort.objects.create(
                    program=program, name="Court records, same years (synthetic)",
                    description="People sentenced for similar offences who did not take part.",
                    source_filename="comparison.csv", imported_by=org.evaluators[0],
                )  # fmt: skip
                members = []
                for i in range(size):
                    start = gen.today - datetime.timedelta(days=rng.randrange(60, 5 * 365))
                    end = min(gen.today, start + datetime.timedelta(days=rng.randrange(700, 1500)))
                    reoffended = None
                    if rng.random() < 0.42:
                        day = start + datetime.timedelta(days=int(rng.expovariate(1 / 280)))
                        reoffended = day if day <= end else None
                    members.append(
                        ComparisonMember(
                            cohort=cohort, reference=f"CMP-{gen.seed}-{program.pk}-{i:06d}", followup_start=start,
                            followup_end=end, reoffended_on=reoffended,
                            event_type=rng.choice(ReoffendingType.values) if reoffended else "",
                        )
                    )  # fmt: skip
                ComparisonMember.objects.bulk_create(members, batch_size=2000)
                counts["comparison groups"] += 1
                counts["comparison members"] += len(members)
        counts["outcome facts"] = evidence.rebuild(at=gen.now)
        return counts


class _Case:
    """The evidence of one case."""

    def __init__(self, seed: EvidenceSeed, gen: Any, draft: CaseDraft, out: Rows) -> None:
        self.seed, self.gen, self.draft, self.out = seed, gen, draft, out
        self.rng = random.Random(f"{gen.seed}/{draft.index}/evidence")  # noqa: S311 - synthetic data
        self.now, self.today = gen.now, gen.today
        self.case = draft.case
        self.kind = program_kind(draft.program)
        self.staff = draft.workers or draft.org.case_workers
        self.facilitator = draft.facilitators[0] if draft.facilitators else self.rng.choice(draft.org.facilitators)
        self.next_key = seed.first_participant_key + draft.index * PARTICIPANTS_PER_CASE
        self.survivor = next((p, t) for p, r, t in draft.participants if r == ParticipantRole.SURVIVOR)
        self.responsible = next(((p, t) for p, r, t in draft.participants if r == ParticipantRole.RESPONSIBLE), None)

    def add(self, obj: Any) -> Any:
        self.out[type(obj)].append(obj)
        return obj

    def reached(self, status: str) -> datetime.datetime | None:
        return self.draft.reached.get(status)

    def make(self) -> None:
        assessed = self.reached(CaseStatus.ASSESSMENT) is not None
        survivor, joined = self.survivor
        consents = {survivor.pk: self.consent(survivor, joined, 0.86 if assessed else 0.3)}
        if self.responsible is not None:
            person, joined = self.responsible
            consents[person.pk] = self.consent(person, joined, 0.74 if assessed else 0.2)
        processes = self.processes()
        # Baseline surveys from the day each person joined (or agreed), end and follow-up surveys per process.
        self.surveys(consents, processes)

    # -- consent -------------------------------------------------------------------------------------------------

    def consent(self, person: Any, joined: datetime.datetime, chance: float) -> _Consent:
        rng = self.rng
        if rng.random() >= chance:
            return NO_CONSENT
        given = _between(rng, joined, min(self.now, joined + datetime.timedelta(days=40)))
        withdrawn = expires = None
        roll = rng.random()
        if roll < 0.07 and self.now - given > datetime.timedelta(days=20):
            withdrawn = _between(rng, given + datetime.timedelta(days=10), self.now)
        elif roll < 0.19:  # agreed for a time: ends at midnight on a day one to three years on
            expires = _midnight(timezone.localdate(given) + datetime.timedelta(days=rng.randrange(365, 1100)))
        method = rng.choices(
            [ConsentMethod.WRITTEN, ConsentMethod.VERBAL_WITNESSED, ConsentMethod.SELF_SERVICE], weights=[75, 20, 5]
        )[0]
        recorder = rng.choice(self.staff)
        self.add(
            Consent(
                id=_uuid(rng), person=person, purpose=ConsentPurpose.EVALUATION, case=self.case, method=method,
                witness_name=rng.choice(WITNESSES) if method == ConsentMethod.VERBAL_WITNESSED else None,
                given_at=given, recorded_by=recorder, recorded_at=given, expires_at=expires, withdrawn_at=withdrawn,
                withdrawn_by=recorder if withdrawn else None,
                withdrawal_recorded_via=WithdrawalVia.STAFF if withdrawn else "",
            )
        )  # fmt: skip
        return _Consent(given, min(d for d in (withdrawn, expires) if d) if (withdrawn or expires) else None)

    # -- processes -----------------------------------------------------------------------------------------------

    def processes(self) -> list[tuple[Process, dict[Any, ProcessParticipant]]]:
        rng, status = self.rng, self.case.status
        prepared = self.reached(CaseStatus.PREPARATION)
        if prepared is None:
            return []
        made = []
        if rng.random() < 0.08 and self.kind != "cosa":  # an earlier attempt that ended early
            first = self.process(prepared, ProcessType.INDIRECT_DIALOGUE, ProcessStage.ENDED_EARLY, second=False)
            made.append(first)
        stages: dict[str, str] = {
            CaseStatus.PREPARATION: ProcessStage.PREPARATION,
            CaseStatus.IN_PROCESS: rng.choice([ProcessStage.MEETINGS, ProcessStage.AGREEMENT]),
            CaseStatus.FOLLOW_UP: ProcessStage.FOLLOW_UP,
            CaseStatus.CLOSED: ProcessStage.COMPLETED if rng.random() < 0.85 else ProcessStage.ENDED_EARLY,
            CaseStatus.WITHDRAWN: ProcessStage.ENDED_EARLY,
        }
        stage = stages[status]
        if self.kind == "dialogue":
            kind = ProcessType.DIRECT_MEDIATION if rng.random() < 0.55 else ProcessType.INDIRECT_DIALOGUE
        elif self.kind == "conference":
            kind = ProcessType.CONFERENCE if rng.random() < 0.75 else ProcessType.CIRCLE
        else:
            kind = ProcessType.COSA
        if kind == ProcessType.COSA and stage == ProcessStage.AGREEMENT:
            stage = ProcessStage.MEETINGS
        made.append(self.process(prepared, kind, stage, second=bool(made)))
        return made

    def process(
        self, prepared: datetime.datetime, kind: str, stage: str, *, second: bool
    ) -> tuple[Process, dict[Any, ProcessParticipant]]:
        rng = self.rng
        started = prepared + datetime.timedelta(days=rng.randrange(20, 60) if second else rng.randrange(0, 5))
        started = min(started, self.now)
        meetings = self.reached(CaseStatus.IN_PROCESS)
        closing = self.reached(CaseStatus.CLOSED) or self.reached(CaseStatus.WITHDRAWN)
        ended_at = None
        if stage in (ProcessStage.COMPLETED, ProcessStage.ENDED_EARLY):
            end_by = closing or self.reached(CaseStatus.FOLLOW_UP) or self.now
            if not second and kind == ProcessType.INDIRECT_DIALOGUE and stage == ProcessStage.ENDED_EARLY:
                end_by = min(end_by, started + datetime.timedelta(days=rng.randrange(15, 60)))
            ended_at = _between(rng, max(started, end_by - datetime.timedelta(days=30)), max(started, end_by))
        process = self.add(
            Process(
                id=_uuid(rng), case=self.case, type=kind, stage=stage, ended_at=ended_at,
                end_reason=rng.choice([EndReason.WITHDRAWAL, EndReason.UNSUITABLE, EndReason.OTHER])
                if stage == ProcessStage.ENDED_EARLY else "",
                created_by=self.facilitator, created_at=started,
                updated_at=ended_at or max(started, meetings or started),
            )
        )  # fmt: skip
        self.add(
            ProcessFacilitator(process=process, user=self.facilitator, role=FacilitatorRole.FACILITATOR,
                               created_at=started, updated_at=started)
        )  # fmt: skip
        parties: dict[Any, ProcessParticipant] = {}
        people = [] if kind == ProcessType.COSA else [(self.survivor[0], ProcessRole.SURVIVOR)]
        if self.responsible is not None:
            role = ProcessRole.CORE_MEMBER if kind == ProcessType.COSA else ProcessRole.RESPONSIBLE
            people.append((self.responsible[0], role))
        quitter = -1  # who stopped taking part, when the process ended early
        if stage == ProcessStage.ENDED_EARLY and people and rng.random() < 0.6:
            quitter = rng.randrange(len(people))
        for i, (person, role) in enumerate(people):
            parties[person.pk] = self.add(
                ProcessParticipant(
                    id=self.next_key, process=process, person=person, role=role,
                    withdrawn_at=ended_at if i == quitter else None, created_at=started, updated_at=ended_at or started,
                )
            )  # fmt: skip
            self.next_key += 1
        until = min(self.now, ended_at or self.now, meetings or self.now)
        for person, _role in people:
            self.preparation(process, parties[person.pk], started, until, survivor=person.pk == self.survivor[0].pk)
        if stage != ProcessStage.PREPARATION:
            for person, _role in people:
                self.checkins(process, person, meetings or started, ended_at or self.now)
        if kind != ProcessType.COSA and len(people) == 2:
            self.agreement(process, parties, stage, started, ended_at)
        if ended_at is not None and self.responsible is not None:
            self.reoffending(ended_at, completed=stage == ProcessStage.COMPLETED)
        return process, parties

    def preparation(
        self, process: Process, party: ProcessParticipant, start: datetime.datetime, end: datetime.datetime,
        *, survivor: bool,
    ) -> None:  # fmt: skip
        rng = self.rng
        for _n in range(rng.choices([1, 2, 3], weights=[40, 40, 20])[0]):
            moment = _between(rng, start, max(start, end))
            meeting = self.add(
                PreparationMeeting(
                    id=_uuid(rng), process=process, participant=party, held_on=timezone.localdate(moment),
                    facilitator=self.facilitator, created_at=moment, updated_at=moment,
                )
            )  # fmt: skip
            if rng.random() < 0.6:
                self.checkin(process, party.person, moment, survivor=survivor, preparation=meeting)

    def checkins(self, process: Process, person: Any, start: datetime.datetime, end: datetime.datetime) -> None:
        for _n in range(self.rng.choices([0, 1, 2, 3], weights=[35, 30, 20, 15])[0]):
            moment = _between(self.rng, start, min(end, self.now))
            self.checkin(process, person, moment, survivor=person.pk == self.survivor[0].pk)

    def checkin(
        self, process: Process, person: Any, moment: datetime.datetime, *, survivor: bool, preparation: Any = None
    ) -> None:
        rng = self.rng
        months = (moment - process.created_at).days / 30
        rating = round(rng.gauss(5.8 if survivor else 4.2, 1.9) - 0.25 * min(months, 8))
        self.add(
            DistressCheckIn(
                process=process, person=person, preparation=preparation,
                moment=rng.choice([CheckInMoment.BEFORE, CheckInMoment.AFTER]), rating=min(10, max(0, rating)),
                threshold=DEFAULT_DISTRESS_THRESHOLD, recorded_by=self.facilitator, recorded_at=moment,
                created_at=moment, updated_at=moment,
            )
        )  # fmt: skip

    # -- agreements ----------------------------------------------------------------------------------------------

    def agreement(
        self,
        process: Process,
        parties: dict[Any, ProcessParticipant],
        stage: str,
        started: datetime.datetime,
        ended_at: datetime.datetime | None,
    ) -> None:
        rng = self.rng
        if stage in (ProcessStage.PREPARATION, ProcessStage.MEETINGS):
            return
        if stage == ProcessStage.ENDED_EARLY and rng.random() > 0.35:
            return
        drafted = _between(rng, started, min(self.now, ended_at or self.now))
        binding = stage != ProcessStage.AGREEMENT or rng.random() < 0.5
        versions = 2 if binding and rng.random() < 0.05 else 1
        for version in range(1, versions + 1):
            last = version == versions
            status = (
                (AgreementStatus.BINDING if binding else rng.choice([AgreementStatus.DRAFT, AgreementStatus.PROPOSED]))
                if last else AgreementStatus.SUPERSEDED
            )  # fmt: skip
            bound = _between(rng, drafted, min(self.now, drafted + datetime.timedelta(days=20)))
            agreement = self.add(
                Agreement(
                    id=_uuid(rng), process=process, version=version, status=status,
                    bound_at=bound if status in (AgreementStatus.BINDING, AgreementStatus.SUPERSEDED) else None,
                    created_by=self.facilitator, created_at=drafted, updated_at=bound,
                )
            )  # fmt: skip
            if status in (AgreementStatus.BINDING, AgreementStatus.SUPERSEDED):
                for party in parties.values():
                    accepted = _between(rng, drafted, bound)
                    self.add(
                        Acceptance(
                            agreement=agreement, participant=party, accepted_at=accepted,
                            how=rng.choice(AcceptanceHow.values), recorded_by=self.facilitator, created_at=accepted,
                            updated_at=accepted,
                        )
                    )  # fmt: skip
            self.items(agreement, status, stage, drafted, bound)
            drafted = bound

    def items(
        self, agreement: Agreement, status: str, stage: str, drafted: datetime.datetime, bound: datetime.datetime
    ) -> None:
        rng = self.rng
        kinds = rng.sample(list(ITEM_WEIGHTS), k=rng.choices([1, 2, 3, 4], weights=[35, 35, 20, 10])[0])
        currency = CURRENCY.get(self.draft.org.organisation.country, "EUR")
        for position, kind in enumerate(kinds, start=1):
            restitution = kind == ItemKind.RESTITUTION
            amount = Decimal(rng.randrange(5, 300) * 10) if restitution else None
            first_due = timezone.localdate(bound) + datetime.timedelta(days=rng.randrange(14, 60))
            item = self.add(
                AgreementItem(
                    id=_uuid(rng), agreement=agreement, position=position, kind=kind, description=ITEM_TEXTS[kind],
                    amount=amount, currency=currency if restitution else "",
                    instalment_count=rng.choice([1, 2, 3, 4, 6]) if restitution else 1,
                    hours=Decimal(rng.choice([10, 20, 40])) if kind == ItemKind.SERVICE_HOURS else None,
                    due_date=first_due, created_at=drafted, updated_at=drafted,
                )
            )  # fmt: skip
            if status not in (AgreementStatus.BINDING, AgreementStatus.SUPERSEDED):
                continue
            self.obligation(item, status, stage, bound)

    def obligation(self, item: AgreementItem, status: str, stage: str, bound: datetime.datetime) -> None:
        rng = self.rng
        outcome: str = ObligationStatus.VARIED
        if status != AgreementStatus.SUPERSEDED:
            weights = OBLIGATION_OUTCOMES[stage]
            outcome = rng.choices(list(weights), weights=list(weights.values()))[0]
        schedule = []
        if item.kind == ItemKind.RESTITUTION and item.amount is not None and item.due_date is not None:
            schedule = instalment_schedule(item.amount, item.instalment_count, item.due_date)
        due = schedule[-1][0] if schedule else item.due_date
        changed = _between(rng, bound, self.now)
        obligation = self.add(
            Obligation(
                id=_uuid(rng), item=item, due_date=due, status=outcome, status_changed_at=changed,
                waived_by_survivor=outcome == ObligationStatus.WAIVED,
                evidence="Confirmed by the facilitator." if outcome == ObligationStatus.MET else None,
                created_at=bound, updated_at=changed,
            )
        )  # fmt: skip
        for number, (day, amount) in enumerate(schedule, start=1):
            paid = outcome == ObligationStatus.MET or (day <= self.today and rng.random() < 0.55)
            paid_on = min(self.today, day + datetime.timedelta(days=rng.randrange(-5, 20))) if paid else None
            self.add(
                Instalment(
                    id=_uuid(rng), obligation=obligation, number=number, due_date=day, amount=amount,
                    paid_at=paid_on, paid_amount=amount if paid else None,
                    status=InstalmentStatus.PAID if paid else
                    (InstalmentStatus.LATE if day < self.today else InstalmentStatus.PENDING),
                    created_at=bound, updated_at=changed,
                )
            )  # fmt: skip

    # -- re-offending --------------------------------------------------------------------------------------------

    def reoffending(self, ended_at: datetime.datetime, *, completed: bool) -> None:
        rng = self.rng
        if rng.random() >= (0.2 if completed else 0.34):
            return
        day = timezone.localdate(ended_at) + datetime.timedelta(days=int(rng.expovariate(1 / 330)))
        if day > self.today:
            return
        assert self.responsible is not None  # noqa: S101 - checked by the caller
        self.add(
            ReoffendingEvent(
                id=_uuid(rng), case=self.case, person=self.responsible[0], occurred_on=day,
                source=rng.choice(ReoffendingSource.values), type=rng.choice(ReoffendingType.values),
                recorded_by=rng.choice(self.staff), created_at=_midnight(day) + datetime.timedelta(days=7),
                updated_at=_midnight(day) + datetime.timedelta(days=7),
            )
        )  # fmt: skip

    # -- surveys -------------------------------------------------------------------------------------------------

    def surveys(self, consents: dict[Any, _Consent], processes: list[tuple[Process, dict[Any, Any]]]) -> None:
        rng = self.rng
        people = [(self.survivor[0], self.survivor[1], ParticipantRole.SURVIVOR)]
        if self.responsible is not None:
            people.append((self.responsible[0], self.responsible[1], ParticipantRole.RESPONSIBLE))
        closed = self.reached(CaseStatus.CLOSED) or self.reached(CaseStatus.WITHDRAWN)
        for person, joined, role in people:
            consent = consents.get(person.pk, NO_CONSENT)
            if consent.given is None:
                continue
            level = min(0.85, max(0.1, rng.gauss(0.38 if role == ParticipantRole.SURVIVOR else 0.45, 0.12)))
            for line in self.seed.schedules.get(self.draft.program.pk, []):
                if not _for(line.audience, role):
                    continue
                if line.timepoint == Timepoint.BASELINE:
                    # The sweep makes a baseline survey while the case is open, once consent is in force.
                    ask = max(joined, consent.given)
                    if closed is not None and ask >= closed:
                        continue
                    self.survey(line, person, role, consent, ask, "baseline", None, level, 0.0)
                    continue
                for process, parties in processes:
                    party = parties.get(person.pk)
                    # Only the survivor and the responsible person are asked about a process (not a core member),
                    # and not after they stopped taking part in it.
                    if party is None or party.role not in MEASURED or party.withdrawn_at or process.ended_at is None:
                        continue
                    ended = timezone.localdate(process.ended_at)
                    due = add_months(ended, OFFSET_MONTHS[line.timepoint])
                    if due > self.today:
                        continue
                    gain = GAIN[line.timepoint] * (1.0 if process.stage == ProcessStage.COMPLETED else 0.35)
                    occasion = f"{OCCASION_PREFIX[line.timepoint]}:{process.pk}"
                    self.survey(line, person, role, consent, _midnight(due), occasion, process, level, gain)

    def survey(
        self, line: SurveySchedule, person: Any, role: str, consent: _Consent, due_at: datetime.datetime,
        occasion: str, process: Process | None, level: float, gain: float,
    ) -> None:  # fmt: skip
        rng = self.rng
        if not consent.at(due_at) or due_at > self.now:
            return
        due = timezone.localdate(due_at)
        overdue = due + datetime.timedelta(days=line.due_within_days)
        assignment = SurveyAssignment(
            id=_uuid(rng), program=self.draft.program, case=self.case, person=person, participant_role=role,
            process=process, schedule=line, instrument=line.instrument, timepoint=line.timepoint, occasion=occasion,
            due_on=due, overdue_on=overdue, created_at=due_at, updated_at=due_at,
        )  # fmt: skip
        self.add(assignment)
        late = line.timepoint != Timepoint.BASELINE
        answered = rng.random() < (0.74 if late else 0.9)
        collected = timezone.localdate(due_at) + datetime.timedelta(days=rng.randrange(0, 25))
        collected_at = _midnight(collected) + datetime.timedelta(hours=rng.randrange(9, 18))
        if collected_at <= due_at:  # not before the survey was there (nor before consent was given)
            collected_at = due_at + datetime.timedelta(minutes=rng.randrange(20, 240))
            collected = timezone.localdate(collected_at)
        if consent.end is not None and consent.end <= collected_at:
            if consent.end <= self.now:  # consent ended first: the sweep cancelled the survey
                assignment.status = AssignmentStatus.CANCELLED
                assignment.cancel_reason = CancelReason.CONSENT
                assignment.closed_at = assignment.updated_at = max(due_at, consent.end)
            return
        if collected_at > self.now:
            return  # still open
        if not answered:
            assignment.status = AssignmentStatus.CANCELLED
            assignment.cancel_reason = rng.choice([CancelReason.DECLINED, CancelReason.UNREACHABLE])
            assignment.closed_at = assignment.updated_at = collected_at
            return
        code = line.instrument
        spec = instrument(code)
        if code == "satisfaction":
            wellbeing = 0.78 if process is not None and process.stage == ProcessStage.COMPLETED else 0.5
            answers = {i: (None if rng.random() < 0.03 else v) for i, v in answers_for(rng, code, wellbeing).items()}
            result = None
        else:
            answers = answers_for(rng, code, min(1.0, level + gain + rng.gauss(0, 0.05)))
            result = score(code, answers)
        themself = rng.random() < 0.15
        languages = [lang for lang in (person.languages or []) if lang in ("en", "es")]
        self.add(
            SurveyResponse(
                id=_uuid(rng), assignment=assignment, program=self.draft.program, person=person, instrument=code,
                instrument_version=spec.version, timepoint=line.timepoint, collected_on=collected,
                mode=CollectionMode.SELF if themself else CollectionMode.STAFF_INTERVIEW,
                language=languages[0] if languages else "en", answers=cast(Any, answers), comment=None,
                total=result.total if result else None, subscales=result.subscales if result else {},
                band=(result.band or "") if result else "", extra=result.extra if result else {},
                collected_by=None if themself else rng.choice(self.staff), created_at=collected_at,
                updated_at=collected_at,
            )
        )  # fmt: skip
        assignment.status = AssignmentStatus.COMPLETED
        assignment.closed_at = assignment.updated_at = collected_at


def _for(audience: str, role: str) -> bool:
    if audience == Audience.BOTH:
        return True
    return (audience == Audience.SURVIVORS) == (role == ParticipantRole.SURVIVOR)
