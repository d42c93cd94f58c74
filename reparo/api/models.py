"""An organisation's API tokens.

A token is shown once, when it is made, and stored only as the SHA-256 digest of its secret part: the secret is 256
random bits, so the digest cannot be turned back into it by trying values, and no key is needed to check it
(decision 0066). Each token acts through an account of its own (``AccountType.INTEGRATION``: no password, no second
factor, no membership), so that what it does is recorded under that account like anyone's actions, and holds only
its scopes, in its organisation, on the calls that present it (:func:`reparo.access.actors.act_for_token`).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reparo.core.fields import EncryptedCharField
from reparo.core.models import TimeStampedModel, UUIDModel


class ApiToken(UUIDModel, TimeStampedModel):
    organisation = models.ForeignKey(
        "organisations.Organisation", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), on_delete=models.PROTECT, related_name="+"
    )
    name = EncryptedCharField(_("name"), max_length=100)
    # The public part of the token ("rpt_<key_id>_<secret>"): finds the row, and names the token in lists and logs.
    key_id = models.CharField(_("key"), max_length=16, unique=True)
    digest = models.CharField(max_length=64)  # SHA-256 (hex) of the whole token
    scopes = models.JSONField(_("scopes"), default=list)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organisation", "-created_at"], name="api_token_org")]

    def __str__(self) -> str:
        return f"rpt_{self.key_id}"

    @property
    def label(self) -> str:
        """How lists and logs name the token: its public key, never its secret."""
        return f"rpt_{self.key_id}…"

    def is_usable(self, at: Any = None) -> bool:
        at = at or timezone.now()
        return self.revoked_at is None and self.expires_at > at

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "active" if self.expires_at > timezone.now() else "expired"
