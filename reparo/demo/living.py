"""The living demo (issue 19): a program that has been running for a year and a half, so that every list, queue and
dashboard of the demo has something real to show.

One operator, two programs: "Survivor-led dialogue" (mediation, shuttle dialogue, conferences, circles, support
circles) and "Circles of Support and Accountability". About forty cases in every status, lived through the services
day by day (:mod:`reparo.demo.history`): facilitators trained, observed and certified (one certification current,
one about to expire, one expired); cases referred, taken in, assessed, prepared, screened and signed off; joint
meetings booked through the gate, held and recorded, last week and this; agreements accepted, with obligations met,
due and late and restitution part-paid; survivors who stopped; a CoSA circle with minutes due; support circles with
goals; surveys at the start, at the end and three months on; distress check-ins, one at the threshold today;
re-offending events and a comparison cohort; referrals to and from the partner, portal invitations; tasks and
notices due today.

Made once, in one transaction: nothing is added when the demo's comparison cohort already exists.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from django.db import transaction
from django.utils import timezone

from reparo.access.services import membership_grant
from reparo.accounts.models import User
from reparo.agreements import services as agreements
from reparo.agreements.models import ItemKind, ObligationStatus
from reparo.analytics import services as analytics
from reparo.cases import services as cases
from reparo.cases.models import Case, CaseStatus, Task
from reparo.consent.services import consent_record
from reparo.cosa import services as cosa
from reparo.demo.history import Story, clock, live, moment
from reparo.evaluation import services as evaluation
from reparo.evaluation.catalogue import instrument as instrument_spec
from reparo.evaluation.models import AssignmentStatus, ComparisonCohort, SurveyAssignment
from reparo.messaging import services as messaging
from reparo.organisations.models import Organisation, Program
from reparo.portal import services as portal
from reparo.processes import services as processes
from reparo.processes.content import checklist_for
from reparo.processes.models import ProcessParticipant, ProcessStage, Session
from reparo.referrals import services as referrals
from reparo.referrals.models import ReferralStatus
from reparo.safety import services as safety
from reparo.safety.gate import process_consent_ref
from reparo.safety.instruments import instrument_get as screening_instrument
from reparo.support import services as support
from reparo.support.models import ProgressKind
from reparo.training import services as training
from reparo.training.framework import SURVIVOR_SUPPORT, competencies_of
from reparo.training.models import Level
from reparo.training.scenarios import library, scenario_get

COHORT_NAME = "Matched comparison group (probation records, 2023-2025)"
DOMAIN = "demo.reparo.test"

# Staff the living demo adds (they hold the history, and have no password: they never sign in): (slug, role, name).
MORE_STAFF = [
    ("grace", "facilitator", "Grace Okafor"),
    ("ivan", "facilitator", "Ivan Petrov"),
    ("jo", "facilitator", "Jo Lindqvist"),
    ("volunteer2", "cosa_volunteer", "Wes Harding"),
    ("volunteer3", "cosa_volunteer", "Xena Morales"),
    ("volunteer4", "cosa_volunteer", "Yusuf Demir"),
    ("helper4", "support_volunteer", "Bea Carter"),
    ("helper5", "support_volunteer", "Chidi Obi"),
    ("helper6", "support_volunteer", "Dora Nagy"),
]
LANGUAGES = {"facilitator": ["en", "fr"], "grace": ["en", "es"], "ivan": ["en", "pl", "ro"], "jo": ["en"]}

SURVIVOR_NAMES = [
    ("Amaka", "Eze"), ("Bianca", "Rusu"), ("Chen", "Li"), ("Dalia", "Haddad"), ("Elena", "Popescu"),
    ("Fatima", "Diallo"), ("Grace", "Mensah"), ("Hoa", "Nguyen"), ("Ines", "Cardoso"), ("Joy", "Adeyemi"),
    ("Katya", "Ivanova"), ("Leila", "Karimi"), ("Maria", "Santos"), ("Nadia", "Bakr"), ("Olga", "Kowalska"),
    ("Priya", "Nair"), ("Queenie", "Boateng"), ("Rosa", "Mendes"), ("Sara", "Tesfaye"), ("Tamara", "Lukic"),
    ("Uma", "Patel"), ("Vera", "Novak"), ("Wen", "Zhou"), ("Ximena", "Torres"), ("Yara", "Aziz"),
    ("Zainab", "Sow"), ("Ana", "Moldovan"), ("Bisi", "Okoro"), ("Carla", "Reyes"), ("Dina", "Farah"),
    ("Esi", "Owusu"), ("Farah", "Rahman"), ("Gloria", "Nunez"), ("Hana", "Kovac"), ("Ivana", "Horvat"),
    ("Jia", "Wang"), ("Kemi", "Bello"), ("Lucia", "Ferreira"), ("Mira", "Dimitrova"), ("Nora", "Vasquez"),
    ("Oksana", "Melnyk"), ("Paula", "Costa"), ("Rana", "Saleh"), ("Selin", "Aydin"), ("Tiva", "Kamau"),
    ("Ugne", "Petraityte"), ("Viola", "Marin"),
]  # fmt: skip
RESPONSIBLE_NAMES = [
    ("Adrian", "Marsh"), ("Boris", "Kalnin"), ("Craig", "Dunmore"), ("Dorin", "Vasile"), ("Emil", "Brandt"),
    ("Frank", "Osei"), ("Gavin", "Price"), ("Hugo", "Lenz"), ("Ilie", "Stan"), ("Jonas", "Berg"),
    ("Karl", "Hoffer"), ("Lars", "Nyberg"), ("Marek", "Zielinski"), ("Nikos", "Pappas"), ("Oscar", "Reid"),
    ("Pavel", "Sokol"), ("Quentin", "Blake"), ("Radu", "Ionescu"), ("Simon", "Crane"), ("Tomas", "Varga"),
    ("Umar", "Shah"), ("Victor", "Lungu"), ("Walter", "Hale"), ("Xavier", "Roche"), ("Yuri", "Orlov"),
    ("Zoran", "Ilic"), ("Alex", "Dumont"), ("Bogdan", "Marin"), ("Cesar", "Vidal"), ("Dmitri", "Kuznets"),
    ("Erik", "Sund"), ("Felix", "Ward"), ("George", "Tanner"), ("Henrik", "Dahl"), ("Igor", "Belov"),
    ("Jakub", "Nowak"), ("Kevin", "Rourke"), ("Liam", "Doyle"), ("Mihai", "Dobre"), ("Neil", "Fraser"),
    ("Omar", "Khalil"), ("Piotr", "Wolny"), ("Rafael", "Soto"), ("Stefan", "Kolar"), ("Tariq", "Aziz"),
    ("Vlad", "Enache"), ("Will", "Barton"),
]  # fmt: skip
EXPLOITATION = ["ForcedLabour", "SexualExploitation", "Servitude", "ForcedBegging", "ForcedMarriage"]
NEEDS = [
    ("safety", 1, "To know he cannot find out where I live now."),
    ("acknowledgement", 1, "For him to say out loud what he did, and that it was wrong."),
    ("answers", 2, "Why me? I want to understand how it started."),
    ("restitution", 2, "The wages I was never paid, so I can start again."),
    ("housing", 2, "A room of my own, away from the city where it happened."),
    ("emotional", 3, "Someone to talk to when the nights are bad."),
]


@dataclass
class Spec:
    """One case of the demo: its program and process, when it started (days ago), who facilitates, and what happens
    on the way. The case's status today follows from when it started: the story stops at today."""

    program: int  # 0: dialogue, 1: CoSA
    kind: str  # the process type ("" for none)
    start: int  # days ago
    facilitator: str = "facilitator"
    supervisor: bool = True
    restriction: bool = False
    withdraw_at: int | None = None  # the survivor stops, this many days after the start
    pause_at: int | None = None  # a distress rating at the threshold before the session on this day
    complete_after: int = 140
    close_after: int | None = None
    restitution: int = 0  # euros, paid in instalments
    instalments: int = 4
    pays: str = "all"  # all, part (the last instalment half paid), stop (stops paying after the first)
    reoffends_after: int | None = None  # days after the process ended
    circle: bool = False  # a support circle around the survivor
    portal: bool = False
    referral: str = ""  # the status the referral to the legal-aid partner reaches
    relay: bool = False  # letters passed on (a shuttle dialogue)
    surveys: bool = True  # the people answer their surveys
    tasks: bool = False  # open tasks, one overdue, one due today
    hold: str = ""  # the case stays in this status (nobody moves it on)
    erase: bool = False  # the survivor asks for their details to be erased, twelve days ago


