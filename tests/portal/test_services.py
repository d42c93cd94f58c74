"""What participants do in the portal has the same effect as when staff record it: withdrawing a consent stops the next
use at once, "I want to stop" is the staff-recorded withdrawal, a questionnaire scores as an interview does, a
check-in at the threshold pauses the process. And inviting: only with consent, only by an agreed way, neutrally."""

from __future__ import annotations

import datetime
import time
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from reparo.accounts.models import User
from reparo.audit.models import AuditEvent
from reparo.cases.models import Task
from reparo.consent.models import ConsentPurpose, WithdrawalVia
from reparo.consent.policy import may
from reparo.consent.services import consent_record
from reparo.evaluation.models import AssignmentStatus, SurveyAssignment, SurveyResponse
from reparo.evaluation.services import survey_complete, surveys_assign_due
from reparo.portal import services
from reparo.portal.models import CallbackRequest
from reparo.processes import services as process_services
from reparo.processes.models import Process, ProcessParticipant, Session
from reparo.safety.models import Notice
from reparo.safety.services import distress_record
from tests.cases.factories import alice_case
from tests.conftest import CsrfClient, at_once, sign_in
from tests.evaluation.factories import agree_to_evaluation, full, schedule
from tests.portal.conftest import activate, agree_to_portal, as_participant, open_process
from tests.processes.factories import tomorrow

pytestmark = pytest.mark.django_db


def _two_processes(world: Any) -> tuple[Process, Process]:
    """Two like processes on two cases, each with a joint session and a session for the survivor alone."""
    processes = []
    for _n in range(2):
        process = open_process(world, alice_case(world))
        for hour, roles in ((10, ["survivor"]), (14, ["survivor", "responsible"])):
            process_services.session_schedule(
                actor=world["facilitator"], process=process, starts_at=tomorrow(hour), duration_minutes=60,
                mode="in_person", invited=list(process.participants.filter(role__in=roles)), venue="Room 1",
            )  # fmt: skip
        processes.append(process)
    return processes[0], processes[1]


def _effects(process: Process) -> dict[str, Any]:
    """Everything a withdrawal changes, without who recorded it."""
    process.refresh_from_db()
    survivor = process.participants.get(role="survivor")
    return {
        "withdrawn": survivor.withdrawn_at is not None,
        "stage": process.stage,
        "end_reason": process.end_reason,
        "sessions": sorted((s.status, s.cancel_reason or "") for s in Session.objects.filter(process=process)),
        "tasks": sorted((t.title, t.owner_id, t.due_date) for t in Task.objects.filter(case=process.case)),
        "case_status": process.case.status,
        # The team is told by a neutral notice too (a kind and a link: no name, no reason).
        "notices": sorted((n.user_id, n.kind) for n in Notice.objects.filter(process=process)),
        "audit": sorted(
            (e.action, tuple(sorted((k, str(v)) for k, v in e.detail.items())))
            for e in AuditEvent.objects.filter(object_id=str(process.pk), action__startswith="process.participant_w")
        ),
    }


def test_it_stops_exactly_as_a_withdrawal_recorded_by_staff(world):
    through_portal, through_staff = _two_processes(world)
    before = _effects(through_portal)
    survivor = through_portal.participants.get(role="survivor").person
    responsible = through_portal.participants.get(role="responsible").person
    user = activate(world, through_portal.case, survivor)
    responsible_user = activate(world, through_portal.case, responsible)

    response = as_participant(user).post_form(reverse("portal:stop_process", args=[through_portal.pk]))
    assert response.status_code == 200 and "You have stopped" in response.content.decode()
    staff = sign_in(CsrfClient(), world["facilitator"])
    participant = through_staff.participants.get(role="survivor")
    staff.post_form(reverse("processes:withdraw", args=[through_staff.pk, participant.pk]))

    portal_effects, staff_effects = _effects(through_portal), _effects(through_staff)
    assert portal_effects != before
    assert portal_effects == staff_effects
    assert portal_effects["stage"] == "ended_early" and portal_effects["withdrawn"]
    assert portal_effects["notices"] and {kind for _user, kind in portal_effects["notices"]} == {"process"}
    assert {status for status, _reason in portal_effects["sessions"]} == {"cancelled"}
    # The other side is told only that the process has ended.
    html = as_participant(responsible_user).get("/my/").content.decode()
    assert "The process has ended." in html
    assert "stopped" not in html.lower() and "withdr" not in html.lower()


