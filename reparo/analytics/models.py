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


# --- the outcome figures, kept as they are written (decision 0070; reparo/analytics/evidence.py) ---------------


class EvidenceChange(models.Model):
    """Something an outcome figure rests on has changed: written only by database triggers (migration
    ``analytics.0003``) in the same transaction as the change, whichever code made it. ``evidence.refresh`` reads
    these rows, brings the facts and tallies of the case, person or comparison group up to date, and deletes them.
    No foreign keys: a row may outlive what it names (a deleted case still has facts to take away)."""

    organisation_id = models.BigIntegerField(null=True, db_index=True)
    case_id = models.UUIDField(null=True)
    person_id = models.UUIDField(null=True)
    cohort_id = models.UUIDField(null=True)

    class Meta:
        verbose_name = _("change to the outcome figures")
        verbose_name_plural = _("changes to the outcome figures")

    def __str__(self) -> str:
        return f"evidence-change:{self.pk}"


class EvidenceState(models.Model):
    """Per organisation: a version that moves whenever its tallies change (the key of kept dashboards), and when
    they were last brought up to date. The row with ``organisation_id`` 0 is the lock refreshes take."""

    organisation_id = models.BigIntegerField(primary_key=True)
    version = models.BigIntegerField(default=0)
    refreshed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("state of the outcome figures")
        verbose_name_plural = _("states of the outcome figures")

    def __str__(self) -> str:
        return f"evidence-state:{self.organisation_id}"


class EvidenceFact(models.Model):
    """What one case, one person or one comparison group contributes to one figure of its organisation, counted
    while the evaluation consent it rests on is in force: from ``since`` to ``until`` (see ``evidence.py`` for what
    ``figure``, the keys ``k1``, ``k2``, ``x1``, ``x2``, ``d1`` and the measures ``n``, ``m1``, ``m2``, ``s1``,
    ``s2`` mean for each figure). Numbers and codes only: no name, no free text, no answer to an identifying
    question."""

    organisation_id = models.BigIntegerField()
    program_id = models.BigIntegerField()
    case_id = models.UUIDField(null=True, db_index=True)
    person_id = models.UUIDField(null=True, db_index=True)
    cohort_id = models.UUIDField(null=True, db_index=True)
    figure = models.CharField(max_length=12)
    k1 = models.CharField(max_length=32, default="")
    k2 = models.CharField(max_length=32, default="")
    x1 = models.FloatField(default=0.0)
    x2 = models.FloatField(default=0.0)
    d1 = models.DateField()
    since = models.DateTimeField()
    until = models.DateTimeField()
    n = models.BigIntegerField(default=0)
    m1 = models.BigIntegerField(default=0)
    m2 = models.BigIntegerField(default=0)
    s1 = models.BigIntegerField(default=0)
    s2 = models.BigIntegerField(default=0)
    v = models.FloatField(null=True)  # an exact value behind a bucket (days in a stage), not summed

    class Meta:
        verbose_name = _("outcome fact")
        verbose_name_plural = _("outcome facts")
        indexes = [models.Index(fields=["organisation_id", "figure", "k1", "x1"], name="evidence_fact_bucket")]

    def __str__(self) -> str:
        return f"evidence-fact:{self.figure}:{self.pk}"


class EvidenceTally(models.Model):
    """The sum of the facts of one organisation with the same keys and consent window: what the dashboards read."""

    organisation_id = models.BigIntegerField()
    program_id = models.BigIntegerField()
    figure = models.CharField(max_length=12)
    k1 = models.CharField(max_length=32, default="")
    k2 = models.CharField(max_length=32, default="")
    x1 = models.FloatField(default=0.0)
    x2 = models.FloatField(default=0.0)
    d1 = models.DateField()
    since = models.DateTimeField()
    until = models.DateTimeField()
    n = models.BigIntegerField(default=0)
    m1 = models.BigIntegerField(default=0)
    m2 = models.BigIntegerField(default=0)
    s1 = models.BigIntegerField(default=0)
    s2 = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("outcome tally")
        verbose_name_plural = _("outcome tallies")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation_id", "program_id", "figure", "k1", "k2", "x1", "x2", "d1", "since", "until"],
                name="evidence_tally_key",
            )
        ]

    def __str__(self) -> str:
        return f"evidence-tally:{self.figure}:{self.pk}"
