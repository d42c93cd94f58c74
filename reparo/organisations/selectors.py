"""Reads about organisations, programs and their activity log, limited to what the actor may see."""

from __future__ import annotations

import datetime
import functools
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from reparo.access.actors import organisation_ids_where, user_ids_in
from reparo.access.capabilities import Capability
from reparo.access.lookup import clean_pk, lookup, one_or_404, refuse
from reparo.audit.models import AuditEvent
from reparo.core.prepared import Param, Prepared
from reparo.organisations.models import Organisation, OrganisationKind, Program


def organisations_where(actor: Any, capability: Capability) -> QuerySet[Organisation]:
    """Organisations in which ``actor`` holds a role that grants ``capability``."""
    ids = organisation_ids_where(actor, capability)
    if not ids:
        return Organisation.objects.none()
    return Organisation.objects.filter(pk__in=ids)


@lookup("organisations.organisation")
def organisation_get_for(actor: Any, pk: Any, *, need: Capability = Capability.VIEW_ORGANISATION) -> Organisation:
    """The organisation, if ``actor`` holds ``need`` in it; otherwise 404 (never 403)."""
    ids = organisation_ids_where(actor, need)
    found = _organisation_among(tuple(ids))(pk=clean_pk(Organisation, pk)) if ids else []
    if not found:
        raise refuse()
    return found[0]


@functools.lru_cache(maxsize=256)
def _organisation_among(ids: tuple[int, ...]) -> Prepared[Organisation]:
    """:func:`organisations_where` for these ids, narrowed to one key: compiled once a process and set of ids (every
    page of an organisation looks it up)."""
    return Prepared(lambda: Organisation.objects.filter(pk__in=list(ids)).filter(pk=Param("pk", Organisation)))


def organisations_visible_to(actor: Any) -> QuerySet[Organisation]:
    """Each with ``active_programs``, a list of its active programs by name."""
    return organisations_where(actor, Capability.VIEW_ORGANISATION).prefetch_related(
        Prefetch(
            "programs", queryset=Program.objects.filter(is_active=True).order_by("name"), to_attr="active_programs"
        )
    )


def partners_directory(actor: Any) -> QuerySet[Organisation]:
    """Partner organisations, listed for anyone who works in an organisation."""
    if not organisation_ids_where(actor, Capability.VIEW_ORGANISATION):
        return Organisation.objects.none()
    return Organisation.objects.filter(kind=OrganisationKind.PARTNER, is_active=True).order_by("name")


def active_programs_of(organisation: Organisation) -> list[Program]:
    return list(Program.objects.filter(organisation=organisation, is_active=True).order_by("name"))


def home_organisation(actor: Any) -> Organisation:
    """The program-operator organisation the actor works in (training is per organisation); 404 without one."""
    ids = organisation_ids_where(actor, Capability.WORK_IN_PROGRAM)
    found = Organisation.objects.filter(pk__in=ids, kind=OrganisationKind.OPERATOR).order_by("pk").first()
    if found is None:
        raise Http404
    return found


# --- programs --------------------------------------------------------------------------------------------


def programs_where(actor: Any, capability: Capability) -> QuerySet[Program]:
    """Programs of the organisations in which ``actor`` holds ``capability``."""
    return programs_of_organisations(organisation_ids_where(actor, capability))


def programs_of_organisations(ids: list[int]) -> QuerySet[Program]:
    """The programs of these organisations, with their organisation (:func:`programs_where` once the ids are known)."""
    return Program.objects.filter(organisation_id__in=ids).select_related("organisation")


@lookup("organisations.program")
def program_get_for(actor: Any, pk: Any, *, need: Capability) -> Program:
    """A program of an organisation in which ``actor`` holds ``need`` (``VIEW_EVALUATION`` for its surveys,
    ``SEE_ALL_ORG_CASES`` for its safety settings); else 404."""
    return one_or_404(programs_where(actor, need), pk)


# --- the activity log -----------------------------------------------------------------------------------


def audit_events_for(
    actor: Any,
    *,
    action: str = "",
    actor_email: str = "",
    object_type: str = "",
    object_id: str = "",
    since: datetime.date | None = None,
    until: datetime.date | None = None,
) -> QuerySet[AuditEvent]:
    """Audit events an organisation admin may read: those recorded against their organisations, and the
    organisation-less events (sign-in, two factors) of people who hold an active role in them."""
    org_ids = organisation_ids_where(actor, Capability.VIEW_AUDIT)
    if not org_ids:
        return AuditEvent.objects.none()
    # Events of these organisations; and events that belong to no organisation (sign-in and the like) of
    # people who hold an active role here. Another organisation's events are never shown.
    events = AuditEvent.objects.filter(
        Q(organisation_id__in=org_ids) | Q(organisation__isnull=True, actor_id__in=user_ids_in(org_ids))
    )
    if action:
        events = events.filter(action__startswith=action)
    if actor_email:
        events = events.filter(actor_label__iexact=actor_email.strip())
    if object_type:
        events = events.filter(object_type=object_type)
    if object_id:
        events = events.filter(object_id=object_id.strip())
    if since:
        events = events.filter(at__date__gte=since)
    if until:
        events = events.filter(at__date__lte=until)
    return events.select_related("actor").order_by("-at", "-id")  # the actor: to show their name
