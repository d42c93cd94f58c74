"""URL path converters that validate ids at the edge.

``<id:name>`` matches the digits of an integer primary key, as Django's ``<int:name>`` does, but a
value beyond the 64-bit signed range (the widest integer column any supported database holds) is not
a match: the resolver answers 404 instead of passing a number to the database that it cannot compare
(SQLite raises ``OverflowError``, PostgreSQL a ``DataError``, both a 500). Every ``urls.py`` uses
``<id:...>`` for integer ids; UUIDs keep Django's ``<uuid:...>``.

The converter is registered once, when this module is imported by ``CoreConfig.ready``: apps are ready
before any URLconf is loaded, so every ``urls.py`` can use ``<id:...>`` without importing anything.
"""

from __future__ import annotations

from django.urls import register_converter

# The largest value a signed 64-bit integer column (PostgreSQL bigint, SQLite INTEGER) holds.
MAX_ID = 2**63 - 1


def id_in_range(value: object) -> bool:
    """Whether ``value`` is an integer that a 64-bit signed integer column can hold."""
    return isinstance(value, int) and not isinstance(value, bool) and -MAX_ID - 1 <= value <= MAX_ID


class IdConverter:
    """Digits only, at most 19 of them (the regex stops absurd lengths early), and at most ``MAX_ID``."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise ValueError("id out of range")  # the resolver treats ValueError as "no match": a 404
        return number

    def to_url(self, value: object) -> str:
        text = str(value)  # as Django's int converter; reverse() then checks the text against ``regex``
        if text.isdigit() and int(text) > MAX_ID:
            raise ValueError("id out of range")  # reverse() treats ValueError as "no match"
        return text


register_converter(IdConverter, "id")
