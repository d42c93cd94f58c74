"""A shuttle dialogue on Alice's case with the survivor and the responsible person taking part, the facilitator as
lead, and (by default) the survivor's and the responsible person's agreement to have messages passed on."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from reparo.consent.services import consent_record
from reparo.messaging.actors import ParticipantActor
from reparo.people.models import Person
from reparo.processes.models import Process
from tests.processes.factories import ready_process

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 32


@dataclass
class Dialogue:
    process: Process
    survivor: Person
    responsible: Person

    @property
    def case(self) -> Any:
        return self.process.case

    def as_survivor(self) -> ParticipantActor:
        return ParticipantActor(person=self.survivor, case=self.case)

    def as_responsible(self) -> ParticipantActor:
        return ParticipantActor(person=self.responsible, case=self.case)


def agree_to_relay(world: Any, person: Person, case: Any) -> Any:
    return consent_record(
        actor=world["facilitator"], person=person, purpose="relay", method="written",
        given_at=timezone.now() - datetime.timedelta(minutes=1), case=case,
    )  # fmt: skip


def dialogue(world: Any, *, consent: bool = True, **case_kwargs: Any) -> Dialogue:
    process = ready_process(world, type="indirect_dialogue", safe=False, prepared=False)
    survivor = process.participants.get(role="survivor").person
    responsible = process.participants.get(role="responsible").person
    if consent:
        agree_to_relay(world, survivor, process.case)
        agree_to_relay(world, responsible, process.case)
    return Dialogue(process=process, survivor=survivor, responsible=responsible)
