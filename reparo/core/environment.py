"""Guards for code that must only ever run in development."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def refuse_outside_development() -> None:
    if not settings.DEVELOPMENT:
        raise ImproperlyConfigured(
            "Demo users have known passwords and codes; they are created only with REPARO_ENV=development."
        )
