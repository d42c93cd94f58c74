"""Partnerships: the partner directory, data-sharing agreements, referrals out to partners (with the frozen packet
of what the person agreed to share) and referrals in from partners.

A referral's packet is computed, never typed, and frozen when it is sent: later edits to the case do not reach the
partner. The partner sees it only while the person's consent and the data-sharing agreement it rests on stay in
force (``reparo.referrals.services.referral_access_confirm`` asks on every request).
"""

from __future__ import annotations

import datetime
from typing import Any, NoReturn

from django.conf import settings
from django.conf.locale import LANG_INFO
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from reparo.consent.models import DataCategory
from reparo.core.fields import EncryptedCharField, EncryptedFieldMixin, EncryptedJSONField, EncryptedTextField
from reparo.core.models import ChoiceLabelsModel, TimeStampedModel, UUIDModel

DEFAULT_ANSWER_DAYS = 14


class EncryptedBytesField(EncryptedFieldMixin, models.TextField):
    """A file's bytes, encrypted like every other sensitive field (AES-GCM, bound to its row)."""

    def encode(self, value: Any) -> bytes:
        return bytes(value)

    def decode(self, raw: bytes) -> bytes:
        return raw


# --- the partner directory -------------------------------------------------------------------------------------


class PartnerService(models.TextChoices):
    SHELTER = "shelter", _("Shelter")
    HEALTH = "health", _("Health")
    MENTAL_HEALTH = "mental_health", _("Mental health")
    LEGAL_AID = "legal_aid", _("Legal aid")
    IMMIGRATION = "immigration", _("Immigration advice")
    EMPLOYMENT = "employment", _("Employment and training")
    FINANCIAL = "financial", _("Financial help")
    LAW_ENFORCEMENT = "law_enforcement", _("Law-enforcement liaison")
    COMMUNITY = "community", _("Community support")
    OTHER = "other", _("Other")


