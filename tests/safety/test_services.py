import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from reparo.audit.concurrency import ConflictError
from reparo.audit.models import AuditEvent
from reparo.cases.models import Task
from reparo.processes import services as process_services
from reparo.processes.models import Process, SessionStatus
from reparo.safety import services
from reparo.safety.models import Notice, ProgramSafetySettings, SafetyPlan, Screening
from reparo.safety.selectors import contact_forbidden
from tests.conftest import CsrfClient, sign_in
from tests.processes.factories import both, ready_process, tomorrow
from tests.safety.factories import all_answers, screen

pytestmark = pytest.mark.django_db


def person(process, role):
    return process.participants.get(role=role).person


def test_it_records_a_screening_with_its_instrument_version_and_validity(world):
    process = ready_process(world, safe=False)
    at = timezone.now()
    screening = screen(world, process, "survivor_readiness", person=person(process, "survivor"), sign=False, at=at)
    assert screening.instrument_version == 1
    assert screening.valid_until == at + datetime.timedelta(days=90)
    assert screening.answers == all_answers("survivor_readiness")
    assert not screening.is_current(timezone.now())  # not signed off yet
    audit = AuditEvent.objects.get(action="safety.screening_completed")
    assert "yes" not in str(audit.detail)  # codes only, no answers


def test_it_refuses_ready_unless_every_answer_is_yes_and_asks_why_otherwise(world):
    process = ready_process(world, safe=False)
    survivor = person(process, "survivor")
    answers = {**all_answers("survivor_readiness"), "no_pressure": "no"}
    with pytest.raises(ValidationError) as info:
        services.screening_complete(actor=world["facilitator"], process=process, kind="survivor_readiness",
                                    answers=answers, person=survivor, outcome="ready")  # fmt: skip
    assert "outcome" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        services.screening_complete(actor=world["facilitator"], process=process, kind="survivor_readiness",
                                    answers=answers, person=survivor, outcome="not_yet")  # fmt: skip
    assert "reasons" in info.value.message_dict
    with pytest.raises(ValidationError):
        services.screening_complete(actor=world["facilitator"], process=process, kind="survivor_readiness",
                                    answers={"voluntary": "yes"}, person=survivor, outcome="not_yet",
                                    reasons="x")  # fmt: skip
    with pytest.raises(ValidationError):  # the responsible person is not screened for survivor readiness
        services.screening_complete(actor=world["facilitator"], process=process, kind="survivor_readiness",
                                    answers=all_answers("survivor_readiness"), person=person(process, "responsible"),
                                    outcome="ready")  # fmt: skip
    assert not Screening.objects.exists()


def test_it_lets_only_a_supervisor_other_than_the_screener_sign_off(world):
    process = ready_process(world, safe=False)
    screening = screen(world, process, "risk_assessment", sign=False)
    for user in (world["facilitator"], world["case_worker"], world["coordinator"]):
        with pytest.raises((PermissionDenied, ValidationError)):
            services.screening_sign_off(actor=user, screening=screening)
    own = services.screening_complete(actor=world["supervisor"], process=process, kind="risk_assessment",
                                      answers=all_answers("risk_assessment"), risk_level="low")  # fmt: skip
    with pytest.raises(ValidationError):
        services.screening_sign_off(actor=world["supervisor"], screening=own)
    signed = services.screening_sign_off(actor=world["supervisor"], screening=screening)
    assert signed.signed_off_by == world["supervisor"] and signed.is_current(timezone.now())
    assert AuditEvent.objects.filter(action="safety.screening_signed_off").count() == 1


