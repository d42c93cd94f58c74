"""Fixtures for background jobs, loaded for every test by tests/conftest.py: a kind made for the tests (its ``run`` is
whatever the test sets), and a task backend that only queues (as a real worker's queue does, running nothing)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.utils.translation import gettext_lazy as _

from reparo.access.actors import user_can
from reparo.access.capabilities import Capability
from reparo.jobs import kinds, work
from reparo.jobs.work import Work

TEST_KIND = "tests.sample"


class SampleKind:
    """What the test kind does when run: by default it writes a small text file."""

    def __init__(self) -> None:
        self.run: Callable[[Work], None] = self.write_text

    @staticmethod
    def write_text(w: Work) -> None:
        w.write("first line\n")
        w.write(b"second line\n")
        w.done(filename="sample.txt", content_type="text/plain; charset=utf-8")


@pytest.fixture
def sample(monkeypatch: Any) -> Iterator[SampleKind]:
    """A kind that needs VIEW_ORGANISATION in ``params["organisation"]``, registered for the test only."""
    chosen = SampleKind()
    registered = dict(kinds._KINDS)
    kinds.register(
        kinds.JobKind(
            name=TEST_KIND,
            title=_("Sample file"),
            run=lambda w: chosen.run(w),
            allowed=lambda actor, params: user_can(
                actor, Capability.VIEW_ORGANISATION, organisation=params.get("organisation")
            ),
        )
    )
    monkeypatch.setattr(work, "PROGRESS_EVERY_SECONDS", 0)
    yield chosen
    kinds._KINDS.clear()
    kinds._KINDS.update(registered)


@pytest.fixture
def queued_only(settings: Any) -> None:
    """Tasks are queued and not run, as with a worker that has not got to them yet."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
