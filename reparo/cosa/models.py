"""Circles of Support and Accountability (CoSA): a core member (the responsible person), an inner circle of
trained volunteers, an outer circle of professionals from partner organisations, weekly meetings with
minutes, concerns, quarterly reviews and a closing questionnaire.

This app holds nothing about the survivor: volunteers of the inner circle work here and must never see
survivor data."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from reparo.core.fields import EncryptedCharField, EncryptedTextField, RowKeyField
from reparo.core.models import TimeStampedModel, UUIDModel
from reparo.processes.circles import LateMinutesFlagBase, MeetingBase, VolunteerBase

INNER_CIRCLE_MIN = 4
INNER_CIRCLE_MAX = 6
REVIEW_INTERVAL = datetime.timedelta(days=91)


class Circle(UUIDModel, TimeStampedModel):
    process = models.OneToOneField("processes.Process", on_delete=models.CASCADE, related_name="circle")
    core_member = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    opened_on = models.DateField(_("opened on"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("circle")
        verbose_name_plural = _("circles")

    def __str__(self) -> str:
        return f"{self.process_id}"


class InnerMember(VolunteerBase):
    """A trained volunteer in the inner circle, with their screening and training status."""

    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="inner_members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cosa_circles")

    class Meta(VolunteerBase.Meta):
        constraints = [models.UniqueConstraint(fields=["circle", "user"], name="cosa_inner_member_unique")]


class OuterMember(TimeStampedModel):
    """A professional from a partner organisation in the outer circle (the role is encrypted, bound to the
    row key)."""

    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="outer_members")
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+")
    row_key = RowKeyField()
    role_description = EncryptedCharField(_("role in the outer circle"), max_length=200)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["circle", "organisation"], name="cosa_outer_member_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.circle_id} · {self.organisation_id}"


class CircleMeeting(MeetingBase):
    """A weekly meeting of the circle: the volunteers present, whether the core member came, and the minutes (due
    within 48 hours: :class:`reparo.processes.circles.MeetingBase`)."""

    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="meetings")
    attendance = models.ManyToManyField(InnerMember, verbose_name=_("volunteers present"), related_name="meetings")
    core_member_attended = models.BooleanField(_("the core member came"), default=False)
    minutes = EncryptedTextField(_("minutes"), null=True, blank=True)


class LateMinutesFlag(LateMinutesFlagBase):
    """The task that told one coordinator that a meeting's minutes are late (one per meeting and coordinator)."""

    meeting = models.ForeignKey(CircleMeeting, on_delete=models.CASCADE, related_name="late_flags")


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class Concern(UUIDModel, TimeStampedModel):
    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="concerns")
    raised_at = models.DateTimeField(_("raised at"))
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    risk_level = models.CharField(_("risk level"), max_length=8, choices=RiskLevel.choices)
    description = EncryptedTextField(_("what was seen or heard"), null=True, blank=True)
    escalated_to = models.ForeignKey(
        "organisations.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    escalated_at = models.DateTimeField(null=True, blank=True)
    escalated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-raised_at"]


class QuarterlyReview(UUIDModel, TimeStampedModel):
    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="reviews")
    review_date = models.DateField(_("review date"))
    summary = EncryptedTextField(_("summary"), null=True, blank=True)
    next_review_due = models.DateField(_("next review due"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-review_date"]


# The closing questionnaire's fixed questions, each rated 1 (not at all) to 5 (very much).
CLOSING_QUESTIONS: list[tuple[str, Any]] = [
    ("supported", _("The core member felt supported by the circle.")),
    ("accountable", _("The circle held the core member to account.")),
    ("safer", _("The circle helped the core member live safely in the community.")),
    ("prepared", _("The volunteers were well prepared for their role.")),
]


class ClosingQuestionnaire(UUIDModel, TimeStampedModel):
    """Answers: ``ratings`` (question code → a rating from 1 to 5) in plain JSON; the free-text comment encrypted."""

    circle = models.OneToOneField(Circle, on_delete=models.CASCADE, related_name="closing")
    ratings = models.JSONField(_("ratings"), default=dict)
    comment = EncryptedTextField(_("comment"), null=True, blank=True)
    completed_at = models.DateTimeField()
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
