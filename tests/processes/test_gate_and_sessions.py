import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from reparo.audit.models import AuditEvent
from reparo.cases.models import CaseParticipant
from reparo.people.services import person_create
from reparo.processes import services
from reparo.processes.content import checklist_for
from reparo.processes.gate import joint_meeting_gate
from reparo.processes.ics import session_ics, times_for
from reparo.processes.models import Process, ProcessFacilitator, ProcessParticipant, Session, SessionStatus
from tests.conftest import CsrfClient, sign_in
from tests.processes.factories import both, one_side, ready_process, tomorrow

pytestmark = pytest.mark.django_db


def schedule(world, process, invited, **kwargs):
    return services.session_schedule(
        actor=world["facilitator"], process=process, starts_at=kwargs.pop("starts_at", tomorrow()),
        duration_minutes=90, mode="in_person", invited=invited, venue="Room 4, Quiet Centre", **kwargs,
    )  # fmt: skip


def test_it_opens_the_gate_when_every_condition_holds(world):
    process = ready_process(world)
    gate = joint_meeting_gate(process)
    assert gate.open and gate.reasons == []
    session = schedule(world, process, both(process))
    assert session.is_joint and Session.objects.filter(pk=session.pk).exists()


@pytest.mark.parametrize("condition", ["facilitator", "survivor", "responsible", "paused", "ended"])
def test_it_closes_the_gate_for_each_condition_alone_with_its_own_reason(world, condition):
    process = ready_process(world)
    if condition == "facilitator":
        ProcessFacilitator.objects.filter(process=process).delete()
    elif condition in ("survivor", "responsible"):
        process.participants.filter(role=condition).update(withdrawn_at=timezone.now())
    elif condition == "paused":
        Process.objects.filter(pk=process.pk).update(paused=True)
    elif condition == "ended":
        Process.objects.filter(pk=process.pk).update(stage="ended_early")
    process.refresh_from_db()
    gate = joint_meeting_gate(process)
    assert not gate.open
    assert len(gate.reasons) == 1, gate.reasons
    expected_code = "process_state" if condition in ("paused", "ended") else condition
    assert gate.codes == [expected_code]


def test_it_refuses_a_joint_session_through_the_service_when_the_gate_is_closed(world):
    process = ready_process(world)
    Process.objects.filter(pk=process.pk).update(paused=True)
    process.refresh_from_db()
    with pytest.raises(services.GateClosedError) as info:
        schedule(world, process, both(process))
    assert "paused" in " ".join(info.value.reasons)
    assert not Session.objects.filter(process=process).exists()
    assert not AuditEvent.objects.filter(action="process.session_scheduled").exists()


def test_it_refuses_a_joint_session_through_the_form_when_the_gate_is_closed(world):
    process = ready_process(world)
    ProcessFacilitator.objects.filter(process=process).delete()
    client = sign_in(CsrfClient(), world["facilitator"])
    response = client.post_form(
        f"/processes/{process.pk}/sessions/new/",
        {"starts_at": tomorrow().strftime("%Y-%m-%dT%H:%M"), "duration_minutes": 90, "mode": "in_person",
         "invited": [p.pk for p in both(process)]},
    )  # fmt: skip
    html = response.content.decode()
    assert response.status_code == 409
    assert "No facilitator is assigned" in html and "shuttle dialogue" in html
    assert not Session.objects.filter(process=process).exists()


def test_it_refuses_to_move_a_joint_session_when_the_gate_has_closed_since(world):
    process = ready_process(world)
    session = schedule(world, process, both(process))
    Process.objects.filter(pk=process.pk).update(paused=True)
    session.refresh_from_db()
    with pytest.raises(services.GateClosedError):
        services.session_reschedule(actor=world["facilitator"], session=session, starts_at=tomorrow(16))
    session.refresh_from_db()
    assert session.status == SessionStatus.SCHEDULED


def test_it_schedules_a_one_side_session_when_the_gate_is_closed(world):
    process = ready_process(world)
    ProcessFacilitator.objects.filter(process=process).delete()
    session = schedule(world, process, one_side(process, "survivor"))
    assert not session.is_joint