def test_it_answers_a_stop_that_was_already_made_without_doing_it_twice(world):
    process, _other = _two_processes(world)
    user = activate(world, process.case, process.participants.get(role="survivor").person)
    client = as_participant(user)
    client.post_form(reverse("portal:stop_process", args=[process.pk]))
    tasks = Task.objects.filter(case=process.case).count()
    response = client.post_form(reverse("portal:stop_process", args=[process.pk]))
    assert response.status_code == 200 and Task.objects.filter(case=process.case).count() == tasks


def test_it_stops_once_when_the_stop_is_sent_twice_at_once(world):
    """A double tap on "I want to stop", or staff recording the withdrawal while the person stops in the portal: both
    requests read the participant before either wrote. The second changes nothing (no second task, no second audit
    row, the process keeps the moment it ended)."""
    process, _other = _two_processes(world)
    survivor = process.participants.get(role="survivor")
    user = activate(world, process.case, survivor.person)
    first, second = (ProcessParticipant.objects.select_related("process").get(pk=survivor.pk) for _n in range(2))
    services.process_stop(actor=user, participant=first)
    process.refresh_from_db()
    ended_at, tasks = process.ended_at, Task.objects.filter(case=process.case).count()
    withdrew = AuditEvent.objects.filter(action="process.participant_withdrew", object_id=str(process.pk))
    assert withdrew.count() == 1

    process_services.participant_withdraw(actor=world["facilitator"], participant=second)
    process.refresh_from_db()
    assert process.ended_at == ended_at
    assert Task.objects.filter(case=process.case).count() == tasks
    assert withdrew.count() == 1
    assert second.withdrawn_at == ProcessParticipant.objects.get(pk=survivor.pk).withdrawn_at


def test_it_stops_the_next_use_of_a_consent_withdrawn_in_the_portal(portal):
    p = portal
    consent = p.consent("survivor")
    assert may(person=p.people["survivor"], purpose=ConsentPurpose.EVALUATION)
    client = p.client("survivor")
    client.post_form(reverse("portal:choice_withdraw", args=[consent.pk]))
    consent.refresh_from_db()
    assert consent.withdrawal_recorded_via == WithdrawalVia.SELF_SERVICE
    assert consent.withdrawn_by == p.users["survivor"]
    assert not may(person=p.people["survivor"], purpose=ConsentPurpose.EVALUATION)
    # The very next use is refused: the questionnaire asks for the consent first, and answers are not taken.
    assignment = p.assignment("survivor")
    url = reverse("portal:questionnaire", args=[assignment.pk])
    assert "Before you start" in client.get(url).content.decode()
    client.post_form(url, full("who5", 3, 5))
    assert not SurveyResponse.objects.filter(assignment=assignment).exists()
    with pytest.raises(ValidationError):
        survey_complete(actor=p.world["coordinator"], assignment=assignment, answers=full("who5", 3, 5),
                        collected_on=timezone.localdate(), language="en")  # fmt: skip
    surveys_assign_due()
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.CANCELLED


def test_it_gives_a_consent_in_one_step_as_self_service(portal):
    p = portal
    client = p.client("responsible")
    client.post_form(reverse("portal:choice_give"), {"offer": "reporting"})
    consent = p.consent("responsible", "reporting")
    assert consent.method == "self_service" and consent.recorded_by == p.users["responsible"]
    assert may(person=p.people["responsible"], purpose=ConsentPurpose.REPORTING)
    # An offer that is not open (already given, or made up) changes nothing.
    client.post_form(reverse("portal:choice_give"), {"offer": "reporting"})
    client.post_form(reverse("portal:choice_give"), {"offer": f"share:{p.consent('survivor').pk}"})
    assert p.people["responsible"].consents.filter(purpose="reporting").count() == 1
    assert not p.people["responsible"].consents.filter(purpose="share").exists()


