"""Facilitator competence: a competency framework per organisation (data, editable by its admins), courses and
continuing development, role-play practice attempts, observations, supervision and reflection, certifications,
and what eligibility needs to know about a facilitator (languages, gender, declared conflicts) and about a
survivor's stated preferences."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from reparo.core.fields import EncryptedCharField, EncryptedTextField, RowKeyField
from reparo.core.htcds import Gender
from reparo.core.models import TimeStampedModel, UUIDModel
from reparo.processes.models import ProcessType

CERTIFICATION_YEARS = 2
EXPIRY_WARNING_DAYS = 90
OPEN_PROCESS_CAP_MAX = 50


class Level(models.IntegerChoices):
    FOUNDATION = 1, _("Foundation")
    PRACTITIONER = 2, _("Practitioner")
    ADVANCED = 3, _("Advanced")


class Competency(TimeStampedModel):
    """One competency of an organisation's framework (for example trauma-informed practice)."""

    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE, related_name="+")
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name (English)"), max_length=120)
    name_es = models.CharField(_("name (Spanish)"), max_length=120, blank=True)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "code"]
        constraints = [models.UniqueConstraint(fields=["organisation", "code"], name="competency_unique_code")]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        if (translation.get_language() or "en").startswith("es") and self.name_es:
            return self.name_es
        return self.name


class ProcessRequirement(TimeStampedModel):
    """The level of a competency a facilitator needs for a type of process, in one organisation."""

    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE, related_name="+")
    process_type = models.CharField(_("type of process"), max_length=24, choices=ProcessType.choices)
    competency = models.ForeignKey(Competency, on_delete=models.CASCADE, related_name="requirements")
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)

    class Meta:
        ordering = ["process_type", "competency__position"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "process_type", "competency"], name="requirement_unique"),
        ]


class ProgramTrainingSettings(TimeStampedModel):
    """A program's training rules (kept here so the organisations app needs no change)."""

    program = models.OneToOneField("organisations.Program", on_delete=models.CASCADE, related_name="training")
    cpd_hours_per_year = models.DecimalField(
        _("development hours a year"), max_digits=5, decimal_places=1, default=Decimal("20")
    )
    certification_course_hours = models.DecimalField(
        _("course hours needed for certification"), max_digits=5, decimal_places=1, default=Decimal("12")
    )
    certification_scenarios = models.PositiveSmallIntegerField(_("practice scenarios to pass"), default=2)
    certification_observations = models.PositiveSmallIntegerField(_("satisfactory observed sessions"), default=1)
    open_process_cap = models.PositiveSmallIntegerField(_("most open processes per facilitator"), default=8)
    cosa_volunteer_hours = models.DecimalField(
        _("training hours for CoSA volunteers"), max_digits=5, decimal_places=1, default=Decimal("20")
    )


class FacilitatorProfile(TimeStampedModel):
    """What eligibility needs to know about a facilitator in one organisation."""

    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="facilitator_profiles")
    languages = models.JSONField(_("languages"), default=list, blank=True)
    gender = models.CharField(_("gender"), max_length=32, choices=Gender.choices, blank=True)
    open_process_cap = models.PositiveSmallIntegerField(
        _("most open processes (leave empty for the program's)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(OPEN_PROCESS_CAP_MAX)],
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "user"], name="facilitator_profile_unique")]


class FacilitatorPreference(TimeStampedModel):
    """A survivor's stated preference about who facilitates (for example the facilitator's gender)."""

    person = models.OneToOneField("people.Person", on_delete=models.CASCADE, related_name="facilitator_preference")
    facilitator_gender = models.CharField(_("facilitator's gender"), max_length=32, choices=Gender.choices, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")


class ConflictOfInterest(UUIDModel, TimeStampedModel):
    """A facilitator's declared conflict with a case or a person."""

    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="declared_conflicts")
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    description = EncryptedTextField(_("what the conflict is"), null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)


class Course(TimeStampedModel):
    """A course or workshop. Its title is encrypted (staff may name a case in it), so lists sort it in Python
    (:func:`reparo.training.selectors.courses_listed`); the integer key comes from the database, so the
    row key is what the title is bound to."""

    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE, related_name="+")
    row_key = RowKeyField()
    title = EncryptedCharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    competencies = models.ManyToManyField(Competency, verbose_name=_("competencies covered"), related_name="courses")
    is_workshop = models.BooleanField(_("workshop"), default=False)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.title


class CourseSession(TimeStampedModel):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="sessions")
    starts_at = models.DateTimeField(_("starts"))
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=1)

    class Meta:
        ordering = ["starts_at"]


