"""Helpers that open cases the way intake does (through the service), for tests."""

from __future__ import annotations

import datetime
import itertools
from typing import Any

from reparo.cases import services
from reparo.cases.models import Case, CaseTeamMember, TeamRole
from reparo.organisations.models import Program

_counter = itertools.count(1)


def open_case(
    *,
    actor: Any,
    program: Program,
    survivor_name: tuple[str, str] | None = None,
    phone: str | None = None,
    email: str | None = None,
    responsible_name: tuple[str, str] | None = ("Rex", "Responsible"),
    team: list[tuple[Any, str]] = (),  # type: ignore[assignment]
) -> Case:
    n = next(_counter)
    given, family = survivor_name or (f"Sofia{n}", f"Survivor{n}")
    case = services.case_open(
        actor=actor,
        program=program,
        referral_source="ngo",
        referral_date=datetime.date(2026, 1, 15),
        summary=f"Summary of {given} {family}",
        survivor={
            "given_name": given,
            "family_name": family,
            "phone": phone or f"+44 7700 9{n:05d}",
            "email": email or f"{given.lower()}.{n}@mail.example",
            "address": f"{n} Hidden Street, Secret Town",
        },
        responsible={"given_name": responsible_name[0], "family_name": responsible_name[1]}
        if responsible_name
        else None,
        exploitation_types=["ForcedLabour"],
        needs=[{"category": "safety", "priority": 1, "statement": "I need to feel safe at home"}],
    )
    for user, role in team:
        CaseTeamMember.objects.get_or_create(case=case, user=user, role=role)
    return case


def alice_case(world: Any, **kwargs: Any) -> Case:
    """A case in Alice's organisation, opened by the coordinator, with the facilitator as lead, the case worker
    and the supervisor on the team and the CoSA volunteer on the responsible-person side. The facilitator and the
    supervisor are certified (issue 6: only certified facilitators can be assigned)."""
    from tests.training.factories import certify_world

    certify_world(world)
    team = [
        (world["facilitator"], TeamRole.LEAD_FACILITATOR),
        (world["case_worker"], TeamRole.CASE_WORKER),
        (world["supervisor"], TeamRole.SUPERVISOR),
        (world["cosa_volunteer"], TeamRole.COSA_VOLUNTEER),
    ]
    return open_case(actor=world["coordinator"], program=world.program, team=team, **kwargs)
