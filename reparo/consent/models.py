"""The consent ledger: what a person agreed to, how, when, until when, and when they withdrew.

A row is never edited, except once: to record its withdrawal. Agreeing again is a new row, so the history of
what a person agreed to, and when, is always there. Whether something may be done *now* is answered by
:mod:`reparo.consent.policy`, never by reading these rows elsewhere.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any, NoReturn

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from reparo.core.fields import EncryptedCharField
from reparo.core.models import UUIDModel
from reparo.organisations.models import OrganisationKind

# Recording a consent "given" a few minutes ahead of the server clock is a clock difference, not the future.
CLOCK_SKEW = datetime.timedelta(minutes=5)


class ConsentPurpose(models.TextChoices):
    PROCESS = "process", _("Take part in a restorative process")
    CONTACT = "contact", _("Be contacted")
    SHARE = "share", _("Share information with a partner organisation")
    EVALUATION = "evaluation", _("Use their answers to evaluate the program")
    REPORTING = "reporting", _("Be counted in reports that do not identify anyone")
    RELAY = "relay", _("Have their letters and messages passed on to the other person, through the facilitator")
    PORTAL = "portal", _("Be contacted through the participant portal")
    SUPPORT_CIRCLE = "support_circle", _("Have a circle of community volunteers")


# Purposes whose agreement names one process (``process_ref``): taking part in it, or having a support circle.
PROCESS_PURPOSES = frozenset({ConsentPurpose.PROCESS, ConsentPurpose.SUPPORT_CIRCLE})


class ContactChannel(models.TextChoices):
    PHONE = "phone", _("Phone call")
    SMS = "sms", _("Text message (SMS)")
    EMAIL = "email", _("E-mail")
    POST = "post", _("Post")
    IN_PERSON = "in_person", _("In person")


class DataCategory(models.TextChoices):
    IDENTITY = "identity", _("Identity (name, date of birth)")
    CONTACT = "contact", _("Contact details")
    CASE_FACTS = "case_facts", _("What happened (case facts)")
    NEEDS = "needs", _("Needs")
    SAFETY = "safety", _("Safety information")
    SCREENING = "screening", _("Screening outcome")
    PROCESS_STATUS = "process_status", _("Process and agreement status")
    OUTCOMES = "outcomes", _("Survey scores (outcomes)")


class ConsentMethod(models.TextChoices):
    WRITTEN = "written", _("In writing")
    VERBAL_WITNESSED = "verbal_witnessed", _("Spoken, with a witness")
    SELF_SERVICE = "self_service", _("By the person themself, online")


class WithdrawalVia(models.TextChoices):
    STAFF = "staff", _("Recorded by staff")
    SELF_SERVICE = "self_service", _("By the person themself, online")


class ConsentState(models.TextChoices):
    CURRENT = "current", _("In force")
    NOT_YET = "not_yet", _("Not yet in force")
    EXPIRED = "expired", _("Ended")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# Plain words for each purpose-specific part of a description (whole phrases translate better than pieces).
CONTACT_PHRASES: dict[str, Any] = {
    ContactChannel.PHONE: _("Be contacted by phone"),
    ContactChannel.SMS: _("Be contacted by text message (SMS)"),
    ContactChannel.EMAIL: _("Be contacted by e-mail"),
    ContactChannel.POST: _("Be contacted by post"),
    ContactChannel.IN_PERSON: _("Be contacted in person"),
}
CATEGORY_PHRASES: dict[str, Any] = {
    DataCategory.IDENTITY: _("identity details"),
    DataCategory.CONTACT: _("contact details"),
    DataCategory.CASE_FACTS: _("case facts"),
    DataCategory.NEEDS: _("needs"),
    DataCategory.SAFETY: _("safety information"),
    DataCategory.SCREENING: _("screening outcome"),
    DataCategory.PROCESS_STATUS: _("process and agreement status"),
    DataCategory.OUTCOMES: _("survey scores"),
}
WITHDRAWAL_FIELDS = ("withdrawn_at", "withdrawn_by", "withdrawal_recorded_via")


def join_words(words: Iterable[str]) -> str:
    """``a``, ``a and b``, ``a, b and c`` — in the active language."""
    items = [str(w) for w in words]
    if len(items) <= 1:
        return "".join(items)
    return gettext("%(items)s and %(last)s") % {"items": ", ".join(items[:-1]), "last": items[-1]}


def categories_in_words(categories: Iterable[str]) -> str:
    ordered = [c for c in DataCategory.values if c in set(categories)]
    return join_words(str(CATEGORY_PHRASES[c]) for c in ordered)


def when(value: datetime.datetime) -> str:
    """A date in the active language's format, in the local time zone."""
    return formats.date_format(timezone.localtime(value), "DATE_FORMAT")


