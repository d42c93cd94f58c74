"""Evaluation: survey schedules per program, assignments, responses with their scores, stakeholder feedback,
re-offending events and comparison cohorts.

Item answers and free-text comments are encrypted. The computed score (total, subscales, band, extra) is kept
in plain columns so that dashboards can aggregate it in the database: a number on an instrument is not
identifying by itself, and every read of it goes through :mod:`reparo.evaluation.selectors`, which counts only
people whose evaluation consent is current.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from reparo.core.fields import BlindIndexField, EncryptedCharField, EncryptedJSONField, EncryptedTextField, RowKeyField
from reparo.core.models import TimeStampedModel, UUIDModel


class InstrumentCode(models.TextChoices):
    WHO5 = "who5", _("WHO-5 Well-Being Index")
    RSES = "rses", _("Rosenberg Self-Esteem Scale")
    MSPSS = "mspss", _("Multidimensional Scale of Perceived Social Support")
    PCL5 = "pcl5", _("PTSD Checklist for DSM-5 (PCL-5)")
    K10 = "k10", _("Kessler Psychological Distress Scale (K10)")
    K6 = "k6", _("Kessler Psychological Distress Scale (K6)")
    SATISFACTION = "satisfaction", _("Satisfaction and procedural justice (program questionnaire)")


class Timepoint(models.TextChoices):
    BASELINE = "baseline", _("Baseline")
    AFTER_SESSION = "after_session", _("After each session")
    END_OF_PROCESS = "end_of_process", _("End of process")
    MONTHS_3 = "months_3", _("3 months after")
    MONTHS_6 = "months_6", _("6 months after")
    MONTHS_12 = "months_12", _("12 months after")
    CIRCLE_START = "circle_start", _("Start of a support circle")


# Timepoints a program puts on its schedule; the others are given by the app they belong to (a support circle's
# start is the support circles' own schedule).
SCHEDULED_TIMEPOINTS = frozenset(
    {
        Timepoint.BASELINE,
        Timepoint.AFTER_SESSION,
        Timepoint.END_OF_PROCESS,
        Timepoint.MONTHS_3,
        Timepoint.MONTHS_6,
        Timepoint.MONTHS_12,
    }
)


class Audience(models.TextChoices):
    SURVIVORS = "survivors", _("Survivors")
    RESPONSIBLE = "responsible", _("Responsible persons")
    BOTH = "both", _("Survivors and responsible persons")


class SurveySchedule(TimeStampedModel):
    """One line of a program's schedule: give ``instrument`` to ``audience`` at ``timepoint``."""

    program = models.ForeignKey(
        "organisations.Program", verbose_name=_("program"), on_delete=models.CASCADE, related_name="survey_schedule"
    )
    instrument = models.CharField(_("questionnaire"), max_length=16, choices=InstrumentCode.choices)
    timepoint = models.CharField(_("when"), max_length=16, choices=Timepoint.choices)
    audience = models.CharField(_("who"), max_length=16, choices=Audience.choices, default=Audience.BOTH)
    due_within_days = models.PositiveSmallIntegerField(
        _("days to complete"), default=14, help_text=_("After this many days an open survey is listed as overdue.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("survey schedule line")
        verbose_name_plural = _("survey schedule")
        ordering = ["program", "timepoint", "instrument"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "instrument", "timepoint", "audience"], name="survey_schedule_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.program_id}:{self.instrument}@{self.timepoint}"


class AssignmentStatus(models.TextChoices):
    OPEN = "open", _("To do")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class CancelReason(models.TextChoices):
    CONSENT = "consent", _("Evaluation consent is no longer in force")
    DECLINED = "declined", _("The person declined this time")
    UNREACHABLE = "unreachable", _("The person could not be reached")
    WITHDREW = "withdrew", _("The person stopped taking part in the process")


class SurveyAssignment(UUIDModel, TimeStampedModel):
    """One questionnaire to be completed by one person on one occasion.

    ``occasion`` makes each assignment unique: ``baseline``, ``session:<session id>``, ``end:<process id>``,
    ``months_3:<process id>``, ``months_12:<process id>``."""

    program = models.ForeignKey("organisations.Program", on_delete=models.PROTECT, related_name="survey_assignments")
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="survey_assignments")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="survey_assignments")
    participant_role = models.CharField(_("role in the case"), max_length=16)
    process = models.ForeignKey(
        "processes.Process", null=True, blank=True, on_delete=models.CASCADE, related_name="survey_assignments"
    )
    session = models.ForeignKey(
        "processes.Session", null=True, blank=True, on_delete=models.CASCADE, related_name="survey_assignments"
    )
    schedule = models.ForeignKey(SurveySchedule, null=True, on_delete=models.SET_NULL, related_name="assignments")
    instrument = models.CharField(_("questionnaire"), max_length=16, choices=InstrumentCode.choices)
    timepoint = models.CharField(_("when"), max_length=16, choices=Timepoint.choices)
    occasion = models.CharField(max_length=64, editable=False)
    due_on = models.DateField(_("due"))
    overdue_on = models.DateField(_("overdue from"))
    status = models.CharField(
        _("status"), max_length=16, choices=AssignmentStatus.choices, default=AssignmentStatus.OPEN
    )
    cancel_reason = models.CharField(_("why cancelled"), max_length=16, choices=CancelReason.choices, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["due_on", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "person", "instrument", "occasion"], name="survey_assignment_unique_occasion"
            )
        ]
        indexes = [
            models.Index(fields=["status", "overdue_on"], name="survey_assignment_status_due"),
            models.Index(fields=["program", "status"], name="survey_assignment_program"),
        ]

    def __str__(self) -> str:
        return f"{self.instrument}:{self.occasion}"


