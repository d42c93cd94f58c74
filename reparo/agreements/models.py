"""Agreements reached in a process, their items, each party's acceptance, and the obligations that follow.

An agreement is versioned: a new draft copies the items of the latest version and earlier versions are kept.
Nothing is binding until the survivor (and the responsible person) has accepted; only then do obligations exist.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from reparo.core.fields import EncryptedTextField
from reparo.core.models import TimeStampedModel, UUIDModel


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PROPOSED = "proposed", _("Proposed, waiting for each party")
    BINDING = "binding", _("Agreed by everyone")
    SUPERSEDED = "superseded", _("Replaced by a later version")


class Agreement(UUIDModel, TimeStampedModel):
    process = models.ForeignKey("processes.Process", on_delete=models.CASCADE, related_name="agreements")
    version = models.PositiveIntegerField(_("version"), editable=False)
    status = models.CharField(
        _("status"), max_length=16, choices=AgreementStatus.choices, default=AgreementStatus.DRAFT
    )
    bound_at = models.DateTimeField(_("agreed by everyone on"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["process", "-version"]
        constraints = [models.UniqueConstraint(fields=["process", "version"], name="agreement_version_unique")]

    def __str__(self) -> str:
        return f"v{self.version} · {self.status}"

    @property
    def is_binding(self) -> bool:
        return self.status == AgreementStatus.BINDING


class ItemKind(models.TextChoices):
    APOLOGY_SPOKEN = "apology_spoken", _("Apology, spoken")
    APOLOGY_LETTER = "apology_letter", _("Apology, in a letter")
    RESTITUTION = "restitution", _("Restitution (money)")
    SERVICE_HOURS = "service_hours", _("Service hours")
    PROGRAM = "program", _("Treatment or education program")
    COMMITMENT = "commitment", _("Commitment about behaviour")
    OTHER = "other", _("Something else the survivor asked for")


class AgreementItem(UUIDModel, TimeStampedModel):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(default=0, editable=False)
    kind = models.CharField(_("kind"), max_length=16, choices=ItemKind.choices)
    description = EncryptedTextField(_("what was agreed"))
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    instalment_count = models.PositiveSmallIntegerField(_("number of instalments"), default=1)
    hours = models.DecimalField(_("hours"), max_digits=7, decimal_places=2, null=True, blank=True)
    # When the item is to be done by (for money: paid in full by). Never the first instalment's date: that is its own.
    due_date = models.DateField(_("due"), null=True, blank=True)
    first_instalment_on = models.DateField(_("first instalment due"), null=True, blank=True)

    class Meta:
        ordering = ["position", "created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}"


class AcceptanceHow(models.TextChoices):
    IN_WRITING = "in_writing", _("In writing")
    SPOKEN_WITH_WITNESS = "spoken_with_witness", _("Spoken, with a witness")
    THROUGH_FACILITATOR = "through_facilitator", _("Through the facilitator")


class Acceptance(TimeStampedModel):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="acceptances")
    participant = models.ForeignKey(
        "processes.ProcessParticipant", on_delete=models.PROTECT, related_name="agreement_acceptances"
    )
    accepted_at = models.DateTimeField(_("accepted on"))
    how = models.CharField(_("how"), max_length=24, choices=AcceptanceHow.choices)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["accepted_at"]
        constraints = [models.UniqueConstraint(fields=["agreement", "participant"], name="agreement_acceptance_unique")]


class ObligationStatus(models.TextChoices):
    PENDING = "pending", _("Not yet due")
    MET = "met", _("Met")
    LATE = "late", _("Late")
    VARIED = "varied", _("Changed by a later agreement")
    WAIVED = "waived", _("Let go by the survivor")


OPEN_OBLIGATION = frozenset({ObligationStatus.PENDING, ObligationStatus.LATE})


class Obligation(UUIDModel, TimeStampedModel):
    item = models.OneToOneField(AgreementItem, on_delete=models.CASCADE, related_name="obligation")
    due_date = models.DateField(_("due"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ObligationStatus.choices, default=ObligationStatus.PENDING
    )
    evidence = EncryptedTextField(_("evidence"), null=True, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    waived_by_survivor = models.BooleanField(default=False)
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["due_date", "created_at"]
        indexes = [models.Index(fields=["status", "due_date"], name="obligation_status_due")]

    def __str__(self) -> str:
        return f"{self.item} · {self.status}"


class InstalmentStatus(models.TextChoices):
    PENDING = "pending", _("Not yet due")
    PAID = "paid", _("Paid")
    LATE = "late", _("Late")


class Instalment(UUIDModel, TimeStampedModel):
    obligation = models.ForeignKey(Obligation, on_delete=models.CASCADE, related_name="instalments")
    number = models.PositiveSmallIntegerField()
    due_date = models.DateField(_("due"))
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    paid_at = models.DateField(_("paid on"), null=True, blank=True)
    paid_amount = models.DecimalField(_("paid"), max_digits=12, decimal_places=2, null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=InstalmentStatus.choices, default=InstalmentStatus.PENDING
    )

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["obligation", "number"], name="instalment_number_unique")]
        indexes = [models.Index(fields=["status", "due_date"], name="instalment_status_due")]

    @property
    def remaining(self) -> Decimal:
        return self.amount - (self.paid_amount or Decimal("0"))
