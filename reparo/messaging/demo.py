"""A little messaging for the demo (development only, through the services): one shuttle dialogue with a message from
the survivor to their team, the team's own conversation, and a letter waiting in the facilitators' queue. Runs once:
nothing is added when the operator already has conversations."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from reparo.access.capabilities import TeamRole
from reparo.cases import services as case_services
from reparo.consent.services import consent_record
from reparo.messaging import services
from reparo.messaging.actors import ParticipantActor
from reparo.messaging.models import Thread
from reparo.organisations.models import Organisation, Program
from reparo.processes import services as process_services


def seed_messaging_demo(*, operator: Organisation, users: dict[str, Any]) -> None:
    """``users``: the demo users by their e-mail's first part (coordinator, facilitator, caseworker, volunteer...)."""
    if Thread.objects.filter(case__organisation=operator).exists():
        return
    program = Program.objects.filter(organisation=operator).order_by("pk").first()
    if program is None:
        return
    coordinator, facilitator = users["coordinator"], users["facilitator"]
    case = case_services.case_open(
        actor=coordinator,
        program=program,
        referral_source="ngo",
        referral_date=timezone.localdate() - datetime.timedelta(days=30),
        summary="Demo case for conversations and letters passed on through the facilitator.",
        survivor={"given_name": "Demo", "family_name": "Survivor", "languages": ["en"]},
        responsible={"given_name": "Demo", "family_name": "Responsible"},
    )
    for slug, role in (
        ("facilitator", TeamRole.LEAD_FACILITATOR),
        ("supervisor", TeamRole.SUPERVISOR),
        ("volunteer", TeamRole.COSA_VOLUNTEER),
    ):
        case_services.team_member_add(actor=coordinator, case=case, user=users[slug], role=role)
    process = process_services.process_open(actor=facilitator, case=case, type="indirect_dialogue")
    for participant in case.participants.all():
        process_services.participant_add(
            actor=facilitator, process=process, case_participant=participant, role=participant.role
        )
    survivor = case.participants.get(role="survivor").person
    consent_record(
        actor=facilitator, person=survivor, purpose="relay", method="written", case=case,
        given_at=timezone.now() - datetime.timedelta(days=1),
    )  # fmt: skip
    as_survivor = ParticipantActor(person=survivor, case=case)
    services.message_post(
        actor=as_survivor,
        thread=services.participant_thread(actor=as_survivor),
        body="Thank you for last week. I have written the letter we talked about.",
    )
    team = services.thread_open(actor=facilitator, case=case)
    services.message_post(
        actor=facilitator, thread=team, body="The letter is in the queue. Can we read it together on Thursday?"
    )
    services.relay_submit(
        actor=as_survivor, process=process, kind="letter",
        body="I want you to know what those months did to my family, and what I need from you now.",
    )  # fmt: skip
