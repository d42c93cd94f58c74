"""Writes about partners, data-sharing agreements and referrals. Each runs in a transaction that also writes its
audit row (ids and codes only, never a person's details).

The rules that protect the person live here:

- a referral carries only what :mod:`reparo.referrals.sharing` allows (the person's current consent for this
  partner, within a data-sharing agreement in force), frozen when it is sent;
- the partner may open it only while both still hold: :func:`referral_access_confirm` asks on every request the
  partner makes, a consent withdrawal asks at once (``reparo.consent.signals.consent_withdrawn``), suspending or
  ending an agreement ends the access of every referral resting on it, and the daily sweep asks for the rest.
  Once access ends, the packet's content is erased, the partner sees only "withdrawn" and the case team gets a task.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable
from typing import Any, cast

from django.conf.locale import LANG_INFO
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from reparo.access.actors import user_can
from reparo.access.capabilities import Capability
from reparo.audit.services import audit_record
from reparo.cases import services as case_services
from reparo.cases.models import Case, CaseTeamMember, IntakeDraft, ReferralSource
from reparo.cases.selectors import case_get_for, person_get_for
from reparo.cases.services import task_generate
from reparo.consent import policy
from reparo.consent.models import Consent, ConsentPurpose, DataCategory
from reparo.organisations.models import HTCDSOrganisationType, Organisation, OrganisationKind, Program
from reparo.people.models import Person
from reparo.referrals import packet, sharing
from reparo.referrals.models import (
    AGREEMENT_MOVES,
    FINISHED_STATUSES,
    KEPT_AFTER_SERVICE,
    PARTNER_SEES_PACKET,
    REFERRAL_MOVES,
    AccessEnd,
    AgreementDocument,
    AgreementStatus,
    DeclineReason,
    EventKind,
    IncomingDecline,
    IncomingReferral,
    IncomingStatus,
    PartnerLanguage,
    PartnerOffer,
    PartnerProfile,
    PartnerService,
    ProgramReferralSettings,
    ReceivedVia,
    Referral,
    ReferralEvent,
    ReferralPacket,
    ReferralStatus,
    SharingAgreement,
    Side,
    Urgency,
)
from reparo.referrals.selectors import answer_days_for, partner_organisation_of, programs_open_to_partner

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
MAX_NOTE = 2000


def _require(actor: Any, capability: Capability, organisation: Any = None) -> None:
    if not user_can(actor, capability, organisation=organisation):
        raise PermissionDenied


def _org(pk: int | None) -> Organisation | None:
    """An organisation by its id, for the audit row (no query)."""
    return Organisation(pk=pk) if pk else None


def _choices(values: Iterable[str], allowed: list[str], field: str, message: str) -> list[str]:
    chosen = list(dict.fromkeys(values))
    if any(v not in allowed for v in chosen):
        raise ValidationError({field: message})
    return [v for v in allowed if v in chosen]


# --- the directory -----------------------------------------------------------------------------------------------


def ensure_partner_profile(
    sender: Any, instance: Organisation, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    """Every partner organisation has a directory entry (connected to ``Organisation``'s ``post_save``)."""
    if not raw and instance.kind == OrganisationKind.PARTNER:
        PartnerProfile.objects.get_or_create(organisation=instance)


@transaction.atomic
def partner_add(*, actor: Any, name: str, htcds_type: str, country: str = "", **profile: Any) -> PartnerProfile:
    """Add a partner organisation to the directory (organisation admins keep it)."""
    _require(actor, Capability.MANAGE_PARTNERS)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the organisation's name.")})
    if htcds_type not in HTCDSOrganisationType.values:
        raise ValidationError({"htcds_type": _("Choose the kind of organisation from the list.")})
    if Organisation.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": _("An organisation with this name is already in Reparo.")})
    organisation = Organisation.objects.create(
        name=name, kind=OrganisationKind.PARTNER, htcds_type=htcds_type, country=(country or "").upper()[:2]
    )
    entry, _created = PartnerProfile.objects.get_or_create(organisation=organisation)
    audit_record(actor=actor, action="partner.added", obj=organisation, detail={"partner": organisation.pk})
    return partner_update(actor=actor, profile=entry, **profile)


@transaction.atomic
def partner_update(
    *,
    actor: Any,
    profile: PartnerProfile,
    services: Iterable[str] = (),
    languages: Iterable[str] = (),
    area_served: str = "",
    eligibility: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    contact_email: str = "",
    uses_reparo: bool = False,
) -> PartnerProfile:
    """Change what the directory says about a partner: services, languages, area, eligibility, contact."""
    _require(actor, Capability.MANAGE_PARTNERS)
    offered = _choices(services, PartnerService.values, "services", _("Choose services from the list."))
    spoken = list(dict.fromkeys(languages))
    if any(code not in LANG_INFO for code in spoken):
        raise ValidationError({"languages": _("Choose languages from the list.")})
    profile.area_served = (area_served or "").strip()
    profile.eligibility = (eligibility or "").strip()
    profile.contact_name = (contact_name or "").strip()
    profile.contact_phone = (contact_phone or "").strip()
    profile.contact_email = (contact_email or "").strip()
    profile.uses_reparo = bool(uses_reparo)
    profile.updated_by = actor
    profile.full_clean(exclude=["organisation", "updated_by"])
    profile.save()
    profile.offers.exclude(service__in=offered).delete()
    for service in offered:
        PartnerOffer.objects.get_or_create(profile=profile, service=service)
    profile.spoken.exclude(language__in=spoken).delete()
    for code in spoken:
        PartnerLanguage.objects.get_or_create(profile=profile, language=code)
    audit_record(
        actor=actor,
        action="partner.updated",
        obj=profile,
        detail={"partner": profile.organisation_id, "services": offered, "uses_reparo": profile.uses_reparo},
    )
    return profile


# --- data-sharing agreements -------------------------------------------------------------------------------------


def _agreement_fields(
    *,
    title: str,
    purposes: Iterable[str],
    data_categories: Iterable[str],
    retention_days: int,
    valid_from: datetime.date,
    valid_to: datetime.date | None,
) -> dict[str, Any]:
    if not (title or "").strip():
        raise ValidationError({"title": _("Give the agreement a title, as it reads on the signed copy.")})
    if valid_to is not None and valid_to < valid_from:
        raise ValidationError({"valid_to": _("The end date must be on or after the start date.")})
    return {
        "title": title.strip(),
        "purposes": _choices(purposes, PartnerService.values, "purposes", _("Choose services from the list.")),
        "data_categories": _choices(
            data_categories, DataCategory.values, "data_categories", _("Choose what may be sent from the list.")
        ),
        "retention_days": retention_days,
        "valid_from": valid_from,
        "valid_to": valid_to,
    }


@transaction.atomic
def sharing_agreement_create(
    *, actor: Any, operator: Organisation, partner: Organisation, **fields: Any
) -> SharingAgreement:
    """Draft a data-sharing agreement between ``operator`` (where the actor keeps partnerships) and ``partner``."""
    _require(actor, Capability.MANAGE_PARTNERS, organisation=operator)
    if operator.kind != OrganisationKind.OPERATOR:
        raise ValidationError({"operator": _("Choose your organisation.")})
    if partner.kind != OrganisationKind.PARTNER:
        raise ValidationError({"partner": _("Choose a partner organisation.")})
    agreement = SharingAgreement(operator=operator, partner=partner, created_by=actor, **_agreement_fields(**fields))
    agreement.full_clean(exclude=["operator", "partner", "created_by"])
    agreement.save()
    audit_record(
        actor=actor,
        action="sharing_agreement.drafted",
        obj=agreement,
        organisation=operator,
        detail={"partner": partner.pk, "purposes": agreement.purposes, "categories": agreement.data_categories},
    )
    return agreement


@transaction.atomic
def sharing_agreement_update(*, actor: Any, agreement: SharingAgreement, **fields: Any) -> SharingAgreement:
    """Change a draft. An agreement in force is never edited: suspend or end it, and agree a new one."""
    _require(actor, Capability.MANAGE_PARTNERS, organisation=_org(agreement.operator_id))
    locked = SharingAgreement.objects.select_for_update().get(pk=agreement.pk)
    if locked.status != AgreementStatus.DRAFT:
        raise ValidationError(_("Only a draft can change. End this agreement and draft a new one instead."))
    for name, value in _agreement_fields(**fields).items():
        setattr(locked, name, value)
    locked.full_clean(exclude=["operator", "partner", "created_by"])
    locked.save()
    audit_record(
        actor=actor,
        action="sharing_agreement.changed",
        obj=locked,
        organisation=_org(locked.operator_id),
        detail={"purposes": locked.purposes, "categories": locked.data_categories},
    )
    return locked


def is_pdf(content: bytes) -> bool:
    """A PDF by its content, not its name: the header a PDF starts with, and the end-of-file mark near its end."""
    return content.startswith(b"%PDF-") and b"%%EOF" in content[-2048:]


@transaction.atomic
def agreement_document_attach(
    *, actor: Any, agreement: SharingAgreement, filename: str, content: bytes
) -> AgreementDocument:
    """Keep the signed agreement (a PDF, at most 10 MB), encrypted. Only while the agreement is a draft."""
    _require(actor, Capability.MANAGE_PARTNERS, organisation=_org(agreement.operator_id))
    if agreement.status != AgreementStatus.DRAFT:
        raise ValidationError(_("The signed copy can only be changed while the agreement is a draft."))
    if not content:
        raise ValidationError({"document": _("The file is empty.")})
    if len(content) > MAX_DOCUMENT_BYTES:
        raise ValidationError({"document": _("The file is larger than 10 MB.")})
    if not is_pdf(content):
        raise ValidationError({"document": _("The file is not a PDF. Upload the signed agreement as a PDF.")})
    safe_name = "".join(ch for ch in (filename or "") if ch.isalnum() or ch in "._- ").strip()[:100] or "agreement"
    if not safe_name.lower().endswith(".pdf"):
        safe_name += ".pdf"
    AgreementDocument.objects.filter(agreement=agreement).delete()
    document = AgreementDocument.objects.create(
        agreement=agreement,
        filename=safe_name,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=cast(Any, content),
        uploaded_by=actor,
    )
    audit_record(
        actor=actor,
        action="sharing_agreement.document_attached",
        obj=agreement,
        organisation=_org(agreement.operator_id),
        detail={"size": document.size, "sha256": document.sha256},
    )
    return document


@transaction.atomic
def agreement_document_read(*, actor: Any, agreement: SharingAgreement, document: AgreementDocument) -> bytes:
    """The signed copy's bytes, for an actor who keeps partnerships; the download is audited."""
    _require(actor, Capability.MANAGE_PARTNERS, organisation=_org(agreement.operator_id))
    audit_record(
        actor=actor, action="sharing_agreement.document_read", obj=agreement, organisation=_org(agreement.operator_id)
    )
    return bytes(document.content)


@transaction.atomic
def sharing_agreement_move(*, actor: Any, agreement: SharingAgreement, to_status: str) -> SharingAgreement:
    """Put an agreement in force, suspend it, or end it. Suspending or ending it ends, at once, the partner's
    access to every referral that rests on it (and the case teams get a task)."""
    _require(actor, Capability.MANAGE_PARTNERS, organisation=_org(agreement.operator_id))
    locked = SharingAgreement.objects.select_for_update().get(pk=agreement.pk)
    if to_status not in AGREEMENT_MOVES.get(locked.status, frozenset()):
        raise ValidationError(
            _("An agreement that is “%(from)s” cannot become “%(to)s”.")
            % {"from": locked.get_status_display(), "to": _label(AgreementStatus, to_status)}
        )
    if to_status == AgreementStatus.IN_FORCE:
        missing = []
        if not AgreementDocument.objects.filter(agreement=locked).exists():
            missing.append(_("upload the signed copy"))
        if not locked.purposes:
            missing.append(_("choose the services it covers"))
        if not locked.data_categories:
            missing.append(_("choose what may be sent"))
        if locked.valid_to is not None and locked.valid_to < timezone.localdate():
            missing.append(_("give an end date that has not passed"))
        if missing:
            raise ValidationError(
                _("Before it can be in force: %(missing)s.") % {"missing": "; ".join(str(m) for m in missing)}
            )
    previous = locked.status
    locked.status = to_status
    locked.status_changed_at = timezone.now()
    locked.save(update_fields=["status", "status_changed_at", "updated_at"])
    audit_record(
        actor=actor,
        action="sharing_agreement.moved",
        obj=locked,
        organisation=_org(locked.operator_id),
        detail={"from": previous, "to": to_status},
    )
    if to_status in (AgreementStatus.SUSPENDED, AgreementStatus.ENDED):
        resting = Referral.objects.filter(
            agreement=locked, access_ended_at__isnull=True, status__in=PARTNER_SEES_PACKET
        ).select_related("case", "partner")
        for referral in resting:
            _end_access(referral, AccessEnd.AGREEMENT, actor=actor)
    return locked


def _label(choices: Any, value: str) -> str:
    return str(choices(value).label) if value in choices.values else value


@transaction.atomic
def referral_settings_save(*, actor: Any, program: Program, answer_days: int) -> ProgramReferralSettings:
    """How many days partners have to answer this program's referrals before they expire."""
    _require(actor, Capability.MANAGE_PARTNERS, organisation=_org(program.organisation_id))
    settings_row, _created = ProgramReferralSettings.objects.get_or_create(program=program)
    settings_row.answer_days = answer_days
    settings_row.full_clean(exclude=["program"])
    settings_row.save()
    audit_record(
        actor=actor,
        action="referral_settings.changed",
        obj=program,
        organisation=_org(program.organisation_id),
        detail={"answer_days": answer_days},
    )
    return settings_row


# --- referrals out -----------------------------------------------------------------------------------------------


def _event(
    referral: Referral,
    *,
    kind: str,
    side: str,
    actor: Any,
    from_status: str = "",
    to_status: str = "",
    reason_code: str = "",
    note: str = "",
    on_behalf: bool = False,
    at: datetime.datetime | None = None,
) -> ReferralEvent:
    return ReferralEvent.objects.create(
        referral=referral,
        at=at or timezone.now(),
        kind=kind,
        side=side,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        on_behalf=on_behalf,
        from_status=from_status,
        to_status=to_status,
        reason_code=reason_code,
        note=note or None,
    )


def _audit(actor: Any, action: str, referral: Referral, **detail: Any) -> None:
    audit_record(
        actor=actor,
        action=action,
        obj=referral,
        organisation=_org(referral.organisation_id),
        detail={"case": str(referral.case_id), "person": str(referral.person_id), "partner": referral.partner_id,
                **detail},
        actor_label="" if getattr(actor, "is_authenticated", False) else "system",
    )  # fmt: skip


@transaction.atomic
def referral_draft(
    *,
    actor: Any,
    case: Case,
    person: Person,
    partner: Organisation,
    service: str,
    categories: Iterable[str],
    urgency: str = Urgency.ROUTINE,
    reason: str = "",
) -> Referral:
    """Prepare a referral of ``person`` (in ``case``) to one ``service`` of ``partner``, carrying ``categories``.

    Refused, with the reasons in plain words, unless the person's consent and a data-sharing agreement in force
    allow it now (:func:`reparo.referrals.sharing.plan`). What the person has not agreed to share is held back."""
    case = case_get_for(actor, case.pk, need=Capability.WORK_ON_CASE)
    person = person_get_for(actor, person.pk, need=Capability.WORK_ON_CASE)
    if not case.is_open:
        raise ValidationError(_("This case is closed. Referrals are made from open cases."))
    if urgency not in Urgency.values:
        raise ValidationError({"urgency": _("Choose how urgent it is.")})
    the_plan = sharing.plan(case=case, person=person, partner=partner, service=service, requested=categories)
    if not the_plan.allowed:
        raise ValidationError(the_plan.problems)
    referral = Referral.objects.create(
        organisation_id=case.organisation_id,
        program_id=case.program_id,
        case=case,
        person=person,
        partner=partner,
        service=service,
        urgency=urgency,
        reason=(reason or "").strip()[:MAX_NOTE] or None,
        requested=[c for c in DataCategory.values if c in set(categories)],
        categories=the_plan.going,
        agreement=the_plan.agreement,
        created_by=actor,
    )
    _event(referral, kind=EventKind.MOVE, side=Side.SENDER, actor=actor, to_status=ReferralStatus.DRAFT)
    _audit(actor, "referral.drafted", referral, service=service, categories=the_plan.going)
    return referral


def side_of(actor: Any, referral: Referral, *, on_behalf: bool = False) -> str:
    """Which side ``actor`` acts for on ``referral``: the partner (a partner user of the addressed organisation, or
    staff recording what a partner without Reparo told them), the sending team, or Reparo itself (no actor).
    Anyone else: 404."""
    if actor is None:
        return Side.SYSTEM
    if user_can(actor, Capability.RECEIVE_REFERRALS, organisation=_org(referral.partner_id)):
        if referral.status == ReferralStatus.DRAFT:
            raise PermissionDenied
        return Side.PARTNER
    case_get_for(actor, referral.case_id, need=Capability.WORK_ON_CASE)
    if on_behalf:
        uses_reparo = PartnerProfile.objects.filter(organisation_id=referral.partner_id, uses_reparo=True).exists()
        if uses_reparo:
            raise ValidationError(_("This partner uses Reparo: they record their answer themselves."))
        return Side.PARTNER
    return Side.SENDER


@transaction.atomic
def referral_move(
    *,
    actor: Any,
    referral: Referral,
    to_status: str,
    reason_code: str = "",
    note: str = "",
    on_behalf: bool = False,
) -> Referral:
    """Move a referral, if :data:`reparo.referrals.models.REFERRAL_MOVES` lets this side make this move; every other
    move is refused. Sending freezes the packet; declining needs a reason; finishing erases the packet (kept after a
    service only for the agreement's retention). Each move has its date, actor and reason, and is audited."""
    side = side_of(actor, referral, on_behalf=on_behalf)
    locked = (
        Referral.objects.select_for_update(of=("self",)).select_related("case", "person", "partner").get(pk=referral.pk)
    )
    from_status = locked.status
    if to_status not in ReferralStatus.values or side not in REFERRAL_MOVES.get((from_status, to_status), ()):
        raise ValidationError(
            _("A referral that is “%(from)s” cannot become “%(to)s” this way.")
            % {"from": locked.get_status_display(), "to": _label(ReferralStatus, to_status)}
        )
    if side == Side.PARTNER and not _confirm_access(locked, actor=None):
        raise ValidationError(_("This referral was withdrawn."))
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise ValidationError({"note": _("Keep it under 2,000 characters.")})
    if to_status == ReferralStatus.DECLINED:
        if reason_code not in DeclineReason.values:
            raise ValidationError({"reason_code": _("Choose why the referral is declined.")})
        if reason_code == DeclineReason.OTHER and not note:
            raise ValidationError({"note": _("Say in a few words why the referral is declined.")})
    else:
        reason_code = ""
    now = timezone.now()
    if to_status == ReferralStatus.SENT:
        _send(locked, now=now)
    locked.status = to_status
    locked.status_changed_at = now
    if to_status in FINISHED_STATUSES:
        locked.finished_at = now
    locked.save()
    if to_status in FINISHED_STATUSES and to_status not in KEPT_AFTER_SERVICE:
        _erase_packet(locked, now=now)
    _event(
        locked,
        kind=EventKind.MOVE,
        side=side,
        actor=actor,
        from_status=from_status,
        to_status=to_status,
        reason_code=reason_code,
        note=note,
        on_behalf=on_behalf and side == Side.PARTNER,
        at=now,
    )
    _audit(
        actor,
        "referral.moved",
        locked,
        **{"from": from_status, "to": to_status, "side": side, "on_behalf": on_behalf, "reason": reason_code},
    )
    if to_status == ReferralStatus.DECLINED:
        _tell_team(
            locked,
            gettext_noop(
                "%(partner)s declined referral %(code)s (%(reason)s). Talk with the person about what could help next."
            ),
            {"partner": locked.partner.name, "code": locked.code, "reason": _source_label(DeclineReason, reason_code)},
        )
    elif to_status == ReferralStatus.EXPIRED:
        _tell_team(
            locked,
            gettext_noop(
                "%(partner)s did not answer referral %(code)s in time. Talk with the person about what could help next."
            ),
            {"partner": locked.partner.name, "code": locked.code},
        )
    referral.status, referral.status_changed_at = locked.status, locked.status_changed_at
    return locked


def _send(referral: Referral, *, now: datetime.datetime) -> None:
    """Ask again, now, and freeze the packet: exactly the categories previewed, if all are still allowed."""
    the_plan = sharing.plan(
        case=referral.case,
        person=referral.person,
        partner=referral.partner,
        service=referral.service,
        requested=referral.requested or referral.categories,
        at=now,
    )
    if not the_plan.allowed:
        raise ValidationError(the_plan.problems)
    if the_plan.going != list(referral.categories):
        raise ValidationError(
            _("What may be shared has changed since this referral was prepared. Prepare it again to see what goes.")
        )
    referral.agreement = the_plan.agreement
    referral.consents.set(the_plan.consents)
    ReferralPacket.objects.create(
        referral=referral,
        categories=the_plan.going,
        content=cast(Any, packet.build(referral.case, referral.person, the_plan.going)),
    )
    referral.sent_at = now
    referral.answer_by = timezone.localdate(now) + datetime.timedelta(days=answer_days_for(referral.program_id))


def referral_send(*, actor: Any, referral: Referral) -> Referral:
    return referral_move(actor=actor, referral=referral, to_status=ReferralStatus.SENT)


@transaction.atomic
def referral_update_add(*, actor: Any, referral: Referral, note: str, on_behalf: bool = False) -> ReferralEvent:
    """An update the partner writes for the sending team (how the service is going). Only the partner's side
    writes them: what the team types is never sent to a partner."""
    side = side_of(actor, referral, on_behalf=on_behalf)
    if side != Side.PARTNER:
        raise PermissionDenied
    locked = Referral.objects.select_for_update(of=("self",)).select_related("person", "partner").get(pk=referral.pk)
    if locked.status not in (ReferralStatus.SENT, ReferralStatus.ACCEPTED, ReferralStatus.IN_SERVICE):
        raise ValidationError(_("Updates are written while the referral is open."))
    if not _confirm_access(locked, actor=None):
        raise ValidationError(_("This referral was withdrawn."))
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Write the update.")})
    if len(note) > MAX_NOTE:
        raise ValidationError({"note": _("Keep it under 2,000 characters.")})
    event = _event(locked, kind=EventKind.UPDATE, side=side, actor=actor, note=note, on_behalf=on_behalf)
    _audit(actor, "referral.update_added", locked, side=side, on_behalf=on_behalf)
    return event


@transaction.atomic
def referral_viewed(*, actor: Any, referral: Referral, what: str) -> None:
    """Record a look at a referral (``"referral"``) or its packet (``"packet"``, ``"packet_download"``)."""
    _audit(actor, f"referral.{what}_viewed", referral, side=str(side_of(actor, referral)))


@transaction.atomic
def partner_inbox_viewed(*, actor: Any, organisation: Organisation | None) -> None:
    audit_record(actor=actor, action="referral.inbox_viewed", organisation=organisation)


# --- the partner's access, asked on every request ----------------------------------------------------------------


@transaction.atomic
def referral_access_confirm(*, referral: Referral) -> bool:
    """Whether the partner may still open ``referral``'s packet, asked now: the person's consent for what it
    carries, and the agreement it rests on, must both still be in force. If not, the access ends here (once: the
    packet is erased, the team gets a task) and the answer is False."""
    fresh = Referral.objects.select_related("agreement", "person", "partner", "case").get(pk=referral.pk)
    allowed = _confirm_access(fresh, actor=None)
    referral.access_ended_at = fresh.access_ended_at
    referral.access_end_reason = fresh.access_end_reason
    return allowed


def _confirm_access(referral: Referral, *, actor: Any) -> bool:
    if referral.access_ended_at is not None:
        return False
    if referral.status not in PARTNER_SEES_PACKET:
        return True
    agreement = SharingAgreement.objects.filter(pk=referral.agreement_id).first() if referral.agreement_id else None
    if agreement is None or not agreement.in_force_on(timezone.localdate()):
        _end_access(referral, AccessEnd.AGREEMENT, actor=actor)
        return False
    decision = policy.may(
        person=referral.person,
        purpose=ConsentPurpose.SHARE,
        recipient=referral.partner,
        categories=list(referral.categories),
    )
    if not decision:
        _end_access(referral, AccessEnd.CONSENT, actor=actor)
        return False
    return True


def _end_access(referral: Referral, reason: str, *, actor: Any) -> None:
    """End the partner's access to ``referral`` (idempotent): erase the packet, record it, tell the team."""
    locked = Referral.objects.select_for_update(of=("self",)).select_related("partner", "case").get(pk=referral.pk)
    if locked.access_ended_at is not None:
        referral.access_ended_at, referral.access_end_reason = locked.access_ended_at, locked.access_end_reason
        return
    now = timezone.now()
    locked.access_ended_at = now
    locked.access_end_reason = reason
    locked.finished_at = locked.finished_at or now
    locked.save(update_fields=["access_ended_at", "access_end_reason", "finished_at", "updated_at"])
    _erase_packet(locked, now=now)
    side = Side.SENDER if getattr(actor, "is_authenticated", False) else Side.SYSTEM
    _event(locked, kind=EventKind.ACCESS_ENDED, side=side, actor=actor, reason_code=reason, at=now)
    _audit(actor, "referral.access_ended", locked, reason=reason)
    _tell_team(
        locked,
        gettext_noop(
            "The partner's access to referral %(code)s (%(partner)s) has ended: %(why)s. Let the partner know if "
            "needed, and talk with the person about next steps."
        ),
        {"code": locked.code, "partner": locked.partner.name, "why": _source_label(AccessEnd, reason)},
        once=True,
    )
    referral.access_ended_at, referral.access_end_reason = now, reason


def _erase_packet(referral: Referral, *, now: datetime.datetime) -> None:
    stored = ReferralPacket.objects.filter(referral=referral, erased_at__isnull=True).first()
    if stored is None:
        return
    stored.content = None
    stored.erased_at = now
    stored.save(update_fields=["content", "erased_at"])


def _source_label(choices: Any, code: str) -> str:
    """A choice's label in the code's own words (each reader's page translates it)."""
    with translation.override(None):
        return _label(choices, code)


def _tell_team(referral: Referral, message: str, params: dict[str, Any], *, once: bool = False) -> None:
    """A task on the case for the team (for the person who sent the referral, while they are on the team), in each
    reader's language (``message`` as written in the code, with ``params``)."""
    now = timezone.now()
    if once and not Referral.objects.filter(pk=referral.pk, team_told_at__isnull=True).update(team_told_at=now):
        return
    owner = referral.created_by_id
    if owner is not None and not CaseTeamMember.objects.filter(case_id=referral.case_id, user_id=owner).exists():
        owner = None
    task_generate(
        case_id=referral.case_id, message=message, params=params, owner_id=owner, due_date=timezone.localdate()
    )


def on_consent_withdrawn(sender: Any, *, actor: Any, consent: Consent, **kwargs: Any) -> None:
    """A consent was withdrawn (inside its transaction): ask again, now, for every referral that rests on it."""
    resting = Referral.objects.filter(
        consents=consent, access_ended_at__isnull=True, status__in=PARTNER_SEES_PACKET
    ).select_related("person", "partner", "case")
    for referral in resting:
        _confirm_access(referral, actor=actor)


# --- the daily sweep ---------------------------------------------------------------------------------------------


def referrals_sweep(*, today: datetime.date | None = None) -> dict[str, int]:
    """Run daily (``manage.py sweep_referrals`` or the ``sweep_referrals_task``); running it again changes nothing.

    - a referral not answered by its date expires (the team gets a task);
    - a referral whose consent or agreement has lapsed (an end date passed) loses the partner's access;
    - a served referral's packet is erased once the agreement's retention has passed."""
    today = today or timezone.localdate()
    counts = {"expired": 0, "access_ended": 0, "erased": 0}
    for referral in Referral.objects.filter(status=ReferralStatus.SENT, answer_by__lt=today):
        try:
            referral_move(actor=None, referral=referral, to_status=ReferralStatus.EXPIRED)
        except ValidationError:
            continue  # answered meanwhile
        counts["expired"] += 1
    for referral in Referral.objects.filter(status__in=PARTNER_SEES_PACKET, access_ended_at__isnull=True):
        if not referral_access_confirm(referral=referral):
            counts["access_ended"] += 1
    counts["erased"] = _erase_after_retention(today=today)
    return counts


@transaction.atomic
def _erase_after_retention(*, today: datetime.date) -> int:
    erased = 0
    now = timezone.now()
    packets = ReferralPacket.objects.filter(erased_at__isnull=True, referral__finished_at__isnull=False).select_related(
        "referral__agreement"
    )
    for stored in packets:
        referral = stored.referral
        keep_days = referral.agreement.retention_days if referral.agreement else 0
        finished = referral.finished_at or now
        still_kept = timezone.localdate(finished) + datetime.timedelta(days=keep_days) > today
        if referral.status in KEPT_AFTER_SERVICE and referral.access_ended_at is None and still_kept:
            continue
        _erase_packet(referral, now=now)
        audit_record(
            actor=None,
            actor_label="system",
            action="referral.packet_erased",
            obj=referral,
            organisation=_org(referral.organisation_id),
            detail={"retention_days": keep_days},
        )
        erased += 1
    return erased


# --- referrals in ------------------------------------------------------------------------------------------------

# How a partner's kind reads as the intake's "referred by".
SOURCE_OF_TYPE: dict[str, str] = {
    HTCDSOrganisationType.LAW_ENFORCEMENT: ReferralSource.POLICE,
    HTCDSOrganisationType.HEALTH_SERVICE: ReferralSource.HEALTH,
    HTCDSOrganisationType.LOCAL_GOVERNMENT: ReferralSource.SOCIAL,
    HTCDSOrganisationType.CENTRAL_GOVERNMENT: ReferralSource.SOCIAL,
}


def _person_fields(
    *, given_name: str, family_name: str, phone: str, email: str, languages: Iterable[str], about: str
) -> dict[str, Any]:
    fields = {
        "given_name": (given_name or "").strip() or None,
        "family_name": (family_name or "").strip() or None,
        "phone": (phone or "").strip() or None,
        "email": (email or "").strip() or None,
        "languages": [c for c in dict.fromkeys(languages) if c in LANG_INFO],
        "about": (about or "").strip()[:MAX_NOTE] or None,
    }
    if not any(fields[k] for k in ("given_name", "family_name", "phone", "email")):
        raise ValidationError(_("Give at least a name or a way to reach the person."))
    if not fields["about"]:
        raise ValidationError({"about": _("Say in a few lines why you refer the person.")})
    return fields


@transaction.atomic
def incoming_submit(
    *,
    actor: Any,
    program: Program,
    person_agreed: bool,
    urgency: str = Urgency.ROUTINE,
    **person: Any,
) -> IncomingReferral:
    """A partner user refers someone into ``program`` (one whose organisation has an agreement in force with the
    partner). The person must have agreed to be referred."""
    partner = partner_organisation_of(actor, Capability.REFER_TO_PROGRAMS)
    if partner is None or not programs_open_to_partner(actor).filter(pk=program.pk).exists():
        raise PermissionDenied
    if not person_agreed:
        raise ValidationError({"person_agreed": _("Refer someone only when they have agreed to it.")})
    if urgency not in Urgency.values:
        raise ValidationError({"urgency": _("Choose how urgent it is.")})
    incoming = IncomingReferral.objects.create(
        program=program,
        from_partner=partner,
        referral_source=SOURCE_OF_TYPE.get(partner.htcds_type, ReferralSource.NGO),
        received_via=ReceivedVia.REPARO,
        urgency=urgency,
        submitted_by=actor,
        **_person_fields(**person),
    )
    audit_record(
        actor=actor,
        action="incoming_referral.submitted",
        obj=incoming,
        organisation=_org(program.organisation_id),
        detail={"program": program.pk, "partner": partner.pk},
    )
    return incoming


@transaction.atomic
def incoming_record(
    *,
    actor: Any,
    program: Program,
    received_via: str,
    referral_source: str,
    received_on: datetime.date,
    from_partner: Organisation | None = None,
    referrer: str = "",
    urgency: str = Urgency.ROUTINE,
    **person: Any,
) -> IncomingReferral:
    """Staff record a referral received by phone, letter, e-mail or in person."""
    _require(actor, Capability.OPEN_CASES, organisation=_org(program.organisation_id))
    if received_via not in ReceivedVia.values or received_via == ReceivedVia.REPARO:
        raise ValidationError({"received_via": _("Choose how the referral came in.")})
    if referral_source not in ReferralSource.values:
        raise ValidationError({"referral_source": _("Choose who referred the person.")})
    if received_on > timezone.localdate():
        raise ValidationError({"received_on": _("The date cannot be in the future.")})
    if from_partner is not None and from_partner.kind != OrganisationKind.PARTNER:
        raise ValidationError({"from_partner": _("Choose a partner organisation.")})
    if urgency not in Urgency.values:
        raise ValidationError({"urgency": _("Choose how urgent it is.")})
    incoming = IncomingReferral.objects.create(
        program=program,
        from_partner=from_partner,
        referrer=(referrer or "").strip() or None,
        referral_source=referral_source,
        received_via=received_via,
        received_on=received_on,
        urgency=urgency,
        submitted_by=actor,
        **_person_fields(**person),
    )
    audit_record(
        actor=actor,
        action="incoming_referral.recorded",
        obj=incoming,
        organisation=_org(program.organisation_id),
        detail={"program": program.pk, "via": received_via, "partner": from_partner.pk if from_partner else None},
    )
    return incoming


def _locked_incoming(actor: Any, incoming: IncomingReferral) -> IncomingReferral:
    _require(actor, Capability.OPEN_CASES, organisation=_org(incoming.program.organisation_id))
    locked = (
        IncomingReferral.objects.select_for_update(of=("self",))
        .select_related("program", "from_partner")
        .get(pk=incoming.pk)
    )
    if locked.status != IncomingStatus.RECEIVED:
        raise ValidationError(_("This referral has already been answered."))
    return locked


@transaction.atomic
def incoming_accept(*, actor: Any, incoming: IncomingReferral) -> IntakeDraft:
    """Accept a referral into the program: it becomes an intake draft of the actor's, with its source kept."""
    locked = _locked_incoming(actor, incoming)
    source = locked.from_partner.name if locked.from_partner else (locked.referrer or "")
    summary = _("Referred by %(source)s (%(how)s) on %(date)s.") % {
        "source": source or _label(ReferralSource, locked.referral_source),
        "how": _label(ReceivedVia, locked.received_via).lower(),
        "date": locked.received_on.isoformat(),
    }
    if locked.about:
        summary += "\n" + locked.about
    data = {
        "program": [str(locked.program_id)],
        "referral_source": [locked.referral_source],
        "referral_date": [locked.received_on.isoformat()],
        "summary": [summary],
        "given_name": [locked.given_name or ""],
        "family_name": [locked.family_name or ""],
        "phone": [locked.phone or ""],
        "email": [locked.email or ""],
        "languages": list(locked.languages or []),
    }
    draft = case_services.intake_draft_save(actor=actor, organisation=locked.program.organisation, data=data)
    locked.status = IncomingStatus.ACCEPTED
    locked.answered_at = timezone.now()
    locked.answered_by = actor
    locked.intake_draft = draft
    locked.save()
    audit_record(
        actor=actor,
        action="incoming_referral.accepted",
        obj=locked,
        organisation=_org(locked.program.organisation_id),
        detail={"intake_draft": str(draft.pk)},
    )
    return draft


@transaction.atomic
def incoming_decline(*, actor: Any, incoming: IncomingReferral, reason: str) -> IncomingReferral:
    locked = _locked_incoming(actor, incoming)
    if reason not in IncomingDecline.values:
        raise ValidationError({"reason": _("Choose why the referral is declined.")})
    locked.status = IncomingStatus.DECLINED
    locked.decline_reason = reason
    locked.answered_at = timezone.now()
    locked.answered_by = actor
    locked.save()
    audit_record(
        actor=actor,
        action="incoming_referral.declined",
        obj=locked,
        organisation=_org(locked.program.organisation_id),
        detail={"reason": reason},
    )
    return locked


@transaction.atomic
def incoming_viewed(*, actor: Any, incoming: IncomingReferral) -> None:
    """A look at a referral in (a person's name and contact): audited."""
    audit_record(
        actor=actor,
        action="incoming_referral.viewed",
        obj=incoming,
        organisation=_org(incoming.program.organisation_id),
    )
