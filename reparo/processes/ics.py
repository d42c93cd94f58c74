"""Calendar invitations (.ics, RFC 5545) for a session: a neutral title, no names, no venue, no case words.

The times are the invited person's own: on a joint session, when they are to arrive and leave.
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from reparo.processes.models import RESPONSIBLE_SIDE, ProcessParticipant, ProcessRole, Session


def _stamp(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def times_for(session: Session, participant: ProcessParticipant | None) -> tuple[datetime.datetime, datetime.datetime]:
    if session.is_joint and participant is not None:
        if participant.role == ProcessRole.SURVIVOR and session.survivor_arrives_at and session.survivor_leaves_at:
            return session.survivor_arrives_at, session.survivor_leaves_at
        if participant.role in RESPONSIBLE_SIDE and session.responsible_arrives_at and session.responsible_leaves_at:
            return session.responsible_arrives_at, session.responsible_leaves_at
    return session.starts_at, session.ends_at


def session_ics(session: Session, participant: ProcessParticipant | None = None) -> str:
    start, end = times_for(session, participant)
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
        f"DTSTART:{_stamp(start)}",
        f"DTEND:{_stamp(end)}",
        f"SUMMARY:{_escape(summary)}",
        f"DESCRIPTION:{_escape(description)}",
        "CLASS:PRIVATE",
        "TRANSP:OPAQUE",
        f"STATUS:{'CANCELLED' if session.status == 'cancelled' else 'CONFIRMED'}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(lines) + "\r\n"