DIALOGUE, COSA_PROGRAM = 0, 1
DM, ID, CONF, CIRCLE, COSA = "direct_mediation", "indirect_dialogue", "conference", "circle", "cosa"

SPECS: list[Spec] = [
    # Referred, intake, assessment: no process yet; their baseline surveys wait (some overdue).
    Spec(DIALOGUE, "", 1), Spec(DIALOGUE, "", 2, surveys=False), Spec(COSA_PROGRAM, "", 2),
    Spec(DIALOGUE, "", 5, tasks=True), Spec(DIALOGUE, "", 8, surveys=False),
    Spec(DIALOGUE, "", 12), Spec(DIALOGUE, "", 14, portal=True), Spec(DIALOGUE, "", 16, referral="sent"),
    Spec(DIALOGUE, "", 40, hold=CaseStatus.INTAKE),
    # Preparation: screenings waiting for a supervisor (one on a case with none on its team), a contact restriction,
    # someone still to meet alone, a distress rating at the threshold today.
    Spec(DIALOGUE, DM, 25, tasks=True),
    Spec(DIALOGUE, CONF, 25, facilitator="grace", supervisor=False),
    Spec(DIALOGUE, DM, 26, facilitator="grace", restriction=True),
    Spec(DIALOGUE, CONF, 21),
    Spec(DIALOGUE, ID, 19, pause_at=19),
    Spec(COSA_PROGRAM, COSA, 17, facilitator="grace"),
    # In process: sessions last week and this week, an agreement put to the parties, a pause after distress.
    Spec(DIALOGUE, DM, 38, tasks=True, portal=True),
    Spec(DIALOGUE, CONF, 40, facilitator="grace", referral="accepted"),
    Spec(DIALOGUE, DM, 44, facilitator="ivan", restitution=1200, surveys=False),
    Spec(DIALOGUE, DM, 47, restitution=900),
    Spec(DIALOGUE, DM, 42, facilitator="grace", pause_at=41),
    Spec(DIALOGUE, ID, 39, relay=True),
    Spec(DIALOGUE, CIRCLE, 36, facilitator="ivan"),
    Spec(COSA_PROGRAM, COSA, 75, facilitator="grace"),
    # Follow-up: obligations met, due and late; restitution part-paid; the older ones' processes completed.
    Spec(DIALOGUE, DM, 60, restitution=600, instalments=3, referral="in_service"),
    Spec(DIALOGUE, ID, 80, facilitator="grace", restitution=800, pays="stop", relay=True),
    Spec(DIALOGUE, DM, 100, facilitator="ivan", restitution=1500, instalments=6),
    Spec(DIALOGUE, CONF, 120, restitution=400, instalments=2, pays="stop", circle=True),
    Spec(DIALOGUE, DM, 135, facilitator="ivan", restitution=2000, instalments=6, circle=True),
    Spec(DIALOGUE, DM, 150, facilitator="grace", restitution=750, instalments=5, pays="part", circle=True),
    Spec(DIALOGUE, CIRCLE, 165, restitution=300, instalments=2, circle=True, reoffends_after=12),
    Spec(DIALOGUE, DM, 185, facilitator="ivan", restitution=1000, instalments=5, pays="part", circle=True),
    Spec(DIALOGUE, DM, 205, facilitator="grace", restitution=1800, instalments=6, circle=True, reoffends_after=30),
    Spec(COSA_PROGRAM, COSA, 230, facilitator="ivan"),
    # Closed: completed; restitution paid (or part-paid); some responsible persons offended again.
    Spec(DIALOGUE, DM, 240, restitution=500, instalments=2, close_after=160, circle=True),
    Spec(DIALOGUE, DM, 265, facilitator="ivan", restitution=1200, instalments=3, close_after=160, circle=True,
         reoffends_after=60),
    Spec(DIALOGUE, DM, 290, facilitator="grace", restitution=600, instalments=3, close_after=160, circle=True),
    Spec(DIALOGUE, DM, 315, restitution=900, instalments=3, close_after=160, circle=True,
         reoffends_after=25),
    Spec(DIALOGUE, DM, 350, facilitator="grace", restitution=700, instalments=2, close_after=160, circle=True),
    Spec(DIALOGUE, DM, 380, facilitator="ivan", restitution=1500, instalments=4, close_after=160,
         reoffends_after=90, circle=True),
    Spec(DIALOGUE, CIRCLE, 410, facilitator="jo", restitution=400, instalments=2, close_after=160),
    Spec(DIALOGUE, DM, 440, facilitator="jo", restitution=1000, instalments=4, close_after=160,
         reoffends_after=40),
    Spec(DIALOGUE, DM, 460, facilitator="jo", restitution=650, instalments=2, close_after=160),
    Spec(DIALOGUE, DM, 480, facilitator="jo", restitution=800, instalments=4, close_after=160),
    Spec(DIALOGUE, DM, 520, facilitator="jo", restitution=1200, instalments=4, close_after=160,
         reoffends_after=150),
    Spec(COSA_PROGRAM, COSA, 420, facilitator="ivan"),
    # Withdrawn: the survivor stopped (before meeting, after the first session); the case closed at their wish.
    Spec(DIALOGUE, DM, 62, withdraw_at=30, facilitator="grace"),
    Spec(DIALOGUE, CONF, 200, withdraw_at=40, facilitator="ivan", reoffends_after=20),
    Spec(DIALOGUE, DM, 330, withdraw_at=44, reoffends_after=45, erase=True),
]  # fmt: skip


