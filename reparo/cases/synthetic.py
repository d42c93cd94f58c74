"""Synthetic programs, people, cases, notes and tasks for benchmarks and local load testing.

Realistic in shape, fake in every detail: names are drawn from small built-in lists across languages,
phones from ranges reserved for fiction (Ofcom's drama numbers in the UK, ACMA's in Australia), e-mails at
``example.org``. Deterministic: the same ``seed`` and number of cases give the same organisations, users,
references, display codes, ids and row counts (dates are relative to the day of seeding, and ciphertexts
differ because every encryption draws a fresh nonce).

Organisations and staff are written with ``bulk_create``. Cases and everything in them are generated in
worker processes (one per core), turned into database values exactly as a save does (each field's
``pre_save`` encrypts encrypted fields and computes blind indexes; name digests come from
``reparo.people.services.name_digest``), and written by one process with ``executemany``, one transaction
per batch of cases. Exact-name and phone search work on the seeded data as on any other.

Apps above this one add their own rows to every case (processes, agreements, consents, surveys and the rest of the
evidence: ``reparo.analytics.synthetic``) through :func:`synthetic_extension`: they are generated in the same worker
processes, from a random stream of their own per case (so adding them changes nothing this module generates), and
written in the same transactions.

No audit rows are written (seeding is not a user action), so it refuses to run outside development and test.
"""

from __future__ import annotations

import collections
import datetime
import itertools
import math
import multiprocessing
import os
import random
import time
import unicodedata
import uuid
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.utils import timezone

from reparo.accounts.models import Membership, Role, User
from reparo.cases.models import (
    OPEN_STATUSES,
    Case,
    CaseParticipant,
    CaseReferenceCounter,
    CaseStatus,
    CaseStatusChange,
    CaseTeamMember,
    Harm,
    Need,
    NeedCategory,
    Note,
    NoteConfidentiality,
    ParticipantRole,
    ReferralSource,
    Task,
    TeamRole,
)
from reparo.core.htcds import ExploitationType, Gender, MethodOfControl, RecruitmentMethod
from reparo.organisations.models import HTCDSOrganisationType, Organisation, OrganisationKind, Program
from reparo.people.models import CODE_ALPHABET, CODE_PREFIX, Person, PersonKind, PersonNameIndex
from reparo.people.services import name_digest

DEFAULT_SEED = 42
GENERATOR = 2  # moved when what this module writes changes (see generator_version)
DEFAULT_BATCH = 5000  # cases per transaction
PIECE = 1000  # cases a worker prepares at a time
UNUSABLE_PASSWORD = "!synthetic"  # noqa: S105 - Django's unusable-password prefix: nobody can sign in with it

# --- Built-in vocabularies (invented combinations; no real person is described) -----------------------------

GIVEN_NAMES = [
    # English, Spanish, Portuguese, French, Italian, German
    "Amelia", "Olivia", "Grace", "Thomas", "Daniel", "Lucía", "María", "Sofía", "Javier", "Mateo", "Inês",
    "João", "Thiago", "Camille", "Léa", "Mathieu", "Chiara", "Giulia", "Marco", "Lena", "Jonas",
    # Romanian, Bulgarian, Polish, Ukrainian (romanised), Albanian, Lithuanian
    "Ioana", "Andreea", "Mihai", "Ștefan", "Desislava", "Nikolai", "Katarzyna", "Zofia", "Paweł", "Olena",
    "Oksana", "Dmytro", "Arbër", "Elira", "Besnik", "Rūta", "Tomas",
    # West and East African, Arabic (romanised), Turkish
    "Adaeze", "Chinedu", "Oluwaseun", "Folake", "Abena", "Kwame", "Amina", "Wanjiru", "Tesfaye", "Selam",
    "Fatima", "Youssef", "Layla", "Omar", "Zeynep", "Emre", "Ayşe",
    # South and South-East Asian, Chinese (pinyin), Filipino, Latin American
    "Priya", "Arjun", "Ananya", "Rahul", "Nguyễn Thị", "Minh", "Thảo", "Siriporn", "Somchai", "Wei",
    "Xiaoling", "Mei", "Jia Hui", "Maricel", "Jericho", "Rosalinda", "Ximena", "Guadalupe", "Yesenia",
    "Aiyana", "Nayeli", "Rangi", "Aroha",
]  # fmt: skip
FAMILY_NAMES = [
    "Whitfield", "Ashdown", "Pemberton", "García", "Fernández", "Moreno", "Ortega", "Silva", "Carvalho",
    "Rocha", "Dubois", "Lefèvre", "Moreau", "Romano", "Esposito", "Bianchi", "Schäfer", "Hoffmann",
    "Popescu", "Ionescu", "Dumitrescu", "Georgieva", "Petrov", "Kowalska", "Nowak", "Wiśniewski",
    "Shevchenko", "Bondarenko", "Kovalenko", "Hoxha", "Krasniqi", "Kazlauskas", "Okafor", "Adeyemi",
    "Okonkwo", "Mensah", "Boateng", "Kamau", "Wanjiku", "Haile", "Bekele", "El Amrani", "Haddad",
    "Mansour", "Yilmaz", "Demir", "Şahin", "Sharma", "Patel", "Iyer", "Chaudhary", "Trần", "Lê", "Phạm",
    "Srisuk", "Wongsakul", "Chen", "Liu", "Zhang", "Huang", "Dela Cruz", "Bautista", "Villanueva",
    "Hernández", "Ramírez", "Quispe", "Mamani", "Tūhoe", "Ngata",
]  # fmt: skip
STREETS = ["Willow", "Harbour", "Mill", "Orchard", "Station", "Chapel", "Quarry", "Meadow", "Ferry", "Lantern"]
TOWNS = ["Eastwick", "Northbridge", "Lowmoor", "Kestrel Bay", "Ashford Vale", "Redhollow", "Marlow Cross"]
COUNTRIES = ["GB", "RO", "BG", "PL", "UA", "AL", "LT", "NG", "GH", "KE", "ET", "MA", "TR", "IN", "VN", "TH",
             "CN", "PH", "MX", "PE", "ES", "PT", "FR", "IT", "DE", "AU", "NZ"]  # fmt: skip
