"""Support circles around a survivor: community volunteers (the inner circle) and partner organisations (the outer
circle) around one survivor's reintegration, with the goals the survivor sets, a meeting log, worries raised
straight to the coordinator, and a closing review with the survivor.

A circle forms around one survivor only, with their consent (``ConsentPurpose.SUPPORT_CIRCLE``), and never
includes anyone from the responsible person's side. Volunteers know the survivor only by the name the survivor
chose for the circle (``known_as``): never their case, notes, harms, screenings, surname, contact or address."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from reparo.core.fields import EncryptedCharField, EncryptedTextField
from reparo.core.models import TimeStampedModel, UUIDModel
from reparo.processes.circles import LateMinutesFlagBase, MeetingBase, VolunteerBase

INNER_CIRCLE_MIN = 3
INNER_CIRCLE_MAX = 6
# Self-esteem (RSES) and social support (MSPSS) at the circle's start and 3, 6 and 12 months after it.
OUTCOME_INSTRUMENTS = ("rses", "mspss")
FOLLOW_UP_MONTHS = (3, 6, 12)


class SupportCircle(UUIDModel, TimeStampedModel):
    process = models.OneToOneField("processes.Process", on_delete=models.CASCADE, related_name="support_circle")
    survivor = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    known_as = EncryptedCharField(
        _("name the volunteers use"),
        max_length=60,
        help_text=_("A first name or a name the survivor chose. Never a surname."),
    )
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("coordinator"), on_delete=models.PROTECT, related_name="+"
    )
    opened_on = models.DateField(_("opened on"))
    survivor_joins_meetings = models.BooleanField(
        _("the survivor wants to come to the meetings"),
        default=True,
        help_text=_("The survivor decides, and can change their mind at any time."),
    )
    next_meeting_at = models.DateTimeField(_("next meeting"), null=True, blank=True)
    next_meeting_place = EncryptedCharField(
        _("where the next meeting is"),
        max_length=200,
        null=True,
        blank=True,
        help_text=_("Shown to the volunteers and, in the portal, to the survivor."),
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("support circle")
        verbose_name_plural = _("support circles")

    def __str__(self) -> str:
        return f"{self.process_id}"


class SupportVolunteer(VolunteerBase):
    """A screened, trained community volunteer of the inner circle."""

    circle = models.ForeignKey(SupportCircle, on_delete=models.CASCADE, related_name="volunteers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="support_circles")

    class Meta(VolunteerBase.Meta):
        constraints = [models.UniqueConstraint(fields=["circle", "user"], name="support_volunteer_unique")]


class PartnerKind(models.TextChoices):
    SHELTER = "shelter", _("Shelter or housing")
    HEALTH = "health", _("Health or mental health")
    LEGAL_AID = "legal_aid", _("Legal aid")
    EMPLOYMENT = "employment", _("Work or training")
    EDUCATION = "education", _("Education")
    FINANCES = "finances", _("Money and benefits")
    COMMUNITY = "community", _("Community group")
    OTHER = "other", _("Other")


class SupportPartner(UUIDModel, TimeStampedModel):
    """A partner organisation of the outer circle that the survivor agreed to involve (a share consent)."""

    circle = models.ForeignKey(SupportCircle, on_delete=models.CASCADE, related_name="partners")
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("what they help with"), max_length=16, choices=PartnerKind.choices)
    role_description = EncryptedCharField(_("their part in the circle"), max_length=200)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["circle", "organisation"], name="support_partner_unique"),
        ]


class GoalArea(models.TextChoices):
    HOUSING = "housing", _("Housing")
    WORK = "work", _("Work or training")
    EDUCATION = "education", _("Education")
    HEALTH = "health", _("Health")
    LEGAL_STATUS = "legal_status", _("Legal status")
    FINANCES = "finances", _("Finances")
    FAMILY = "family", _("Family")
    SOCIAL = "social", _("Social connection")
    SAFETY = "safety", _("Safety")


class RecordedVia(models.TextChoices):
    STAFF = "staff", _("Recorded by staff on the survivor's behalf")
    SELF_SERVICE = "self_service", _("By the survivor themself, online")


class Goal(UUIDModel, TimeStampedModel):
    """A reintegration goal the survivor set, in their own words. It is met only when the survivor confirms it."""

    circle = models.ForeignKey(SupportCircle, on_delete=models.CASCADE, related_name="goals")
    area = models.CharField(_("area"), max_length=16, choices=GoalArea.choices)
    words = EncryptedTextField(_("the goal, in the survivor's words"))
    shared_with_volunteers = models.BooleanField(
        _("the volunteers may see it"), default=True, help_text=_("The survivor decides who sees each goal.")
    )
    met_on = models.DateField(_("met on"), null=True, blank=True)
    set_via = models.CharField(max_length=16, choices=RecordedVia.choices, default=RecordedVia.STAFF)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["created_at"]


class Step(UUIDModel, TimeStampedModel):
    """A step towards a goal, and who helps with it (a volunteer of the circle, a partner, or nobody yet)."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="steps")
    words = EncryptedTextField(_("the step"))
    helper = models.ForeignKey(
        SupportVolunteer, verbose_name=_("volunteer who helps"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="steps",
    )  # fmt: skip
    partner = models.ForeignKey(
        SupportPartner, verbose_name=_("partner who helps"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="steps",
    )  # fmt: skip
    done_on = models.DateField(_("done on"), null=True, blank=True)

    class Meta:
        ordering = ["created_at"]


class ProgressKind(models.TextChoices):
    NOTE = "note", _("Progress")
    STEP_DONE = "step_done", _("A step is done")
    GOAL_MET = "goal_met", _("The goal is met")


class ProgressStatus(models.TextChoices):
    AWAITING = "awaiting", _("Awaiting the survivor's confirmation")
    CONFIRMED = "confirmed", _("Confirmed by the survivor")
    NOT_CONFIRMED = "not_confirmed", _("The survivor did not confirm it")


class Progress(UUIDModel, TimeStampedModel):
    """Progress on a goal as someone of the circle sees it. It counts (a step done, a goal met) only once the
    survivor confirms it: until then it stays "awaiting the survivor's confirmation"."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="progress")
    step = models.ForeignKey(Step, null=True, blank=True, on_delete=models.CASCADE, related_name="progress")
    kind = models.CharField(_("what it is"), max_length=16, choices=ProgressKind.choices)
    words = EncryptedTextField(_("what happened"), null=True, blank=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    proposed_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=ProgressStatus.choices, default=ProgressStatus.AWAITING)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_via = models.CharField(max_length=16, choices=RecordedVia.choices, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-proposed_at"]


class SupportMeeting(MeetingBase):
    """A meeting of the circle: who came, what was done and the next steps (the minutes, due within 48 hours:
    :class:`reparo.processes.circles.MeetingBase`)."""

    circle = models.ForeignKey(SupportCircle, on_delete=models.CASCADE, related_name="meetings")
    attendance = models.ManyToManyField(
        SupportVolunteer, verbose_name=_("volunteers present"), related_name="meetings", blank=True
    )
    survivor_came = models.BooleanField(_("the survivor came"), default=False)
    what_was_done = EncryptedTextField(_("what was done"), null=True, blank=True)
    next_steps = EncryptedTextField(_("next steps"), null=True, blank=True)


class SupportLateMinutesFlag(LateMinutesFlagBase):
    """The task that told one coordinator that a meeting's minutes are late (one per meeting and coordinator)."""

    meeting = models.ForeignKey(SupportMeeting, on_delete=models.CASCADE, related_name="late_flags")


class WorryLevel(models.TextChoices):
    SOON = "soon", _("Please look at it soon")
    TODAY = "today", _("Please look at it today")
    URGENT = "urgent", _("Urgent: I think they may be in danger")


class Worry(UUIDModel, TimeStampedModel):
    """A volunteer's worry about the survivor's safety, sent straight to the circle's coordinator (never into
    the minutes, never shown to the other volunteers)."""

    circle = models.ForeignKey(SupportCircle, on_delete=models.CASCADE, related_name="worries")
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    raised_at = models.DateTimeField()
    level = models.CharField(_("how soon"), max_length=8, choices=WorryLevel.choices)
    words = EncryptedTextField(_("what worries you"))
    task = models.OneToOneField("cases.Task", null=True, on_delete=models.SET_NULL, related_name="+")
    seen_at = models.DateTimeField(null=True, blank=True)
    seen_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-raised_at"]


class ClosingReview(UUIDModel, TimeStampedModel):
    """The closing review with the survivor: what changed and what helped, in their words."""

    circle = models.OneToOneField(SupportCircle, on_delete=models.CASCADE, related_name="closing")
    held_on = models.DateField(_("held on"))
    survivor_took_part = models.BooleanField(_("the survivor took part"), default=True)
    what_changed = EncryptedTextField(_("what changed"), null=True, blank=True)
    what_helped = EncryptedTextField(_("what helped, and what did not"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")


def follow_up_timepoint(months: int) -> str:
    """The evaluation timepoint of the follow-up ``months`` after the circle's start."""
    return {3: "months_3", 6: "months_6", 12: "months_12"}[months]


def occasion_code(circle: Any, months: int) -> str:
    """The survey occasion of a circle's questionnaire: ``support:<process>:start`` or ``support:<process>:m3``."""
    return f"support:{circle.process_id}:{'start' if months == 0 else f'm{months}'}"