def test_it_forbids_contact_either_way_only_while_a_restriction_is_in_force(world):
    process = ready_process(world)
    survivor, responsible = person(process, "survivor"), person(process, "responsible")
    today = timezone.localdate()
    restriction = services.restriction_record(
        actor=world["facilitator"], case=process.case, person_a=survivor, person_b=responsible,
        kind="no_contact_order", valid_from=today + datetime.timedelta(days=2),
        valid_to=today + datetime.timedelta(days=10), source="Court ref 12",
    )  # fmt: skip
    now = timezone.now()
    assert not contact_forbidden(survivor, responsible, at=now)
    in_force = now + datetime.timedelta(days=3)
    assert contact_forbidden(survivor, responsible, at=in_force)
    assert contact_forbidden(responsible, survivor, at=in_force)
    assert not contact_forbidden(survivor, responsible, at=now + datetime.timedelta(days=11))
    services.restriction_lift(actor=world["supervisor"], restriction=restriction)
    assert not contact_forbidden(survivor, responsible, at=in_force)
    assert AuditEvent.objects.filter(action__startswith="safety.restriction_").count() == 2


def test_it_keeps_a_safety_plan_encrypted_and_shows_when_a_review_is_due(world):
    process = ready_process(world)
    survivor = person(process, "survivor")
    plan = services.safety_plan_save(
        actor=world["case_worker"], case=process.case, person=survivor,
        next_review_on=timezone.localdate() + datetime.timedelta(days=30), safe_words="blue umbrella",
        session_arrangements="Arrive by the side door; own waiting room",
    )  # fmt: skip
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT safe_words FROM safety_safetyplan")
        assert "blue umbrella" not in str(cursor.fetchone()[0])
    assert not plan.review_due(timezone.localdate())
    assert plan.review_due(timezone.localdate() + datetime.timedelta(days=30))
    soon = timezone.localdate() + datetime.timedelta(days=5)
    with pytest.raises(ConflictError):
        services.safety_plan_save(
            actor=world["case_worker"], case=process.case, person=survivor, next_review_on=soon, version=99
        )
    with pytest.raises(ValidationError):  # a safety plan is the survivor's
        services.safety_plan_save(
            actor=world["case_worker"], case=process.case, person=person(process, "responsible"), next_review_on=soon
        )
    reviewed = services.safety_plan_save(
        actor=world["case_worker"], case=process.case, person=survivor, version=1,
        next_review_on=timezone.localdate() + datetime.timedelta(days=60), safe_words="green door",
    )  # fmt: skip
    assert reviewed.version == 2 and reviewed.reviewed_at is not None and reviewed.safe_words == "green door"


def test_it_pauses_alerts_and_creates_a_task_at_the_threshold(world):
    process = ready_process(world)
    survivor = person(process, "survivor")
    calm = services.distress_record(actor=world["case_worker"], process=process, person=survivor, moment="before",
                                    rating=6)  # fmt: skip
    process.refresh_from_db()
    assert not calm.at_threshold and not process.paused and not Notice.objects.exists()
    tasks_before = Task.objects.count()
    checkin = services.distress_record(actor=world["case_worker"], process=process, person=survivor,
                                       moment="during", rating=7)  # fmt: skip
    process.refresh_from_db()
    assert checkin.at_threshold and process.paused
    assert {n.user for n in Notice.objects.all()} == {world["facilitator"], world["supervisor"]}
    assert {n.get_kind_display() for n in Notice.objects.all()} == {"A check-in needs your attention."}
    task = Task.objects.exclude(pk__in=[]).order_by("-created_at").first()
    assert Task.objects.count() == tasks_before + 1 and task.owner == world["facilitator"]
    assert AuditEvent.objects.filter(action="process.paused", detail__why="distress_threshold").exists()
    with pytest.raises(process_services.GateClosedError):
        process_services.session_schedule(actor=world["facilitator"], process=process, starts_at=tomorrow(),
                                          duration_minutes=60, mode="in_person", invited=both(process))  # fmt: skip


