"""Restorative processes on a case: type, participants, facilitators, stages, preparation and sessions."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from reparo.core.fields import EncryptedCharField, EncryptedTextField
from reparo.core.models import TimeStampedModel, UUIDModel


class ProcessType(models.TextChoices):
    DIRECT_MEDIATION = "direct_mediation", _("Direct mediation (dialogue)")
    INDIRECT_DIALOGUE = "indirect_dialogue", _("Indirect (shuttle) dialogue")
    CONFERENCE = "conference", _("Family or community group conference")
    CIRCLE = "circle", _("Restorative circle")
    COSA = "cosa", _("Circle of Support and Accountability")
    SUPPORT_CIRCLE = "support_circle", _("Support circle around a survivor")


# Processes that belong to the survivor's side alone: no responsible-side participant takes part, and nobody who
# sees only the responsible-person side of a case (a CoSA volunteer, a responsible person) ever sees them.
SURVIVOR_ONLY_TYPES = frozenset({ProcessType.SUPPORT_CIRCLE})
# Processes whose sessions may bring the survivor and the responsible person together (a joint meeting, behind the
# joint-meeting gate). Shuttle dialogue never does (the facilitator carries the messages); nor do the circles around
# one person (CoSA, support circle).
JOINT_MEETING_TYPES = frozenset({ProcessType.DIRECT_MEDIATION, ProcessType.CONFERENCE, ProcessType.CIRCLE})


class ProcessStage(models.TextChoices):
    PREPARATION = "preparation", _("Preparation")
    MEETINGS = "meetings", _("Meetings")
    AGREEMENT = "agreement", _("Agreement")
    FOLLOW_UP = "follow_up", _("Follow-up")
    COMPLETED = "completed", _("Completed")
    ENDED_EARLY = "ended_early", _("Ended early")


OPEN_STAGES = frozenset(
    {ProcessStage.PREPARATION, ProcessStage.MEETINGS, ProcessStage.AGREEMENT, ProcessStage.FOLLOW_UP}
)
# One step forward; a process without an agreement (a circle, a CoSA) may go from meetings to follow-up.
# Ending early is possible from any open stage, with a reason.
STAGE_TRANSITIONS: dict[str, frozenset[str]] = {
    ProcessStage.PREPARATION: frozenset({ProcessStage.MEETINGS}),
    ProcessStage.MEETINGS: frozenset({ProcessStage.AGREEMENT, ProcessStage.FOLLOW_UP}),
    ProcessStage.AGREEMENT: frozenset({ProcessStage.FOLLOW_UP}),
    ProcessStage.FOLLOW_UP: frozenset({ProcessStage.COMPLETED}),
    ProcessStage.COMPLETED: frozenset(),
    ProcessStage.ENDED_EARLY: frozenset(),
}


class EndReason(models.TextChoices):
    WITHDRAWAL = "withdrawal", _("A participant withdrew")
    UNSUITABLE = "unsuitable", _("Not suitable to continue")
    CASE_CLOSED = "case_closed", _("The case was closed")
    OTHER = "other", _("Other")


class Process(UUIDModel, TimeStampedModel):
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="processes")
    type = models.CharField(_("type"), max_length=24, choices=ProcessType.choices)
    stage = models.CharField(_("stage"), max_length=16, choices=ProcessStage.choices, default=ProcessStage.PREPARATION)
    paused = models.BooleanField(_("paused"), default=False)
    paused_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(_("why it ended"), max_length=16, choices=EndReason.choices, blank=True)
    end_note = EncryptedTextField(_("note about the ending"), null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("process")
        verbose_name_plural = _("processes")
        ordering = ["created_at"]
        indexes = [models.Index(fields=["case", "stage"], name="process_case_stage")]

    def __str__(self) -> str:
        return f"{self.get_type_display()} ({self.case_id})"

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN_STAGES

    @property
    def has_joint_meetings(self) -> bool:
        """Whether this kind of process brings the two sides together (so its page shows the joint-meeting gate)."""
        return self.type in JOINT_MEETING_TYPES

    @property
    def is_shuttle(self) -> bool:
        return self.type == ProcessType.INDIRECT_DIALOGUE

    def allowed_stages(self) -> list[str]:
        return [s for s in ProcessStage.values if s in STAGE_TRANSITIONS[self.stage]]


class ProcessRole(models.TextChoices):
    SURVIVOR = "survivor", _("Survivor")
    RESPONSIBLE = "responsible", _("Responsible person")
    CORE_MEMBER = "core_member", _("Core member (CoSA)")
    SUPPORTER = "supporter", _("Supporter")
    COMMUNITY = "community", _("Community member")
    SURROGATE = "surrogate", _("Surrogate")


SURVIVOR_SIDE = frozenset({ProcessRole.SURVIVOR, ProcessRole.SURROGATE})
RESPONSIBLE_SIDE = frozenset({ProcessRole.RESPONSIBLE, ProcessRole.CORE_MEMBER})


# Roles that stand on neither side of the harm themselves, and may come with one of the two sides.
ACCOMPANYING_ROLES = frozenset({ProcessRole.SUPPORTER, ProcessRole.COMMUNITY})


class Accompanies(models.TextChoices):
    """Whom a supporter (or a community member) comes with: they see of a joint meeting only what that side sees."""

    SURVIVOR = "survivor", _("The survivor")
    RESPONSIBLE = "responsible", _("The responsible person")


class ProcessParticipant(TimeStampedModel):
    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="participants")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="process_roles")
    role = models.CharField(_("role in this process"), max_length=16, choices=ProcessRole.choices)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    supports = models.CharField(
        _("comes with"), max_length=16, choices=Accompanies.choices, blank=True, default="",
        help_text=_("For a supporter or a community member: whose side they come with to a joint meeting."),
    )  # fmt: skip

    class Meta:
        constraints = [models.UniqueConstraint(fields=["process", "person"], name="process_participant_unique")]

    def __str__(self) -> str:
        return f"{self.person.display_code} · {self.get_role_display()}"

    @property
    def may_come_with(self) -> bool:
        """A supporter or a community member: whose side they come with may be recorded."""
        return self.role in ACCOMPANYING_ROLES

    @property
    def side(self) -> str:
        """The side of the harm whose view of a joint meeting this person has: ``survivor`` or ``responsible`` (for a
        supporter or a community member, the side they come with, when it is recorded), or ``""``: neither, and
        then no side's times or arrangements at all."""
        if self.role in SURVIVOR_SIDE:
            return Accompanies.SURVIVOR
        if self.role in RESPONSIBLE_SIDE:
            return Accompanies.RESPONSIBLE
        return self.supports if self.role in ACCOMPANYING_ROLES else ""


