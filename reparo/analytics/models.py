"""The improvement log: what the program learned from its dashboards and feedback, and what it does about it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from reparo.core.fields import EncryptedTextField
from reparo.core.models import TimeStampedModel, UUIDModel


class ActionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    DROPPED = "dropped", _("Dropped")


class FindingSource(models.TextChoices):
    DASHBOARD = "dashboard", _("Outcome dashboard")
    PARTICIPANT_FEEDBACK = "participant_feedback", _("Participant feedback")
    STAKEHOLDER_FEEDBACK = "stakeholder_feedback", _("Stakeholder feedback")
    OTHER = "other", _("Other")


class ImprovementAction(UUIDModel, TimeStampedModel):
    """One finding and the action taken on it, with an owner, a due date and a status.

    Findings are about the program, never about a person: the form says so, and nothing here links to a case
    or a person. Still, staff type case details into free text, so the finding and the action are encrypted."""

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="improvement_actions"
    )
    program = models.ForeignKey(
        "organisations.Program",
        verbose_name=_("program"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="improvement_actions",
    )
    finding = EncryptedTextField(_("finding"))
    source = models.CharField(_("where it came from"), max_length=24, choices=FindingSource.choices)
    action = EncryptedTextField(_("action"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+"
    )
    due_on = models.DateField(_("due"))
    status = models.CharField(_("status"), max_length=16, choices=ActionStatus.choices, default=ActionStatus.PLANNED)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("improvement action")
        verbose_name_plural = _("improvement actions")
        indexes = [models.Index(fields=["organisation", "status", "due_on"], name="improvement_org_status_due")]

    def __str__(self) -> str:
        return f"improvement:{self.pk}"