class CollectionMode(models.TextChoices):
    STAFF_INTERVIEW = "staff_interview", _("Staff interview")
    SELF = "self", _("By the person themself")


class SurveyResponse(UUIDModel, TimeStampedModel):
    """The answers to one assignment, encrypted, and the score computed from them by ``scoring.score``."""

    assignment = models.OneToOneField(SurveyAssignment, on_delete=models.CASCADE, related_name="response")
    program = models.ForeignKey("organisations.Program", on_delete=models.PROTECT, related_name="survey_responses")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="survey_responses")
    instrument = models.CharField(_("questionnaire"), max_length=16, choices=InstrumentCode.choices)
    instrument_version = models.CharField(max_length=16)
    timepoint = models.CharField(_("when"), max_length=16, choices=Timepoint.choices)
    collected_on = models.DateField(_("date of the interview"))
    mode = models.CharField(max_length=16, choices=CollectionMode.choices, default=CollectionMode.STAFF_INTERVIEW)
    language = models.CharField(max_length=8)
    answers = EncryptedJSONField()
    comment = EncryptedTextField(_("comment"), null=True, blank=True)
    total = models.FloatField(null=True, blank=True)
    subscales = models.JSONField(default=dict, blank=True)
    band = models.CharField(max_length=32, blank=True)
    extra = models.JSONField(default=dict, blank=True)
    collected_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["program", "instrument", "timepoint"], name="survey_response_program")]


class StakeholderKind(models.TextChoices):
    COURT = "court", _("Court or prosecution")
    POLICE = "police", _("Police")
    SOCIAL = "social", _("Social services")
    HEALTH = "health", _("Health or mental-health service")
    LEGAL = "legal", _("Legal aid")
    COMMUNITY = "community", _("Community group")
    FUNDER = "funder", _("Funder")
    OTHER = "other", _("Other")


class StakeholderFeedback(UUIDModel, TimeStampedModel):
    """Feedback from a stakeholder organisation about a program (the stakeholder form)."""

    program = models.ForeignKey("organisations.Program", on_delete=models.PROTECT, related_name="stakeholder_feedback")
    stakeholder_kind = models.CharField(_("from"), max_length=16, choices=StakeholderKind.choices)
    organisation = models.ForeignKey(
        "organisations.Organisation", verbose_name=_("organisation"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    received_on = models.DateField(_("received on"))
    instrument_version = models.CharField(max_length=16)
    answers = EncryptedJSONField()
    comment = EncryptedTextField(_("comment"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-received_on", "-created_at"]


class ReoffendingSource(models.TextChoices):
    COURT_RECORD = "court_record", _("Court record")
    POLICE_RECORD = "police_record", _("Police record")
    PROBATION = "probation", _("Probation or parole service")
    SELF_REPORT = "self_report", _("The person themself")
    OTHER = "other", _("Other source")


class ReoffendingType(models.TextChoices):
    ARREST = "arrest", _("Arrest")
    CHARGE = "charge", _("New charge")
    CONVICTION = "conviction", _("New conviction")
    BREACH = "breach", _("Breach of an order or condition")
    OTHER = "other", _("Other")


class ReoffendingEvent(UUIDModel, TimeStampedModel):
    """A re-offending event for a responsible person on a case (follow-up)."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="reoffending_events")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="reoffending_events")
    occurred_on = models.DateField(_("date"))
    source = models.CharField(_("source"), max_length=16, choices=ReoffendingSource.choices)
    type = models.CharField(_("type"), max_length=16, choices=ReoffendingType.choices)
    note = EncryptedTextField(_("note"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-occurred_on", "-created_at"]
        indexes = [models.Index(fields=["person", "occurred_on"], name="reoffending_person_date")]


class ComparisonCohort(UUIDModel, TimeStampedModel):
    """A comparison group for a program (people who did not take part), imported from CSV without names."""

    program = models.ForeignKey(
        "organisations.Program", verbose_name=_("program"), on_delete=models.PROTECT, related_name="comparison_cohorts"
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    source_filename = models.CharField(max_length=255, blank=True)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class ComparisonMember(models.Model):
    """One person of a comparison cohort: a reference and their follow-up. The reference is meant to identify
    no one, but it is whatever the importing system used, so it is encrypted (bound to the row key) and kept
    unique within its cohort through its blind index."""

    cohort = models.ForeignKey(ComparisonCohort, on_delete=models.CASCADE, related_name="members")
    row_key = RowKeyField()
    reference = EncryptedCharField(max_length=64)
    reference_bidx = BlindIndexField(source="reference")
    followup_start = models.DateField()
    followup_end = models.DateField()
    reoffended_on = models.DateField(null=True, blank=True)
    event_type = models.CharField(max_length=16, choices=ReoffendingType.choices, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cohort", "reference_bidx"], name="comparison_member_unique_ref_bidx")
        ]

    def __str__(self) -> str:
        return self.reference