def test_it_uses_the_programs_own_threshold(world):
    process = ready_process(world)
    ProgramSafetySettings.objects.create(program=process.case.program, distress_threshold=9)
    services.distress_record(actor=world["facilitator"], process=process, person=person(process, "survivor"),
                             moment="after", rating=8)  # fmt: skip
    process.refresh_from_db()
    assert not process.paused
    with pytest.raises(PermissionDenied):
        services.program_threshold_set(actor=world["facilitator"], program=process.case.program, threshold=5)
    services.program_threshold_set(actor=world["coordinator"], program=process.case.program, threshold=5)
    services.distress_record(actor=world["facilitator"], process=process, person=person(process, "survivor"),
                             moment="after", rating=5)  # fmt: skip
    process.refresh_from_db()
    assert process.paused


def test_it_refuses_ratings_outside_0_to_10(world):
    process = ready_process(world)
    for rating in (-1, 11, "a lot"):
        with pytest.raises(ValidationError):
            services.distress_record(actor=world["facilitator"], process=process,
                                     person=person(process, "survivor"), moment="before", rating=rating)  # fmt: skip


def test_it_cancels_future_sessions_when_the_survivor_withdraws_and_keeps_the_case_open(world):
    process = ready_process(world)
    session = process_services.session_schedule(
        actor=world["facilitator"], process=process, starts_at=tomorrow(), duration_minutes=60, mode="in_person",
        invited=both(process),
    )  # fmt: skip
    survivor = process.participants.get(role="survivor")
    process_services.participant_withdraw(actor=world["case_worker"], participant=survivor)
    session.refresh_from_db()
    process.refresh_from_db()
    assert session.status == SessionStatus.CANCELLED
    assert process.stage == "ended_early" and process.case.is_open
    owners = set(Task.objects.filter(case=process.case, title__isnull=False).values_list("owner", flat=True))
    assert {world["facilitator"].pk, world["supervisor"].pk} <= owners
    titles = [t.title for t in Task.objects.filter(case=process.case)]
    assert all("survivor" not in t.lower() for t in titles)  # no blame, no who


def test_it_closes_the_case_only_when_the_survivor_asks(world):
    process = ready_process(world)
    responsible = process.participants.get(role="responsible")
    with pytest.raises(ValidationError):
        process_services.participant_withdraw(actor=world["facilitator"], participant=responsible, close_case=True)
    survivor = process.participants.get(role="survivor")
    process_services.participant_withdraw(actor=world["facilitator"], participant=survivor, close_case=True)
    process.case.refresh_from_db()
    assert process.case.status == "withdrawn"
    assert Process.objects.get(pk=process.pk).stage == "ended_early"


def _plan(world, process, *, version=None, safe_words="blue umbrella"):
    return services.safety_plan_save(
        actor=world["case_worker"], case=process.case, person=person(process, "survivor"), version=version,
        next_review_on=timezone.localdate() + datetime.timedelta(days=30), safe_words=safe_words,
    )  # fmt: skip


def test_it_refuses_a_plan_save_without_a_version_once_the_plan_exists(world):
    process = ready_process(world)
    _plan(world, process)
    with pytest.raises(ConflictError) as info:  # a form opened before the plan existed posts no version
        _plan(world, process, version=None, safe_words="overwritten")
    assert "Someone else changed this" in str(info.value)
    plan = SafetyPlan.objects.get()
    assert plan.safe_words == "blue umbrella" and plan.version == 1
    assert not AuditEvent.objects.filter(action="safety.plan_reviewed").exists()


def test_it_turns_a_lost_race_to_create_the_plan_into_a_conflict_not_an_error(world, monkeypatch):
    process = ready_process(world)
    _plan(world, process)
    # The other first save committed after this one looked for the plan: this one finds none and inserts.
    monkeypatch.setattr(SafetyPlan.objects, "select_for_update", lambda: SafetyPlan.objects.none())
    with pytest.raises(ConflictError) as info:
        _plan(world, process, safe_words="second")
    assert info.value.current_version == 1
    assert SafetyPlan.objects.get().safe_words == "blue umbrella"


