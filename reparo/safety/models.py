"""Safety: screenings (readiness, suitability, risk), safety plans, contact restrictions, distress check-ins,
the per-program distress threshold, and discreet in-app notices."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from reparo.core.fields import EncryptedCharField, EncryptedJSONField, EncryptedTextField
from reparo.core.models import TimeStampedModel, UUIDModel
from reparo.core.once import submission_key_field

DEFAULT_DISTRESS_THRESHOLD = 7


class ScreeningKind(models.TextChoices):
    SURVIVOR_READINESS = "survivor_readiness", _("Survivor readiness")
    RESPONSIBLE_SUITABILITY = "responsible_suitability", _("Responsible-person suitability")
    RISK_ASSESSMENT = "risk_assessment", _("Risk assessment")


class Outcome(models.TextChoices):
    READY = "ready", _("Ready")
    NOT_YET = "not_yet", _("Not yet")
    NOT_SUITABLE = "not_suitable", _("Not suitable")


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class Screening(UUIDModel, TimeStampedModel):
    """One completed screening with one instrument version. Not signed off by a supervisor = not current."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="screenings")
    process = models.ForeignKey("processes.Process", on_delete=models.CASCADE, related_name="screenings")
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="screenings"
    )  # empty for a risk assessment, which is about the meeting of the two
    kind = models.CharField(_("screening"), max_length=32, choices=ScreeningKind.choices)
    instrument_version = models.PositiveSmallIntegerField()
    answers = EncryptedJSONField(_("answers"))
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    risk_level = models.CharField(_("risk level"), max_length=8, choices=RiskLevel.choices, blank=True)
    reasons = EncryptedTextField(_("reasons"), null=True, blank=True)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    completed_at = models.DateTimeField()
    valid_until = models.DateTimeField()
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-completed_at"]
        indexes = [models.Index(fields=["process", "kind", "completed_at"], name="screening_process_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.instrument_version}"

    def is_current(self, at: datetime.datetime) -> bool:
        return self.signed_off_at is not None and self.valid_until > at


class SafetyPlan(UUIDModel, TimeStampedModel):
    """A survivor's safety plan on a case, reviewed on a schedule. Everything in it is encrypted."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="safety_plans")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="safety_plans")
    warning_signs = EncryptedTextField(_("warning signs"), null=True, blank=True)
    coping_steps = EncryptedTextField(_("coping steps"), null=True, blank=True)
    safe_contacts = EncryptedTextField(_("safe contacts"), null=True, blank=True)
    safe_words = EncryptedTextField(_("safe words"), null=True, blank=True)
    session_arrangements = EncryptedTextField(_("arrangements for sessions"), null=True, blank=True)
    next_review_on = models.DateField(_("next review"))
    reviewed_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    version = models.PositiveIntegerField(default=1, editable=False)
    # The facilitator's choice: the survivor may read this plan themself in the portal (never the other side).
    shared_with_person = models.BooleanField(_("the survivor can read it in the portal"), default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "person"], name="safety_plan_unique")]

    def review_due(self, today: datetime.date) -> bool:
        return self.next_review_on <= today


class RestrictionKind(models.TextChoices):
    NO_CONTACT_ORDER = "no_contact_order", _("No-contact order")
    COURT_CONDITION = "court_condition", _("Court condition")
    PROGRAM_DECISION = "program_decision", _("Decision of the program")


class ContactRestriction(UUIDModel, TimeStampedModel):
    """Two people who must not be in contact: no joint session, no message relay between them."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="contact_restrictions")
    person_a = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    person_b = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=24, choices=RestrictionKind.choices)
    source = EncryptedCharField(_("source"), max_length=300, null=True, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid until"), null=True, blank=True)
    lifted_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-valid_from", "-created_at"]
        indexes = [
            models.Index(fields=["person_a", "person_b"], name="restriction_pair"),
            models.Index(fields=["person_b", "person_a"], name="restriction_pair_rev"),
        ]


class CheckInMoment(models.TextChoices):
    BEFORE = "before", _("Before")
    DURING = "during", _("During")
    AFTER = "after", _("After")


class DistressCheckIn(TimeStampedModel):
    """A 0-10 distress rating around a session or a preparation meeting."""

    process = models.ForeignKey("processes.Process", on_delete=models.CASCADE, related_name="distress_checkins")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey("processes.Session", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    preparation = models.ForeignKey(
        "processes.PreparationMeeting", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moment = models.CharField(_("when"), max_length=8, choices=CheckInMoment.choices)
    rating = models.PositiveSmallIntegerField(
        _("distress (0-10)"), validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    threshold = models.PositiveSmallIntegerField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField()
    # The one-time token of the portal form it was recorded with (a digest): the same form sent twice records once.
    submission_key = submission_key_field()

    class Meta:
        ordering = ["recorded_at"]
        indexes = [models.Index(fields=["process", "recorded_at"], name="checkin_process_time")]

    @property
    def at_threshold(self) -> bool:
        return self.rating >= self.threshold


class ProgramSafetySettings(TimeStampedModel):
    """Safety settings of one program (kept here so other apps need no migration)."""

    program = models.OneToOneField("organisations.Program", on_delete=models.CASCADE, related_name="safety_settings")
    distress_threshold = models.PositiveSmallIntegerField(
        _("distress threshold"),
        default=DEFAULT_DISTRESS_THRESHOLD,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
    )


class Notice(TimeStampedModel):
    """A discreet in-app notice: a code and a link, never personal text (it may be seen over a shoulder)."""

    class Kind(models.TextChoices):
        DISTRESS = "distress", _("A check-in needs your attention.")
        MESSAGE = "message", _("A message is waiting.")
        RELAY = "relay", _("Something is waiting for your review.")
        PROCESS = "process", _("A process you work on has changed.")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="safety_notices")
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    process = models.ForeignKey("processes.Process", null=True, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"], name="notice_user_unread")]