class PartnerProfile(TimeStampedModel):
    """What the directory says about a partner organisation. Every partner organisation has one (made with the
    organisation, see ``apps.py``); its key is the organisation's."""

    organisation = models.OneToOneField(
        "organisations.Organisation",
        verbose_name=_("organisation"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="partner_profile",
    )
    area_served = models.CharField(_("area served"), max_length=200, blank=True)
    eligibility = models.TextField(
        _("who they can help"), max_length=2000, blank=True, help_text=_("Eligibility notes, in a few lines.")
    )
    contact_name = models.CharField(_("contact for referrals"), max_length=150, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    uses_reparo = models.BooleanField(
        _("uses Reparo"),
        default=False,
        help_text=_("Their staff sign in to Reparo to receive referrals. If not, you print or download the packet."),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["organisation__name"]

    def __str__(self) -> str:
        return str(self.organisation_id)

    @property
    def services(self) -> list[str]:
        return [offer.service for offer in self.offers.all()]

    @property
    def languages(self) -> list[str]:
        return [language.language for language in self.spoken.all()]

    @property
    def service_labels(self) -> list[str]:
        return [offer.get_service_display() for offer in self.offers.all()]

    @property
    def language_names(self) -> str:
        return ", ".join(language.label for language in self.spoken.all())


class PartnerOffer(models.Model):
    """One service a partner offers (a row each, so the directory is searched through an index)."""

    profile = models.ForeignKey(PartnerProfile, on_delete=models.CASCADE, related_name="offers")
    service = models.CharField(_("service"), max_length=20, choices=PartnerService.choices)

    class Meta:
        ordering = ["service"]
        constraints = [models.UniqueConstraint(fields=["profile", "service"], name="partner_offer_unique")]
        indexes = [models.Index(fields=["service"], name="partner_offer_service")]

    def __str__(self) -> str:
        return self.service


class PartnerLanguage(models.Model):
    """One language a partner works in (ISO 639-1)."""

    profile = models.ForeignKey(PartnerProfile, on_delete=models.CASCADE, related_name="spoken")
    language = models.CharField(_("language"), max_length=8)

    class Meta:
        ordering = ["language"]
        constraints = [models.UniqueConstraint(fields=["profile", "language"], name="partner_language_unique")]
        indexes = [models.Index(fields=["language"], name="partner_language")]

    def __str__(self) -> str:
        return self.language

    @property
    def label(self) -> str:
        info = LANG_INFO.get(self.language)
        return gettext(info["name"]) if info else self.language


# --- data-sharing agreements -------------------------------------------------------------------------------------


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_FORCE = "in_force", _("In force")
    SUSPENDED = "suspended", _("Suspended")
    ENDED = "ended", _("Ended")


# The only moves a data-sharing agreement makes. Ended is for good: a new agreement is a new row.
AGREEMENT_MOVES: dict[str, frozenset[str]] = {
    AgreementStatus.DRAFT: frozenset({AgreementStatus.IN_FORCE, AgreementStatus.ENDED}),
    AgreementStatus.IN_FORCE: frozenset({AgreementStatus.SUSPENDED, AgreementStatus.ENDED}),
    AgreementStatus.SUSPENDED: frozenset({AgreementStatus.IN_FORCE, AgreementStatus.ENDED}),
    AgreementStatus.ENDED: frozenset(),
}


class SharingAgreement(UUIDModel, TimeStampedModel):
    """A data-sharing agreement between a program operator and a partner: for which services (purposes) the
    partner may receive referrals, which kinds of information (the consent ledger's categories), how long it may
    keep them, and from when until when. Only a draft is edited; an agreement in force is suspended or ended."""

    operator = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("our organisation"),
        on_delete=models.PROTECT,
        related_name="sharing_agreements",
    )
    partner = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        related_name="sharing_agreements_received",
    )
    title = models.CharField(_("title"), max_length=200)
    purposes = models.JSONField(_("services it covers"), default=list, blank=True)
    data_categories = models.JSONField(_("what may be sent"), default=list, blank=True)
    retention_days = models.PositiveIntegerField(
        _("days the partner may keep what is sent"),
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text=_("Counted from the end of the referral."),
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid until"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=AgreementStatus.choices, default=AgreementStatus.DRAFT, db_index=True
    )
    status_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        verbose_name = _("data-sharing agreement")
        verbose_name_plural = _("data-sharing agreements")
        ordering = ["-valid_from", "-created_at"]
        indexes = [models.Index(fields=["operator", "partner", "status"], name="sharing_agreement_pair")]

    def __str__(self) -> str:
        return self.title

    def in_force_on(self, day: datetime.date) -> bool:
        """The one rule for "may referrals rest on this agreement on ``day``?"."""
        return (
            self.status == AgreementStatus.IN_FORCE
            and self.valid_from <= day
            and (self.valid_to is None or day <= self.valid_to)
        )

    @property
    def in_force(self) -> bool:
        return self.in_force_on(timezone.localdate())

    def allowed_moves(self) -> list[str]:
        return [s for s in AgreementStatus.values if s in AGREEMENT_MOVES[self.status]]

    @property
    def purpose_labels(self) -> list[str]:
        return [str(label) for value, label in PartnerService.choices if value in (self.purposes or [])]

    @property
    def category_labels(self) -> list[str]:
        return [str(label) for value, label in DataCategory.choices if value in (self.data_categories or [])]


class AgreementDocument(UUIDModel):
    """The signed agreement (a PDF), encrypted at rest. Replacing it keeps nothing of the earlier file."""

    agreement = models.OneToOneField(SharingAgreement, on_delete=models.CASCADE, related_name="document")
    filename = models.CharField(_("file name"), max_length=120)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(max_length=64)
    content = EncryptedBytesField()
    uploaded_at = models.DateTimeField(auto_now=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("signed agreement")
        verbose_name_plural = _("signed agreements")

    def __str__(self) -> str:
        return self.filename


class ProgramReferralSettings(TimeStampedModel):
    """How long a partner has to answer a referral from this program before it expires."""

    program = models.OneToOneField(
        "organisations.Program", primary_key=True, on_delete=models.CASCADE, related_name="referral_settings"
    )
    answer_days = models.PositiveSmallIntegerField(
        _("days a partner has to answer"),
        default=DEFAULT_ANSWER_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
    )

    class Meta:
        verbose_name = _("referral settings")
        verbose_name_plural = _("referral settings")

    def __str__(self) -> str:
        return f"{self.program_id}: {self.answer_days}"


# --- referrals out ----------------------------------------------------------------------------------------------


class Urgency(models.TextChoices):
    ROUTINE = "routine", _("Routine")
    SOON = "soon", _("Within a few days")
    URGENT = "urgent", _("Urgent")


class ReferralStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent, waiting for an answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    IN_SERVICE = "in_service", _("In service")
    COMPLETED = "completed", _("Completed")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPIRED = "expired", _("Expired without an answer")


class Side(models.TextChoices):
    SENDER = "sender", _("Our team")
    PARTNER = "partner", _("The partner")
    SYSTEM = "system", _("Reparo")


S = ReferralStatus
# Who may make each move. Every other move is refused.
REFERRAL_MOVES: dict[tuple[str, str], frozenset[str]] = {
    (S.DRAFT, S.SENT): frozenset({Side.SENDER}),
    (S.DRAFT, S.WITHDRAWN): frozenset({Side.SENDER}),
    (S.SENT, S.ACCEPTED): frozenset({Side.PARTNER}),
    (S.SENT, S.DECLINED): frozenset({Side.PARTNER}),
    (S.SENT, S.WITHDRAWN): frozenset({Side.SENDER}),
    (S.SENT, S.EXPIRED): frozenset({Side.SYSTEM}),
    (S.ACCEPTED, S.IN_SERVICE): frozenset({Side.PARTNER}),
    (S.ACCEPTED, S.CLOSED): frozenset({Side.PARTNER, Side.SENDER}),
    (S.ACCEPTED, S.WITHDRAWN): frozenset({Side.SENDER}),
    (S.IN_SERVICE, S.COMPLETED): frozenset({Side.PARTNER}),
    (S.IN_SERVICE, S.CLOSED): frozenset({Side.PARTNER, Side.SENDER}),
    (S.IN_SERVICE, S.WITHDRAWN): frozenset({Side.SENDER}),
}
# Waiting on, or being served by, the partner: the partner may open the packet (while consent and agreement hold).
OPEN_STATUSES = frozenset({S.SENT, S.ACCEPTED, S.IN_SERVICE})
# Over: the packet stays for the partner only after a service was given, and only for the agreement's retention.
FINISHED_STATUSES = frozenset({S.DECLINED, S.COMPLETED, S.CLOSED, S.WITHDRAWN, S.EXPIRED})
KEPT_AFTER_SERVICE = frozenset({S.COMPLETED, S.CLOSED})
PARTNER_SEES_PACKET = OPEN_STATUSES | KEPT_AFTER_SERVICE


class DeclineReason(models.TextChoices):
    NOT_ELIGIBLE = "not_eligible", _("The person is not eligible for this service")
    NO_CAPACITY = "no_capacity", _("No space or capacity at the moment")
    NOT_OFFERED = "not_offered", _("We do not offer this service")
    UNREACHABLE = "unreachable", _("We could not reach the person")
    PERSON_DECLINED = "person_declined", _("The person did not want the service")
    OTHER = "other", _("Another reason")


class AccessEnd(models.TextChoices):
    CONSENT = "consent", _("the person no longer agrees to share this with the partner")
    AGREEMENT = "agreement", _("the data-sharing agreement is no longer in force")


class Referral(UUIDModel, TimeStampedModel):
    """One referral of one person in a case to one service of one partner."""

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="referrals_sent", editable=False
    )
    program = models.ForeignKey("organisations.Program", on_delete=models.PROTECT, related_name="referrals")
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="referrals")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="referrals")
    partner = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        related_name="referrals_received",
    )
    service = models.CharField(_("service"), max_length=20, choices=PartnerService.choices)
    urgency = models.CharField(_("urgency"), max_length=16, choices=Urgency.choices, default=Urgency.ROUTINE)
    reason = EncryptedTextField(_("why we refer"), null=True, blank=True)
    # What the sender asked to send, and what goes (what the person agreed to, within the agreement).
    requested = models.JSONField(_("what was asked for"), default=list, blank=True)
    categories = models.JSONField(_("what is shared"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=ReferralStatus.choices, default=S.DRAFT)
    status_changed_at = models.DateTimeField(default=timezone.now, editable=False)
    agreement = models.ForeignKey(
        SharingAgreement, null=True, blank=True, on_delete=models.PROTECT, related_name="referrals"
    )
    consents = models.ManyToManyField("consent.Consent", blank=True, related_name="referrals")
    sent_at = models.DateTimeField(null=True, blank=True)
    answer_by = models.DateField(_("answer by"), null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    access_ended_at = models.DateTimeField(null=True, blank=True)
    access_end_reason = models.CharField(max_length=16, choices=AccessEnd.choices, blank=True)
    team_told_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["partner", "status", "-sent_at"], name="referral_partner_inbox"),
            models.Index(fields=["case", "-created_at"], name="referral_case"),
            models.Index(fields=["status", "answer_by"], name="referral_status_answer"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def code(self) -> str:
        """A short code to speak of the referral by (not the case's reference, which the partner never sees)."""
        return f"R-{self.pk.hex[:8].upper()}"

    @property
    def access_open(self) -> bool:
        return self.access_ended_at is None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def moves_for(self, side: str) -> list[str]:
        return [to for (frm, to), sides in REFERRAL_MOVES.items() if frm == self.status and side in sides]


class PacketImmutableError(Exception):
    """A sent packet is frozen: it is never changed, only erased when its time is up."""


class ReferralPacket(UUIDModel):
    """What was sent: a frozen, encrypted copy of the allowed categories, made when the referral was sent."""

    referral = models.OneToOneField(Referral, on_delete=models.CASCADE, related_name="packet")
    categories = models.JSONField(default=list)
    content = EncryptedJSONField(null=True)
    made_at = models.DateTimeField(auto_now_add=True)
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("packet")
        verbose_name_plural = _("packets")

    def __str__(self) -> str:
        return str(self.referral_id)

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding and kwargs.get("update_fields") != ["content", "erased_at"]:
            raise PacketImmutableError("A sent packet cannot be changed; it can only be erased.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise PacketImmutableError("A packet is erased (its content), never deleted.")


class EventKind(models.TextChoices):
    MOVE = "move", _("Status change")
    UPDATE = "update", _("Update from the partner")
    ACCESS_ENDED = "access_ended", _("The partner's access ended")


class ReferralEvent(UUIDModel, ChoiceLabelsModel):
    """A move of a referral, an update the partner wrote, or the end of the partner's access: when, who, why."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=16, choices=EventKind.choices)
    side = models.CharField(max_length=8, choices=Side.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    on_behalf = models.BooleanField(default=False)  # staff recorded what a partner without Reparo told them
    from_status = models.CharField(max_length=16, choices=ReferralStatus.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=ReferralStatus.choices, blank=True)
    reason_code = models.CharField(max_length=20, blank=True)
    note = EncryptedTextField(null=True, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["referral", "at"], name="referral_event_at")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.to_status}"

    @property
    def reason_label(self) -> str:
        for choices in (DeclineReason, AccessEnd):
            if self.reason_code in choices.values:
                return str(choices(self.reason_code).label)
        return ""

    @property
    def shared_with_partner(self) -> bool:
        """What the partner may read of the history: its own side's moves and updates, and the moves the sending
        team made, without their reasons (a reason typed by the team is never sent)."""
        return self.kind != EventKind.ACCESS_ENDED


# --- referrals in ------------------------------------------------------------------------------------------------


class IncomingStatus(models.TextChoices):
    RECEIVED = "received", _("Waiting for an answer")
    ACCEPTED = "accepted", _("Accepted: intake started")
    DECLINED = "declined", _("Declined")


class ReceivedVia(models.TextChoices):
    REPARO = "reparo", _("Through Reparo, by the partner")
    PHONE = "phone", _("By phone")
    LETTER = "letter", _("By letter")
    EMAIL = "email", _("By e-mail")
    IN_PERSON = "in_person", _("In person")


class IncomingDecline(models.TextChoices):
    NOT_ELIGIBLE = "not_eligible", _("The person is not eligible for this program")
    NO_CAPACITY = "no_capacity", _("No space in the program at the moment")
    ELSEWHERE = "elsewhere", _("Another service fits better")
    OTHER = "other", _("Another reason")


class IncomingReferral(UUIDModel, TimeStampedModel):
    """Someone a partner (with or without Reparo) refers into a program. Accepted, it becomes an intake draft with
    its source kept."""

    program = models.ForeignKey(
        "organisations.Program", verbose_name=_("program"), on_delete=models.PROTECT, related_name="incoming_referrals"
    )
    from_partner = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("from partner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals_made",
    )
    referrer = EncryptedCharField(_("who referred"), max_length=200, null=True, blank=True)
    referral_source = models.CharField(_("referred by"), max_length=16)  # reparo.cases.models.ReferralSource
    received_via = models.CharField(_("received"), max_length=16, choices=ReceivedVia.choices)
    received_on = models.DateField(_("received on"), default=timezone.localdate)
    urgency = models.CharField(_("urgency"), max_length=16, choices=Urgency.choices, default=Urgency.ROUTINE)
    given_name = EncryptedCharField(_("given name"), max_length=150, null=True, blank=True)
    family_name = EncryptedCharField(_("family name"), max_length=150, null=True, blank=True)
    phone = EncryptedCharField(_("phone"), max_length=40, null=True, blank=True)
    email = EncryptedCharField(_("e-mail"), max_length=254, null=True, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    about = EncryptedTextField(_("why they are referred"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=IncomingStatus.choices, default="received")
    decline_reason = models.CharField(_("why declined"), max_length=16, choices=IncomingDecline.choices, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    intake_draft = models.ForeignKey(
        "cases.IntakeDraft", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("incoming referral")
        verbose_name_plural = _("incoming referrals")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["program", "status", "-created_at"], name="incoming_program_status"),
            models.Index(fields=["from_partner", "-created_at"], name="incoming_from_partner"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def code(self) -> str:
        return f"I-{self.pk.hex[:8].upper()}"
