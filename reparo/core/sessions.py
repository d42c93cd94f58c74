"""Django's database sessions, with the session read on every request compiled once a process (decision 0095).

Set as ``SESSION_ENGINE``. The same table, rows and rules as ``django.contrib.sessions.backends.db``: only the read
of a session by its key goes through :class:`reparo.core.prepared.Prepared`.
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.db import models
from django.utils import timezone

from reparo.core.prepared import Param, Prepared

_session_read: Prepared[Session] = Prepared(
    lambda: Session.objects.filter(
        session_key=Param("key", Session._meta.get_field("session_key")),  # type: ignore[arg-type]
        expire_date__gt=Param("now", models.DateTimeField()),
    )
)


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> Any:
        if self.get_model_class() is not Session or not self.session_key:
            return super()._get_session_from_db()  # type: ignore[misc]
        found = _session_read(key=self.session_key, now=timezone.now())
        if found:
            return found[0]
        self._session_key = None
        return None
