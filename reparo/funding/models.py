"""Funders, the grants they give an organisation, each grant's allocations to programs and cost categories, its
reporting deadlines, and the spending recorded against it.

Every amount is a whole number of its currency's minor unit (``*_minor``, a 64-bit integer) next to an ISO 4217
code (:mod:`reparo.funding.money`): sums in the database are exact, and Python sees them as ``Decimal`` with their
currency. Allocations and spend lines are always in their grant's currency.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from reparo.core.fields import EncryptedTextField
from reparo.core.models import TimeStampedModel, UUIDModel
from reparo.funding.money import Money


class Category(models.TextChoices):
    """What money is spent on."""

    FACILITATION = "facilitation", _("Facilitation")
    TRAINING = "training", _("Training")
    INTERPRETERS = "interpreters", _("Interpreters")
    TRAVEL = "travel", _("Travel")
    SURVIVOR_SUPPORT = "survivor_support", _("Survivor support")
    RESTITUTION_SUPPORT = "restitution_support", _("Restitution support")
    ADMINISTRATION = "administration", _("Administration")


class Funder(UUIDModel, TimeStampedModel):
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=200)
    website = models.URLField(_("website"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="funder_unique_name")]

    def __str__(self) -> str:
        return self.name


class Grant(UUIDModel, TimeStampedModel):
    """Money a funder gives the organisation for a period. A restricted grant may be spent only as allocated."""

    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+")
    funder = models.ForeignKey(Funder, verbose_name=_("funder"), on_delete=models.PROTECT, related_name="grants")
    reference = models.CharField(_("the funder's reference"), max_length=80)
    restricted = models.BooleanField(_("restricted"), default=True)
    amount_minor = models.BigIntegerField()
    currency = models.CharField(_("currency"), max_length=3)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    purpose = models.CharField(_("purpose"), max_length=500, blank=True)
    conditions = EncryptedTextField(_("conditions"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-starts_on", "reference"]
        constraints = [
            models.UniqueConstraint(fields=["funder", "reference"], name="grant_unique_reference"),
            models.CheckConstraint(condition=models.Q(amount_minor__gt=0), name="grant_amount_positive"),
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")), name="grant_period_order"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def amount(self) -> Money:
        return Money.from_minor(self.amount_minor, self.currency)


class Allocation(UUIDModel, TimeStampedModel):
    """Part of a grant set aside for one program and one cost category (in the grant's currency)."""

    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="allocations")
    program = models.ForeignKey("organisations.Program", on_delete=models.PROTECT, related_name="+")
    category = models.CharField(_("category"), max_length=24, choices=Category.choices)
    amount_minor = models.BigIntegerField()

    class Meta:
        ordering = ["program__name", "category"]
        constraints = [
            models.UniqueConstraint(fields=["grant", "program", "category"], name="allocation_unique"),
            models.CheckConstraint(condition=models.Q(amount_minor__gte=0), name="allocation_amount_not_negative"),
        ]

    @property
    def amount(self) -> Money:
        return Money.from_minor(self.amount_minor, self.grant.currency)


class ReportingDeadline(UUIDModel, TimeStampedModel):
    """A report the funder expects by a date. Reminders go out before it is due and once when it is overdue."""

    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="deadlines")
    due_on = models.DateField(_("due on"))
    what = models.CharField(_("what is due"), max_length=200)
    submitted_on = models.DateField(_("sent on"), null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    reminded_at = models.DateTimeField(null=True, blank=True)
    overdue_reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "created_at"]


class SpendLine(UUIDModel, TimeStampedModel):
    """Money spent from a grant, on one program and category, in the grant's currency. Optionally tied to the
    process session or training session it paid for. A line that went beyond a restricted allocation carries the
    organisation admin's reason."""

    grant = models.ForeignKey(Grant, on_delete=models.PROTECT, related_name="spend_lines")
    program = models.ForeignKey("organisations.Program", on_delete=models.PROTECT, related_name="+")
    category = models.CharField(_("category"), max_length=24, choices=Category.choices)
    spent_on = models.DateField(_("date"))
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    reference = models.CharField(_("reference (invoice or receipt)"), max_length=80, blank=True)
    process_session = models.ForeignKey(
        "processes.Session", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    course_session = models.ForeignKey(
        "training.CourseSession", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    override_reason = EncryptedTextField(_("why it goes beyond the allocation"), null=True, blank=True)
    overridden_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-spent_on", "-created_at"]
        indexes = [models.Index(fields=["grant", "program", "category"], name="spend_grant_program_category")]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_minor__gt=0), name="spend_amount_positive"),
        ]

    @property
    def amount(self) -> Money:
        return Money.from_minor(self.amount_minor, self.currency)