def test_it_audits_every_read_of_a_plan_or_of_screenings(world):
    process = ready_process(world)
    plan = _plan(world, process)
    services.safety_plan_viewed(actor=world["facilitator"], plan=plan, purpose="Opened")
    row = AuditEvent.objects.get(action="safety.plan_viewed")
    assert row.actor == world["facilitator"] and row.object_id == str(plan.pk)
    assert "blue umbrella" not in str(row.detail)
    screenings = list(Screening.objects.filter(process=process))
    services.screenings_viewed(actor=world["facilitator"], case=process.case, process=process, screenings=screenings)
    row = AuditEvent.objects.get(action="safety.screenings_viewed")
    assert sorted(row.detail["screenings"]) == sorted(str(s.pk) for s in screenings)
    with pytest.raises(PermissionDenied):  # someone who may not work on the case records nothing
        services.safety_plan_viewed(actor=world.charlie, plan=plan)


@pytest.mark.parametrize("who", ["case_worker", "facilitator"])
def test_it_refuses_to_let_a_case_worker_or_facilitator_lift_a_restriction(world, who):
    process = ready_process(world)
    restriction = services.restriction_record(
        actor=world["case_worker"], case=process.case, person_a=person(process, "survivor"),
        person_b=person(process, "responsible"), kind="no_contact_order", valid_from=timezone.localdate(),
    )  # fmt: skip
    with pytest.raises(PermissionDenied) as info:
        services.restriction_lift(actor=world[who], restriction=restriction)
    assert "supervisor" in str(info.value)
    restriction.refresh_from_db()
    assert restriction.lifted_at is None
    assert contact_forbidden(person(process, "survivor"), person(process, "responsible"))


@pytest.mark.parametrize("who", ["supervisor", "coordinator", "org_admin"])
def test_it_lets_a_supervisor_coordinator_or_admin_lift_a_restriction(world, who):
    process = ready_process(world)
    restriction = services.restriction_record(
        actor=world["case_worker"], case=process.case, person_a=person(process, "survivor"),
        person_b=person(process, "responsible"), kind="no_contact_order", valid_from=timezone.localdate(),
    )  # fmt: skip
    services.restriction_lift(actor=world[who], restriction=restriction)
    assert not contact_forbidden(person(process, "survivor"), person(process, "responsible"))


def test_the_case_timeline_shows_check_ins_the_pause_and_the_cancelled_joint_sessions(world):
    process = ready_process(world)
    survivor = process.participants.get(role="survivor").person
    process_services.session_schedule(
        actor=world["facilitator"], process=process, starts_at=tomorrow(), duration_minutes=60, mode="in_person",
        invited=both(process), venue="Room 4",
    )  # fmt: skip
    services.distress_record(actor=world["case_worker"], process=process, person=survivor, moment="after", rating=3)
    services.distress_record(actor=world["case_worker"], process=process, person=survivor, moment="after", rating=9)
    html = sign_in(CsrfClient(), world["facilitator"]).get(f"/cases/{process.case_id}/timeline/").content.decode()
    timeline = html.split('id="timeline"')[1]
    code = survivor.display_code
    assert f"Distress check-in for {code}: 3 of 10" in timeline
    assert f"Distress check-in for {code}: 9 of 10, at or above the threshold" in timeline
    assert (
        "Direct mediation (dialogue) paused after a distress rating at or above the threshold · "
        "1 joint session cancelled"
    ) in timeline
    # The responsible-person side sees none of it.
    volunteer = sign_in(CsrfClient(), world["cosa_volunteer"]).get(f"/cases/{process.case_id}/responsible-side/")
    assert "Distress check-in" not in volunteer.content.decode()


def test_the_message_after_a_check_in_at_the_threshold_says_joint_sessions_are_cancelled(world):
    process = ready_process(world)
    survivor = process.participants.get(role="survivor").person
    client = sign_in(CsrfClient(), world["facilitator"])
    response = client.post_form(
        f"/safety/process/{process.pk}/check-in/", {"person": survivor.pk, "moment": "after", "rating": "9"}
    )
    assert response.status_code == 302
    html = client.get(response["Location"]).content.decode()
    assert "any joint sessions already booked are cancelled" in html
