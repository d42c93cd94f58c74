"""Who may do what in training, inside one organisation, as the capability table says (``reparo.access``):
facilitators their own records; those who manage training (coordinators, org admins, supervisors) their
organisation's; those who issue certifications (supervisors and org admins) issue them."""

from __future__ import annotations

from typing import Any

from reparo.access.actors import user_can
from reparo.access.capabilities import Capability
from reparo.organisations.selectors import home_organisation

__all__ = ["home_organisation", "is_admin", "is_assessor", "is_manager", "is_member", "is_supervisor"]


def is_manager(user: Any, organisation: Any) -> bool:
    return user_can(user, Capability.MANAGE_TRAINING, organisation=organisation)


def is_assessor(user: Any, organisation: Any) -> bool:
    return user_can(user, Capability.ISSUE_CERTIFICATIONS, organisation=organisation)


def is_admin(user: Any, organisation: Any) -> bool:
    """Keeps the competency framework and each program's requirements."""
    return user_can(user, Capability.MANAGE_FRAMEWORK, organisation=organisation)


def is_supervisor(user: Any, organisation: Any) -> bool:
    return user_can(user, Capability.SUPERVISE_FACILITATORS, organisation=organisation)


def is_member(user: Any, organisation: Any) -> bool:
    return user_can(user, Capability.WORK_IN_PROGRAM, organisation=organisation)
