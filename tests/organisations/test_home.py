"""The home page: what each role has to do today, each item linking to where it is dealt with.

Alice's organisation and Charlie's are built alike, through the services (an "office": cases with overdue tasks, a
mediation waiting behind a closed gate, a screening to sign off, a session tomorrow, a process paused after a distress
rating, a late obligation, a letter to pass on, a referral in, an overdue survey, an expiring certification). Each
person's home page lists exactly their own work, nothing of the other organisation's, and reads a bounded number of
rows with a bounded number of queries, however much work there is."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from reparo.access import services as access_services
from reparo.accounts.models import Membership, User
from reparo.agreements import services as agreements
from reparo.cases import services as cases
from reparo.cases.models import Case, Task
from reparo.consent.services import consent_record
from reparo.evaluation.models import SurveyAssignment
from reparo.messaging import services as messaging
from reparo.organisations.extensions import SECTION_ITEMS, home_desks
from reparo.organisations.models import Organisation, Program
from reparo.processes import services as processes
from reparo.processes.models import Process
from reparo.referrals import services as referrals
from reparo.safety import services as safety
from reparo.safety.models import Screening
from reparo.training import services as training
from tests.cases.factories import open_case
from tests.conftest import CsrfClient, make_user, sign_in
from tests.safety.factories import all_answers
from tests.training.factories import certify

pytestmark = pytest.mark.django_db

YESTERDAY = datetime.timedelta(days=1)


@dataclass
class Office:
    """One organisation's people and the work the home pages should show (what each list must hold)."""

    organisation: Organisation
    program: Program
    people: dict[str, User]
    references: set[str] = field(default_factory=set)
    batches: int = 0

    def __getitem__(self, role: str) -> User:
        return self.people[role]


def _office(organisation: Organisation, program: Program, people: dict[str, User]) -> Office:
    office = Office(organisation, program, people)
    for role in ("facilitator", "supervisor", "other_facilitator"):
        certify(people[role], program)
    training.profile_update(actor=people["coordinator"], organisation=organisation, user=people["facilitator"],
                            languages=["en"], open_process_cap=50)  # a full-time facilitator  # fmt: skip
    today = timezone.localdate()
    # A colleague's certification runs out in three weeks; a role was given this month.
    soon = make_user(f"soon@{organisation.pk}.example", full_name=f"Soon {organisation.name}")
    access_services.membership_add(actor=people["org_admin"], organisation=organisation, email=soon.email,
                                   role="facilitator")  # fmt: skip
    certify(soon, program, issued_on=today - datetime.timedelta(days=700), expires_on=today + datetime.timedelta(21))
    # Another facilitator's own case and task: never on the facilitator's home page.
    theirs = open_case(actor=people["coordinator"], program=program,
                       team=[(people["other_facilitator"], "lead_facilitator")])  # fmt: skip
    cases.task_add(actor=people["coordinator"], case=theirs, title="Not yours", owner=people["other_facilitator"],
                   due_date=today - YESTERDAY)  # fmt: skip
    # A screening on a case with no supervisor on its team: the coordinator is told; the supervisor only counts it.
    lonely = open_case(actor=people["coordinator"], program=program,
                       team=[(people["other_facilitator"], "lead_facilitator")])  # fmt: skip
    process = _process(office, lonely, facilitator=people["other_facilitator"])
    safety.screening_complete(actor=people["other_facilitator"], process=process, kind="risk_assessment",
                              answers=all_answers("risk_assessment"), risk_level="low")  # fmt: skip
    # A case nobody has moved on for two months.
    stuck = open_case(actor=people["coordinator"], program=program)
    Case.objects.filter(pk=stuck.pk).update(status_changed_at=timezone.now() - datetime.timedelta(days=60))
    office.references |= {theirs.reference, lonely.reference, stuck.reference}
    add_work(office, 1)
    return office


def _process(office: Office, case: Case, *, facilitator: User, type: str = "direct_mediation") -> Process:
    process = processes.process_open(actor=facilitator, case=case, type=type)
    for participant in case.participants.all():
        processes.participant_add(actor=facilitator, process=process, case_participant=participant,
                                  role=participant.role)  # fmt: skip
    processes.facilitator_assign(actor=office["coordinator"], process=process, user=facilitator, role="facilitator")
    return process