# --- the demo's world ------------------------------------------------------------------------------------------


@dataclass
class Demo:
    operator: Organisation
    programs: list[Program]
    partners: list[Organisation]
    staff: dict[str, User]
    today: datetime.date
    now: datetime.datetime
    rng: random.Random = field(default_factory=lambda: random.Random(19))  # noqa: S311 - demo data, not secrets
    names: Iterator[int] = field(default_factory=lambda: iter(range(10_000)))
    cases: list[Case] = field(default_factory=list)
    quiet: set[Any] = field(default_factory=set)  # people who do not answer their surveys

    def day(self, days_ago: int) -> datetime.date:
        return self.today - datetime.timedelta(days=days_ago)

    def __getitem__(self, slug: str) -> User:
        return self.staff[slug]


def seed_living_demo(*, operator: Organisation, partners: list[Organisation]) -> bool:
    """Seed the living demo once. Returns False when it was there already."""
    programs = list(Program.objects.filter(organisation=operator).order_by("pk"))
    if ComparisonCohort.objects.filter(program__organisation=operator, name=COHORT_NAME).exists():
        return False
    with transaction.atomic():
        now = timezone.now()
        staff = {u.email.split("@")[0]: u for u in User.objects.filter(email__endswith=f"@{DOMAIN}")}
        demo = Demo(operator, programs, partners, staff, timezone.localdate(now), now)
        _more_staff(demo)
        stories: list[Story] = [_training_story(demo), _schedule_story(demo), _sweep_story(demo)]
        for n, spec in enumerate(SPECS):
            life = CaseLife(spec=spec, start=demo.day(spec.start))
            stories.append(_case_story(demo, life, n))
            if spec.referral:
                stories.append(_referral_story(demo, life))
            if spec.circle:
                stories.append(_circle_story(demo, life))
            if spec.erase:
                stories.append(_erasure_story(demo, life))
        live(stories, until=now - datetime.timedelta(minutes=5))
        _today(demo)
    return True


def _more_staff(demo: Demo) -> None:
    """The facilitators and volunteers who join the demo's history, from its first day."""
    with clock(moment(demo.day(801), 9)):
        _staff_join(demo)


def _staff_join(demo: Demo) -> None:
    for slug, role, full_name in MORE_STAFF:
        email = f"{slug}@{DOMAIN}"
        user = User.objects.filter(email=email).first() or User.objects.create_user(email, None, full_name=full_name)
        membership_grant(organisation=demo.operator, user=user, role=role, actor_label="manage.py seed_demo")
        demo.staff[slug] = user


# --- training: a course, practice, observations, certifications (current, expiring, expired) ------------------


def _best_path(attempt: Any, actor: User) -> None:
    scenario = cast(Any, scenario_get(attempt.scenario))
    while not attempt.finished_at:
        best = max(scenario.node(attempt.current_node).choices, key=lambda c: c.total)
        attempt = training.attempt_choose(actor=actor, attempt=attempt, choice_id=best.id)


def _training_story(demo: Demo) -> Story:
    operator, coordinator, sam = demo.operator, demo["coordinator"], demo["supervisor"]
    facilitators = [demo[s] for s in ("facilitator", "grace", "ivan", "jo")]
    yield moment(demo.day(800), 9)
    for slug, languages in LANGUAGES.items():
        training.profile_update(actor=coordinator, organisation=operator, user=demo[slug], languages=languages,
                                open_process_cap=14)  # fmt: skip
    course = training.course_create(
        actor=coordinator, organisation=operator, title="Restorative practice foundations",
        description="Four days on preparation, safe joint meetings and trauma-informed facilitation.",
        competencies=list(competencies_of(operator)),
    )  # fmt: skip
    days = [training.course_session_add(actor=coordinator, course=course, starts_at=moment(demo.day(795 - 7 * n), 9),
                                        hours="4") for n in range(4)]  # fmt: skip
    for user in facilitators:
        training.enrol(actor=coordinator, course=course, user=user)
    for session in days:
        yield session.starts_at + datetime.timedelta(hours=5)
        training.attendance_record(actor=coordinator, session=session, attended=facilitators)
    yield moment(demo.day(770), 14)
    for user in facilitators:
        for scenario_id in sorted(library().scenarios)[:2]:
            _best_path(training.attempt_start(actor=user, organisation=operator, scenario_id=scenario_id), user)
    ratings = {c.code: 3 for c in competencies_of(operator)}
    yield moment(demo.day(765), 16)
    for user in facilitators:
        training.observation_record(
            actor=sam,
            organisation=operator,
            facilitator=user,
            observer_role="supervisor",
            observed_on=timezone.localdate(),
            ratings=ratings,
            feedback="Calm, clear preparation; checked in with the survivor throughout.",
        )
    levels = {c.code: Level.ADVANCED for c in competencies_of(operator)}
    # Jo (expired a month ago), Femi (renewed today by the demo's base), Ivan (expires in three weeks), Grace.
    for slug, days_ago in (("jo", 760), ("ivan", 710), ("facilitator", 700), ("grace", 400)):
        yield moment(demo.day(days_ago), 11)
        for program in demo.programs:
            training.certification_issue(actor=sam, user=demo[slug], program=program, levels=levels)
    yield moment(demo.day(392), 10)
    helpers = [demo[s] for s in ("helper", "helper4", "helper5", "helper6")]
    support = [c for c in competencies_of(operator) if c.code == SURVIVOR_SUPPORT]
    walk = training.course_create(actor=coordinator, organisation=operator, competencies=support,
                                  title="Walking alongside survivors (autumn group)")  # fmt: skip
    walk_day = training.course_session_add(actor=coordinator, course=walk, starts_at=moment(demo.day(390), 9),
                                           hours="24")  # fmt: skip
    for user in helpers:
        training.enrol(actor=coordinator, course=walk, user=user)
    yield moment(demo.day(388), 17)
    training.attendance_record(actor=coordinator, session=walk_day, attended=helpers)
    for n, user in enumerate(facilitators[:3]):
        yield moment(demo.day(60 - 20 * n), 15)
        training.cpd_add(actor=user, organisation=operator, done_on=timezone.localdate(), hours="3",
                         activity="Peer learning day on working with interpreters")  # fmt: skip
        training.supervision_log(actor=sam, organisation=operator, facilitator=user, held_on=timezone.localdate(),
                                 notes="Caseload reviewed; one case needs a co-facilitator.",
                                 actions="Book co-facilitation for the next conference.")  # fmt: skip
    yield moment(demo.day(3), 13)
    attempt = training.attempt_start(
        actor=demo["grace"], organisation=operator, scenario_id=sorted(library().scenarios)[-1]
    )  # an attempt half-way
    first = scenario_get(attempt.scenario).node(attempt.current_node).choices[0]  # type: ignore[union-attr]
    training.attempt_choose(actor=demo["grace"], attempt=attempt, choice_id=first.id)