LANGUAGES = ["en", "es", "pt", "fr", "it", "de", "ro", "bg", "pl", "uk", "sq", "lt", "yo", "ig", "sw", "am",
             "ar", "tr", "hi", "vi", "th", "zh", "tl", "mi"]  # fmt: skip

# Telephone numbers reserved for fiction: Ofcom drama ranges (UK) and ACMA's (Australia), as (prefix, digits).
PHONE_RANGES = [
    ("+44 7700 900", 3), ("+44 20 7946 0", 3), ("+44 113 496 0", 3), ("+44 114 496 0", 3),
    ("+44 115 496 0", 3), ("+44 116 496 0", 3), ("+44 117 496 0", 3), ("+44 118 496 0", 3),
    ("+44 121 496 0", 3), ("+44 131 496 0", 3), ("+44 141 496 0", 3), ("+44 151 496 0", 3),
    ("+44 161 496 0", 3), ("+44 191 498 0", 3), ("+44 29 2018 0", 3), ("+44 1632 960", 3),
    ("+61 2 5550 ", 4), ("+61 3 5550 ", 4), ("+61 7 5550 ", 4), ("+61 8 5550 ", 4),
]  # fmt: skip

OPERATORS = [
    ("Northbridge Restorative Justice Service", HTCDSOrganisationType.NGO, "GB"),
    ("Kestrel Bay Survivor Dialogue Project", HTCDSOrganisationType.NGO, "AU"),
    ("Marlow Cross Community Mediation", HTCDSOrganisationType.LOCAL_GOVERNMENT, "GB"),
]
# Share of the cases each operator runs: one large service and two smaller ones.
OPERATOR_WEIGHTS = [0.5, 0.3, 0.2]
PROGRAMS = [
    ("Survivor-led dialogue", "Direct and shuttle dialogue chosen by survivors."),
    ("Family group conferences", "Conferences with family and community supporters."),
    ("Circles of Support and Accountability", "Reintegration circles for responsible persons."),
]
COSA_PROGRAM = PROGRAMS[2][0]

NOTE_TEXTS = [
    "Preparation meeting held. Next steps agreed with the participant.",
    "Checked in by phone; prefers contact in the afternoons.",
    "Interpreter booked for the next meeting.",
    "Discussed what a joint meeting could look like; no decision yet, and none needed.",
    "Participant asked for more time before deciding. Agreed to wait.",
    "Shuttle message passed on, answer expected next week.",
    "Safety plan reviewed together; no changes needed.",
    "Supporter joined the call at the participant's request.",
    "Supervision discussion: pace is right, keep preparation going.",
    "Referral to legal aid discussed; participant will think about it.",
]
TASK_TITLES = [
    "Book an interpreter for the preparation meeting",
    "Send readiness screening to the supervisor",
    "Call back about travel costs",
    "Prepare the room for the circle",
    "Follow up on the agreement's restitution item",
    "Share meeting summary with the team",
    "Arrange childcare for the session",
    "Review the safety plan",
    "Confirm the next check-in",
]
NEED_STATEMENTS = [
    "I want to feel safe where I live.",
    "I want to know why this happened to me.",
    "I need help with my papers.",
    "I want them to understand what they did.",
    "I need to pay back what I owe and start again.",
    "I want to talk to someone who speaks my language.",
]
HARM_TEXTS = [
    "Worked long hours for no pay; documents were kept from them.",
    "Was promised a job that did not exist; a debt was invented.",
    "Was moved between places and not allowed to contact family.",
]
SUMMARIES = [
    "Referred after a labour inspection. Wants to take things slowly.",
    "Self-referred after hearing about the program from a support group.",
    "Referred by the court; the responsible person asked about a restorative process.",
    "Referred by a health service. Interpreter needed for all meetings.",
]