def test_it_staggers_arrival_and_departure_of_a_joint_session(world):
    process = ready_process(world)
    session = schedule(world, process, both(process))
    assert abs(session.survivor_arrives_at - session.responsible_arrives_at) >= datetime.timedelta(minutes=10)
    assert abs(session.survivor_leaves_at - session.responsible_leaves_at) >= datetime.timedelta(minutes=10)
    start = tomorrow()
    with pytest.raises(ValidationError) as info:
        schedule(world, process, both(process), starts_at=start, times={
            "survivor_arrives_at": start - datetime.timedelta(minutes=10),
            "responsible_arrives_at": start - datetime.timedelta(minutes=5),
        })  # fmt: skip
    assert "10 minutes apart" in " ".join(info.value.messages)


def test_it_writes_calendar_files_with_no_names_and_each_persons_own_times(world):
    process = ready_process(world)
    session = schedule(world, process, both(process))
    survivor = process.participants.get(role="survivor")
    responsible = process.participants.get(role="responsible")
    ics = session_ics(session, survivor)
    assert "SUMMARY:Appointment" in ics
    for secret in (survivor.person.given_name, survivor.person.family_name, responsible.person.given_name,
                   responsible.person.family_name, "Quiet Centre", "mediation", "traffick", process.case.reference,
                   survivor.person.display_code):  # fmt: skip
        assert secret.lower() not in ics.lower()
    assert session.survivor_arrives_at.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ") in ics
    assert session.responsible_arrives_at.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ") in session_ics(
        session, responsible
    )
    client = sign_in(CsrfClient(), world["facilitator"])
    response = client.get(f"/processes/{process.pk}/sessions/{session.pk}/calendar/{survivor.pk}.ics")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")


def test_it_cancels_and_reschedules_with_a_reason(world):
    process = ready_process(world)
    session = schedule(world, process, one_side(process, "survivor"))
    moved = services.session_reschedule(actor=world["facilitator"], session=session, starts_at=tomorrow(16),
                                        reason="Interpreter unavailable")  # fmt: skip
    session.refresh_from_db()
    assert session.status == SessionStatus.CANCELLED and session.cancel_reason == "Interpreter unavailable"
    assert moved.starts_at == tomorrow(16) and moved.status == SessionStatus.SCHEDULED


def test_it_refuses_meetings_before_everyone_is_prepared(world):
    process = ready_process(world, prepared=False)
    with pytest.raises(ValidationError) as info:
        services.process_move(actor=world["facilitator"], process=process, to_stage="meetings")
    assert "Not yet prepared" in " ".join(info.value.messages)


@pytest.mark.parametrize(
    ("start", "target", "ok"),
    [("preparation", "meetings", True), ("meetings", "agreement", True), ("meetings", "follow_up", True),
     ("agreement", "follow_up", True), ("follow_up", "completed", True), ("preparation", "agreement", False),
     ("preparation", "completed", False), ("completed", "follow_up", False), ("ended_early", "meetings", False),
     ("agreement", "meetings", False)],
)  # fmt: skip
def test_it_allows_and_refuses_stage_moves(world, start, target, ok):
    process = ready_process(world)
    Process.objects.filter(pk=process.pk).update(stage=start)
    process.refresh_from_db()
    if ok:
        assert services.process_move(actor=world["facilitator"], process=process, to_stage=target).stage == target
    else:
        with pytest.raises(ValidationError):
            services.process_move(actor=world["facilitator"], process=process, to_stage=target)
        process.refresh_from_db()
        assert process.stage == start


def test_it_records_when_a_process_is_completed(world):
    process = ready_process(world)
    Process.objects.filter(pk=process.pk).update(stage="follow_up")
    process.refresh_from_db()
    assert process.ended_at is None
    done = services.process_move(actor=world["facilitator"], process=process, to_stage="completed")
    process.refresh_from_db()
    assert done.ended_at is not None and process.ended_at == done.ended_at


def test_it_cancels_future_sessions_when_the_survivor_stops(world):
    process = ready_process(world)
    session = schedule(world, process, both(process))
    survivor = process.participants.get(role="survivor")
    services.participant_withdraw(actor=world["facilitator"], participant=survivor)
    session.refresh_from_db()
    process.refresh_from_db()
    assert session.status == SessionStatus.CANCELLED
    assert process.stage == "ended_early" and process.end_reason == "withdrawal"
    assert process.case.tasks.filter(owner=world["facilitator"]).exists()
    assert process.case.status != "withdrawn"  # the case stays open for support


