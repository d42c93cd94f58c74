"""The participants' portal: one account per person, the invitation codes that open it, and each program's
neutral name for it.

A participant account is an ``accounts.User`` of type ``participant`` whose ``email`` is a sign-in name under a
reserved domain (never a real address: the portal sends nothing to it). Invitation codes are kept only as keyed
digests; the code itself is shown once, to the staff member who hands it over.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from reparo.core.models import TimeStampedModel, UUIDModel


class AccessStatus(models.TextChoices):
    INVITED = "invited", _("Invited")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")


class PortalAccount(UUIDModel, TimeStampedModel):
    """One person's way into the portal, and the participant account that signs in with it."""

    person = models.OneToOneField("people.Person", on_delete=models.PROTECT, related_name="portal_account")
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="portal_account")
    # The case the person was first invited from: its program names the portal for them.
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("access"), max_length=16, choices=AccessStatus.choices, default=AccessStatus.INVITED)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("portal access")
        verbose_name_plural = _("portal access")

    def __str__(self) -> str:
        return f"{self.person_id} · {self.status}"


class InvitationChannel(models.TextChoices):
    IN_PERSON = "in_person", _("Given in person")
    PHONE = "phone", _("Read out on a phone call")
    SMS = "sms", _("Sent by text message (SMS)")
    EMAIL = "email", _("Sent by e-mail")
    POST = "post", _("Sent by post")


class Invitation(UUIDModel, TimeStampedModel):
    """A one-time code that lets the person set their passphrase and second factor. Works once, until it expires
    or a newer one replaces it."""

    account = models.ForeignKey(PortalAccount, on_delete=models.CASCADE, related_name="invitations")
    code_digest = models.CharField(max_length=64, unique=True, editable=False)
    channel = models.CharField(_("how it is given"), max_length=16, choices=InvitationChannel.choices)
    printed_codes = models.BooleanField(_("with a printed list of one-time codes"), default=False)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    expires_at = models.DateTimeField(_("works until"))
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.account_id} · {self.created_at:%Y-%m-%d}"


class ProgramPortalSettings(TimeStampedModel):
    """How the portal presents itself to one program's participants: a neutral name (page titles, the installed
    app's name, the sender of its e-mails). Empty: "Appointments" in the reader's language."""

    program = models.OneToOneField("organisations.Program", on_delete=models.CASCADE, related_name="portal_settings")
    name = models.CharField(
        _("name of the portal"),
        max_length=40,
        blank=True,
        help_text=_("A neutral name that says nothing about the program, for example “Appointments”."),
    )

    class Meta:
        verbose_name = _("portal settings")
        verbose_name_plural = _("portal settings")

    def __str__(self) -> str:
        return self.name or str(self.program_id)


class CallbackRequest(UUIDModel, TimeStampedModel):
    """A participant asked to talk to someone: the team's task to call them back (one open request at a time)."""

    account = models.ForeignKey(PortalAccount, on_delete=models.CASCADE, related_name="callbacks")
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    task = models.OneToOneField("cases.Task", null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at"]
