"""Reads about partners, data-sharing agreements and referrals, limited to what the actor may see.

Staff see the directory, and the referrals of cases they work on. A partner user sees the referrals addressed to
their organisation, once sent, and nothing else: not found, for anything else, looks the same as not there (404).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Case as DbCase
from django.db.models import Count, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from reparo.access.actors import organisation_ids_where, user_can
from reparo.access.capabilities import Capability
from reparo.access.lookup import lookup, one_or_404, refuse
from reparo.cases.models import Case, CaseParticipant
from reparo.cases.selectors import USER_BRIEF, TimelineEntry, case_access_for, cases_visible_to, read_once
from reparo.core.prepared import Param, Prepared
from reparo.organisations.models import Organisation, OrganisationKind, Program
from reparo.people.models import Person, PersonKind
from reparo.referrals.models import (
    DEFAULT_ANSWER_DAYS,
    PARTNER_SEES_PACKET,
    AgreementDocument,
    AgreementStatus,
    EventKind,
    IncomingReferral,
    IncomingStatus,
    PartnerProfile,
    ProgramReferralSettings,
    Referral,
    ReferralEvent,
    ReferralPacket,
    ReferralStatus,
    SharingAgreement,
    Side,
)

# --- the directory -----------------------------------------------------------------------------------------------


def directory(actor: Any, *, service: str = "", language: str = "", area: str = "") -> QuerySet[PartnerProfile]:
    """Active partner organisations with what they offer, for anyone who works in a program; searched by service,
    language and area served (words in it)."""
    if not user_can(actor, Capability.WORK_IN_PROGRAM):
        return PartnerProfile.objects.none()
    partners = PartnerProfile.objects.filter(
        organisation__kind=OrganisationKind.PARTNER, organisation__is_active=True
    ).select_related("organisation")
    if service:
        partners = partners.filter(offers__service=service)
    if language:
        partners = partners.filter(spoken__language=language)
    if area.strip():
        partners = partners.filter(area_served__icontains=area.strip())
    return partners.distinct().prefetch_related("offers", "spoken").order_by("organisation__name")


@lookup("referrals.partnerprofile")
def partner_get_for(actor: Any, pk: Any, *, need: Capability = Capability.WORK_IN_PROGRAM) -> PartnerProfile:
    """A partner of the directory (its key is the organisation's), for an actor who holds ``need`` in some
    organisation: ``WORK_IN_PROGRAM`` to read it, ``MANAGE_PARTNERS`` (organisation admins) to keep it."""
    if not user_can(actor, need):
        raise refuse()
    return one_or_404(directory(actor), pk)


def partner_choices(actor: Any) -> QuerySet[Organisation]:
    """Partner organisations a referral may be addressed to (the directory's)."""
    return Organisation.objects.filter(pk__in=directory(actor).values("organisation_id")).order_by("name")


# --- data-sharing agreements -------------------------------------------------------------------------------------


def sharing_agreements_for(actor: Any, *, partner: Any = None, status: str = "") -> QuerySet[SharingAgreement]:
    """The data-sharing agreements of the organisations the actor keeps partnerships for (organisation admins)."""
    operators = organisation_ids_where(actor, Capability.MANAGE_PARTNERS)
    agreements = SharingAgreement.objects.filter(operator_id__in=operators).select_related("operator", "partner")
    if partner is not None:
        agreements = agreements.filter(partner=partner)
    if status:
        agreements = agreements.filter(status=status)
    return agreements.order_by("partner__name", "-valid_from", "-created_at")


@lookup("referrals.sharingagreement")
def sharing_agreement_get_for(actor: Any, pk: Any) -> SharingAgreement:
    """A data-sharing agreement of an organisation in which the actor keeps partnerships (``MANAGE_PARTNERS``)."""
    return one_or_404(sharing_agreements_for(actor), pk)


def document_or_none(agreement: SharingAgreement) -> AgreementDocument | None:
    """The signed document of an agreement already looked up (without reading its bytes), if uploaded."""
    return AgreementDocument.objects.filter(agreement=agreement).defer("content").first()


def document_of(agreement: SharingAgreement) -> AgreementDocument:
    """The signed document of an agreement already looked up; 404 when none was uploaded."""
    document = AgreementDocument.objects.filter(agreement=agreement).first()
    if document is None:
        raise refuse()
    return document


def uses_reparo(partner: Any) -> bool:
    """Whether the partner's staff receive referrals in Reparo (else the team prints or downloads the packet)."""
    partner_id = getattr(partner, "pk", partner)
    return PartnerProfile.objects.filter(organisation_id=partner_id, uses_reparo=True).exists()


def agreements_in_force_with(actor: Any, partner: Organisation) -> list[SharingAgreement]:
    """For the partner's page: the agreements in force today between the organisations the actor works in and
    ``partner`` (what they cover, never the document)."""
    today = timezone.localdate()
    operators = organisation_ids_where(actor, Capability.WORK_IN_PROGRAM)
    rows = SharingAgreement.objects.filter(operator_id__in=operators, partner=partner, status=AgreementStatus.IN_FORCE)
    return [a for a in rows.select_related("operator").order_by("-valid_from") if a.in_force_on(today)]


def operators_managed_by(actor: Any) -> QuerySet[Organisation]:
    return Organisation.objects.filter(
        pk__in=organisation_ids_where(actor, Capability.MANAGE_PARTNERS), kind=OrganisationKind.OPERATOR
    ).order_by("name")


def programs_managed_by(actor: Any) -> list[tuple[Program, int]]:
    """The programs whose referral settings the actor keeps, with each one's days to answer."""
    programs = Program.objects.filter(
        organisation_id__in=organisation_ids_where(actor, Capability.MANAGE_PARTNERS), is_active=True
    ).order_by("organisation__name", "name")
    days = dict(ProgramReferralSettings.objects.filter(program__in=programs).values_list("program_id", "answer_days"))
    return [(p, days.get(p.pk, DEFAULT_ANSWER_DAYS)) for p in programs]


def answer_days_for(program: Any) -> int:
    found = ProgramReferralSettings.objects.filter(program=program).values_list("answer_days", flat=True).first()
    return int(found) if found is not None else DEFAULT_ANSWER_DAYS


# --- referrals out: the sending side -----------------------------------------------------------------------------


def _received_by(actor: Any) -> QuerySet[Referral]:
    partners = organisation_ids_where(actor, Capability.RECEIVE_REFERRALS)
    return Referral.objects.filter(partner_id__in=partners).exclude(status=ReferralStatus.DRAFT)


@lookup("referrals.referral")
def referral_get_for(actor: Any, pk: Any, *, need: Capability = Capability.WORK_ON_CASE) -> Referral:
    """The sending side (``need`` a case capability, ``WORK_ON_CASE`` by default): a referral of a case on which
    the actor may do ``need``. The partner side (``need=RECEIVE_REFERRALS``): a referral addressed to an
    organisation in which the actor receives referrals, once sent (never a draft). Else 404."""
    if need == Capability.RECEIVE_REFERRALS:
        return one_or_404(_received_by(actor).select_related("partner", "program__organisation"), pk)
    referral = one_or_404(
        Referral.objects.filter(case__in=cases_visible_to(actor)).select_related(
            "case", "partner", "person", "program", "organisation", "agreement", "created_by"
        ),
        pk,
    )
    if need not in case_access_for(actor, referral.case).capabilities:
        raise refuse()
    return referral


def referrals_of_case(case: Case) -> list[Referral]:
    """The case's referrals, newest first, with each partner's name and each person's code (the caller checked the
    actor may work on the case). Read once a request: for the case page's panel, or for the timeline."""
    return read_once(case, "referrals", _referrals_read)


def _referrals() -> QuerySet[Referral]:
    own = [f.name for f in Referral._meta.concrete_fields]
    return (
        Referral.objects.filter(case_id=Param("case", Case))
        .select_related("partner", "person")
        .only(*own, "partner__name", "person__display_code")
        .order_by("-created_at")
    )


_referrals_read: Prepared[Referral] = Prepared(_referrals)


def referral_people(case: Case) -> QuerySet[Person]:
    """The people of a case a referral may be for: everyone taking part, except people whose details were erased."""
    ids = CaseParticipant.objects.filter(case=case).values("person_id")
    survivor_first = DbCase(When(kind=PersonKind.SURVIVOR, then=Value(0)), default=Value(1))
    return Person.objects.filter(pk__in=ids, erased_at__isnull=True).order_by(survivor_first, "kind", "display_code")


def events_of(referral: Referral) -> list[ReferralEvent]:
    return list(referral.events.select_related("actor").order_by("at", "id"))


def packet_of(referral: Referral) -> ReferralPacket | None:
    """The sent packet, for the sending team (who looked the referral up): None before it is sent."""
    return ReferralPacket.objects.filter(referral=referral).first()


def timeline_entries(actor: Any, case: Case, access: Any) -> list[TimelineEntry]:
    """Each move of each referral of the case, for the case's timeline (the team only): the referrals as the page's
    panel reads them (:func:`referrals_of_case`), then their moves in one query, if there are any."""
    if not access.can_work:
        return []
    referrals = {referral.pk: referral for referral in referrals_of_case(case)}
    if not referrals:
        return []
    entries = []
    own = [f.name for f in ReferralEvent._meta.concrete_fields]
    events = (
        ReferralEvent.objects.filter(referral_id__in=list(referrals))
        .select_related("actor")
        .only(*own, *(f"actor__{name}" for name in USER_BRIEF))
    )
    for event in events:
        referral = referrals[event.referral_id]
        where = _("Referral %(code)s to %(partner)s") % {"code": referral.code, "partner": referral.partner.name}
        if event.kind == EventKind.ACCESS_ENDED:
            text = _("%(referral)s: the partner's access ended") % {"referral": where}
        elif event.kind == EventKind.UPDATE:
            text = _("%(referral)s: update from the partner") % {"referral": where}
        elif event.to_status == ReferralStatus.DRAFT:
            text = _("%(referral)s: prepared") % {"referral": where}
        else:
            text = f"{where}: {ReferralStatus(event.to_status).label}"
        label = event.actor.display_name if event.actor else str(Side(event.side).label)
        entries.append(TimelineEntry(at=event.at, kind="event", text=text, actor_label=label))
    return entries


# --- referrals out: the partner's side ---------------------------------------------------------------------------


def partner_inbox(actor: Any, *, finished: bool = False) -> QuerySet[Referral]:
    """The referrals addressed to the actor's organisation: those waiting or in service, or (``finished``) the
    rest. What the list shows is the referral, never the person."""
    referrals = _received_by(actor).select_related("partner", "program__organisation")
    open_ = Q(status__in=[ReferralStatus.SENT, ReferralStatus.ACCEPTED, ReferralStatus.IN_SERVICE]) & Q(
        access_ended_at__isnull=True
    )
    referrals = referrals.exclude(open_) if finished else referrals.filter(open_)
    return referrals.order_by("-sent_at", "-created_at")


def packet_for_partner(referral: Referral) -> ReferralPacket:
    """The packet of a referral the partner looked up, while the partner may still open it: sent (or served and
    within the agreement's retention), with access not ended and content not erased. Else 404."""
    packets = ReferralPacket.objects.filter(
        referral=referral,
        referral__access_ended_at__isnull=True,
        referral__status__in=PARTNER_SEES_PACKET,
        erased_at__isnull=True,
    )
    packet = packets.first()
    if packet is None:
        raise refuse()
    return packet


def events_for_partner(referral: Referral) -> list[ReferralEvent]:
    """The history the partner may read: moves (the sending team's without their reasons) and updates."""
    return [e for e in referral.events.order_by("at", "id") if e.shared_with_partner]


# --- referrals in ------------------------------------------------------------------------------------------------


def incoming_visible_to(actor: Any) -> QuerySet[IncomingReferral]:
    """Referrals into the programs of organisations where the actor opens cases."""
    programs = Program.objects.filter(organisation_id__in=organisation_ids_where(actor, Capability.OPEN_CASES))
    return IncomingReferral.objects.filter(program__in=programs).select_related("program", "from_partner")


@lookup("referrals.incomingreferral")
def incoming_get_for(actor: Any, pk: Any) -> IncomingReferral:
    """A referral into a program of an organisation in which the actor opens cases (``OPEN_CASES``)."""
    return one_or_404(incoming_visible_to(actor), pk)


def program_inbox(actor: Any, *, program: Any = None, status: str = IncomingStatus.RECEIVED) -> Any:
    referrals = incoming_visible_to(actor)
    if program:
        referrals = referrals.filter(program_id=program)
    if status:
        referrals = referrals.filter(status=status)
    return referrals.order_by("-created_at")


def incoming_counts(actor: Any) -> dict[str, int]:
    rows = incoming_visible_to(actor).values("status").annotate(n=Count("pk")).order_by()
    return {row["status"]: row["n"] for row in rows}


def programs_for_incoming(actor: Any) -> QuerySet[Program]:
    """Programs a staff member may record a referral into (where they open cases)."""
    return Program.objects.filter(
        organisation_id__in=organisation_ids_where(actor, Capability.OPEN_CASES), is_active=True
    ).order_by("name")


def programs_open_to_partner(actor: Any) -> QuerySet[Program]:
    """Programs a partner user may refer someone into: those of organisations that have a data-sharing agreement in
    force with the partner."""
    partners = organisation_ids_where(actor, Capability.REFER_TO_PROGRAMS)
    today = timezone.localdate()
    agreements = SharingAgreement.objects.filter(
        partner_id__in=partners, status=AgreementStatus.IN_FORCE, valid_from__lte=today
    ).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
    return (
        Program.objects.filter(organisation_id__in=agreements.values("operator_id"), is_active=True)
        .select_related("organisation")
        .order_by("organisation__name", "name")
    )


def may_refer_somewhere(actor: Any) -> bool:
    return programs_open_to_partner(actor).exists()


def partner_organisation_of(actor: Any, capability: Capability) -> Organisation | None:
    """The partner organisation a partner user acts for (the first, if several)."""
    ids = organisation_ids_where(actor, capability)
    return Organisation.objects.filter(pk__in=ids, kind=OrganisationKind.PARTNER).order_by("name").first()


def incoming_sent_by(actor: Any) -> QuerySet[IncomingReferral]:
    """What the actor's partner organisation referred into programs: the program, the date, the answer."""
    partners = organisation_ids_where(actor, Capability.REFER_TO_PROGRAMS)
    return (
        IncomingReferral.objects.filter(from_partner_id__in=partners)
        .select_related("program__organisation")
        .order_by("-created_at")
    )


def today() -> datetime.date:
    return timezone.localdate()


def case_panel(actor: Any, case: Case, access: Any, responsible_side: bool) -> dict[str, Any] | None:
    """The case page's referrals panel: for the team that works on the case only, never on the responsible-person
    side's page."""
    if responsible_side or not access.can_work:
        return None
    return {
        "template": "referrals/_case_panel.html",
        "referrals": referrals_of_case(case),
        "can_send": case.is_open,
    }
