"""People: identity and contact data, encrypted, with a non-identifying display code."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from reparo.core.fields import (
    BlindIndexField,
    EncryptedCharField,
    EncryptedDateField,
    EncryptedJSONField,
    EncryptedTextField,
)
from reparo.core.htcds import Gender
from reparo.core.models import TimeStampedModel, UUIDModel

CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base 32: no I, L, O, U


class PersonKind(models.TextChoices):
    SURVIVOR = "survivor", _("Survivor")
    RESPONSIBLE = "responsible", _("Responsible person")
    OTHER = "other", _("Supporter or community member")


CODE_PREFIX: dict[str, str] = {PersonKind.SURVIVOR: "S", PersonKind.RESPONSIBLE: "R", PersonKind.OTHER: "C"}


def new_display_code(kind: str) -> str:
    return f"{CODE_PREFIX.get(kind, 'P')}-{''.join(secrets.choice(CODE_ALPHABET) for _ in range(5))}"


class Person(UUIDModel, TimeStampedModel):
    """Someone a program works with. Identity and contact data are encrypted; ``display_code`` stands in for
    the name wherever a name is not needed."""

    organisation = models.ForeignKey(
        "organisations.Organisation", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="people"
    )
    display_code = models.CharField(_("code"), max_length=12, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=16, choices=PersonKind.choices, db_index=True)

    given_name = EncryptedCharField(_("given name"), max_length=150, null=True, blank=True)
    family_name = EncryptedCharField(_("family name"), max_length=150, null=True, blank=True)
    aliases = EncryptedJSONField(
        _("other names"), null=True, blank=True, help_text=_("Other names the person uses or has used.")
    )
    date_of_birth = EncryptedDateField(_("date of birth"), null=True, blank=True)
    phone = EncryptedCharField(_("phone"), max_length=40, null=True, blank=True)
    email = EncryptedCharField(_("e-mail"), max_length=254, null=True, blank=True)
    address = EncryptedTextField(_("address"), null=True, blank=True)

    # Not identifying on their own; kept after erasure for statistics.
    gender = models.CharField(_("gender"), max_length=32, choices=Gender.choices, blank=True)
    citizenship = CountryField(_("citizenship"), multiple=True, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    birth_year_band = models.CharField(_("age group at erasure"), max_length=16, blank=True, editable=False)
    # Fields of the HTCDS standard that Reparo has no screen for yet, kept as they were imported (reparo.interop)
    # so that an export gives them back: {"prs_Salutation": "...", "vic_TraffickingStatus": "...", ...}.
    htcds_extra = EncryptedJSONField(null=True, blank=True, editable=False)

    phone_bidx = BlindIndexField(source="phone", normaliser="phone")
    email_bidx = BlindIndexField(source="email", normaliser="email")

    version = models.PositiveIntegerField(default=1, editable=False)
    erased_at = models.DateTimeField(_("erased"), null=True, blank=True, editable=False)
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        indexes = [models.Index(fields=["organisation", "kind"], name="person_org_kind")]

    def __str__(self) -> str:
        return self.display_code

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.given_name, self.family_name) if part)

    def all_names(self) -> list[str]:
        names = [self.full_name] if self.full_name else []
        return names + [alias for alias in (self.aliases or []) if alias]

    def phone_region(self) -> str | None:
        """The country a phone number written in its national form ("07700 900123") is read in: the person's
        organisation's (ISO 3166 code), for the phone's blind index."""
        if not self.organisation_id:
            return None
        return self.organisation.country or None


class PersonNameIndex(models.Model):
    """Blind-index digests of a person's full name and each alias, for exact-name search."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="name_index")
    digest = models.CharField(max_length=64, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "digest"], name="person_name_digest_unique")]

    def __str__(self) -> str:
        return f"{self.person_id}:{self.digest[:8]}"