def test_it_records_attendance_and_an_encrypted_record(world):
    process = ready_process(world)
    session = schedule(world, process, both(process))
    Session.objects.filter(pk=session.pk).update(starts_at=timezone.now() - datetime.timedelta(hours=2))
    session.refresh_from_db()
    invitations = list(session.invitations.all())
    services.session_record(actor=world["facilitator"], session=session, attended=[invitations[0].pk],
                            record="They talked about the harm.")  # fmt: skip
    session.refresh_from_db()
    assert session.status == "held" and session.record == "They talked about the harm."
    assert [i.attended for i in session.invitations.order_by("pk")] == [True, False]


@pytest.mark.parametrize("role", ["evaluator", "partner_liaison"])
def test_it_hides_process_pages_from_people_not_on_the_case(world, role):
    process = ready_process(world)
    client = sign_in(CsrfClient(), world[role])
    assert client.get(f"/processes/{process.pk}/").status_code == 404
    assert client.get(f"/processes/{process.pk}/sessions/new/").status_code == 404


def test_it_hides_process_pages_from_an_outsider(world):
    process = ready_process(world)
    client = sign_in(CsrfClient(), world.charlie)
    assert client.get(f"/processes/{process.pk}/").status_code == 404


def test_it_shows_the_responsible_side_no_survivor_and_no_survivor_times(world):
    process = ready_process(world)
    session = schedule(world, process, both(process))
    survivor = process.participants.get(role="survivor").person
    html = sign_in(CsrfClient(), world["cosa_volunteer"]).get(f"/processes/{process.pk}/").content.decode()
    assert survivor.display_code not in html and survivor.given_name not in html
    assert timezone.localtime(session.responsible_arrives_at).strftime("%H:%M") in html
    assert timezone.localtime(session.survivor_arrives_at).strftime("%H:%M") not in html


def test_it_records_a_reply_to_an_invitation(world):
    process = ready_process(world)
    session = schedule(world, process, one_side(process, "survivor"))
    invitation = session.invitations.get()
    client = sign_in(CsrfClient(), world["facilitator"])
    url = f"/processes/{process.pk}/sessions/{session.pk}/replies/{invitation.pk}/"
    assert client.post_form(url, {"reply": "accepted"}).status_code == 302
    invitation.refresh_from_db()
    assert invitation.reply == "accepted"
    outsider = sign_in(CsrfClient(), world.charlie)
    assert outsider.post_form(url, {"reply": "declined"}).status_code == 404
    invitation.refresh_from_db()
    assert invitation.reply == "accepted"


def test_it_shows_stage_upcoming_sessions_and_the_agreement_at_a_glance(world):
    process = ready_process(world)
    schedule(world, process, one_side(process, "survivor"))
    html = sign_in(CsrfClient(), world["facilitator"]).get(f"/processes/{process.pk}/").content.decode()
    assert "Coming up" in html and "No agreement yet" in html and "Preparation" in html


def test_it_shows_how_far_each_participant_is_prepared_and_who_is_invited(world):
    process = ready_process(world)
    session = schedule(world, process, one_side(process, "survivor"))
    client = sign_in(CsrfClient(), world["facilitator"])
    html = client.get(f"/processes/{process.pk}/").content.decode()
    total = len(checklist_for(process.type))
    assert html.count(f"{total} of {total} topics covered") == 2
    html = client.get(f"/processes/{process.pk}/sessions/{session.pk}/").content.decode()
    invited = html.split("Invited</h2>")[1].split("</section>")[0]
    assert process.participants.get(role="survivor").person.display_code in invited
    assert process.participants.get(role="responsible").person.display_code not in invited


def test_it_keeps_the_gate_closed_until_each_side_is_prepared_on_every_topic(world):
    process = ready_process(world, prepared=False)
    survivor, responsible = one_side(process, "survivor")[0], one_side(process, "responsible")[0]
    topics = [key for key, _label in checklist_for(process.type)]
    gate = joint_meeting_gate(process)
    assert gate.codes == ["preparation"]
    assert gate.reasons == [
        f"The survivor {survivor.person.display_code} has not been fully prepared yet: 0 of {len(topics)} topics "
        "covered."
    ]
    with pytest.raises(services.GateClosedError):
        schedule(world, process, both(process))
    # Half the topics for the survivor, all of them over two meetings: then the responsible person is next.
    for covered in (topics[:2], topics[2:]):
        services.preparation_record(actor=world["facilitator"], process=process, participant=survivor,
                                    held_on=timezone.localdate(), covered=covered)  # fmt: skip
        if covered == topics[:2]:
            assert f"2 of {len(topics)} topics" in joint_meeting_gate(process).reasons[0]
    reason = joint_meeting_gate(process).reasons[0]
    assert reason.startswith(f"The responsible person {responsible.person.display_code} has not been fully prepared")
    services.preparation_record(actor=world["facilitator"], process=process, participant=responsible,
                                held_on=timezone.localdate(), covered=topics)  # fmt: skip
    assert joint_meeting_gate(process).open
    assert schedule(world, process, both(process)).is_joint


