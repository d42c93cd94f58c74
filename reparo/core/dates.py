"""Dates and times as every page writes them: the active language's ``DATE_FORMAT`` and ``DATETIME_FORMAT``
(reparo/formats), in the local time zone. For code that writes markup itself (the case page's panels, the case list);
templates use ``|date:"DATE_FORMAT"`` and ``|date:"DATETIME_FORMAT"``."""

from __future__ import annotations

import datetime
import functools
from typing import Any

from django.utils import dateformat, dates, formats, timezone


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
    """:func:`day` and :func:`moment` for a loop: the formats are looked up once, not for every row, and written
    without Django's general formatter where they use only the usual parts of a date (see :func:`_plan`), with the same
    result (tests/core/test_dates.py compares them)."""

    def __init__(self) -> None:
        self.date_format = formats.get_format("DATE_FORMAT")
        self.datetime_format = formats.get_format("DATETIME_FORMAT")
        self._date_plan = _plan(self.date_format)
        self._datetime_plan = _plan(self.datetime_format)
        self._months: dict[tuple[str, int], str] = {}

    def day(self, value: Any) -> str:
        plan = self._date_plan
        if plan is None or (_TIME_PARTS.intersection(plan) and not isinstance(value, datetime.datetime)):
            return dateformat.format(value, self.date_format)  # Django says what is wrong with a time for a date
        return self._write(plan, value)

    def moment(self, value: Any) -> str:
        if self._datetime_plan is None or not isinstance(value, datetime.datetime):
            return dateformat.format(value, self.datetime_format)
        return self._write(self._datetime_plan, value)

    def _write(self, plan: tuple[str, ...], value: Any) -> str:
        parts = []
        for part in plan:
            if len(part) == 1:
                parts.append(part)
                continue
            code = part[1]
            if code in _NUMBERS:
                parts.append(_NUMBERS[code](value))
            else:  # a month's name, translated: once per month and language in this writer
                key = (code, value.month)
                name = self._months.get(key)
                if name is None:
                    name = self._months[key] = _MONTH_NAMES[code](value.month)
                parts.append(name)
        return "".join(parts)


_NUMBERS = {
    "j": lambda v: str(v.day),
    "d": lambda v: f"{v.day:02d}",
    "n": lambda v: str(v.month),
    "m": lambda v: f"{v.month:02d}",
    "Y": lambda v: f"{v.year:04d}",
    "y": lambda v: f"{v.year % 100:02d}",
    "G": lambda v: str(v.hour),
    "H": lambda v: f"{v.hour:02d}",
    "i": lambda v: f"{v.minute:02d}",
}
_TIME_PARTS = frozenset({"%G", "%H", "%i"})
_MONTH_NAMES = {
    "M": lambda month: str(dates.MONTHS_3[month]).title(),
    "b": lambda month: str(dates.MONTHS_3[month]),
    "F": lambda month: str(dates.MONTHS[month]),
}


@functools.cache
def _plan(format_string: str) -> tuple[str, ...] | None:
    """``format_string`` as its parts: a character written as it is (a one-character string), or ``"%"`` and the
    letter of a part of the date (``"%j"``). None when it uses anything else (an escaped letter, a time zone, a week
    number...): then Django's own formatter writes it."""
    plan = []
    for char in format_string:
        if char in _NUMBERS or char in _MONTH_NAMES:
            plan.append(f"%{char}")
        elif char.isalpha() or char == "\\":
            return None
        else:
            plan.append(char)
    return tuple(plan)