# --- evaluation: the survey schedule and the weekly sweep --------------------------------------------------------

SCHEDULE = [
    ("who5", "baseline", "both"), ("pcl5", "baseline", "survivors"), ("mspss", "baseline", "survivors"),
    ("rses", "baseline", "responsible"), ("who5", "end_of_process", "both"), ("pcl5", "end_of_process", "survivors"),
    ("mspss", "end_of_process", "survivors"), ("rses", "end_of_process", "responsible"),
    ("satisfaction", "end_of_process", "both"), ("who5", "months_3", "both"),
]  # fmt: skip


def _schedule_story(demo: Demo) -> Story:
    yield moment(demo.day(600), 9)
    dialogue, circles = demo.programs
    for instrument, timepoint, audience in SCHEDULE:
        evaluation.schedule_line_add(actor=demo["evaluator"], program=dialogue, instrument=instrument,
                                     timepoint=timepoint, audience=audience)  # fmt: skip
    evaluation.schedule_line_add(actor=demo["evaluator"], program=circles, instrument="who5", timepoint="baseline",
                                 audience="both")  # fmt: skip


def _seeded(*parts: Any) -> random.Random:
    digest = hashlib.sha256(":".join(str(p) for p in parts).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))  # noqa: S311 - demo data, not secrets


# How well each answer goes: 0 (worst) to 1 (best), from the person's starting point and how far they came.
GOOD_IS_HIGH = {"who5": True, "rses": True, "mspss": True, "pcl5": False, "k6": False, "k10": False}


def _answers(code: str, level: float, rng: random.Random) -> dict[str, int]:
    spec = instrument_spec(code)
    values = sorted(spec.option_values)
    low, high = values[0], values[-1]
    reverse = set(spec.spec.get("reverse_keyed", []))  # worded the other way round: agreeing is not good
    answers = {}
    for item in spec.item_ids:
        good = level if GOOD_IS_HIGH.get(code, True) else 1 - level
        if item in reverse:
            good = 1 - good
        raw = low + good * (high - low) + rng.uniform(-0.8, 0.8)
        answers[item] = min(high, max(low, round(raw)))
    return answers


def _level(assignment: SurveyAssignment) -> tuple[float, random.Random]:
    rng = _seeded("person", assignment.person_id)
    start, gain = rng.uniform(0.15, 0.45), rng.uniform(-0.05, 0.4)
    by_timepoint = {"baseline": 0.0, "circle_start": 0.05, "end_of_process": 1.0, "months_3": 1.1,
                    "months_6": 1.15, "months_12": 1.2}  # fmt: skip
    after = by_timepoint.get(assignment.timepoint, 0.0)
    if assignment.occasion.startswith("support:") and assignment.timepoint != "circle_start":
        after = 0.8
    return min(0.95, start + gain * after), _seeded("answers", assignment.pk)


def _complete_due(demo: Demo) -> None:
    """The case teams' interviews: every open survey due by today, for people who answer, once their case is past
    intake (before that, the survey waits and falls overdue)."""
    waiting = SurveyAssignment.objects.filter(
        case__in=[case.pk for case in demo.cases], status=AssignmentStatus.OPEN, due_on__lte=timezone.localdate()
    ).select_related("case")
    for assignment in waiting:
        if assignment.case.status in (CaseStatus.REFERRED, CaseStatus.INTAKE) or assignment.person_id in demo.quiet:
            continue
        level, rng = _level(assignment)
        if assignment.instrument == "satisfaction":
            answers = {item: min(5, max(1, round(3.6 + level + rng.uniform(-1.2, 1.2))))
                       for item in instrument_spec("satisfaction").item_ids}  # fmt: skip
        else:
            answers = _answers(assignment.instrument, level, rng)
        evaluation.survey_complete(actor=demo["caseworker"], assignment=assignment, answers=answers,
                                   collected_on=timezone.localdate(), language="en")  # fmt: skip


def _sweep_story(demo: Demo) -> Story:
    """The daily survey sweep (run every other week here: it makes the same surveys, only in bigger batches), and the
    interviews that follow."""
    day = demo.day(560)
    while day < demo.today:
        yield moment(day, 7, 30)
        evaluation.surveys_assign_due()
        _complete_due(demo)
        day += datetime.timedelta(days=14)
    yield demo.now - datetime.timedelta(minutes=10)
    evaluation.surveys_assign_due()
    _complete_due(demo)


# --- cases --------------------------------------------------------------------------------------------------------


@dataclass
class CaseLife:
    """What one case's story keeps as it goes."""

    spec: Spec
    start: datetime.date
    case: Any = None  # Case, once opened
    process: Any = None  # Process, once opened
    survivor: Any = None  # their ProcessParticipant (a CoSA has none)
    responsible: Any = None
    facilitator: Any = None  # User

    def at(self, days: float, hour: int = 10, minute: int = 0) -> datetime.datetime:
        return moment(self.start + datetime.timedelta(days=int(days)), hour, minute)


