"""Dates and times as every page writes them: the active language's ``DATE_FORMAT`` and ``DATETIME_FORMAT``
(reparo/formats), in the local time zone. For code that writes markup itself (the case page's panels, the case list);
templates use ``|date:"DATE_FORMAT"`` and ``|date:"DATETIME_FORMAT"``."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import dateformat, formats, timezone


def day(value: datetime.date | datetime.datetime) -> str:
    """``value``'s day, written the active language's way ("6 Dec 2026")."""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return dateformat.format(value, formats.get_format("DATE_FORMAT"))


def moment(value: datetime.datetime) -> str:
    """``value`` to the minute, in local time, written the active language's way ("6 Dec 2026, 14:30")."""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return dateformat.format(value, formats.get_format("DATETIME_FORMAT"))


class Writer:
    """:func:`day` and :func:`moment` for a loop: the formats are looked up once, not for every row."""

    def __init__(self) -> None:
        self.date_format = formats.get_format("DATE_FORMAT")
        self.datetime_format = formats.get_format("DATETIME_FORMAT")

    def day(self, value: Any) -> str:
        return dateformat.format(value, self.date_format)

    def moment(self, value: Any) -> str:
        return dateformat.format(value, self.datetime_format)
