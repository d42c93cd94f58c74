"""Cases: from referral to closure or withdrawal, with participants, harms, needs, team, notes and tasks."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from reparo.access.capabilities import TeamRole
from reparo.core.fields import EncryptedCharField, EncryptedJSONField, EncryptedTextField
from reparo.core.htcds import ExploitationType, MethodOfControl, RecruitmentMethod
from reparo.core.models import TimeStampedModel, UUIDModel


class CaseStatus(models.TextChoices):
    REFERRED = "referred", _("Referred")
    INTAKE = "intake", _("Intake")
    ASSESSMENT = "assessment", _("Assessment")
    PREPARATION = "preparation", _("Preparation")
    IN_PROCESS = "in_process", _("In process")
    FOLLOW_UP = "follow_up", _("Follow-up")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_STATUSES = frozenset(
    {
        CaseStatus.REFERRED,
        CaseStatus.INTAKE,
        CaseStatus.ASSESSMENT,
        CaseStatus.PREPARATION,
        CaseStatus.IN_PROCESS,
        CaseStatus.FOLLOW_UP,
    }
)
_FORWARD: dict[str, str] = {
    CaseStatus.REFERRED: CaseStatus.INTAKE,
    CaseStatus.INTAKE: CaseStatus.ASSESSMENT,
    CaseStatus.ASSESSMENT: CaseStatus.PREPARATION,
    CaseStatus.PREPARATION: CaseStatus.IN_PROCESS,
    CaseStatus.IN_PROCESS: CaseStatus.FOLLOW_UP,
    CaseStatus.FOLLOW_UP: CaseStatus.CLOSED,
}
# The only moves a case can make: one step forward, or withdrawn from any open state.
TRANSITIONS: dict[str, frozenset[str]] = {
    status: frozenset({_FORWARD[status], CaseStatus.WITHDRAWN}) if status in OPEN_STATUSES else frozenset()
    for status in CaseStatus.values
}


class ReferralSource(models.TextChoices):
    SELF = "self", _("The person themself")
    NGO = "ngo", _("A support organisation")
    POLICE = "police", _("Police")
    COURT = "court", _("Court or prosecution")
    HEALTH = "health", _("Health service")
    SOCIAL = "social", _("Social services")
    COMMUNITY = "community", _("Community or faith group")
    OTHER = "other", _("Other")


class Case(UUIDModel, TimeStampedModel):
    organisation = models.ForeignKey(
        "organisations.Organisation", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="cases"
    )
    program = models.ForeignKey(
        "organisations.Program", verbose_name=_("program"), on_delete=models.PROTECT, related_name="cases"
    )
    reference = models.CharField(_("reference"), max_length=32, unique=True)
    status = models.CharField(_("status"), max_length=16, choices=CaseStatus.choices, default=CaseStatus.REFERRED)
    status_changed_at = models.DateTimeField(_("status changed"), auto_now_add=True)
    referral_source = models.CharField(_("referred by"), max_length=16, choices=ReferralSource.choices)
    referral_date = models.DateField(_("referral date"))
    summary = EncryptedTextField(_("summary"), null=True, blank=True)
    # Recorded by a facilitator when both the survivor and the responsible person agreed to be named to each
    # other; until then the responsible-person side never sees the survivor's identity.
    mutual_naming_recorded_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Fields of the HTCDS standard that Reparo has no screen for yet, kept as they were imported (reparo.interop):
    # case and referral details, historic trafficking events and support plans.
    htcds_extra = EncryptedJSONField(null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["organisation", "-updated_at"], name="case_org_updated"),
            models.Index(fields=["organisation", "status", "-updated_at"], name="case_org_status_updated"),
            models.Index(fields=["program", "status", "-updated_at"], name="case_program_status_updated"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def allowed_transitions(self) -> list[str]:
        return [s for s in CaseStatus.values if s in TRANSITIONS[self.status]]


class CaseTally(models.Model):
    """How many cases an organisation has, per program and status: the case list's total without counting tens of
    thousands of rows on every page. Kept by database triggers on ``cases_case`` (migration 0005), so every way a
    case is written (services, bulk loads, raw SQL) keeps it exact, inside the writing transaction. Never written
    by the application."""

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    program = models.ForeignKey(
        "organisations.Program", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    status = models.CharField(max_length=16, choices=CaseStatus.choices)
    cases = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "program", "status"], name="case_tally_key"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id}/{self.program_id}/{self.status}: {self.cases}"


class CaseStatusChange(UUIDModel):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=16, choices=CaseStatus.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=CaseStatus.choices)
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    reason = EncryptedTextField(null=True, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"], name="status_change_case_at")]


class ParticipantRole(models.TextChoices):
    SURVIVOR = "survivor", _("Survivor")
    RESPONSIBLE = "responsible", _("Responsible person")
    SUPPORTER = "supporter", _("Supporter")
    COMMUNITY = "community", _("Community member")
    SURROGATE = "surrogate", _("Surrogate")


class CaseParticipant(TimeStampedModel):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="participants")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="participations")
    role = models.CharField(_("role in the case"), max_length=16, choices=ParticipantRole.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "person", "role"], name="participant_unique_role")]
        indexes = [models.Index(fields=["case", "role"], name="participant_case_role")]


class Harm(UUIDModel, TimeStampedModel):
    """What happened, in HTCDS terms, and in the survivor's own words."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="harms")
    exploitation_types = models.JSONField(_("types of exploitation"), default=list, blank=True)
    methods_of_control = models.JSONField(_("methods of control"), default=list, blank=True)
    recruitment_methods = models.JSONField(_("how recruitment happened"), default=list, blank=True)
    description = EncryptedTextField(_("description"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    def exploitation_labels(self) -> list[str]:
        return _labels(ExploitationType, self.exploitation_types)

    def control_labels(self) -> list[str]:
        return _labels(MethodOfControl, self.methods_of_control)

    def recruitment_labels(self) -> list[str]:
        return _labels(RecruitmentMethod, self.recruitment_methods)


def _labels(choices: type[models.TextChoices], values: list[str]) -> list[str]:
    return [str(choices(v).label) if v in choices.values else v for v in values or []]


class NeedCategory(models.TextChoices):
    SAFETY = "safety", _("Safety")
    HEALTH = "health", _("Health")
    HOUSING = "housing", _("Housing")
    LEGAL = "legal", _("Legal")
    FINANCIAL = "financial", _("Financial")
    EMOTIONAL = "emotional", _("Emotional")
    ACKNOWLEDGEMENT = "acknowledgement", _("Acknowledgement of the harm")
    ANSWERS = "answers", _("Answers to questions")
    RESTITUTION = "restitution", _("Restitution")
    OTHER = "other", _("Other")


class NeedPriority(models.IntegerChoices):
    HIGH = 1, _("High")
    MEDIUM = 2, _("Medium")
    LOW = 3, _("Low")


class Need(UUIDModel, TimeStampedModel):
    """A need the survivor states, in their own words."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="needs")
    category = models.CharField(_("need"), max_length=16, choices=NeedCategory.choices)
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=NeedPriority.choices, default=NeedPriority.MEDIUM
    )
    statement = EncryptedTextField(_("in their words"), null=True, blank=True)
    met_at = models.DateTimeField(_("met"), null=True, blank=True)

    class Meta:
        ordering = ["priority", "created_at"]


class CaseTeamMember(TimeStampedModel):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="team")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="case_roles")
    role = models.CharField(_("role on this case"), max_length=20, choices=TeamRole.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "user", "role"], name="team_unique_role")]
        indexes = [models.Index(fields=["user", "case"], name="team_user_case")]


class NoteConfidentiality(models.TextChoices):
    TEAM = "team", _("Case team")
    SUPERVISORS = "supervisors", _("Supervisors only")


class Note(UUIDModel, TimeStampedModel):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    confidentiality = models.CharField(
        _("who can read it"), max_length=16, choices=NoteConfidentiality.choices, default=NoteConfidentiality.TEAM
    )
    body = EncryptedTextField(_("note"))
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["case", "-created_at"], name="note_case_created")]


class Task(UUIDModel, TimeStampedModel):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    title = EncryptedCharField(_("task"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="case_tasks",
    )  # fmt: skip
    due_date = models.DateField(_("due"), null=True, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # A task Reparo wrote itself (a reminder, a follow-up): its words as written in the code and their values
    # (codes, numbers, dates: nothing personal), {"message": ..., "params": {...}}, so that each reader sees it in
    # their own language (``display_title``); empty for a task a person wrote.
    generated = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        ordering = ["done_at", "due_date", "created_at"]
        indexes = [
            models.Index(fields=["case", "done_at", "due_date"], name="task_case_open_due"),
            models.Index(fields=["owner", "done_at", "due_date"], name="task_owner_open_due"),
        ]

    @property
    def display_title(self) -> str:
        """The task in the reader's language when Reparo wrote it, else as its author wrote it."""
        message = (self.generated or {}).get("message")
        if not message:
            return str(self.title or "")
        # Values written in the code's words (a reason's label) are shown in the reader's too; codes and names stay.
        params = {
            k: gettext(v) if isinstance(v, str) and v else v for k, v in (self.generated.get("params") or {}).items()
        }
        try:
            return gettext(message) % params if params else gettext(message)
        except (KeyError, TypeError, ValueError):  # a translation that lost a placeholder: the stored words
            return str(self.title or "")


class IntakeDraft(UUIDModel, TimeStampedModel):
    """An intake form saved part-way, visible only to the person who saved it."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="intake_drafts")
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE, related_name="+")
    data = EncryptedJSONField()


class CaseReferenceCounter(models.Model):
    """The last case number used per organisation and year (references read like ``RJ-2026-00042``)."""

    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "year"], name="case_counter_unique")]

    def __str__(self) -> str:
        return f"{self.organisation_id}/{self.year}: {self.last}"
