"""What the two HTCDS commands share: finding the organisation, the program and the admin the work is done as."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError
from django.http import Http404

from reparo.access.actors import users_with
from reparo.access.capabilities import Capability
from reparo.interop import selectors
from reparo.organisations.models import Organisation, Program


def organisation(name: str) -> Organisation:
    try:
        return selectors.organisation_named(name)
    except Http404:
        raise CommandError(f"There is no organisation called {name!r}.") from None


def program(org: Organisation, name: str) -> Program:
    try:
        return selectors.program_named(org, name)
    except Http404:
        raise CommandError(f"{org.name} has no program called {name!r}.") from None


def acting_admin(
    org: Organisation, email: str | None, capability: Capability, *, who: str = "organisation admin"
) -> Any:
    """The user the command acts as (and the audit log names), one who holds ``capability`` in ``org`` (``who`` says
    in words who that is): ``--user``, or the organisation's only one."""
    admins = users_with(org, capability)
    if email:
        found = admins.filter(email__iexact=email).first()
        if found is None:
            raise CommandError(f"{email} is not an active {who} of {org.name}.")
        return found
    found_all = list(admins[:2])
    if len(found_all) != 1:
        raise CommandError(f"{org.name} has {'no' if not found_all else 'several'} {who}s: say which one "
                           "the work is done as with --user EMAIL.")  # fmt: skip
    return found_all[0]