def _case_story(demo: Demo, life: CaseLife, n: int) -> Story:
    spec = life.spec
    yield life.at(0, 9, 15)
    _open_case(demo, life, n)
    yield life.at(1, 9)
    _team(demo, life)
    yield life.at(3)
    _move(demo, life, CaseStatus.INTAKE)
    if spec.hold == CaseStatus.INTAKE:
        return
    if spec.tasks:
        cases.task_add(actor=demo["caseworker"], case=life.case, title="Call the survivor's support worker back",
                       owner=demo["caseworker"], due_date=demo.day(1))  # fmt: skip
        cases.task_add(actor=demo["caseworker"], case=life.case, title="Book an interpreter for the next meeting",
                       owner=life.facilitator, due_date=demo.today)  # fmt: skip
    if spec.program == COSA_PROGRAM:
        yield from _cosa_story(demo, life)
        return
    yield life.at(10)
    _move(demo, life, CaseStatus.ASSESSMENT)
    cases.need_add(actor=demo["caseworker"], case=life.case, category="legal", priority=2,
                   statement="Advice about my residence permit.")  # fmt: skip
    if spec.portal:
        survivor = _person(life, "survivor")
        consent_record(actor=demo["caseworker"], person=survivor, purpose="portal", method="written",
                       given_at=timezone.now() - datetime.timedelta(minutes=20), case=life.case)  # fmt: skip
        portal.invitation_issue(actor=life.facilitator, case=life.case, person=survivor, channel="in_person")
    if not spec.kind:
        return
    yield life.at(18)
    _move(demo, life, CaseStatus.PREPARATION)
    _open_process(demo, life)
    yield from _dialogue_story(demo, life)


def _open_case(demo: Demo, life: CaseLife, n: int) -> None:
    spec = life.spec
    rng = _seeded("case", n)
    given, family = SURVIVOR_NAMES[n % len(SURVIVOR_NAMES)]
    r_given, r_family = RESPONSIBLE_NAMES[n % len(RESPONSIBLE_NAMES)]
    needs = [{"category": c, "priority": p, "statement": s} for c, p, s in rng.sample(NEEDS, 2)]
    life.case = cases.case_open(
        actor=demo["caseworker"], program=demo.programs[spec.program], referral_date=life.start - datetime.timedelta(2),
        referral_source=rng.choice(["ngo", "police", "social", "self", "health"]),
        summary="Referred after leaving a workplace where her wages and papers were kept from her.",
        survivor={"given_name": given, "family_name": family, "gender": "Feminine", "languages": ["en"]},
        responsible={"given_name": r_given, "family_name": r_family, "gender": "Masculine", "languages": ["en"]},
        exploitation_types=[rng.choice(EXPLOITATION)], methods_of_control=[], needs=needs,
        harm_description="Worked long hours for over a year; documents taken; threats against family.",
    )  # fmt: skip
    demo.cases.append(life.case)
    for participant in life.case.participants.select_related("person"):
        consent_record(actor=demo["caseworker"], person=participant.person, purpose="evaluation", method="written",
                       given_at=timezone.now() - datetime.timedelta(minutes=20), case=life.case)  # fmt: skip
        if not spec.surveys:
            demo.quiet.add(participant.person_id)


def _team(demo: Demo, life: CaseLife) -> None:
    spec = life.spec
    coordinator = demo["coordinator"]
    life.facilitator = demo[spec.facilitator]
    cases.team_member_add(actor=coordinator, case=life.case, user=life.facilitator, role="lead_facilitator")
    if spec.supervisor:
        cases.team_member_add(actor=coordinator, case=life.case, user=demo["supervisor"], role="supervisor")
    if spec.program == COSA_PROGRAM:
        for slug in ("volunteer", "volunteer2", "volunteer3", "volunteer4"):
            cases.team_member_add(actor=coordinator, case=life.case, user=demo[slug], role="cosa_volunteer")


def _move(demo: Demo, life: CaseLife, status: str) -> None:
    life.case = cases.case_transition(actor=demo["coordinator"], case=life.case, to_status=status)


def _person(life: CaseLife, role: str) -> Any:
    return life.case.participants.get(role=role).person


def _open_process(demo: Demo, life: CaseLife) -> None:
    case, facilitator = life.case, life.facilitator
    life.process = processes.process_open(actor=facilitator, case=case, type=life.spec.kind)
    for participant in case.participants.all():
        role = "core_member" if life.spec.kind == COSA and participant.role == "responsible" else participant.role
        if life.spec.kind == COSA and participant.role == "survivor":
            continue
        made = processes.participant_add(actor=facilitator, process=life.process, case_participant=participant,
                                         role=role)  # fmt: skip
        if participant.role == "survivor":
            life.survivor = made
        else:
            life.responsible = made
    processes.facilitator_assign(actor=demo["coordinator"], process=life.process, user=facilitator, role="facilitator")
    if life.survivor is not None:
        safety.safety_plan_save(
            actor=facilitator, case=case, person=life.survivor.person,
            next_review_on=timezone.localdate() + datetime.timedelta(days=45),
            warning_signs="Not sleeping; avoiding phone calls from unknown numbers.",
            coping_steps="Call her sister; walk to the park; the breathing exercise.",
            safe_contacts="Her sister; the shelter's night line.",
            session_arrangements="Arrive by the back door; leave first; a quiet room to wait in.",
        )  # fmt: skip
    if life.spec.restriction:
        safety.restriction_record(
            actor=facilitator, case=case, person_a=_person(life, "survivor"), person_b=_person(life, "responsible"),
            kind="court_condition", valid_from=timezone.localdate() - datetime.timedelta(days=30),
            source="Bail conditions: no contact until the hearing.",
        )  # fmt: skip


def _prepare(demo: Demo, life: CaseLife, who: ProcessParticipant, *, rating: int) -> None:
    covered = [key for key, _label in checklist_for(life.process.type)]
    meeting = processes.preparation_record(
        actor=life.facilitator,
        process=life.process,
        participant=who,
        held_on=timezone.localdate(),
        covered=covered,
        notes="Talked through what to expect and how to stop at any time.",
    )
    safety.distress_record(actor=life.facilitator, process=life.process, person=who.person, moment="after",
                           rating=rating, preparation=meeting)  # fmt: skip


def _screen(demo: Demo, life: CaseLife) -> list[Any]:
    process = life.process
    done = []
    for kind, who in (("survivor_readiness", life.survivor), ("responsible_suitability", life.responsible),
                      ("risk_assessment", None)):  # fmt: skip
        if kind != "risk_assessment" and who is None:
            continue
        answers = dict.fromkeys(screening_instrument(kind).keys, "yes" if kind != "risk_assessment" else "absent")
        done.append(safety.screening_complete(
            actor=life.facilitator, process=process, kind=kind, answers=answers, person=who.person if who else None,
            outcome="ready" if who else "", risk_level="low" if who is None else "",
        ))  # fmt: skip
    return done


