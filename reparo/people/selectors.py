"""Reads about people, limited to what the actor may see."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from reparo.people.models import Person


def people_visible_to(actor: Any, *, work: bool = False) -> QuerySet[Person]:
    """People in a case the actor can see (on the case's own side), or of an organisation where the actor
    sees all cases. With ``work=True``, only people the actor may act for (record agreements, edit): a
    volunteer on the responsible-person side reads, but does not act."""
    from reparo.accounts.models import Membership
    from reparo.accounts.roles import Capability
    from reparo.accounts.selectors import organisation_ids_where
    from reparo.cases.models import CaseParticipant, CaseTeamMember, ParticipantRole, TeamRole

    if not (getattr(actor, "is_authenticated", False) and actor.is_active):
        return Person.objects.none()
    org_ids = organisation_ids_where(actor, Capability.SEE_ALL_ORG_CASES)
    member_org_ids = list(
        Membership.objects.filter(user=actor, is_active=True).values_list("organisation_id", flat=True)
    )
    worker_roles = [r for r in TeamRole.values if r != TeamRole.COSA_VOLUNTEER]
    # Team roles count only while the actor still holds an active role in the case's organisation.
    teams = CaseTeamMember.objects.filter(user=actor, case__organisation_id__in=member_org_ids)
    as_worker = CaseParticipant.objects.filter(
        person=OuterRef("pk"), case__in=teams.filter(role__in=worker_roles).values("case_id")
    )
    # A volunteer on the responsible-person side sees the responsible person only: never the survivor, nor the
    # survivor's supporters.
    as_volunteer = CaseParticipant.objects.filter(
        person=OuterRef("pk"),
        case__in=teams.filter(role=TeamRole.COSA_VOLUNTEER).values("case_id"),
        role=ParticipantRole.RESPONSIBLE,
    )
    condition = Q(Exists(as_worker)) if work else Q(Exists(as_worker)) | Q(Exists(as_volunteer))
    if org_ids:
        condition |= Q(organisation_id__in=org_ids)
    return Person.objects.filter(condition)


def person_get_for(actor: Any, pk: Any, *, work: bool = False) -> Person:
    try:
        return people_visible_to(actor, work=work).select_related("organisation").get(pk=pk)
    except (Person.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None


def cases_of_person_for(actor: Any, person: Person) -> Any:
    """The cases this person takes part in that the actor can see, with the person's role in each."""
    from reparo.cases.models import CaseParticipant
    from reparo.cases.selectors import cases_visible_to

    return (
        CaseParticipant.objects.filter(person=person, case__in=cases_visible_to(actor))
        .select_related("case", "case__program")
        .order_by("-case__updated_at")
    )


def can_erase(actor: Any, person: Person) -> bool:
    from reparo.accounts.roles import Capability
    from reparo.accounts.selectors import user_can

    return user_can(actor, Capability.MANAGE_MEMBERS, organisation=person.organisation) and not person.erased_at
