"""What each organisation role may do. Later apps add per-case roles on top of these."""

from __future__ import annotations

from enum import StrEnum

from reparo.accounts.models import Role


class Capability(StrEnum):
    VIEW_ORGANISATION = "organisation.view"
    MANAGE_MEMBERS = "members.manage"
    VIEW_AUDIT = "audit.view"
    SEE_ALL_ORG_CASES = "cases.see_all_in_organisation"
    OPEN_CASES = "cases.open"
    FACILITATE = "processes.facilitate"
    SIGN_OFF_SCREENINGS = "safety.sign_off"
    VOLUNTEER_IN_COSA = "processes.cosa_volunteer"
    VIEW_EVALUATION = "evaluation.view"
    RECEIVE_REFERRALS = "referrals.receive"


_EVERY_ROLE = {Capability.VIEW_ORGANISATION}

ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.ORG_ADMIN: frozenset(
        _EVERY_ROLE
        | {Capability.MANAGE_MEMBERS, Capability.VIEW_AUDIT, Capability.SEE_ALL_ORG_CASES, Capability.OPEN_CASES}
    ),
    Role.COORDINATOR: frozenset(_EVERY_ROLE | {Capability.SEE_ALL_ORG_CASES, Capability.OPEN_CASES}),
    Role.FACILITATOR: frozenset(_EVERY_ROLE | {Capability.FACILITATE}),
    Role.CASE_WORKER: frozenset(_EVERY_ROLE | {Capability.OPEN_CASES}),
    Role.SUPERVISOR: frozenset(_EVERY_ROLE | {Capability.SIGN_OFF_SCREENINGS, Capability.FACILITATE}),
    Role.COSA_VOLUNTEER: frozenset(_EVERY_ROLE | {Capability.VOLUNTEER_IN_COSA}),
    Role.EVALUATOR: frozenset(_EVERY_ROLE | {Capability.VIEW_EVALUATION}),
    Role.PARTNER_LIAISON: frozenset(_EVERY_ROLE | {Capability.RECEIVE_REFERRALS}),
}


def roles_with(capability: Capability) -> list[str]:
    return [role for role, caps in ROLE_CAPABILITIES.items() if capability in caps]
