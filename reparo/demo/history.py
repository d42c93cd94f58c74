"""Making a demo's past through the services (development only).

A living demo needs history: cases opened months ago, sessions held last week, screenings that expired, surveys at
the start and at the end of a process. The services refuse to write the past (a session is booked in the future, a
preparation meeting recorded once it has happened, a survey on the day of the interview), and they are right to.
So the demo does not write the past: it lives it. Each story (a case, a training year, the weekly survey sweep) is a
generator that yields the moment it wants to go on at; :func:`live` runs every story in the order of those moments,
with the clock of :mod:`django.utils.timezone` set to that moment, so that each service runs as it would have run
that day, checks and audit rows included. A story never goes past the present: it stops where today is.
"""

from __future__ import annotations

import contextlib
import datetime
import heapq
import itertools
from collections.abc import Callable, Generator, Iterable, Iterator

from django.utils import timezone

from reparo.core import context
from reparo.core.environment import refuse_outside_development

Story = Generator[datetime.datetime, None, None]

_real_now: Callable[[], datetime.datetime] = timezone.now


@contextlib.contextmanager
def clock(at: datetime.datetime) -> Iterator[None]:
    """Within the block, ``timezone.now()`` (and with it ``localdate()``, ``auto_now`` fields and every service) says
    ``at``, and moves on with the real clock from there. Refused outside development; never later than now."""
    refuse_outside_development()
    if at > _real_now():
        raise ValueError("The demo's clock never runs ahead of the present.")
    offset = at - _real_now()
    previous = timezone.now
    timezone.now = lambda: _real_now() + offset  # type: ignore[assignment]
    try:
        yield
    finally:
        timezone.now = previous  # type: ignore[assignment]


def live(stories: Iterable[Story], *, until: datetime.datetime) -> None:
    """Run ``stories`` together, moment by moment: each yields when it wants to go on (never earlier than the last
    moment it yielded); a story whose next moment is after ``until`` ends there."""
    order = itertools.count()
    waiting: list[tuple[datetime.datetime, int, Story]] = []
    for story in stories:
        first = next(story, None)
        if first is not None and first <= until:
            heapq.heappush(waiting, (first, next(order), story))
    while waiting:
        at, _n, story = heapq.heappop(waiting)
        with clock(at), _one_request():
            following = next(story, None)
        if following is None or following > until:
            continue
        if following < at:
            raise ValueError(f"A story went back in time, from {at} to {following}.")
        heapq.heappush(waiting, (following, next(order), story))


@contextlib.contextmanager
def _one_request() -> Iterator[None]:
    """Each step of a story is one request: what a request reads once (the actor's roles, their cases) is read once
    per step, as it would be, and afresh at the next."""
    token = context.bind_cache()
    try:
        yield
    finally:
        context.reset_cache(token)


def moment(day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
    """``day`` at ``hour``:``minute``, local time."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))
