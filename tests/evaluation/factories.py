"""Helpers for evaluation tests: consents through the consent service, schedules through ours."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from reparo.cases.models import Case
from reparo.consent.models import Consent
from reparo.consent.services import consent_record
from reparo.evaluation import services
from reparo.evaluation.models import SurveySchedule
from reparo.people.models import Person


def survivor_of(case: Case) -> Person:
    return case.participants.get(role="survivor").person


def responsible_of(case: Case) -> Person:
    return case.participants.get(role="responsible").person


def agree_to_evaluation(world: Any, person: Person, *, days_ago: int = 30) -> Consent:
    return consent_record(
        actor=world["coordinator"], person=person, purpose="evaluation", method="written",
        given_at=timezone.now() - datetime.timedelta(days=days_ago),
    )  # fmt: skip


def schedule(
    world: Any, instrument: str = "who5", timepoint: str = "baseline", audience: str = "both"
) -> SurveySchedule:
    return services.schedule_line_add(
        actor=world["coordinator"], program=world.program, instrument=instrument, timepoint=timepoint,
        audience=audience,
    )  # fmt: skip


def full(code: str, value: int, n: int) -> dict[str, int | None]:
    return {f"{code}_{i}": value for i in range(1, n + 1)}
