"""Calendar invitations (.ics, RFC 5545) for a session: a neutral title, no names, no venue, no case words.

The times are the invited person's own: on a joint session, when their side is to arrive and leave (a supporter's or
a community member's: the side they come with). Someone on neither side, or whose side is not recorded, gets no times
of a joint session at all (the day only): the session's own start and end may be one side's arrival or leaving.
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from reparo.processes.models import Accompanies, ProcessParticipant, Session


def _stamp(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def times_for(
    session: Session, participant: ProcessParticipant | None
) -> tuple[datetime.datetime, datetime.datetime] | None:
    """When ``participant`` is to arrive and leave (``None``: the session's own times, for the team). ``None`` for a
    joint session when they stand on neither side, or their side is not recorded: no times may be given them."""
    if not session.is_joint or participant is None:
        return session.starts_at, session.ends_at
    side = participant.side
    if side == Accompanies.SURVIVOR and session.survivor_arrives_at and session.survivor_leaves_at:
        return session.survivor_arrives_at, session.survivor_leaves_at
    if side == Accompanies.RESPONSIBLE and session.responsible_arrives_at and session.responsible_leaves_at:
        return session.responsible_arrives_at, session.responsible_leaves_at
    if side and not (session.survivor_arrives_at or session.responsible_arrives_at):
        return session.starts_at, session.ends_at  # no staggered times were set: the session's own
    return None


def session_ics(session: Session, participant: ProcessParticipant | None = None) -> str:
    times = times_for(session, participant)
    if times is None:  # the day only (an all-day entry): "details are with the person who arranged it"
        day = timezone.localtime(session.starts_at).date()
        when = [f"DTSTART;VALUE=DATE:{day:%Y%m%d}", f"DTEND;VALUE=DATE:{day + datetime.timedelta(days=1):%Y%m%d}"]
    else:
        when = [f"DTSTART:{_stamp(times[0])}", f"DTEND:{_stamp(times[1])}"]
    # Nothing in the file names the software or the program, not even where a calendar keeps it out of sight.
    uid = f"{session.pk}-{participant.pk if participant else 'team'}@appointments.invalid"
    summary = _("Appointment")
    description = _("Details are with the person who arranged it.")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Appointments//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{_stamp(timezone.now())}",
        *when,
        f"SUMMARY:{_escape(summary)}",
        f"DESCRIPTION:{_escape(description)}",
        "CLASS:PRIVATE",
        "TRANSP:OPAQUE",
        f"STATUS:{'CANCELLED' if session.status == 'cancelled' else 'CONFIRMED'}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(lines) + "\r\n"
