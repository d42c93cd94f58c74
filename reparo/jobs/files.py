"""A job's files, kept as encrypted pieces in the database: written piece by piece as the work goes, and read back
piece by piece, so that neither the worker nor a download ever holds a whole large file in memory."""

from __future__ import annotations

import io
from collections.abc import Iterator

from reparo.jobs.models import ChunkPart, Job, JobChunk

CHUNK_BYTES = 1024 * 1024


class ChunkWriter:
    """Collects what is written and saves it in pieces of :data:`CHUNK_BYTES` (each in its own short write: in the
    worker, a piece is saved as soon as it is full)."""

    def __init__(self, job: Job, part: str = ChunkPart.RESULT, *, chunk_bytes: int | None = None) -> None:
        self.job = job
        self.part = part
        self.chunk_bytes = chunk_bytes or CHUNK_BYTES
        self.size = 0
        self._index = 0
        self._buffer = bytearray()

    def write(self, data: bytes | str) -> None:
        raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        self._buffer += raw
        self.size += len(raw)
        while len(self._buffer) >= self.chunk_bytes:
            self._save(bytes(self._buffer[: self.chunk_bytes]))
            del self._buffer[: self.chunk_bytes]

    def close(self) -> int:
        """Save what is left; the file's size in bytes."""
        if self._buffer or self._index == 0:
            self._save(bytes(self._buffer))
            self._buffer.clear()
        return self.size

    def _save(self, data: bytes) -> None:
        JobChunk.objects.create(job=self.job, part=self.part, index=self._index, data=data)  # type: ignore[misc]
        self._index += 1


def chunks_of(job: Job, part: str = ChunkPart.RESULT) -> Iterator[bytes]:
    """The pieces of the job's file in order, each read (and decrypted) only when it is needed."""
    keys = list(JobChunk.objects.filter(job=job, part=part).order_by("index").values_list("pk", flat=True))
    for pk in keys:
        yield JobChunk.objects.only("pk", "data").get(pk=pk).data


def read_all(job: Job, part: str = ChunkPart.INPUT) -> bytes:
    return b"".join(chunks_of(job, part))


def forget(job: Job, part: str | None = None) -> int:
    """Delete the job's pieces (of one part, or all); how many there were."""
    pieces = JobChunk.objects.filter(job=job)
    if part is not None:
        pieces = pieces.filter(part=part)
    deleted, _ = pieces.delete()
    return deleted


class ChunkReader(io.RawIOBase):
    """The job's file as a read-only file object, for :class:`django.http.FileResponse` (which reads it in blocks
    and sends each as it comes)."""

    def __init__(self, job: Job) -> None:
        super().__init__()
        self._pieces = chunks_of(job)
        self._current = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        """Fill ``buffer`` from as many pieces as it takes; 0 at the end of the file."""
        filled = 0
        while filled < len(buffer):
            if not self._current:
                piece = next(self._pieces, None)
                if piece is None:
                    break
                self._current = memoryview(piece)
                continue
            n = min(len(buffer) - filled, len(self._current))
            buffer[filled : filled + n] = self._current[:n]
            self._current = self._current[n:]  # a view: nothing is copied
            filled += n
        return filled
