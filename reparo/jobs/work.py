"""What a kind's ``run`` is given: the job's owner and parameters, a way to say how far it is, and the file it
writes."""

from __future__ import annotations

import time
from typing import Any

from reparo.jobs import files
from reparo.jobs.models import ChunkPart, Job, JobStep

# Progress is written at most this often (each write is a short transaction of its own in the worker).
PROGRESS_EVERY_SECONDS = 0.5


class Work:
    def __init__(self, job: Job) -> None:
        self.job = job
        self.actor = job.owner
        self.params: dict[str, Any] = dict(job.params or {})
        self.summary: dict[str, Any] | None = None
        self.filename = ""
        self.content_type = ""
        self._writer: files.ChunkWriter | None = None
        self._last: tuple[str, int | None] = (job.step, job.progress)
        self._written_at = 0.0

    # --- how far it is ---------------------------------------------------------------------------------------------

    def progress(self, step: str = "", fraction: float | None = None) -> None:
        """Say what the work is doing (a :class:`~reparo.jobs.models.JobStep`) and how far it is (0 to 1), or that it
        cannot tell (``fraction`` None). Written when something changed, at most every half second unless the step
        changed."""
        from reparo.jobs.services import job_progress_set

        step = step or self._last[0]
        percent = None if fraction is None else max(0, min(100, int(fraction * 100)))
        if (step, percent) == self._last:
            return
        now = time.monotonic()
        if step == self._last[0] and now - self._written_at < PROGRESS_EVERY_SECONDS:
            return
        job_progress_set(job=self.job, step=step, progress=percent)
        self._last = (step, percent)
        self._written_at = now

    def counter(self, step: str, total: int) -> Any:
        """A function to call once per item done of ``total`` (the progress moves with it)."""
        done = [0]

        def tick(n: int = 1) -> None:
            done[0] += n
            self.progress(step, done[0] / total if total else None)

        return tick

    # --- the file --------------------------------------------------------------------------------------------------

    def write(self, data: bytes | str) -> None:
        if self._writer is None:
            self._writer = files.ChunkWriter(self.job, ChunkPart.RESULT)
            self.progress(JobStep.WRITING, self._last[1] / 100 if self._last[1] is not None else None)
        self._writer.write(data)

    def done(self, *, filename: str = "", content_type: str = "", summary: dict[str, Any] | None = None) -> None:
        """The work is finished: the file written so far is called ``filename`` (if any was written), and
        ``summary`` says what the work found (shown on the job's page)."""
        self.filename = filename
        self.content_type = content_type
        self.summary = summary

    def close_file(self) -> int | None:
        """Save the rest of the file; its size in bytes (None when nothing was written)."""
        return self._writer.close() if self._writer is not None else None

    def input(self) -> bytes:
        """The file the job was started with (an import's upload)."""
        return files.read_all(self.job, ChunkPart.INPUT)
