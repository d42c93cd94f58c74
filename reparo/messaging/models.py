"""Case-scoped conversations, the relay between the two sides of a process, attachments, and the discreet
notifications that something is waiting.

A conversation is either a participant's with their case team, or the case team's own. No conversation holds both
the survivor and the responsible person: what one means for the other is a :class:`Relay`, which a facilitator
approves, edits (with the author's agreement) or declines before it reaches the other side. Every text and file is
encrypted; at the end of the program's retention period the texts and files are erased and the rest (who, when,
how big) stays for the audit trail.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from reparo.core.fields import EncryptedCharField, EncryptedTextField
from reparo.core.models import TimeStampedModel, UUIDModel
from reparo.core.once import submission_key_field
from reparo.messaging.fields import EncryptedBinaryField

DEFAULT_RETENTION_DAYS = 365
MAX_RETENTION_DAYS = 3650
MAX_BODY_CHARS = 10_000
MAX_NOTE_CHARS = 2_000


class ThreadKind(models.TextChoices):
    PARTICIPANT = "participant", _("With a participant")
    TEAM = "team", _("Case team")


class Audience(models.TextChoices):
    """Who on the staff side may read a conversation."""

    CASE_TEAM = "case_team", _("The case team")
    RESPONSIBLE_SIDE = "responsible_side", _("The case team and the responsible-person side")


class Thread(UUIDModel, TimeStampedModel):
    """One conversation on a case: with one participant (``person``), or the case team's own."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="message_threads")
    kind = models.CharField(_("conversation"), max_length=16, choices=ThreadKind.choices)
    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    audience = models.CharField(_("who can read it"), max_length=20, choices=Audience.choices)
    last_message_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "person"], condition=models.Q(kind="participant"), name="thread_one_per_participant"
            ),
            models.UniqueConstraint(
                fields=["case", "audience"], condition=models.Q(kind="team"), name="thread_one_team_per_audience"
            ),
            models.CheckConstraint(
                condition=models.Q(kind="participant", person__isnull=False)
                | models.Q(kind="team", person__isnull=True),
                name="thread_person_iff_participant",
            ),
        ]
        indexes = [models.Index(fields=["case", "-last_message_at"], name="thread_case_last")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.pk}"


class RelayKind(models.TextChoices):
    MESSAGE = "message", _("A message")
    LETTER = "letter", _("A letter")
    ANSWER = "answer", _("An answer to a question")
    APOLOGY = "apology", _("An apology")


class RelayStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting for the facilitator")
    EDIT_PROPOSED = "edit_proposed", _("Waiting for the author to agree to an edit")
    DELIVERED = "delivered", _("Passed on")
    DECLINED = "declined", _("Not passed on")
    WITHDRAWN = "withdrawn", _("Taken back by the author")
    EXPIRED = "expired", _("Erased unsent at the end of the keeping period")


OPEN_RELAY_STATUSES = frozenset({RelayStatus.QUEUED, RelayStatus.EDIT_PROPOSED})


class Relay(UUIDModel, TimeStampedModel):
    """Something one side of a process means for the other side (a letter, an answer in a shuttle dialogue, an
    apology). It waits in the facilitators' queue and reaches the recipient only once approved."""

    process = models.ForeignKey("processes.Process", on_delete=models.CASCADE, related_name="relays")
    author = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    recipient = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("what it is"), max_length=16, choices=RelayKind.choices, default=RelayKind.MESSAGE)
    body = EncryptedTextField(_("in the author's words"), null=True, blank=True)
    proposed_body = EncryptedTextField(_("the facilitator's edit"), null=True, blank=True)
    note = EncryptedTextField(_("note to the author"), null=True, blank=True)
    status = models.CharField(max_length=16, choices=RelayStatus.choices, default=RelayStatus.QUEUED)
    # The staff member who wrote it down for the author (a letter handed over, words said on the phone); empty when
    # the author wrote it themself.
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    edit_refused_at = models.DateTimeField(null=True, blank=True)  # the author did not agree to the last edit
    delivered_at = models.DateTimeField(null=True, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)
    # The one-time token of the form it was written in (a digest): the same form sent twice asks once.
    submission_key = submission_key_field()

    class Meta:
        verbose_name = _("message to pass on")
        verbose_name_plural = _("messages to pass on")
        ordering = ["created_at"]
        indexes = [
            models.Index(fields=["process", "status", "created_at"], name="relay_process_status"),
            models.Index(fields=["author", "created_at"], name="relay_author_created"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_RELAY_STATUSES


class Message(UUIDModel, TimeStampedModel):
    """One message in a conversation: by a staff member (``author_user``), by the participant (``author_person``), or
    passed on from the other side of a process (``relay``)."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="messages")
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    relay = models.ForeignKey(Relay, null=True, blank=True, on_delete=models.SET_NULL, related_name="deliveries")
    body = EncryptedTextField(_("message"), null=True, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)
    # The one-time token of the form it was written in (a digest): the same form sent twice sends once.
    submission_key = submission_key_field()

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["thread", "-created_at"], name="message_thread_created")]

    def __str__(self) -> str:
        return str(self.pk)


class AttachmentType(models.TextChoices):
    PNG = "image/png", _("PNG picture")
    JPEG = "image/jpeg", _("JPEG picture")
    PDF = "application/pdf", _("PDF document")


class Attachment(UUIDModel, TimeStampedModel):
    """A file sent with a message: a PNG or JPEG picture or a PDF, its type read from its contents. Never shown in the
    page: only downloaded."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    filename = EncryptedCharField(_("file name"), max_length=120, null=True, blank=True)
    content_type = models.CharField(_("type"), max_length=32, choices=AttachmentType.choices)
    size = models.PositiveIntegerField(_("size in bytes"))
    content = EncryptedBinaryField(null=True, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return str(self.pk)


class Channel(models.TextChoices):
    """How a participant may be told that something is waiting (the values are the consent ledger's channels)."""

    EMAIL = "email", _("E-mail")
    SMS = "sms", _("Text message (SMS)")


class ContactPoint(UUIDModel, TimeStampedModel):
    """An address a participant chose for being told that something is waiting: one per channel at a time, the
    address encrypted. Ended, never edited: a new address is a new row."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(_("how"), max_length=8, choices=Channel.choices)
    address = EncryptedCharField(_("address"), max_length=254, null=True)  # emptied when the person is erased
    ended_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("way to be told")
        verbose_name_plural = _("ways to be told")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "channel"], condition=models.Q(ended_at__isnull=True), name="contact_point_one_active"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.pk}"


class Notification(UUIDModel):
    """That a participant was (or will be) told something is waiting: at most one per person per window, sent after a
    random delay inside it. Holds no text: the e-mail and the SMS say the same few words to everyone."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    window_start = models.DateTimeField()
    due_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    channels = models.JSONField(default=list, blank=True)  # the channels it went out on (codes only)

    class Meta:
        indexes = [
            models.Index(fields=["person", "-window_start"], name="notification_person_window"),
            models.Index(fields=["sent_at", "due_at"], name="notification_due"),
        ]

    def __str__(self) -> str:
        return str(self.pk)


class ProgramMessagingSettings(TimeStampedModel):
    """How long a program keeps message texts and files (kept here so other apps need no migration)."""

    program = models.OneToOneField("organisations.Program", on_delete=models.CASCADE, related_name="messaging_settings")
    retention_days = models.PositiveIntegerField(
        _("keep messages for (days)"),
        default=DEFAULT_RETENTION_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_RETENTION_DAYS)],
    )

    def __str__(self) -> str:
        return f"{self.program_id}: {self.retention_days}"
