"""Helpers that make a process safe to bring the two sides together: current, signed-off screenings of both,
a low-risk assessment, and the survivor's consent to the process."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from reparo.consent.services import consent_record
from reparo.processes.models import Process
from reparo.safety import services
from reparo.safety.gate import process_consent_ref
from reparo.safety.instruments import instrument_get
from reparo.safety.models import Screening


def all_answers(kind: str, value: str | None = None) -> dict[str, str]:
    instrument = instrument_get(kind)
    return dict.fromkeys(instrument.keys, value or ("yes" if instrument.answers == "met" else "absent"))


def screen(
    world: Any, process: Process, kind: str, *, person: Any = None, outcome: str = "ready", risk_level: str = "low",
    sign: bool = True, at: datetime.datetime | None = None, reasons: str = "",
) -> Screening:  # fmt: skip
    screening = services.screening_complete(
        actor=world["facilitator"], process=process, kind=kind, answers=all_answers(kind), person=person,
        outcome=outcome, risk_level=risk_level, reasons=reasons or ("" if outcome == "ready" else "Not yet."),
        at=at,
    )  # fmt: skip
    if sign:
        screening = services.screening_sign_off(actor=world["supervisor"], screening=screening, at=at)
    return screening


def consent_to(world: Any, process: Process, person: Any) -> Any:
    return consent_record(
        actor=world["facilitator"], person=person, purpose="process", method="written",
        given_at=timezone.now() - datetime.timedelta(minutes=1), case=process.case,
        process_ref=process_consent_ref(process),
    )  # fmt: skip


def make_safe(world: Any, process: Process, *, skip: frozenset[str] = frozenset()) -> Process:
    """Everything the safety conditions of the gate need, except the conditions named in ``skip``."""
    survivor = process.participants.filter(role="survivor").select_related("person").first()
    responsible = process.participants.filter(role__in=["responsible", "core_member"]).select_related("person").first()
    if survivor and "survivor_readiness" not in skip:
        screen(world, process, "survivor_readiness", person=survivor.person)
    if responsible and "responsible_readiness" not in skip:
        screen(world, process, "responsible_suitability", person=responsible.person)
    if "risk" not in skip:
        screen(world, process, "risk_assessment")
    if survivor and "consent" not in skip:
        consent_to(world, process, survivor.person)
    return process