def test_a_one_side_session_needs_no_joint_preparation(world):
    process = ready_process(world, prepared=False)
    session = schedule(world, process, one_side(process, "survivor"))
    assert not session.is_joint


def test_each_reason_links_to_where_it_is_put_right(world):
    process = ready_process(world, prepared=False)
    ProcessFacilitator.objects.filter(process=process).delete()
    Process.objects.filter(pk=process.pk).update(paused=True)
    process.refresh_from_db()
    gate = joint_meeting_gate(process)
    links = {code: (r.fix_url, r.fix_text) for code, r in zip(gate.codes, gate.reasons, strict=True)}
    page = f"/processes/{process.pk}/"
    assert links["facilitator"] == (f"{page}#facilitators", "Assign a facilitator")
    assert links["process_state"] == (f"{page}#stage", "Resume it")
    assert links["preparation"] == (f"{page}#preparation", "Record a preparation meeting")
    html = sign_in(CsrfClient(), world["facilitator"]).get(page).content.decode()
    assert f'<a href="{page}#preparation">Record a preparation meeting</a>' in html
    assert f'<a href="{page}#facilitators">Assign a facilitator</a>' in html


def test_the_process_page_gives_every_field_its_own_id(world):
    from tests.conftest import duplicate_ids

    process = ready_process(world)
    html = sign_in(CsrfClient(), world["facilitator"]).get(f"/processes/{process.pk}/").content.decode()
    assert duplicate_ids(html) == []
    assert '<label for="id_participant_role">' in html and '<label for="id_facilitator_role">' in html


def test_the_case_timeline_shows_each_process_its_moves_pauses_and_end(world):
    process = ready_process(world)
    services.process_move(actor=world["facilitator"], process=process, to_stage="meetings")
    services.process_pause(actor=world["facilitator"], process=process, why="asked")
    services.process_resume(actor=world["facilitator"], process=process)
    services.process_end_early(actor=world["coordinator"], process=process, reason="unsuitable", note="")
    timeline = sign_in(CsrfClient(), world["facilitator"]).get(f"/cases/{process.case_id}/timeline/").content.decode()
    timeline = timeline.split('id="timeline"')[1]
    for words in (
        "Process started: Direct mediation (dialogue)",
        "Direct mediation (dialogue): moved on to “Meetings”",
        "Direct mediation (dialogue) paused",
        "Direct mediation (dialogue) resumed",
        "Direct mediation (dialogue) ended early: Not suitable to continue",
    ):
        assert words in timeline, words
    assert world["facilitator"].display_name in timeline
    # Charlie, outside the organisation, gets nothing (not found).
    charlie = sign_in(CsrfClient(), world.charlie)
    assert charlie.get(f"/cases/{process.case_id}/timeline/").status_code == 404
    assert charlie.get(f"/cases/{process.case_id}/").status_code == 404


def test_a_shuttle_process_shows_no_joint_meeting_panel(world):
    process = ready_process(world, type="indirect_dialogue")
    client = sign_in(CsrfClient(), world["facilitator"])
    html = client.get(f"/processes/{process.pk}/").content.decode()
    assert 'id="gate"' not in html and "A meeting of the survivor and the responsible person" not in html
    assert "the survivor and the responsible person never meet" in html
    assert f"/safety/process/{process.pk}/" in html  # the screenings stay a click away
    booking = client.get(f"/processes/{process.pk}/sessions/new/").content.decode()
    assert "each session is with one side" in booking and "separate arrival and leaving" not in booking
    mediation = ready_process(world)
    assert 'id="gate"' in client.get(f"/processes/{mediation.pk}/").content.decode()