STATUS_WEIGHTS_RECENT = {
    CaseStatus.REFERRED: 14, CaseStatus.INTAKE: 14, CaseStatus.ASSESSMENT: 16, CaseStatus.PREPARATION: 16,
    CaseStatus.IN_PROCESS: 16, CaseStatus.FOLLOW_UP: 8, CaseStatus.CLOSED: 8, CaseStatus.WITHDRAWN: 8,
}  # fmt: skip
STATUS_WEIGHTS_OLD = {
    CaseStatus.REFERRED: 1, CaseStatus.INTAKE: 1, CaseStatus.ASSESSMENT: 2, CaseStatus.PREPARATION: 3,
    CaseStatus.IN_PROCESS: 5, CaseStatus.FOLLOW_UP: 8, CaseStatus.CLOSED: 62, CaseStatus.WITHDRAWN: 18,
}  # fmt: skip
FORWARD_CHAIN = [
    CaseStatus.REFERRED,
    CaseStatus.INTAKE,
    CaseStatus.ASSESSMENT,
    CaseStatus.PREPARATION,
    CaseStatus.IN_PROCESS,
    CaseStatus.FOLLOW_UP,
    CaseStatus.CLOSED,
]
REFERRAL_SOURCES = [s.value for s in ReferralSource]
EXPLOITATION_TYPES = ExploitationType.values[:6]
METHODS_OF_CONTROL = MethodOfControl.values
RECRUITMENT_METHODS = RecruitmentMethod.values
NEED_CATEGORIES = NeedCategory.values
GENDERS = Gender.values[:2] * 4 + Gender.values[2:]  # mostly feminine and masculine
REFERRAL_WEIGHTS = [8, 30, 15, 12, 10, 12, 8, 5]
HISTORY_DAYS = 6 * 365  # cases were referred over the last six years
FACILITATING = (TeamRole.LEAD_FACILITATOR, TeamRole.CO_FACILITATOR)

# Fields written by ``auto_now``/``auto_now_add`` that seeding sets itself, so that rows spread over years.
_TIMESTAMP_MODELS: list[type[models.Model]] = [
    Case, CaseStatusChange, Person, CaseParticipant, Harm, Need, CaseTeamMember, Note, Task, Membership,
]  # fmt: skip


def refuse_outside_development() -> None:
    if not (settings.DEVELOPMENT or settings.TESTING):
        raise ImproperlyConfigured(
            "Synthetic data is written without audit rows; it is created only with REPARO_ENV=development or test."
        )


@dataclass
class SeedReport:
    seed: int
    cases: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    organisations: list[Organisation] = field(default_factory=list)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    @property
    def cases_per_second(self) -> float:
        return self.cases / self.seconds if self.seconds else 0.0


@contextmanager
def _timestamps_as_given() -> Iterator[None]:
    """Let seeding write its own created/updated times (auto_now would stamp every row with "now")."""
    saved: list[tuple[Any, bool, bool]] = []
    extra = [m for ext in _EXTENSIONS.values() for m in [*(m for m, _label in ext.models), *ext.timestamp_models]]
    for model in [*_TIMESTAMP_MODELS, *extra]:
        for f in model._meta.concrete_fields:
            if isinstance(f, models.DateTimeField) and (f.auto_now or f.auto_now_add):
                saved.append((f, f.auto_now, f.auto_now_add))
                f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


