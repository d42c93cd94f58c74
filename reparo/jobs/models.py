"""Long work done in the background for one person: a report, an export or an import, its progress, and the file it
made.

A :class:`Job` belongs to the person who asked for it (``owner``) in one organisation. What it does is its ``kind``,
registered by the app that knows how (:mod:`reparo.jobs.kinds`); what to make is in ``params`` (encrypted: an
import's file name may name someone). The file it makes, and the file an import reads, are kept as encrypted pieces
(:class:`JobChunk`) in the database, so that the web processes and the task worker agree wherever they run, nothing
is ever served from a public folder, and the file is gone when the job expires (``manage.py jobs_clean``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from reparo.core.fields import EncryptedBinaryField, EncryptedJSONField, EncryptedTextField
from reparo.core.models import UUIDModel


class JobState(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("In progress")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Could not be finished")
    EXPIRED = "expired", _("Removed")


UNFINISHED = (JobState.QUEUED, JobState.RUNNING)


class JobStep(models.TextChoices):
    """What a running job is doing, in words shown beside its progress bar."""

    WAITING = "waiting", _("Waiting for its turn")
    PREPARING = "preparing", _("Getting ready")
    COLLECTING = "collecting", _("Collecting the figures")
    READING = "reading", _("Reading the file")
    CHECKING = "checking", _("Checking every row")
    SAVING = "saving", _("Saving the cases")
    WRITING = "writing", _("Writing the file")
    FINISHED = "finished", _("Finished")


class Job(UUIDModel):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=64)
    # What the job is about, shown in the list ("Dialogue program", "Alice Restorative Service"): names of programs
    # and organisations only, never of a person.
    subject = models.CharField(_("about"), max_length=200, blank=True)
    params = EncryptedJSONField(_("what to make"), default=dict)
    language = models.CharField(_("language"), max_length=16, blank=True)
    back_to = models.CharField(_("started from"), max_length=300, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=JobState.choices, default=JobState.QUEUED)
    step = models.CharField(_("step"), max_length=16, choices=JobStep.choices, default=JobStep.WAITING)
    # 0-100, or None while the job cannot tell how far it is (a bar that moves without a figure).
    progress = models.PositiveSmallIntegerField(_("progress"), null=True, blank=True, default=0)
    error = EncryptedTextField(_("what went wrong"), blank=True, default="")
    summary = EncryptedJSONField(_("summary"), null=True, blank=True)
    result_name = models.CharField(_("file name"), max_length=200, blank=True)
    result_type = models.CharField(_("file type"), max_length=100, blank=True)
    result_size = models.BigIntegerField(_("file size"), null=True, blank=True)
    task_id = models.CharField(_("task"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("asked for"), auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    expires_at = models.DateTimeField(_("kept until"), null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "-created_at"], name="job_owner_created")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__isnull=True) | models.Q(progress__lte=100), name="job_progress_percent"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk}"

    @property
    def title(self) -> Any:
        """What the job makes, in the reader's language ("Outcome report (PDF)"), from its kind."""
        from reparo.jobs.kinds import kind_of

        spec = kind_of(self.kind)
        return spec.title if spec is not None else self.kind

    @property
    def unfinished(self) -> bool:
        return self.state in UNFINISHED

    @property
    def has_file(self) -> bool:
        return self.state == JobState.DONE and self.result_size is not None


class ChunkPart(models.TextChoices):
    INPUT = "input", "input"
    RESULT = "result", "result"


class JobChunk(UUIDModel):
    """One piece of a job's file, in order (``index``), encrypted with the row's identity bound in."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="+")
    part = models.CharField(max_length=8, choices=ChunkPart.choices)
    index = models.PositiveIntegerField()
    data = EncryptedBinaryField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "part", "index"], name="job_chunk_order")]