class CourseOpening(TimeStampedModel):
    """A course opened to a partner organisation: that organisation's staff (those who may join partner training)
    see it and may enrol. Closing it keeps the row (``closed_at``), so who was let in, and when, stays known."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="openings")
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+")
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["course", "organisation"], name="course_opening_unique")]


class Enrolment(TimeStampedModel):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="enrolments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolments")
    # Set when a partner organisation's staff member enrolled through the course's opening to that organisation:
    # their attendance is counted for that organisation.
    partner_organisation = models.ForeignKey(
        "organisations.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["course", "user"], name="enrolment_unique")]


class Attendance(TimeStampedModel):
    session = models.ForeignKey(CourseSession, on_delete=models.CASCADE, related_name="attendance")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="course_attendance")
    attended = models.BooleanField(_("attended"), default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "user"], name="attendance_unique")]


class CPDEntry(UUIDModel, TimeStampedModel):
    """One continuing-development activity."""

    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cpd_entries")
    done_on = models.DateField(_("date"))
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1)
    activity = EncryptedCharField(_("activity"), max_length=300)
    evidence = models.CharField(_("evidence (a reference or link)"), max_length=500, blank=True)

    class Meta:
        ordering = ["-done_on", "-created_at"]


class ScenarioAttempt(UUIDModel, TimeStampedModel):
    """One play-through of a role-play scenario, alone or in a pair."""

    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scenario_attempts")
    partner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("practising with"),
    )
    scenario = models.SlugField(max_length=80)
    scenario_version = models.PositiveIntegerField(default=1)
    current_node = models.CharField(max_length=80)
    steps = models.JSONField(default=list)  # [{"node": ..., "choice": ..., "scores": {...}, "best": n}]
    scores = models.JSONField(default=dict)  # competency code -> points
    earned = models.IntegerField(default=0)
    possible = models.IntegerField(default=0)
    percent = models.PositiveSmallIntegerField(null=True, blank=True)
    passed = models.BooleanField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "scenario"], name="attempt_user_scenario")]


class Rating(models.IntegerChoices):
    NOT_YET = 1, _("Not yet")
    DEVELOPING = 2, _("Developing")
    SATISFACTORY = 3, _("Satisfactory")
    STRONG = 4, _("Strong")


class ObserverRole(models.TextChoices):
    CO_FACILITATOR = "co_facilitator", _("Co-facilitator")
    SUPERVISOR = "supervisor", _("Supervisor")


class Observation(UUIDModel, TimeStampedModel):
    """A co-facilitator or supervisor rates a facilitator's session against competencies and gives feedback."""

    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE, related_name="+")
    facilitator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="observations")
    observer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    observer_role = models.CharField(_("observed as"), max_length=16, choices=ObserverRole.choices)
    session = models.ForeignKey("processes.Session", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    observed_on = models.DateField(_("observed on"))
    ratings = models.JSONField(default=dict)  # competency code -> Rating
    feedback = EncryptedTextField(_("feedback"), null=True, blank=True)

    class Meta:
        ordering = ["-observed_on"]

    @property
    def satisfactory(self) -> bool:
        return bool(self.ratings) and all(int(v) >= Rating.SATISFACTORY for v in self.ratings.values())


class SupervisionMeeting(UUIDModel, TimeStampedModel):
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE, related_name="+")
    facilitator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="supervisions")
    supervisor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    held_on = models.DateField(_("held on"))
    notes = EncryptedTextField(_("notes"), null=True, blank=True)
    actions = EncryptedTextField(_("agreed actions"), null=True, blank=True)

    class Meta:
        ordering = ["-held_on"]


class Reflection(UUIDModel, TimeStampedModel):
    """A facilitator's own reflection; only they (and their organisation's supervisors) read it."""

    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reflections")
    written_on = models.DateField(_("date"))
    text = EncryptedTextField(_("reflection"))

    class Meta:
        ordering = ["-written_on", "-created_at"]


class CertificationStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    RENEWED = "renewed", _("Replaced by a renewal")


class Certification(UUIDModel, TimeStampedModel):
    """A facilitator certified in a program, at a level for each competency, until an expiry date."""

    program = models.ForeignKey("organisations.Program", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="certifications")
    levels = models.JSONField(default=dict)  # competency code -> Level
    issued_on = models.DateField(_("issued on"))
    expires_on = models.DateField(_("expires on"))
    status = models.CharField(
        _("status"), max_length=16, choices=CertificationStatus.choices, default=CertificationStatus.ACTIVE
    )
    suspended_reason = EncryptedTextField(_("why it is suspended"), null=True, blank=True)
    assessor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    renewal_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["expires_on"]
        indexes = [models.Index(fields=["user", "status", "expires_on"], name="certification_user_status")]

    def valid_on(self, day: datetime.date) -> bool:
        return self.status == CertificationStatus.ACTIVE and self.issued_on <= day < self.expires_on