@contextmanager
def _sqlite_cache(kib: int = 256 * 1024) -> Iterator[None]:
    """A larger SQLite page cache while seeding: inserts land on random pages of many indexes."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (previous,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = {-int(kib)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if ch.isascii() and ch.isalnum()).lower()


@dataclass
class _Org:
    organisation: Organisation
    programs: list[Program]
    staff: dict[str, list[User]]
    weight: float

    @property
    def facilitators(self) -> list[User]:
        return self.staff[Role.FACILITATOR]

    @property
    def case_workers(self) -> list[User]:
        return self.staff[Role.CASE_WORKER]

    @property
    def evaluators(self) -> list[User]:
        return self.staff[Role.EVALUATOR]


def program_kind(program: Program) -> str:
    """``dialogue``, ``conference`` or ``cosa``: what kind of process a synthetic program runs."""
    return {PROGRAMS[0][0]: "dialogue", PROGRAMS[1][0]: "conference"}.get(program.name, "cosa")


@dataclass
class CaseDraft:
    """One generated case, as an extension sees it (in a worker process): the case, its program and
    organisation, the statuses it went through and when, its people with their role and the moment they joined,
    and the staff working on it."""

    index: int
    case: Case
    org: _Org
    program: Program
    path: list[str]
    reached: dict[str, datetime.datetime]
    participants: list[tuple[Person, str, datetime.datetime]]
    workers: list[User]
    facilitators: list[User]


class SyntheticExtension:
    """What an app above this one adds to the synthetic data. ``models`` (with their labels in the report) are
    written in that order, after the case's own rows; ``prepare`` runs once in the seeding process before any case
    is generated (rows per program, for example), ``case`` in the worker processes for every case (it appends rows
    to ``out``; it must not touch the database), and ``finish`` once after every case is written (it returns the
    rows it wrote, by label). ``responses_per_case``: the survey responses it makes per case on average."""

    models: list[tuple[type[models.Model], str]] = []
    timestamp_models: list[type[Any]] = []  # other models it writes with times of its own (in prepare)
    responses_per_case: float = 0.0
    version = 1  # moved when what it writes changes

    def prepare(self, gen: _Generator) -> None:
        """Before any case (in the seeding process)."""

    def case(self, gen: _Generator, draft: CaseDraft, out: Rows) -> None:
        """For each case (in a worker process)."""

    def finish(self, gen: _Generator) -> dict[str, int]:
        """After every case is written (in the seeding process)."""
        return {}


_EXTENSIONS: dict[str, SyntheticExtension] = {}


def generator_version() -> str:
    """What the generator makes, as a word: changes when this module or a registered extension changes what it
    writes (a benchmark database seeded by another version is seeded again)."""
    return ",".join([f"cases:{GENERATOR}", *(f"{name}:{ext.version}" for name, ext in sorted(_EXTENSIONS.items()))])


def synthetic_extension(name: str, extension: SyntheticExtension) -> None:
    """Register what an app adds to every synthetic case (from its ``AppConfig.ready``)."""
    _EXTENSIONS[name] = extension
    for model, label in extension.models:
        TABLE_LABELS[model] = label


@dataclass
class _Plan:
    """What is decided before any case is written: who runs it, when it was opened, its reference."""

    org_index: int
    created_at: datetime.datetime
    reference: str = ""


CASE_MODELS: list[type[models.Model]] = [
    Case, CaseStatusChange, Person, PersonNameIndex, CaseParticipant, Harm, Need, CaseTeamMember, Note, Task,
]  # fmt: skip
MAX_PEOPLE_PER_CASE = 8
PARTICIPANT_KIND: dict[str, str] = {
    ParticipantRole.SURVIVOR: PersonKind.SURVIVOR,
    ParticipantRole.RESPONSIBLE: PersonKind.RESPONSIBLE,
}
CODE_SPACE = len(CODE_ALPHABET) ** 5

Rows = dict[type[models.Model], list[models.Model]]


class _Generator:
    """Decides everything from the seed. Each case draws from its own random stream (seed and case number), so
    cases can be generated in any order, by any number of processes, and still come out the same."""

    def __init__(self, *, seed: int, cases: int, now: datetime.datetime) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - synthetic data, not security
        self.seed = seed
        self.n_cases = cases
        self.now = now
        self.today = timezone.localdate(now)
        self.rows: dict[str, int] = {}
        self.orgs: list[_Org] = []
        self.plans: list[_Plan] = []
        # Display codes: person number -> code through a permutation of the code space (an odd multiplier
        # modulo a power of two), so codes look random yet never repeat; codes already in the database are
        # stepped over.
        self.code_mul = self.rng.getrandbits(25) | 1
        self.code_add = self.rng.getrandbits(25)
        self.taken_codes = set(Person.objects.values_list("display_code", flat=True))

    # -- helpers -------------------------------------------------------------------------------------------

    @staticmethod
    def uuid(rng: random.Random) -> uuid.UUID:
        return uuid.UUID(int=rng.getrandbits(128), version=4)

    @staticmethod
    def between(rng: random.Random, start: datetime.datetime, end: datetime.datetime) -> datetime.datetime:
        if end <= start:
            return start
        return start + datetime.timedelta(seconds=rng.uniform(0, (end - start).total_seconds()))

    @staticmethod
    def name(rng: random.Random) -> tuple[str, str]:
        family = rng.choice(FAMILY_NAMES)
        if rng.random() < 0.15:  # two family names, as in Spanish and Portuguese naming
            family = f"{family} {rng.choice(FAMILY_NAMES)}"
        return rng.choice(GIVEN_NAMES), family

    @staticmethod
    def phone(rng: random.Random) -> str:
        prefix, digits = rng.choice(PHONE_RANGES)
        return f"{prefix}{rng.randrange(10**digits):0{digits}d}"

    def display_code(self, kind: str, person_number: int) -> str:
        prefix = CODE_PREFIX.get(kind, "P")
        stride = self.n_cases * MAX_PEOPLE_PER_CASE
        n = person_number
        while True:
            value = (self.code_mul * n + self.code_add) % CODE_SPACE
            body = "".join(CODE_ALPHABET[(value >> shift) & 31] for shift in (20, 15, 10, 5, 0))
            code = f"{prefix}-{body}"
            if code not in self.taken_codes:
                return code
            n += stride  # beyond every number this run gives out
            if n >= CODE_SPACE:  # pragma: no cover - the database holds millions of people already
                raise RuntimeError("No free display code.")

    def _count(self, label: str, n: int) -> None:
        self.rows[label] = self.rows.get(label, 0) + n

    # -- organisations, staff, plans (in the parent process, once) ----------------------------------------

    def organisations(self) -> None:
        rng = self.rng
        user_no = itertools.count(1)
        joined = self.now - datetime.timedelta(days=HISTORY_DAYS + 30)
        for index, ((name, htcds_type, country), weight) in enumerate(zip(OPERATORS, OPERATOR_WEIGHTS, strict=True)):
            org_name = f"{name} (synthetic, seed {self.seed})"
            if Organisation.objects.filter(name=org_name).exists():
                raise ValueError(f"Synthetic data for seed {self.seed} is already in this database ({org_name!r}).")
            organisation = Organisation.objects.create(
                name=org_name, kind=OrganisationKind.OPERATOR, htcds_type=htcds_type, country=country
            )
            program_count = rng.choice([2, 3]) if index else 3
            programs = [
                Program.objects.create(organisation=organisation, name=p_name, description=description)
                for p_name, description in PROGRAMS[:program_count]
            ]
            share = max(1, round(self.n_cases * weight))
            sizes = {
                Role.ORG_ADMIN: 1,
                Role.COORDINATOR: 2,
                Role.FACILITATOR: min(60, max(3, share // 400)),
                Role.CASE_WORKER: min(80, max(3, share // 300)),
                Role.SUPERVISOR: min(12, max(1, share // 2000)),
                Role.COSA_VOLUNTEER: min(30, max(2, share // 1000)),
                Role.EVALUATOR: 1,
            }
            users: list[User] = []
            memberships: list[Membership] = []
            staff: dict[str, list[User]] = {}
            for role, count in sizes.items():
                staff[role] = []
                for _i in range(count):
                    given, family = self.name(rng)
                    user = User(
                        id=self.uuid(rng),
                        email=f"{_ascii(given)}.{_ascii(family)}.{next(user_no):04d}@example.org",
                        full_name=f"{given} {family}",
                        password=UNUSABLE_PASSWORD,
                        date_joined=joined,
                    )
                    users.append(user)
                    staff[role].append(user)
                    memberships.append(
                        Membership(
                            user=user, organisation=organisation, role=role, created_at=joined, updated_at=joined
                        )
                    )
            User.objects.bulk_create(users)
            Membership.objects.bulk_create(memberships)
            self._count("users", len(users))
            self._count("memberships", len(memberships))
            self.orgs.append(_Org(organisation, programs, staff, weight))
        self._count("organisations", len(self.orgs))
        self._count("programs", sum(len(o.programs) for o in self.orgs))

    def make_plans(self) -> None:
        """Who runs each case and when it was opened, in opening order, with references numbered per year."""
        rng = self.rng
        weights = [o.weight for o in self.orgs]
        horizon = self.now - datetime.timedelta(days=HISTORY_DAYS)
        plans = []
        for _i in range(self.n_cases):
            org_index = rng.choices(range(len(self.orgs)), weights=weights)[0]
            # More cases recently than long ago: a program that grew.
            age = (1 - rng.random() ** 0.7) * HISTORY_DAYS
            created = max(horizon, self.now - datetime.timedelta(days=age, seconds=rng.randrange(86400)))
            plans.append(_Plan(org_index, created))
        plans.sort(key=lambda p: p.created_at)
        counters: dict[tuple[int, int], int] = {}
        for plan in plans:
            organisation = self.orgs[plan.org_index].organisation
            year = timezone.localtime(plan.created_at).year
            key = (organisation.pk, year)
            counters[key] = counters.get(key, 0) + 1
            plan.reference = f"RJ-{year}-{organisation.pk:02d}{counters[key]:05d}"
        CaseReferenceCounter.objects.bulk_create(
            [CaseReferenceCounter(organisation_id=o, year=y, last=last) for (o, y), last in counters.items()]
        )
        self._count("reference counters", len(counters))
        self.plans = plans

    # -- cases (in worker processes) ----------------------------------------------------------------------

    def cases(self, start: int, stop: int) -> Rows:
        extra = [model for ext in _EXTENSIONS.values() for model, _label in ext.models]
        out: Rows = {model: [] for model in [*CASE_MODELS, *extra]}
        for index in range(start, stop):
            self._case(index, out)
        return out

    def _status(self, rng: random.Random, created: datetime.datetime) -> str:
        weights = STATUS_WEIGHTS_OLD if (self.now - created).days > 540 else STATUS_WEIGHTS_RECENT
        return rng.choices(list(weights), weights=list(weights.values()))[0]

    def _case(self, index: int, out: Rows) -> None:
        plan = self.plans[index]
        org = self.orgs[plan.org_index]
        rng = random.Random(f"{self.seed}/{index}")  # noqa: S311 - synthetic data, not security
        created = plan.created_at
        status = self._status(rng, created)
        program = rng.choice(org.programs)
        opener = rng.choice(org.staff[Role.CASE_WORKER])

        # Status history: the opening row, then each step forward (or the step to "withdrawn").
        if status == CaseStatus.WITHDRAWN:
            path = [*FORWARD_CHAIN[: rng.randrange(1, len(FORWARD_CHAIN))], CaseStatus.WITHDRAWN]
        else:
            path = FORWARD_CHAIN[: FORWARD_CHAIN.index(CaseStatus(status)) + 1]
        span_end = min(self.now, created + datetime.timedelta(days=rng.randrange(20, 700)))
        moments = sorted(self.between(rng, created, span_end) for _ in path[1:])
        status_changed_at = moments[-1] if moments else created
        updated = self.between(rng, status_changed_at, min(self.now, status_changed_at + datetime.timedelta(days=60)))

        case = Case(
            id=self.uuid(rng),
            organisation=org.organisation,
            program=program,
            reference=plan.reference,
            status=status,
            status_changed_at=status_changed_at,
            referral_source=rng.choices(REFERRAL_SOURCES, weights=REFERRAL_WEIGHTS)[0],
            referral_date=(created - datetime.timedelta(days=rng.randrange(0, 10))).date(),
            summary=rng.choice(SUMMARIES) if rng.random() < 0.6 else None,
            created_by=opener,
            created_at=created,
            updated_at=updated,
        )
        out[Case].append(case)

        # Team: the case worker who opened it; a lead facilitator from assessment on; sometimes more.
        team: dict[tuple[Any, str], User] = {(opener.pk, TeamRole.CASE_WORKER): opener}
        if len(path) >= 3 or rng.random() < 0.3:
            lead = rng.choice(org.staff[Role.FACILITATOR])
            team[(lead.pk, TeamRole.LEAD_FACILITATOR)] = lead
            if rng.random() < 0.25:
                co = rng.choice(org.staff[Role.FACILITATOR])
                team.setdefault((co.pk, TeamRole.CO_FACILITATOR), co)
        if rng.random() < 0.35:
            supervisor = rng.choice(org.staff[Role.SUPERVISOR])
            team[(supervisor.pk, TeamRole.SUPERVISOR)] = supervisor
        if program.name == COSA_PROGRAM:
            volunteers = org.staff[Role.COSA_VOLUNTEER]
            for volunteer in rng.sample(volunteers, k=min(2, len(volunteers))):
                team[(volunteer.pk, TeamRole.COSA_VOLUNTEER)] = volunteer
        for (_pk, role), user in team.items():
            at = created if role == TeamRole.CASE_WORKER else self.between(rng, created, status_changed_at)
            out[CaseTeamMember].append(CaseTeamMember(case=case, user=user, role=role, created_at=at, updated_at=at))
        workers = [user for (_pk, role), user in team.items() if role != TeamRole.COSA_VOLUNTEER]
        mover = workers[1] if len(workers) > 1 else opener

        previous = ""
        for to_status, at in zip(path, [created, *moments], strict=True):
            out[CaseStatusChange].append(
                CaseStatusChange(
                    id=self.uuid(rng),
                    case=case,
                    from_status=previous,
                    to_status=to_status,
                    at=at,
                    actor=opener if to_status == CaseStatus.REFERRED else mover,
                )
            )
            previous = to_status

        # People: the survivor, usually the responsible person, often supporters or community members.
        roles = [ParticipantRole.SURVIVOR]
        if rng.random() < 0.95:
            roles.append(ParticipantRole.RESPONSIBLE)
        roles += [ParticipantRole.SUPPORTER] * rng.choices([0, 1, 2], weights=[50, 40, 10])[0]
        roles += [ParticipantRole.COMMUNITY] * rng.choices([0, 1, 2, 3], weights=[65, 15, 10, 10])[0]
        participants: list[tuple[Person, str, datetime.datetime]] = []
        for number, role in enumerate(roles):
            person = self._person(rng, org, role, created, index * MAX_PEOPLE_PER_CASE + number)
            out[Person].append(person)
            for digest in dict.fromkeys(d for d in (name_digest(n) for n in person.all_names()) if d):
                out[PersonNameIndex].append(PersonNameIndex(person=person, digest=digest))
            joined = created if role == ParticipantRole.SURVIVOR else self.between(rng, created, status_changed_at)
            out[CaseParticipant].append(
                CaseParticipant(case=case, person=person, role=role, created_at=joined, updated_at=joined)
            )
            participants.append((person, role, joined))

        if rng.random() < 0.75:
            out[Harm].append(
                Harm(
                    id=self.uuid(rng),
                    case=case,
                    exploitation_types=rng.sample(EXPLOITATION_TYPES, k=rng.choice([1, 1, 2])),
                    methods_of_control=rng.sample(METHODS_OF_CONTROL, k=rng.randrange(0, 4)),
                    recruitment_methods=rng.sample(RECRUITMENT_METHODS, k=rng.randrange(0, 2)),
                    description=rng.choice(HARM_TEXTS) if rng.random() < 0.5 else None,
                    recorded_by=opener,
                    created_at=created,
                    updated_at=created,
                )
            )
        need_count = rng.choices([0, 1, 2, 3, 4], weights=[15, 30, 30, 15, 10])[0]
        for category in rng.sample(NEED_CATEGORIES, k=need_count):
            met = self.between(rng, created, updated) if status == CaseStatus.CLOSED and rng.random() < 0.7 else None
            out[Need].append(
                Need(
                    id=self.uuid(rng),
                    case=case,
                    category=category,
                    priority=rng.choice([1, 2, 2, 3]),
                    statement=rng.choice(NEED_STATEMENTS) if rng.random() < 0.7 else None,
                    met_at=met,
                    created_at=created,
                    updated_at=met or created,
                )
            )

        for _n in range(rng.choices(range(11), weights=[10, 14, 16, 16, 12, 9, 7, 6, 4, 3, 3])[0]):
            at = self.between(rng, created, updated)
            out[Note].append(
                Note(
                    id=self.uuid(rng),
                    case=case,
                    author=rng.choice(workers),
                    confidentiality=(
                        NoteConfidentiality.SUPERVISORS if rng.random() < 0.1 else NoteConfidentiality.TEAM
                    ),
                    body=rng.choice(NOTE_TEXTS),
                    created_at=at,
                    updated_at=at,
                )
            )

        is_open = status in OPEN_STATUSES
        for _t in range(rng.choices(range(8), weights=[14, 18, 20, 16, 12, 9, 6, 5])[0]):
            at = self.between(rng, created, updated)
            due = (at + datetime.timedelta(days=rng.randrange(3, 45))).date() if rng.random() < 0.85 else None
            # Open cases keep some tasks open (those due before today are overdue); closed cases finished them.
            done = None if is_open and rng.random() < 0.5 else self.between(rng, at, updated)
            if done is None and due is not None and due < self.today and rng.random() < 0.6:
                due = self.today + datetime.timedelta(days=rng.randrange(1, 30))  # most open tasks are not late
            out[Task].append(
                Task(
                    id=self.uuid(rng),
                    case=case,
                    title=rng.choice(TASK_TITLES),
                    owner=rng.choice(workers),
                    due_date=due,
                    done_at=done,
                    created_by=rng.choice(workers),
                    created_at=at,
                    updated_at=done or at,
                )
            )

        if _EXTENSIONS:
            draft = CaseDraft(
                index=index,
                case=case,
                org=org,
                program=program,
                path=list(path),
                reached=dict(zip(path, [created, *moments], strict=True)),
                participants=participants,
                workers=workers,
                facilitators=[u for (_pk, role), u in team.items() if role in FACILITATING],
            )
            for extension in _EXTENSIONS.values():
                extension.case(self, draft, out)

    def _person(self, rng: random.Random, org: _Org, role: str, created: datetime.datetime, number: int) -> Person:
        kind = PARTICIPANT_KIND.get(role, PersonKind.OTHER)
        survivor = kind == PersonKind.SURVIVOR
        given, family = self.name(rng)
        has_name = survivor or rng.random() < 0.9
        aliases = [f"{rng.choice(GIVEN_NAMES)} {family}"] if survivor and rng.random() < 0.15 else None
        dob = None
        if rng.random() < (0.8 if survivor else 0.4):
            dob = self.today - datetime.timedelta(days=rng.randrange(16 * 365, 60 * 365))
        phone = self.phone(rng) if rng.random() < (0.75 if survivor else 0.5) else None
        email = None
        if rng.random() < (0.5 if survivor else 0.3):
            email = f"{_ascii(given)}.{_ascii(family)}{rng.randrange(1, 10000)}@example.org"
        address = None
        if rng.random() < (0.4 if survivor else 0.2):
            address = f"{rng.randrange(1, 200)} {rng.choice(STREETS)} Street, {rng.choice(TOWNS)}"
        return Person(
            id=self.uuid(rng),
            organisation=org.organisation,
            display_code=self.display_code(kind, number),
            kind=kind,
            given_name=given if has_name else None,
            family_name=family if has_name else None,
            aliases=aliases,  # type: ignore[misc]  # an encrypted JSON list
            date_of_birth=dob,
            phone=phone,
            email=email,
            address=address,
            gender=rng.choice(GENDERS),
            citizenship=rng.sample(COUNTRIES, k=rng.choice([1, 1, 1, 2])),  # type: ignore[misc]  # several countries
            languages=rng.sample(LANGUAGES, k=rng.choice([1, 1, 2, 2, 3])),
            created_at=created,
            updated_at=created,
        )


TABLE_LABELS: dict[type[models.Model], str] = {
    Case: "cases",
    CaseStatusChange: "status changes",
    Person: "people",
    PersonNameIndex: "name index rows",
    CaseParticipant: "participants",
    Harm: "harms",
    Need: "needs",
    CaseTeamMember: "team members",
    Note: "notes",
    Task: "tasks",
}

# Rows ready for the database: per model, the column names and one tuple of prepared values per row.
Prepared = list[tuple[str, list[str], list[tuple[Any, ...]]]]

_WORKER_STATE: _Generator | None = None  # set in the parent just before worker processes fork


def _insert_fields(model: type[models.Model], *, with_key: bool = False) -> list[models.Field[Any, Any]]:
    """Every concrete column except a database-generated (auto-increment) key, unless the rows carry their own
    (an extension gives keys to rows that others point to; the sequence is moved past them afterwards)."""
    return [
        f
        for f in model._meta.concrete_fields
        if with_key
        or not (f.primary_key and isinstance(f, models.AutoField | models.BigAutoField | models.SmallAutoField))
    ]


def _prepare(bounds: tuple[int, int]) -> Prepared:
    """Generate cases ``start..stop`` and turn them into database values, exactly as a save does: each field's
    ``pre_save`` (which encrypts encrypted fields and computes blind indexes) and ``get_db_prep_save``."""
    gen = _WORKER_STATE
    assert gen is not None  # noqa: S101 - set before the workers start
    prepared: Prepared = []
    conn = connections[DEFAULT_DB_ALIAS]  # the wrapper itself, not the per-context proxy, for speed
    sqlite = conn.vendor == "sqlite"
    for model, objs in gen.cases(*bounds).items():
        fields = _insert_fields(model, with_key=bool(objs) and objs[0].pk is not None)
        plan = [(f, f.attname, _saves_itself(f)) for f in fields]
        rows = [tuple(_db_value(obj, f, attname, own, conn, sqlite) for f, attname, own in plan) for obj in objs]
        prepared.append((model._meta.label, [f.column for f in fields], rows))
    return prepared


_PLAIN_PRE_SAVE = (models.Field.pre_save, models.DateField.pre_save, models.DateTimeField.pre_save)
_PLAIN_TYPES = (str, int, float, bool)


def _saves_itself(f: models.Field[Any, Any]) -> bool:
    """Whether the field computes what it stores in ``pre_save`` (encrypted fields, blind indexes, auto_now)."""
    return type(f).pre_save not in _PLAIN_PRE_SAVE or bool(getattr(f, "auto_now", False) or
                                                          getattr(f, "auto_now_add", False))  # fmt: skip


def _db_value(obj: models.Model, f: models.Field[Any, Any], attname: str, own: bool, conn: Any, sqlite: bool) -> Any:
    """What a save would store: ``get_db_prep_save(pre_save(...))``, with the common plain values (text, numbers,
    keys, moments on PostgreSQL) passed as they are, which is what that would give for them, only faster."""
    value = f.pre_save(obj, True) if own else getattr(obj, attname)
    kind = type(value)
    if value is None or kind in _PLAIN_TYPES:
        return value
    if kind is uuid.UUID:
        return value.hex if sqlite else value
    if kind is datetime.datetime and not sqlite and value.tzinfo is not None:
        return value
    return f.get_db_prep_save(value, conn)


def _write(prepared: Prepared) -> dict[str, int]:
    counts: dict[str, int] = {}
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        for label, columns, rows in prepared:
            model = apps.get_model(label)
            if rows:
                # Names from the model's own metadata, quoted; every value is a parameter.
                table, names, marks = (
                    qn(model._meta.db_table),
                    ", ".join(map(qn, columns)),
                    ", ".join(["%s"] * len(columns)),
                )
                if connection.vendor == "postgresql":  # COPY: the bulk-load path, several times faster
                    with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
                else:
                    sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608
                    cursor.executemany(sql, rows)
            counts[TABLE_LABELS[model]] = len(rows)
    return counts


def default_workers() -> int:
    """Processes that generate and encrypt rows while this one writes them (where ``fork`` exists)."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(4, os.cpu_count() or 1))