def _sign(demo: Demo, screenings: list[Any]) -> None:
    for screening in screenings:
        safety.screening_sign_off(actor=demo["supervisor"], screening=screening)


def _book(demo: Demo, life: CaseLife, starts_at: datetime.datetime, invited: list[ProcessParticipant]) -> Session:
    return processes.session_schedule(
        actor=life.facilitator, process=life.process, starts_at=starts_at, duration_minutes=90, mode="in_person",
        invited=invited, venue="Harbour House, the quiet room on the first floor",
    )  # fmt: skip


def _hold(demo: Demo, life: CaseLife, session: Session, *, ratings: tuple[int, int] = (3, 2)) -> None:
    session.refresh_from_db()
    if session.status != "scheduled":
        return
    for invitation in session.invitations.select_related("participant__person"):
        safety.distress_record(actor=life.facilitator, process=life.process, person=invitation.participant.person,
                               moment="before", rating=ratings[0], session=session,
                               at=session.starts_at - datetime.timedelta(minutes=10))  # fmt: skip
    processes.session_record(
        actor=life.facilitator,
        session=session,
        attended=[i.pk for i in session.invitations.all()],
        record="Both spoke and listened; the facilitator summarised what was heard.",
    )
    for invitation in session.invitations.select_related("participant__person"):
        safety.distress_record(actor=life.facilitator, process=life.process, person=invitation.participant.person,
                               moment="after", rating=ratings[1], session=session)  # fmt: skip


def _dialogue_story(demo: Demo, life: CaseLife) -> Story:
    spec = life.spec
    process = life.process
    joint = spec.kind != ID
    if spec.pause_at == 19:  # met alone today, and it was too much: the process pauses, the team is told
        yield demo.now - datetime.timedelta(minutes=40)
        _prepare(demo, life, life.survivor, rating=8)
        return
    yield life.at(20, 11)
    _prepare(demo, life, life.survivor, rating=3)
    if spec.withdraw_at == 30:
        yield from _withdraw(demo, life, 30)
        return
    yield life.at(22, 14)
    _prepare(demo, life, life.responsible, rating=2)
    yield life.at(24, 15)
    screenings = _screen(demo, life)
    consent_record(actor=life.facilitator, person=life.survivor.person, purpose="process", method="written",
                   given_at=timezone.now() - datetime.timedelta(minutes=30), case=life.case,
                   process_ref=process_consent_ref(process))  # fmt: skip
    if spec.relay:
        for who in (life.survivor, life.responsible):
            consent_record(actor=life.facilitator, person=who.person, purpose="relay", method="written",
                           given_at=timezone.now() - datetime.timedelta(minutes=25), case=life.case)  # fmt: skip
    if not spec.supervisor:
        return  # waiting for a supervisor on the team
    yield life.at(26, 9)
    _sign(demo, screenings)
    if spec.restriction:
        return  # the gate stays closed while the restriction is in force
    yield life.at(27)
    processes.process_move(actor=life.facilitator, process=process, to_stage=ProcessStage.MEETINGS)
    _move(demo, life, CaseStatus.IN_PROCESS)
    if joint:
        first = _book(demo, life, life.at(34, 10), [life.survivor, life.responsible])
    else:
        first = _book(demo, life, life.at(33, 10), [life.survivor])
        second_side = _book(demo, life, life.at(35, 14), [life.responsible])
    if spec.relay:
        yield life.at(29, 16)
        letter = messaging.relay_submit(
            actor=life.facilitator, process=process, kind="letter", author=life.survivor.person,
            body="I want you to know what those months did to my family.",
        )  # fmt: skip
        yield life.at(31, 11)
        messaging.relay_approve(actor=life.facilitator, relay=letter)
    yield first.starts_at + datetime.timedelta(hours=2)
    _hold(demo, life, first)
    if not joint:
        yield second_side.starts_at + datetime.timedelta(hours=2)
        _hold(demo, life, second_side)
    invited = [life.survivor, life.responsible] if joint else [life.survivor]
    second = _book(demo, life, life.at(41, 10), invited)
    if spec.relay:
        yield life.at(36, 18)
        messaging.relay_submit(actor=life.facilitator, process=process, kind="letter", author=life.responsible.person,
                               body="I have read your letter. I want to answer your questions honestly.")  # fmt: skip
    if spec.withdraw_at == 40:
        yield from _withdraw(demo, life, 40)
        return
    if spec.pause_at == 41:
        yield life.at(41, 9, 50)
        safety.distress_record(actor=life.facilitator, process=process, person=life.survivor.person,
                               moment="before", rating=8, session=second)  # fmt: skip
        return
    yield second.starts_at + datetime.timedelta(hours=2)
    _hold(demo, life, second, ratings=(2, 2))
    if spec.withdraw_at == 44:
        yield from _withdraw(demo, life, 44)
        return
    yield from _agreement_story(demo, life)


def _withdraw(demo: Demo, life: CaseLife, day: int) -> Story:
    """The survivor stops (no reason asked) and asks for the case to close; the team checks in with each other a
    few days later (the tasks the withdrawal gave them are done)."""
    yield life.at(day, 15)
    processes.participant_withdraw(actor=life.facilitator, participant=life.survivor, close_case=True)
    yield life.at(day + 3, 11)
    for task in Task.objects.filter(case=life.case, done_at__isnull=True):
        cases.task_complete(actor=task.owner or demo["coordinator"], task=task)
    yield from _reoffends(demo, life, day)


def _reoffends(demo: Demo, life: CaseLife, ended: int) -> Story:
    """A new offence of the responsible person ``reoffends_after`` days after the process ended, recorded by the
    coordinator when probation reports it."""
    if life.spec.reoffends_after is None or life.responsible is None:
        return
    occurred = life.at(ended + life.spec.reoffends_after).date()
    yield life.at(ended + life.spec.reoffends_after + 9, 14)
    evaluation.reoffending_record(actor=demo["coordinator"], case=life.case, person=life.responsible.person,
                                  occurred_on=occurred, source="probation", type="charge",
                                  note="Reported by the probation service.")  # fmt: skip


