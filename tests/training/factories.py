"""Training helpers for tests: a current certification that covers every process type (made directly, as an
assessor would have issued it once the requirements were met)."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from reparo.training.framework import competencies_of
from reparo.training.models import Certification, CertificationStatus, Level


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