def test_it_lets_only_the_person_themself_give_online(world, portal):
    with pytest.raises(ValidationError):
        consent_record(actor=world["coordinator"], person=portal.people["survivor"], purpose="reporting",
                       method="self_service", given_at=timezone.now())  # fmt: skip


def test_it_scores_a_questionnaire_answered_in_the_portal_as_an_interview(world):
    cases = [alice_case(world), alice_case(world)]
    for case in cases:
        agree_to_evaluation(world, case.participants.get(role="survivor").person)
    schedule(world, "who5", "baseline", "survivors")
    surveys_assign_due()
    mine, theirs = (SurveyAssignment.objects.get(case=case) for case in cases)
    user = activate(world, cases[0], mine.person)
    answers = {"who5_1": 4, "who5_2": 3, "who5_3": 2, "who5_4": 5, "who5_5": 1}
    form = {key: str(value) for key, value in answers.items()}
    response = as_participant(user).post_form(reverse("portal:questionnaire", args=[mine.pk]), form)
    assert response.status_code == 302
    survey_complete(actor=world["facilitator"], assignment=theirs, answers=answers,
                    collected_on=timezone.localdate(), language="en")  # fmt: skip
    portal_response, interview = (
        SurveyResponse.objects.get(assignment=mine),
        SurveyResponse.objects.get(assignment=theirs),
    )
    assert portal_response.mode == "self" and interview.mode == "staff_interview"
    assert portal_response.total == interview.total is not None
    assert (portal_response.band, portal_response.subscales, portal_response.extra) == (
        interview.band, interview.subscales, interview.extra,
    )  # fmt: skip
    assert portal_response.answers == interview.answers == answers
    assert portal_response.collected_by == user


def test_it_pauses_the_process_on_a_check_in_at_the_threshold_as_staff_do(world):
    mine, theirs = _two_processes(world)
    user = activate(world, mine.case, mine.participants.get(role="survivor").person)
    session = Session.objects.filter(process=mine, is_joint=True).get()
    response = as_participant(user).post_form(
        reverse("portal:checkin"), {"meeting": f"s:{session.pk}", "moment": "before", "rating": "9"}
    )
    assert response.status_code == 302
    distress_record(actor=world["facilitator"], process=theirs,
                    person=theirs.participants.get(role="survivor").person, moment="before", rating=9)  # fmt: skip

    def effects(process: Process) -> tuple[Any, ...]:
        process.refresh_from_db()
        return (
            process.paused,
            sorted((n.user_id, n.kind) for n in Notice.objects.filter(process=process)),
            sorted((t.title, t.owner_id) for t in Task.objects.filter(case=process.case)),
            sorted(Session.objects.filter(process=process).values_list("is_joint", "status")),
        )

    assert effects(mine) == effects(theirs)
    assert effects(mine)[0] is True
    assert Session.objects.get(pk=session.pk).status == "cancelled"  # the booked joint meeting is called off


def test_it_refuses_a_check_in_about_someone_else_s_process(portal):
    client = portal.client("survivor")
    response = client.post_form(
        reverse("portal:checkin"), {"meeting": f"p:{portal.other_process.pk}", "moment": "after", "rating": "9"}
    )
    assert response.status_code == 400
    portal.other_process.refresh_from_db()
    assert not portal.other_process.paused


def test_it_asks_the_team_to_call_back_once(portal):
    client = portal.client("responsible")
    assert client.post_form(reverse("portal:talk")).status_code == 200
    assert client.post_form(reverse("portal:talk")).status_code == 200
    request = CallbackRequest.objects.get()
    assert request.task is not None and request.task.owner == portal.world["facilitator"]
    assert portal.people["responsible"].display_code in request.task.title
    assert AuditEvent.objects.filter(action="portal.callback_requested").count() == 1