def _agreement_story(demo: Demo, life: CaseLife) -> Story:
    spec, process, facilitator = life.spec, life.process, life.facilitator
    yield life.at(45, 11)
    processes.process_move(actor=facilitator, process=process, to_stage=ProcessStage.AGREEMENT)
    draft = agreements.agreement_draft(actor=facilitator, process=process)
    agreements.item_add(actor=facilitator, agreement=draft, kind=ItemKind.APOLOGY_LETTER,
                        description="A letter of apology, read first by the facilitator.",
                        due_date=(life.at(60)).date())  # fmt: skip
    if spec.restitution:
        agreements.item_add(actor=facilitator, agreement=draft, kind=ItemKind.RESTITUTION,
                            description="Unpaid wages, paid back in monthly instalments.",
                            amount=Decimal(spec.restitution), currency="EUR", instalment_count=spec.instalments,
                            due_date=life.at(60).date())  # fmt: skip
    agreements.item_add(actor=facilitator, agreement=draft, kind=ItemKind.COMMITMENT,
                        description="No contact of any kind, directly or through others.",
                        due_date=life.at(spec.complete_after).date())  # fmt: skip
    agreements.agreement_propose(actor=facilitator, agreement=draft)
    yield life.at(47, 15)
    for who in (life.responsible, life.survivor):
        agreements.acceptance_record(actor=facilitator, agreement=draft, participant=who, how="in_writing")
    yield life.at(50)
    processes.process_move(actor=facilitator, process=process, to_stage=ProcessStage.FOLLOW_UP)
    _move(demo, life, CaseStatus.FOLLOW_UP)
    draft.refresh_from_db()
    items = {item.kind: item for item in draft.items.select_related("obligation")}
    steps: list[tuple[datetime.datetime, Callable[[], Any]]] = []
    apology = items[ItemKind.APOLOGY_LETTER].obligation
    steps.append(
        (
            life.at(57, 12),
            lambda: agreements.obligation_mark(
                actor=facilitator,
                obligation=apology,
                status=ObligationStatus.MET,
                evidence="Letter handed over on 57th day.",
            ),
        )
    )
    if spec.restitution:
        instalments = list(items[ItemKind.RESTITUTION].obligation.instalments.order_by("number"))
        for number, instalment in enumerate(instalments, start=1):
            if spec.pays == "stop" and number > 1:
                break
            amount = instalment.amount
            if spec.pays == "part" and number == len(instalments):
                amount = (amount / 2).quantize(Decimal("0.01"))
            steps.append((moment(instalment.due_date, 12), functools.partial(
                agreements.instalment_pay, actor=facilitator, instalment=instalment, amount=amount)))  # fmt: skip
    commitment = items[ItemKind.COMMITMENT].obligation
    steps.append(
        (
            life.at(spec.complete_after, 9),
            lambda: agreements.obligation_mark(
                actor=facilitator, obligation=commitment, status=ObligationStatus.MET, evidence="No contact reported."
            ),
        )
    )
    steps.append(
        (
            life.at(spec.complete_after, 11),
            lambda: processes.process_move(actor=facilitator, process=process, to_stage=ProcessStage.COMPLETED),
        )
    )
    if spec.close_after:
        steps.append((life.at(spec.close_after, 10), lambda: _move(demo, life, CaseStatus.CLOSED)))
    for at, step in sorted(steps, key=lambda s: s[0]):
        yield at
        step()
    yield from _reoffends(demo, life, spec.complete_after)


def _referral_story(demo: Demo, life: CaseLife) -> Story:
    """A referral to the legal-aid partner (within its data-sharing agreement, in force for the last 30 days)."""
    legal_aid = demo.partners[0]
    start = max(life.at(11, 11), moment(demo.day(25), 11))
    yield start
    survivor = _person(life, "survivor")
    consent_record(actor=demo["caseworker"], person=survivor, purpose="share", method="written", recipient=legal_aid,
                   data_categories=["identity", "contact", "needs"],
                   given_at=timezone.now() - datetime.timedelta(minutes=10))  # fmt: skip
    referral = referrals.referral_draft(
        actor=demo["caseworker"], case=life.case, person=survivor, partner=legal_aid, service="immigration",
        categories=["identity", "contact", "needs"], urgency="soon",
        reason="Needs advice on her residence permit before the hearing.",
    )  # fmt: skip
    referrals.referral_send(actor=demo["caseworker"], referral=referral)
    moves = {"accepted": [ReferralStatus.ACCEPTED], "in_service": [ReferralStatus.ACCEPTED, ReferralStatus.IN_SERVICE]}
    for n, status in enumerate(moves.get(life.spec.referral, []), start=1):
        yield start + datetime.timedelta(days=n, hours=3)
        referrals.referral_move(actor=demo["liaison"], referral=referral, to_status=status)
    if life.spec.referral == "in_service":
        yield start + datetime.timedelta(days=4)
        referrals.referral_update_add(actor=demo["partnerworker"], referral=referral,
                                      note="First appointment held; papers for the permit are in.")  # fmt: skip


def _circle_story(demo: Demo, life: CaseLife) -> Story:
    """A support circle around the survivor, opened with their agreement, with three volunteers and two goals."""
    yield life.at(19, 11)
    coordinator = demo["coordinator"]
    process = processes.process_open(actor=coordinator, case=life.case, type="support_circle")
    survivor = _person(life, "survivor")
    circle = support.support_circle_open(
        actor=coordinator, process=process, survivor=survivor, known_as=survivor.given_name,
        consent_method="written", consent_given_at=timezone.now() - datetime.timedelta(hours=1),
    )  # fmt: skip
    helpers = [demo[s] for s in ("helper4", "helper5", "helper6", "helper")]
    rng = _seeded("circle", life.case.pk if life.case else "")
    for user in rng.sample(helpers, 3):
        support.volunteer_add(actor=coordinator, circle=circle, user=user, training_hours="24",
                              screening_done_on=demo.day(380))  # fmt: skip
    home = support.goal_set(actor=coordinator, circle=circle, area="housing",
                            words="A room of my own, near the bus to college.")  # fmt: skip
    support.goal_set(actor=coordinator, circle=circle, area="social", words="Friends to cook with on Sundays.")
    volunteer = circle.volunteers.select_related("user").order_by("pk")[0]
    yield life.at(24, 14)
    met = processes.preparation_record(actor=coordinator, process=process, participant=process.participants.get(),
                                       held_on=timezone.localdate(), covered=["purpose", "voluntary", "safety"],
                                       notes="Talked about what a circle is and who would be in it.")  # fmt: skip
    safety.distress_record(actor=coordinator, process=process, person=survivor, moment="after", rating=2,
                           preparation=met)  # fmt: skip
    processes.process_move(actor=coordinator, process=process, to_stage=ProcessStage.MEETINGS)
    yield life.at(33, 18)
    members = list(circle.volunteers.all())
    support.meeting_record(actor=volunteer.user, circle=circle, held_at=timezone.now() - datetime.timedelta(hours=2),
                           attendees=members, survivor_came=True, what_was_done="Coffee and a look at flats.",
                           next_steps="Visit the housing office together.")  # fmt: skip
    yield life.at(80, 17)
    progress = support.progress_propose(actor=volunteer.user, goal=home, kind=ProgressKind.GOAL_MET,
                                        words="She has the keys to a room near the college.")  # fmt: skip
    yield life.at(82, 11)
    support.progress_answer(actor=coordinator, progress=progress, confirmed=True)