def add_work(office: Office, batches: int) -> None:
    """``batches`` more of each thing to do."""
    facilitator, coordinator = office["facilitator"], office["coordinator"]
    today, now = timezone.localdate(), timezone.now()
    for _n in range(batches):
        office.batches += 1
        case = open_case(actor=coordinator, program=office.program,
                         team=[(facilitator, "lead_facilitator"), (office["supervisor"], "supervisor")])  # fmt: skip
        office.references.add(case.reference)
        cases.task_add(actor=coordinator, case=case, title=f"Call back {office.batches}", owner=facilitator,
                       due_date=today - YESTERDAY)  # fmt: skip
        # A mediation: the survivor met alone, the responsible person not yet; a screening to sign off; the gate shut.
        mediation = _process(office, case, facilitator=facilitator)
        survivor = mediation.participants.get(role="survivor")
        processes.preparation_record(actor=facilitator, process=mediation, participant=survivor, held_on=today,
                                     covered=["purpose"])  # fmt: skip
        safety.screening_complete(
            actor=facilitator,
            process=mediation,
            kind="survivor_readiness",
            answers=all_answers("survivor_readiness"),
            person=survivor.person,
            outcome="ready",
        )
        tomorrow = timezone.make_aware(datetime.datetime.combine(today + YESTERDAY, datetime.time(11)))
        processes.session_schedule(actor=facilitator, process=mediation, starts_at=tomorrow, duration_minutes=60,
                                   mode="in_person", invited=[survivor])  # fmt: skip
        # A commitment of the agreement in force, due yesterday and not met.
        draft = agreements.agreement_draft(actor=facilitator, process=mediation)
        agreements.item_add(actor=facilitator, agreement=draft, kind="commitment", description="No contact",
                            due_date=today - YESTERDAY)  # fmt: skip
        agreements.agreement_propose(actor=facilitator, agreement=draft)
        for participant in mediation.participants.all():
            agreements.acceptance_record(actor=facilitator, agreement=draft, participant=participant, how="in_writing")
        # A letter waiting to be passed on.
        consent_record(actor=facilitator, person=survivor.person, purpose="relay", method="written", case=case,
                       given_at=now - datetime.timedelta(minutes=5))  # fmt: skip
        messaging.relay_submit(actor=facilitator, process=mediation, kind="letter", author=survivor.person,
                               body="A letter")  # fmt: skip
        # A shuttle dialogue paused after a distress rating at the threshold.
        dialogue = _process(office, case, facilitator=facilitator, type="indirect_dialogue")
        safety.distress_record(actor=facilitator, process=dialogue, person=survivor.person, moment="after", rating=9)
        # A referral in, and a survey overdue.
        referrals.incoming_record(actor=coordinator, program=office.program, received_via="phone",
                                  referral_source="ngo", received_on=today, given_name="Ina", family_name="Ref",
                                  phone="", email="", languages=["en"], about="Asked to talk.")  # fmt: skip
        SurveyAssignment.objects.create(
            program=office.program, case=case, person=survivor.person, participant_role="survivor", instrument="who5",
            timepoint="baseline", occasion="baseline", due_on=today - datetime.timedelta(days=30),
            overdue_on=today - datetime.timedelta(days=16),
        )  # fmt: skip


def _staff(organisation: Organisation, label: str) -> dict[str, User]:
    people = {}
    for role in ("coordinator", "facilitator", "other_facilitator", "supervisor", "evaluator", "case_worker"):
        user = make_user(f"{role}@{label}.example", full_name=f"{label} {role}")
        Membership.objects.create(user=user, organisation=organisation, role=role.replace("other_", ""))
        people[role] = user
    return people


@pytest.fixture
def offices(world):
    alice_people = {role: world[role] for role in world.users} | {
        "other_facilitator": make_user("other.facilitator@alice.example", full_name="Alice other facilitator")
    }
    Membership.objects.create(user=alice_people["other_facilitator"], organisation=world.alice_org, role="facilitator")
    charlie_people = _staff(world.charlie_org, "charlie") | {"org_admin": world.charlie}
    charlie_program = Program.objects.create(organisation=world.charlie_org, name="Charlie's dialogue")
    return {
        "alice": _office(world.alice_org, world.program, alice_people),
        "charlie": _office(world.charlie_org, charlie_program, charlie_people),
    }


def sections_of(user: User) -> dict[str, Any]:
    return {section.key: section for desk in home_desks(user) for section in desk.sections}


def urls(section: Any) -> set[str]:
    return {item.url for item in section.items}


def page(user: User) -> str:
    response = sign_in(CsrfClient(), user).get("/")
    assert response.status_code == 200
    return response.content.decode()


# --- each role's own work ------------------------------------------------------------------------------------------


EXPECTED = {
    "coordinator": {"overdue_tasks", "stalled_cases", "no_supervisor", "gate_closed", "paused_processes",
                    "sessions_this_week", "late_obligations", "referrals_waiting"},
    "facilitator": {"my_sessions", "preparation_due", "relay_queue", "my_tasks", "my_certifications"},
    "supervisor": {"sign_off_queue", "high_checkins"},
    "evaluator": {"surveys_overdue", "dashboards"},
    "org_admin": {"members", "expiring_certifications", "audit_highlights"},
    "case_worker": {"my_tasks"},
}  # fmt: skip


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_it_shows_each_role_the_lists_of_its_desk_with_work_in_them(offices, role):
    sections = sections_of(offices["alice"][role])
    assert set(sections) == EXPECTED[role]
    empty = {key for key, section in sections.items() if not section.items}
    assert empty == ({"my_tasks"} if role == "case_worker" else set())


@pytest.mark.parametrize("role", ["cosa_volunteer", "support_volunteer", "partner_liaison", "partner_worker"])
def test_it_shows_roles_without_a_desk_only_their_roles_and_help(world, offices, role):
    html = page(world[role])
    assert not sections_of(world[role])
    assert 'href="/help/"' in html
    assert not any(reference in html for reference in offices["alice"].references)