@pytest.mark.django_db(transaction=True)
def test_it_asks_once_when_the_request_is_sent_twice_at_once(world, monkeypatch):
    """A double tap on "Ask for a call": two requests at the same moment make one request and one task. On
    PostgreSQL the second waits for the first at the lock on the person's portal account; on SQLite the shared
    in-memory test database answers "locked" at once, and the thread tries again (as a database file's busy timeout
    would)."""
    process, _other = _two_processes(world)
    user = activate(world, process.case, process.participants.get(role="survivor").person)
    slow = services.selectors.open_cases_of

    def slowly(actor):
        time.sleep(0.3)
        return slow(actor)

    monkeypatch.setattr(services.selectors, "open_cases_of", slowly)
    tasks = Task.objects.filter(case=process.case).count()
    at_once(lambda: services.callback_request(actor=User.objects.get(pk=user.pk)))
    assert CallbackRequest.objects.count() == 1
    assert Task.objects.filter(case=process.case).count() == tasks + 1


def test_it_invites_only_with_consent_to_the_portal(world):
    case = alice_case(world)
    person = case.participants.get(role="survivor").person
    with pytest.raises(ValidationError, match="agreement to be contacted through the portal"):
        services.invitation_issue(actor=world["facilitator"], case=case, person=person, channel="in_person")
    agree_to_portal(world, person, case)
    with pytest.raises(ValidationError):  # by text message only if they agreed to be contacted that way
        services.invitation_issue(actor=world["facilitator"], case=case, person=person, channel="sms")
    issued = services.invitation_issue(actor=world["facilitator"], case=case, person=person, channel="in_person")
    assert issued.code and issued.sign_in_name and not issued.printed_codes
    assert AuditEvent.objects.filter(action="portal.invited", actor=world["facilitator"]).exists()


def test_it_sends_an_e_mail_invitation_that_says_nothing(world, django_capture_on_commit_callbacks):
    world.program.name = "Trafficking Survivors Dialogue"
    world.program.save()
    case = alice_case(world, survivor_name=("Imelda", "Zanzibarre"), email="imelda.z@mail.example")
    person = case.participants.get(role="survivor").person
    agree_to_portal(world, person, case)
    consent_record(actor=world["coordinator"], person=person, purpose="contact", channel="email", method="written",
                   given_at=timezone.now() - datetime.timedelta(minutes=1))  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        issued = services.invitation_issue(actor=world["facilitator"], case=case, person=person, channel="email")
    assert issued.emailed
    (message,) = mail.outbox
    assert message.to == ["imelda.z@mail.example"]
    text = f"{message.subject}\n{message.body}\n{message.from_email}"
    for secret in ("Imelda", "Zanzibarre", "Trafficking", "Dialogue", case.reference, world.alice_org.name, "Reparo"):
        assert secret not in text
    assert issued.code in message.body and message.from_email.startswith("Appointments <")


def test_it_ends_the_current_access_when_a_code_is_re_issued(portal):
    client = portal.client("survivor")
    assert client.get("/my/").status_code == 200
    services.invitation_issue(actor=portal.world["case_worker"], case=portal.case, person=portal.people["survivor"],
                              channel="in_person")  # fmt: skip
    assert client.get("/my/")["Location"].startswith("/my/sign-in/")
    assert AuditEvent.objects.filter(action="portal.reissued").exists()


def test_it_audits_the_choice_to_share_the_safety_plan_and_its_reading(portal):
    assert AuditEvent.objects.filter(action="safety.plan_shared", object_id=str(portal.plan.pk)).exists()
    portal.client("survivor").get(reverse("portal:safety_plan", args=[portal.plan.pk]))
    event = AuditEvent.objects.filter(action="safety.plan_viewed", object_id=str(portal.plan.pk)).latest("at")
    assert event.actor == portal.users["survivor"] and event.purpose == "portal"