def _erasure_story(demo: Demo, life: CaseLife) -> Story:
    """Long after she stopped, the survivor asks for her details to be erased: the organisation admin does it, and
    the team is asked to check the case's free text for her name."""
    yield moment(demo.day(12), 11)
    cases.person_erase(actor=demo["admin"], person=_person(life, "survivor"), reason="Asked by phone.")


def _cosa_story(demo: Demo, life: CaseLife) -> Story:
    """A Circle of Support and Accountability around the responsible person (the core member)."""
    yield life.at(8)
    _move(demo, life, CaseStatus.ASSESSMENT)
    if not life.spec.kind:
        return
    yield life.at(14)
    _move(demo, life, CaseStatus.PREPARATION)
    _open_process(demo, life)
    yield life.at(16, 11)
    _prepare(demo, life, life.responsible, rating=3)
    yield life.at(20)
    processes.process_move(actor=life.facilitator, process=life.process, to_stage=ProcessStage.MEETINGS)
    _move(demo, life, CaseStatus.IN_PROCESS)
    circle = cosa.circle_open(actor=life.facilitator, process=life.process)
    for slug in ("volunteer", "volunteer2", "volunteer3", "volunteer4"):
        cosa.inner_member_add(actor=life.facilitator, circle=circle, user=demo[slug], training_hours="24",
                              screening_done_on=demo.day(430))  # fmt: skip
    cosa.outer_member_add(actor=life.facilitator, circle=circle, organisation=demo.partners[2],
                          role_description="Monthly check on health appointments and medication.")  # fmt: skip
    val = demo["volunteer"]
    members = list(circle.inner_members.filter(active=True))
    ends = (180, 360) if life.spec.start > 200 else (None, None)
    days = list(range(27, min(life.spec.start - 4, ends[0] or 10_000), 14))
    if ends[0] is None:  # still meeting: the minutes of the last two are not in (one is late)
        days += [life.spec.start - 3, life.spec.start - 1]
    for day in days:
        held = life.at(day, 18)
        yield held + datetime.timedelta(hours=1)
        waiting = day >= life.spec.start - 3
        cosa.meeting_record(
            actor=val,
            circle=circle,
            held_at=held,
            attendees=members,
            core_member_attended=True,
            minutes="" if waiting else "Talked about the week; he kept to his plan and his curfew.",
        )
        if day == 55:
            cosa.concern_raise(
                actor=val,
                circle=circle,
                risk_level="low",
                description="He mentioned meeting an old workmate; we talked it through.",
            )
        if day == 83:
            cosa.review_add(actor=life.facilitator, circle=circle, review_date=timezone.localdate(),
                            summary="Steady progress; keeps appointments; housing settled.")  # fmt: skip
        day += 14
    if ends[0]:
        yield life.at(ends[0])
        processes.process_move(actor=life.facilitator, process=life.process, to_stage=ProcessStage.FOLLOW_UP)
        _move(demo, life, CaseStatus.FOLLOW_UP)
        yield life.at(ends[1] or 0)
        processes.process_move(actor=life.facilitator, process=life.process, to_stage=ProcessStage.COMPLETED)
        yield life.at((ends[1] or 0) + 5)
        _move(demo, life, CaseStatus.CLOSED)


# --- today ---------------------------------------------------------------------------------------------------------


COHORT_ROWS = 64


def _cohort_csv(demo: Demo) -> bytes:
    rng = _seeded("cohort")
    lines = ["reference,followup_start,followup_end,reoffended_on,event_type"]
    for n in range(COHORT_ROWS):
        start = demo.day(720 - rng.randrange(0, 560))
        end = min(demo.today, start + datetime.timedelta(days=730))
        reoffended, kind = "", ""
        if rng.random() < 0.55:
            when = start + datetime.timedelta(days=rng.randrange(15, 420))
            if when <= end:
                reoffended, kind = when.isoformat(), rng.choice(["charge", "arrest", "conviction", "breach"])
        lines.append(f"CMP-{n + 1:04d},{start.isoformat()},{end.isoformat()},{reoffended},{kind}")
    return ("\n".join(lines) + "\n").encode()


def _today(demo: Demo) -> None:
    """What the daily jobs leave for today, and the evaluator's and the partner's part."""
    dialogue = demo.programs[0]
    agreements.send_overdue_reminders()
    cosa.flag_late_minutes()
    result = evaluation.cohort_import(
        actor=demo["evaluator"],
        program=dialogue,
        name=COHORT_NAME,
        content=_cohort_csv(demo),
        filename="comparison-cohort.csv",
        description="Probation records of people convicted of similar offences.",
    )
    if result.cohort is None:
        raise RuntimeError(f"The demo's comparison cohort was refused: {result.errors}")
    for kind, score in (("police", 4), ("court", 5), ("social", 4)):
        evaluation.stakeholder_feedback_record(
            actor=demo["evaluator"], program=dialogue, stakeholder_kind=kind, received_on=demo.day(20),
            answers=dict.fromkeys(instrument_spec("stakeholder").item_ids, score),
            comment="The preparation work makes a real difference to the people we refer.",
        )  # fmt: skip
    analytics.improvement_add(
        actor=demo["coordinator"], organisation=demo.operator, program=dialogue, source="dashboard",
        owner=demo["coordinator"], finding="Baseline surveys wait too long for cases still in intake.",
        action="Ask the case worker to do the baseline survey at the first meeting.", due_on=demo.day(-21),
    )  # fmt: skip
    for given, family, about in (
        ("Lena", "Moraru", "Wants to talk about what happened at the farm; asked for a woman facilitator."),
        ("Sofia", "Reyes", "Was referred by the shelter; would like to understand the restorative options."),
    ):
        referrals.incoming_submit(
            actor=demo["partnerworker"], program=dialogue, person_agreed=True, urgency="soon", given_name=given,
            family_name=family, phone="", email="", languages=["en", "ro"], about=about,
        )  # fmt: skip