def test_it_lists_a_facilitators_own_tasks_sessions_and_queue(offices):
    office = offices["alice"]
    facilitator = office["facilitator"]
    sections = sections_of(facilitator)
    mine = Task.objects.filter(owner=facilitator, done_at__isnull=True)
    assert sections["my_tasks"].total == mine.count() and "Not yours" not in page(facilitator)
    assert {item.text for item in sections["my_tasks"].items} <= {task.title for task in mine}
    assert sections["my_sessions"].total == office.batches
    assert sections["relay_queue"].total == office.batches
    assert sections["preparation_due"].total == 2 * office.batches  # the mediations, and the dialogues (nobody met)
    assert all(item.url.endswith("#preparation") for item in sections["preparation_due"].items)
    assert [item.text for item in sections["my_certifications"].items] == [office.program.name]


def test_it_gives_the_supervisor_a_queue_they_can_open_and_counts_the_rest(offices):
    office = offices["alice"]
    supervisor = office["supervisor"]
    section = sections_of(supervisor)["sign_off_queue"]
    on_team = Screening.objects.filter(case__team__user=supervisor, signed_off_at__isnull=True)
    assert section.total == on_team.count() == office.batches
    assert "1 more wait" in section.note  # the screening on the case with no supervisor on its team
    client = sign_in(CsrfClient(), supervisor)
    for url in urls(section):
        assert client.get(url).status_code == 200
    lonely = Screening.objects.exclude(pk__in=on_team).get(case__organisation=office.organisation)
    assert client.get(f"/safety/process/{lonely.process_id}/").status_code == 404
    assert sections_of(supervisor)["high_checkins"].total == office.batches


def test_it_tells_the_coordinator_what_needs_attention(offices):
    office = offices["alice"]
    sections = sections_of(office["coordinator"])
    assert sections["overdue_tasks"].total == office.batches + 1  # and the other facilitator's
    assert [item.text for item in sections["stalled_cases"].items] == [
        c.reference for c in Case.objects.filter(organisation=office.organisation, status_changed_at__lt=
                                                  timezone.now() - datetime.timedelta(days=30))
    ]  # fmt: skip
    assert sections["no_supervisor"].total == 1
    assert len(sections["gate_closed"].items) == min(office.batches + 1, SECTION_ITEMS)
    assert sections["paused_processes"].total == office.batches
    assert sections["late_obligations"].total == office.batches
    assert sections["referrals_waiting"].total == office.batches


def test_it_gives_the_evaluator_counts_and_dashboards_and_the_admin_the_organisation(offices):
    office = offices["alice"]
    evaluator = sections_of(office["evaluator"])
    assert [item.detail for item in evaluator["surveys_overdue"].items] == ["1 survey overdue"]
    assert {item.text for item in evaluator["dashboards"].items} == {office.organisation.name, office.program.name}
    admin = sections_of(office["org_admin"])
    assert [item.text for item in admin["members"].items] == [office.organisation.name]
    assert [item.text for item in admin["expiring_certifications"].items] == [f"Soon {office.organisation.name}"]
    assert "A role was given" in {item.text for item in admin["audit_highlights"].items}


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_every_item_links_to_a_page_its_reader_can_open(offices, role):
    user = offices["alice"][role]
    client = sign_in(CsrfClient(), user)
    for section in sections_of(user).values():
        for url in urls(section) | ({section.more.url} if section.more else set()):
            assert client.get(url).status_code == 200, url


# --- nothing of another organisation's --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_it_shows_nothing_of_the_other_organisation(offices, role):
    alice, charlie = offices["alice"], offices["charlie"]
    for mine, theirs in ((alice, charlie), (charlie, alice)):
        html = page(mine[role])
        if role in ("coordinator", "facilitator", "supervisor"):
            assert any(reference in html for reference in mine.references)
        assert not any(reference in html for reference in theirs.references)
        assert theirs.organisation.name not in html


def test_it_shows_charlie_nothing_of_alices(offices):
    alice, charlie = offices["alice"], offices["charlie"]
    html = page(charlie["org_admin"])
    assert charlie.organisation.name in html
    assert alice.organisation.name not in html and f"Soon {alice.organisation.name}" not in html
    assert set(sections_of(charlie["org_admin"])) == EXPECTED["org_admin"]


# --- bounded reads -------------------------------------------------------------------------------------------------


def _queries(user: User) -> int:
    client = sign_in(CsrfClient(), user)
    client.get("/")  # the session and the caches
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    return len(queries)


def test_it_reads_as_much_whatever_the_amount_of_work(offices):
    office = offices["alice"]
    add_work(office, SECTION_ITEMS)  # every list full, and the gate asked as often as it ever is
    before = {role: _queries(office[role]) for role in EXPECTED}
    add_work(office, 4)
    after = {role: _queries(office[role]) for role in EXPECTED}
    assert after == before
    assert re.search(r"and \d+ more", page(office["coordinator"]))