class FacilitatorRole(models.TextChoices):
    FACILITATOR = "facilitator", _("Facilitator")
    CO_FACILITATOR = "co_facilitator", _("Co-facilitator")


class ProcessFacilitator(TimeStampedModel):
    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="facilitators")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="facilitations")
    role = models.CharField(_("role"), max_length=16, choices=FacilitatorRole.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["process", "user"], name="process_facilitator_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.role}"


class PreparationMeeting(UUIDModel, TimeStampedModel):
    """A meeting with one participant alone, before any joint meeting."""

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="preparations")
    participant = models.ForeignKey(ProcessParticipant, on_delete=models.CASCADE, related_name="preparations")
    held_on = models.DateField(_("held on"))
    facilitator = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    covered = models.JSONField(_("what was covered"), default=list, blank=True)
    notes = EncryptedTextField(_("notes"), null=True, blank=True)

    class Meta:
        ordering = ["held_on", "created_at"]


class SessionMode(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    ONLINE = "online", _("Online")
    PHONE = "phone", _("Phone")


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class Session(UUIDModel, TimeStampedModel):
    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="sessions")
    starts_at = models.DateTimeField(_("starts"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), default=90)
    mode = models.CharField(_("how"), max_length=16, choices=SessionMode.choices)
    venue = EncryptedTextField(_("venue"), null=True, blank=True)
    online_link = EncryptedCharField(_("online meeting link"), max_length=500, null=True, blank=True)
    interpreter_language = models.CharField(_("interpreter language"), max_length=8, blank=True)
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("facilitator"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    co_facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("co-facilitator"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    is_joint = models.BooleanField(_("joint meeting"), default=False, editable=False)
    # Joint sessions: survivor and responsible person arrive and leave at different times.
    survivor_arrives_at = models.DateTimeField(null=True, blank=True)
    survivor_leaves_at = models.DateTimeField(null=True, blank=True)
    responsible_arrives_at = models.DateTimeField(null=True, blank=True)
    responsible_leaves_at = models.DateTimeField(null=True, blank=True)
    agenda = models.JSONField(_("agenda"), default=list, blank=True)
    status = models.CharField(max_length=16, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED)
    cancel_reason = EncryptedTextField(null=True, blank=True)
    record = EncryptedTextField(_("session record"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["starts_at"]
        indexes = [
            models.Index(fields=["process", "starts_at"], name="session_process_start"),
            models.Index(fields=["facilitator", "starts_at"], name="session_facilitator_start"),
        ]

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def ends_at(self) -> datetime.datetime:
        return self.starts_at + datetime.timedelta(minutes=self.duration_minutes)


class Reply(models.TextChoices):
    PENDING = "pending", _("No reply yet")
    ACCEPTED = "accepted", _("Coming")
    DECLINED = "declined", _("Not coming")


class SessionInvitation(TimeStampedModel):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="invitations")
    participant = models.ForeignKey(ProcessParticipant, on_delete=models.CASCADE, related_name="invitations")
    reply = models.CharField(_("reply"), max_length=16, choices=Reply.choices, default=Reply.PENDING)
    attended = models.BooleanField(_("attended"), null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "participant"], name="invitation_unique")]
