"""The SMS hook: a small interface with no provider in it. An operator who wants text messages writes a backend for
their provider (a class with ``send(*, to, text)``) and names it in ``SMS_BACKEND``; without one, no text message is
ever offered or sent. Development and tests use :class:`LoggingSmsBackend`, which sends nothing."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

# What LoggingSmsBackend "sent", for tests (like django.core.mail.outbox): (number, text) pairs.
outbox: list[tuple[str, str]] = []


class BaseSmsBackend:
    """Send one short text to one number. Raise on failure; the caller records what went out."""

    def send(self, *, to: str, text: str) -> None:  # pragma: no cover - an interface
        raise NotImplementedError


class LoggingSmsBackend(BaseSmsBackend):
    """Development and tests: writes the text to the log (the number shortened to its last digits) and keeps it in
    :data:`outbox`. Sends nothing."""

    def send(self, *, to: str, text: str) -> None:
        outbox.append((to, text))
        logger.info("SMS (not sent, development backend) to …%s: %s", to[-3:], text)


def get_backend() -> BaseSmsBackend | None:
    """The configured backend, or None when text messages are not set up."""
    path = getattr(settings, "SMS_BACKEND", "")
    if not path:
        return None
    backend_class: Any = import_string(path)
    return backend_class()  # type: ignore[no-any-return]


def sms_available() -> bool:
    return bool(getattr(settings, "SMS_BACKEND", ""))