def test_a_one_side_session_gets_an_agenda_for_one_side(world):
    process = ready_process(world)
    alone = schedule(world, process, one_side(process, "survivor"))
    joint = schedule(world, process, both(process), starts_at=tomorrow(17))
    assert "The responsible person listens, then responds" in joint.agenda
    assert "The responsible person listens, then responds" not in alone.agenda
    assert alone.agenda[0].startswith("Check-in")
    client = sign_in(CsrfClient(), world["facilitator"])
    page = client.get(f"/processes/{process.pk}/sessions/{alone.pk}/").content.decode()
    assert "listens, then responds" not in page and "What they want to say, ask or hear" in page
    # A one-side session booked before, with the joint agenda kept: its page shows what fits it.
    Session.objects.filter(pk=alone.pk).update(agenda=joint.agenda)
    page = client.get(f"/processes/{process.pk}/sessions/{alone.pk}/").content.decode()
    assert "listens, then responds" not in page


# --- whose times each participant of a joint meeting is given ----------------------------------------------------


def _joint(hour=14):
    start = tomorrow(hour)
    end = start + datetime.timedelta(minutes=90)
    return Session(
        starts_at=start, duration_minutes=90, mode="in_person", is_joint=True,
        survivor_arrives_at=start - datetime.timedelta(minutes=5), survivor_leaves_at=end,
        responsible_arrives_at=start - datetime.timedelta(minutes=25),
        responsible_leaves_at=end + datetime.timedelta(minutes=20),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("role", "supports", "side"),
    [
        ("survivor", "", "survivor"),
        ("surrogate", "", "survivor"),  # speaks for the survivor: on the survivor's side
        ("responsible", "", "responsible"),
        ("core_member", "", "responsible"),  # a CoSA's core member is the responsible person
        ("supporter", "survivor", "survivor"),
        ("supporter", "responsible", "responsible"),
        ("community", "responsible", "responsible"),
        ("supporter", "", None),  # whose side is not known: no side's times at all
        ("community", "", None),
    ],
)
def test_it_gives_each_participant_only_their_own_sides_times(role, supports, side):
    session = _joint()
    times = times_for(session, ProcessParticipant(role=role, supports=supports))
    if side is None:
        assert times is None
    else:
        assert times == (getattr(session, f"{side}_arrives_at"), getattr(session, f"{side}_leaves_at"))
    assert times_for(session, None) == (session.starts_at, session.ends_at)  # the team's own


def test_it_records_whom_a_supporter_comes_with(world):
    process = ready_process(world)
    supporter = person_create(actor=world["coordinator"], organisation=world.alice_org, kind="other",
                              given_name="Ada", family_name="Comeswith")  # fmt: skip
    in_case = CaseParticipant.objects.create(case=process.case, person=supporter, role="supporter")
    with pytest.raises(ValidationError):  # only a supporter or a community member comes with a side
        services.participant_add(actor=world["facilitator"], process=process, role="survivor", supports="survivor",
                                 case_participant=process.case.participants.get(role="survivor"))  # fmt: skip
    client = sign_in(CsrfClient(), world["facilitator"])
    client.post_form(f"/processes/{process.pk}/participants/",
                     {"case_participant": in_case.pk, "role": "supporter", "supports": ""})  # fmt: skip
    participant = process.participants.get(person=supporter)
    assert participant.supports == "" and participant.side == ""
    page = client.get(f"/processes/{process.pk}/").content.decode()
    assert "whom they come with is not recorded" in page
    url = f"/processes/{process.pk}/participants/{participant.pk}/comes-with/"
    assert client.post_form(url, {"supports": "responsible"}).status_code == 302
    participant.refresh_from_db()
    assert participant.side == "responsible"
    assert "comes with: The responsible person" in client.get(f"/processes/{process.pk}/").content.decode()
    event = AuditEvent.objects.get(action="process.participant_side_set")
    assert event.detail["supports"] == "responsible"
    survivor = process.participants.get(role="survivor")
    response = client.post_form(f"/processes/{process.pk}/participants/{survivor.pk}/comes-with/",
                                {"supports": "responsible"}, follow=True)  # fmt: skip
    assert "Only a supporter or a community member" in response.content.decode()
    assert sign_in(CsrfClient(), world.charlie).post_form(url, {"supports": ""}).status_code == 404
    participant.refresh_from_db()
    assert participant.supports == "responsible"
