"""Differentially private releases of figures for policymakers and funders, and each organisation's yearly
privacy budget.

A release is computed and published in one step (computing it spends privacy, so there is no unpublished draft to
look at) and is never changed or deleted afterwards: the model and its querysets refuse, and so does the database
(triggers, migration 0002). The budget row of an organisation and year records what its releases have spent; the
database refuses a row whose spending passes its limit.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from reparo.core.fields import EncryptedCharField
from reparo.core.models import TimeStampedModel, UUIDModel

DEFAULT_YEARLY_EPSILON = Decimal("4")  # synthetic-data-showcase's default yearly budget
# ε is stored in whole thousandths, so that sums and comparisons are exact in every database (SQLite keeps
# decimals as floating point).
MILLI = 1000


def to_milli(epsilon: Decimal) -> int:
    return int(epsilon * MILLI)


def from_milli(value: int) -> Decimal:
    return (Decimal(value) / MILLI).normalize()


class PrivacyBudget(TimeStampedModel):
    """How much privacy (ε) an organisation may spend on public releases in one calendar year, and has spent."""

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="privacy_budgets"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    limit_milli = models.PositiveIntegerField(
        _("yearly limit (thousandths of ε)"), default=to_milli(DEFAULT_YEARLY_EPSILON)
    )
    spent_milli = models.PositiveIntegerField(_("spent (thousandths of ε)"), default=0)
    limit_set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("privacy budget")
        verbose_name_plural = _("privacy budgets")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year"], name="privacy_budget_org_year"),
            models.CheckConstraint(
                condition=models.Q(spent_milli__lte=models.F("limit_milli")), name="privacy_budget_not_over"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id}/{self.year}: {self.spent}/{self.limit}"

    @property
    def limit(self) -> Decimal:
        return from_milli(self.limit_milli)

    @property
    def spent(self) -> Decimal:
        return from_milli(self.spent_milli)

    @property
    def remaining(self) -> Decimal:
        return from_milli(max(0, self.limit_milli - self.spent_milli))


class ReleaseImmutableError(Exception):
    """A published release is never changed or deleted."""


class ReleaseQuerySet(models.QuerySet["Release"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise ReleaseImmutableError("Published releases cannot be changed.")

    def bulk_update(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise ReleaseImmutableError("Published releases cannot be changed.")

    def delete(self) -> NoReturn:  # type: ignore[override]
        raise ReleaseImmutableError("Published releases cannot be deleted.")


class Release(UUIDModel):
    """One published set of noisy tables. ``tables`` holds, per table, its key, the ε it was made with, its 95 %
    noise margin and its raw noisy numbers (see :mod:`reparo.releases.tables`)."""

    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="releases")
    program = models.ForeignKey(
        "organisations.Program", null=True, blank=True, on_delete=models.PROTECT, related_name="releases"
    )
    year = models.PositiveSmallIntegerField(_("budget year"))
    title = EncryptedCharField(_("title"), max_length=200)
    epsilon_milli = models.PositiveIntegerField(_("privacy spent (thousandths of ε)"))
    tables = models.JSONField(_("tables"), default=list)
    published_at = models.DateTimeField(_("published"))
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = ReleaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("release")
        verbose_name_plural = _("releases")
        ordering = ["-published_at"]
        indexes = [models.Index(fields=["organisation", "-published_at"], name="release_org_published")]
        constraints = [models.CheckConstraint(condition=models.Q(epsilon_milli__gt=0), name="release_epsilon_positive")]

    def __str__(self) -> str:
        return f"release:{self.pk}"

    @property
    def epsilon(self) -> Decimal:
        return from_milli(self.epsilon_milli)

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ReleaseImmutableError("A published release cannot be changed; publish a new one instead.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise ReleaseImmutableError("Published releases cannot be deleted.")
