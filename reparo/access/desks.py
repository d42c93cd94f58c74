"""Desks: what a role has a person do day to day, so that the home page shows each person the work of their roles
(and nothing of roles they do not hold). The home page's sections are registered per desk
(:mod:`reparo.organisations.extensions`); this is the one place that says which roles sit at which desk."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.utils.translation import gettext_lazy as _

from reparo.access.actors import active_roles
from reparo.accounts.models import Role


class Desk(StrEnum):
    COORDINATION = "coordination"
    FACILITATION = "facilitation"
    SUPERVISION = "supervision"
    CASE_WORK = "case_work"
    EVALUATION = "evaluation"
    ADMINISTRATION = "administration"


# In the order the home page shows them.
DESK_LABELS: dict[Desk, Any] = {
    Desk.COORDINATION: _("Coordination"),
    Desk.SUPERVISION: _("Supervision"),
    Desk.FACILITATION: _("Facilitation"),
    Desk.CASE_WORK: _("Case work"),
    Desk.EVALUATION: _("Evaluation"),
    Desk.ADMINISTRATION: _("Administration"),
}

# A supervisor may also facilitate (the capability table lets them): the supervision desk shows their own sessions
# and tasks when they have some.
ROLE_DESKS: dict[str, tuple[Desk, ...]] = {
    Role.ORG_ADMIN: (Desk.ADMINISTRATION,),
    Role.COORDINATOR: (Desk.COORDINATION,),
    Role.FACILITATOR: (Desk.FACILITATION,),
    Role.SUPERVISOR: (Desk.SUPERVISION,),
    Role.CASE_WORKER: (Desk.CASE_WORK,),
    Role.EVALUATOR: (Desk.EVALUATION,),
}


def desks_of(actor: Any) -> dict[Desk, tuple[int, ...]]:
    """Each desk the actor sits at, with the organisations (ids) where a role puts them there; in the home page's
    order. Read from the roles the request already holds (no query of its own)."""
    found: dict[Desk, set[int]] = {}
    for organisation_id, role in active_roles(actor):
        for desk in ROLE_DESKS.get(role, ()):
            found.setdefault(desk, set()).add(organisation_id)
    return {desk: tuple(sorted(found[desk])) for desk in DESK_LABELS if desk in found}