class ConsentImmutableError(Exception):
    """A consent row is never changed, except for the one-time recording of its withdrawal."""


class ConsentQuerySet(models.QuerySet["Consent"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise ConsentImmutableError("Consents cannot be changed in bulk; record a withdrawal or a new consent.")

    def bulk_update(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise ConsentImmutableError("Consents cannot be changed in bulk; record a withdrawal or a new consent.")

    def delete(self) -> NoReturn:  # type: ignore[override]
        raise ConsentImmutableError("Consents are history and cannot be deleted.")


class Consent(UUIDModel):
    """One agreement, given by one person, for one purpose."""

    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="consents"
    )
    purpose = models.CharField(_("what it is for"), max_length=16, choices=ConsentPurpose.choices)
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), null=True, blank=True, on_delete=models.PROTECT, related_name="consents"
    )
    process_ref = models.CharField(
        _("process reference"),
        max_length=64,
        blank=True,
        help_text=_("Which restorative process the person agreed to take part in."),
    )
    process_label = models.CharField(_("name of the process"), max_length=200, blank=True)
    channel = models.CharField(
        _("how they may be contacted"), max_length=16, choices=ContactChannel.choices, blank=True
    )
    recipient = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("partner organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="consents_received",
    )
    data_categories = models.JSONField(_("what may be shared"), default=list, blank=True)
    method = models.CharField(_("how the person agreed"), max_length=20, choices=ConsentMethod.choices)
    witness_name = EncryptedCharField(_("witness"), max_length=150, null=True, blank=True)
    given_at = models.DateTimeField(_("agreed on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    expires_at = models.DateTimeField(_("ends"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("withdrawal recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    withdrawal_recorded_via = models.CharField(
        _("withdrawal recorded"), max_length=16, choices=WithdrawalVia.choices, blank=True
    )

    objects = ConsentQuerySet.as_manager()

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        indexes = [models.Index(fields=["person", "purpose"], name="consent_person_purpose")]

    def __str__(self) -> str:
        return f"{self.purpose}:{self.pk}"

    # --- time -----------------------------------------------------------------------------------------------

    def state_at(self, at: datetime.datetime) -> ConsentState:
        """The one rule for "is this consent in force at ``at``?" (the policy and the pages both use it)."""
        if self.withdrawn_at is not None and self.withdrawn_at <= at:
            return ConsentState.WITHDRAWN
        if self.expires_at is not None and self.expires_at <= at:
            return ConsentState.EXPIRED
        if self.given_at > at:
            return ConsentState.NOT_YET
        return ConsentState.CURRENT

    def in_force_at(self, at: datetime.datetime) -> bool:
        return self.state_at(at) == ConsentState.CURRENT

    @property
    def state(self) -> ConsentState:
        return self.state_at(timezone.now())

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    # --- words ----------------------------------------------------------------------------------------------

    def describe(self) -> str:
        """What the person agreed to, in plain words in the active language."""
        if self.purpose == ConsentPurpose.PROCESS:
            if self.process_label:  # its name in words; the reference (an id) means nothing to a reader
                return gettext("Take part in: %(process)s") % {"process": self.process_label}
            return gettext("Take part in restorative process %(ref)s") % {"ref": self.process_ref}
        if self.purpose == ConsentPurpose.SUPPORT_CIRCLE:
            return gettext("Have a circle of community volunteers (%(ref)s)") % {
                "ref": self.process_label or self.process_ref
            }
        if self.purpose == ConsentPurpose.CONTACT:
            return str(CONTACT_PHRASES.get(self.channel, _("Be contacted")))
        if self.purpose == ConsentPurpose.SHARE:
            return gettext("Share %(categories)s with %(organisation)s") % {
                "categories": categories_in_words(self.data_categories or []),
                "organisation": self.recipient.name if self.recipient_id and self.recipient else "—",
            }
        if self.purpose == ConsentPurpose.EVALUATION:
            return gettext("Use their answers to evaluate the program")
        if self.purpose == ConsentPurpose.RELAY:
            return gettext("Have their letters and messages passed on to the other person, through the facilitator")
        if self.purpose == ConsentPurpose.PORTAL:
            return gettext("Be contacted through the participant portal")
        return gettext("Be counted in reports that do not identify anyone")

    def describe_state(self, at: datetime.datetime | None = None) -> str:
        """Where this consent stands, in plain words: since when, until when, or when it stopped."""
        at = at or timezone.now()
        state = self.state_at(at)
        if state == ConsentState.WITHDRAWN and self.withdrawn_at is not None:
            return gettext("Withdrew on %(date)s") % {"date": when(self.withdrawn_at)}
        if state == ConsentState.EXPIRED and self.expires_at is not None:
            return gettext("Ended on %(date)s") % {"date": when(self.expires_at)}
        if state == ConsentState.NOT_YET:
            return gettext("Agrees from %(date)s") % {"date": when(self.given_at)}
        if self.expires_at is not None:
            return gettext("Agreed on %(date)s, until %(until)s") % {
                "date": when(self.given_at),
                "until": when(self.expires_at),
            }
        return gettext("Agreed on %(date)s") % {"date": when(self.given_at)}

    # --- validation -----------------------------------------------------------------------------------------

    def clean(self) -> None:
        errors: dict[str, list[Any]] = {}

        def add(field: str, message: Any) -> None:
            errors.setdefault(field, []).append(message)

        categories = self.data_categories if isinstance(self.data_categories, list) else None
        if categories is None:
            add("data_categories", _("Choose what may be shared from the list."))
            categories = []
        purpose = self.purpose

        if purpose in PROCESS_PURPOSES:
            if not (self.process_ref or "").strip():
                add("process_ref", _("Say which restorative process the person agreed to take part in."))
        elif self.process_ref or self.process_label:
            add("process_ref", _("A process is only named when the agreement is to take part in a process."))

        if purpose == ConsentPurpose.CONTACT:
            if not self.channel:
                add("channel", _("Choose how the person agreed to be contacted."))
        elif self.channel:
            add("channel", _("A way of contacting is only chosen when the agreement is about being contacted."))

        if purpose == ConsentPurpose.SHARE:
            if self.recipient_id is None:
                add("recipient", _("Choose the partner organisation the person agreed to share with."))
            elif self.recipient is not None and self.recipient.kind != OrganisationKind.PARTNER:
                add("recipient", _("Information can only be shared with a partner organisation."))
            if not categories:
                add("data_categories", _("Choose at least one kind of information the person agreed to share."))
            unknown = [c for c in categories if c not in DataCategory.values]
            if unknown:
                add("data_categories", _("Choose what may be shared from the list."))
            elif len(set(categories)) != len(categories):
                add("data_categories", _("Each kind of information can be chosen only once."))
        else:
            if self.recipient_id is not None:
                add("recipient", _("An organisation is only chosen when the agreement is about sharing."))
            if categories:
                add("data_categories", _("Kinds of information are only chosen when the agreement is about sharing."))

        if self.method == ConsentMethod.VERBAL_WITNESSED and not (self.witness_name or "").strip():
            add("witness_name", _("Write the name of the person who witnessed the spoken agreement."))

        if self.given_at is not None:
            if self._state.adding and self.given_at > timezone.now() + CLOCK_SKEW:
                add("given_at", _("The date the person agreed cannot be in the future."))
            if self.expires_at is not None and self.expires_at <= self.given_at:
                add("expires_at", _("The end date must be after the date the person agreed."))
            if self.withdrawn_at is not None and self.withdrawn_at < self.given_at:
                add("withdrawn_at", _("A withdrawal cannot come before the agreement."))

        if self.withdrawn_at is None:
            if self.withdrawn_by_id is not None or self.withdrawal_recorded_via:
                add("withdrawn_at", _("A withdrawal needs the time it was made."))
        elif not self.withdrawal_recorded_via:
            add("withdrawal_recorded_via", _("Say how the withdrawal was recorded."))

        if errors:
            raise ValidationError(errors)

    # --- history is never overwritten -----------------------------------------------------------------------

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            self._refuse_changes_except_a_first_withdrawal()
            kwargs["update_fields"] = WITHDRAWAL_FIELDS
        super().save(*args, **kwargs)

    def _refuse_changes_except_a_first_withdrawal(self) -> None:
        stored = type(self)._base_manager.filter(pk=self.pk).first()
        if stored is None:
            raise ConsentImmutableError("This consent is not in the ledger; record a new one instead.")
        changed = [
            f.name
            for f in self._meta.concrete_fields
            if f.name not in WITHDRAWAL_FIELDS and getattr(self, f.attname) != getattr(stored, f.attname)
        ]
        if changed:
            raise ConsentImmutableError(
                f"A recorded consent cannot be changed ({', '.join(changed)}); record a new consent instead."
            )
        withdrawal_attnames = ("withdrawn_at", "withdrawn_by_id", "withdrawal_recorded_via")
        if stored.withdrawn_at is not None and any(
            getattr(self, name) != getattr(stored, name) for name in withdrawal_attnames
        ):
            raise ConsentImmutableError("The withdrawal of a consent is recorded once and cannot be changed.")

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise ConsentImmutableError("Consents are history and cannot be deleted.")
