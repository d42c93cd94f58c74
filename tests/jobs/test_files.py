"""A job's file: written in pieces as it is made, each piece encrypted and bound to its row, read back in order."""

from __future__ import annotations

from typing import Any

import pytest

from reparo.core.crypto import DecryptionError
from reparo.jobs import files
from reparo.jobs.models import ChunkPart, Job, JobChunk

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(world: Any) -> Job:
    return Job.objects.create(owner=world["coordinator"], organisation=world.alice_org, kind="tests.sample")


def test_it_writes_in_pieces_and_reads_them_back_in_order(job: Job) -> None:
    writer = files.ChunkWriter(job, chunk_bytes=4)
    for part in ("ab", "cdef", b"ghijklm", "ñ"):
        writer.write(part)
    assert writer.close() == len("abcdefghijklmñ".encode())
    assert list(files.chunks_of(job)) == [b"abcd", b"efgh", b"ijkl", "mñ".encode()]
    reader = files.ChunkReader(job)
    assert reader.read(3) == b"abc" and reader.read(2) == b"de" and reader.read() == "fghijklmñ".encode()


def test_an_empty_file_is_one_empty_piece(job: Job) -> None:
    assert files.ChunkWriter(job).close() == 0
    assert list(files.chunks_of(job)) == [b""] and files.ChunkReader(job).read() == b""


def test_each_piece_is_encrypted_and_cannot_be_moved_to_another_row(job: Job) -> None:
    writer = files.ChunkWriter(job, chunk_bytes=16)
    writer.write("Maria Example, 1990-01-01\n" * 3)
    writer.close()
    raw = list(JobChunk.objects.filter(job=job).order_by("index").values_list("pk", "data"))
    assert all(token.startswith("enc1:") and "Maria" not in token for _pk, token in raw)
    first, (second_pk, _second) = raw[0][1], raw[1]
    JobChunk.objects.filter(pk=second_pk).update(data=first)  # copied at rest from another row
    with pytest.raises(DecryptionError):
        list(files.chunks_of(job))


def test_forgetting_removes_one_part_or_all(job: Job) -> None:
    for part in (ChunkPart.INPUT, ChunkPart.RESULT):
        writer = files.ChunkWriter(job, part)
        writer.write("x")
        writer.close()
    assert files.forget(job, ChunkPart.INPUT) == 1
    assert files.read_all(job, ChunkPart.RESULT) == b"x"
    assert files.forget(job) == 1 and not JobChunk.objects.exists()
