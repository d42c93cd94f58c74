"""Training helpers for tests: a current certification that covers every process type (made directly, as an
assessor would have issued it once the requirements were met), and a colleague's observation of a session."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from reparo.processes import services as process_services
from reparo.training import services
from reparo.training.framework import competencies_of
from reparo.training.models import Certification, CertificationStatus, Level, Observation
from tests.processes.factories import ready_process, tomorrow

RATINGS = {"mediation": 4, "trauma_informed": 4}


def certify(
    user: Any,
    program: Any,
    *,
    issued_on: datetime.date | None = None,
    expires_on: datetime.date | None = None,
    levels: dict[str, int] | None = None,
) -> Certification:
    """Certify ``user`` in ``program`` (advanced in every competency unless ``levels``); idempotent by default."""
    today = timezone.localdate()
    if issued_on is None and expires_on is None and levels is None:
        found = Certification.objects.filter(user=user, program=program, status=CertificationStatus.ACTIVE).first()
        if found:
            return found
    return Certification.objects.create(
        program=program,
        user=user,
        levels=levels
        if levels is not None
        else {c.code: Level.ADVANCED for c in competencies_of(program.organisation)},
        issued_on=issued_on or today - datetime.timedelta(days=30),
        expires_on=expires_on or today + datetime.timedelta(days=700),
    )


def certify_world(world: Any) -> None:
    """The world's facilitator and supervisor, certified in the world's program."""
    for role in ("facilitator", "supervisor"):
        certify(world[role], world.program)


def observe_as(
    world: Any, actor: Any, *, role: str = "co_facilitator", session: Any = None, facilitator: Any = None
) -> Observation:
    """``actor`` records a good observation (``RATINGS``) of the world's facilitator today."""
    return services.observation_record(
        actor=actor,
        organisation=world.alice_org,
        facilitator=facilitator or world["facilitator"],
        observer_role=role,
        observed_on=timezone.localdate(),
        ratings=RATINGS,
        session=session,
    )


def shared_session(world: Any, co_facilitator: Any) -> Any:
    """A session tomorrow that the world's facilitator leads with ``co_facilitator`` (certified for it)."""
    certify(co_facilitator, world.program)
    process = ready_process(world)
    return process_services.session_schedule(
        actor=world["facilitator"],
        process=process,
        starts_at=tomorrow(),
        duration_minutes=60,
        mode="in_person",
        invited=list(process.participants.filter(role="survivor")),
        co_facilitator=co_facilitator,
    )
