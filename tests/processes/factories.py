from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from reparo.processes import services
from reparo.processes.content import checklist_for
from reparo.processes.models import Process, ProcessParticipant
from tests.cases.factories import alice_case
from tests.safety.factories import make_safe


def ready_process(world: Any, *, type: str = "direct_mediation", prepared: bool = True, safe: bool = True) -> Process:
    """A process on Alice's case with the survivor and the responsible person taking part, the lead facilitator
    assigned, and (by default) each prepared in a meeting alone (every topic of the checklist) and, when ``safe``,
    with current signed-off screenings, a low-risk assessment and the survivor's consent (tests/safety/factories.py):
    the joint-meeting gate is open."""
    case = alice_case(world)
    process = services.process_open(actor=world["facilitator"], case=case, type=type)
    for case_participant in case.participants.all():
        services.participant_add(
            actor=world["facilitator"], process=process, case_participant=case_participant, role=case_participant.role
        )
    services.facilitator_assign(
        actor=world["coordinator"], process=process, user=world["facilitator"], role="facilitator"
    )
    if prepared:
        for participant in process.participants.all():
            services.preparation_record(
                actor=world["facilitator"], process=process, participant=participant,
                held_on=timezone.localdate(), covered=[key for key, _label in checklist_for(process.type)],
            )  # fmt: skip
    if safe:
        make_safe(world, process)
    return process


def both(process: Process) -> list[ProcessParticipant]:
    return list(process.participants.filter(role__in=["survivor", "responsible"]))


def one_side(process: Process, role: str) -> list[ProcessParticipant]:
    return list(process.participants.filter(role=role))


def tomorrow(hour: int = 14) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))