def cases_for_responses(responses: int) -> int:
    """How many cases to seed for at least ``responses`` survey responses (the registered extensions say how many
    they make per case on average; a margin covers the spread)."""
    per_case = sum(ext.responses_per_case for ext in _EXTENSIONS.values())
    if per_case <= 0:
        raise ValueError("No installed app makes survey responses for synthetic cases.")
    return max(1, math.ceil(responses / per_case * 1.03) + 20)


def seed_synthetic(
    *,
    cases: int,
    seed: int = DEFAULT_SEED,
    batch_size: int = DEFAULT_BATCH,
    workers: int | None = None,
    progress: Callable[[int, float], None] | None = None,
    analyze: bool = True,
) -> SeedReport:
    """Write ``cases`` synthetic cases with their organisations, staff, people, notes and tasks, and what the
    registered extensions add to each (processes, agreements, consents, surveys and the rest of the evidence).

    Cases are generated and encrypted in ``workers`` processes (default: one per core, forked), a piece of up
    to ``PIECE`` cases at a time, and written by this process in case order, ``batch_size`` cases per
    transaction. ``progress(cases_done, seconds)`` is called after each piece. Refuses outside development and
    test, and refuses a seed that is already in the database (seed another number, or use a fresh database).
    """
    global _WORKER_STATE
    refuse_outside_development()
    if cases < 1 or batch_size < 1:
        raise ValueError("Seed at least one case, at least one per batch.")
    if cases * MAX_PEOPLE_PER_CASE >= CODE_SPACE:
        raise ValueError(f"Seed fewer than {CODE_SPACE // MAX_PEOPLE_PER_CASE:,} cases (display codes would run out).")
    workers = default_workers() if workers is None else max(1, workers)
    started = time.perf_counter()
    gen = _Generator(seed=seed, cases=cases, now=timezone.now())
    report = SeedReport(seed=seed, cases=cases)
    piece = min(PIECE, batch_size)
    pieces = [(start, min(start + piece, cases)) for start in range(0, cases, piece)]
    with _timestamps_as_given(), _sqlite_cache():
        with transaction.atomic():
            gen.organisations()
            gen.make_plans()
            for extension in _EXTENSIONS.values():
                extension.prepare(gen)
        report.organisations = [o.organisation for o in gen.orgs]
        _WORKER_STATE = gen
        prepared = _prepared_in_order(pieces, workers)
        try:
            for _batch, group in itertools.groupby(pieces, key=lambda bounds: bounds[0] // batch_size):
                with transaction.atomic():
                    for _start, stop in group:
                        for label, n in _write(next(prepared)).items():
                            gen._count(label, n)
                        if progress:
                            progress(stop, time.perf_counter() - started)
        finally:
            prepared.close()  # stops the workers, also when writing failed
            _WORKER_STATE = None
        _move_sequences_past_given_keys()
        for extension in _EXTENSIONS.values():
            with transaction.atomic():
                for label, n in extension.finish(gen).items():
                    gen._count(label, n)
    if analyze:
        # Fresh planner statistics after a bulk load, as autovacuum (PostgreSQL) or PRAGMA optimize would give.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    report.rows = gen.rows
    report.seconds = time.perf_counter() - started
    return report


def _move_sequences_past_given_keys() -> None:
    """PostgreSQL: move the key sequences of the tables written here past the keys rows were given."""
    if connection.vendor != "postgresql":
        return
    from django.core.management.color import no_style

    written = [*CASE_MODELS, *(m for ext in _EXTENSIONS.values() for m, _label in ext.models)]
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), written):
            cursor.execute(statement)


def _prepared_in_order(pieces: list[tuple[int, int]], workers: int) -> Generator[Prepared, None, None]:
    """Prepared pieces in case order: here, or from worker processes that work a few pieces ahead (no more,
    to bound memory). Workers never touch the database connection they inherit; only this process writes."""
    if workers == 1 or len(pieces) == 1:
        yield from map(_prepare, pieces)
        return
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        queue = iter(pieces)
        pending = collections.deque(pool.apply_async(_prepare, (p,)) for p in itertools.islice(queue, workers * 2))
        while pending:
            result = pending.popleft().get()
            following = next(queue, None)
            if following is not None:
                pending.append(pool.apply_async(_prepare, (following,)))
            yield result
