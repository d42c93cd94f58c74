"""Signs users in and reads the signed-in user on each request."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db.models import Subquery

from reparo.accounts.models import AccessStamp, AccountType, User
from reparo.core.prepared import Param, Prepared

USER_BACKEND = "reparo.accounts.backends.UserBackend"

# The signed-in user with the access stamp, read on every request: compiled once a process.
_user_read: Prepared[User] = Prepared(
    lambda: User._default_manager.annotate(
        access_stamp=Subquery(AccessStamp.objects.filter(pk=1).values("value"))
    ).filter(pk=Param("pk", User))
)


class UserBackend(ModelBackend):
    """Django's model backend, whose per-request read of the user also carries the access stamp (one query, as
    before), for :mod:`reparo.accounts.access_cache`."""

    def get_user(self, user_id: Any) -> User | None:
        try:
            found = _user_read(pk=user_id)
        except (ValidationError, ValueError, TypeError, OverflowError):
            return None
        return found[0] if found and self.user_can_authenticate(found[0]) else None

    def user_can_authenticate(self, user: Any) -> bool:
        """Active accounts, except an API token's (``AccountType.INTEGRATION``): it acts only on the calls that
        present its token, never by signing in, and a session that names it is no session."""
        if getattr(user, "account_type", None) == AccountType.INTEGRATION:
            return False
        return bool(super().user_can_authenticate(user))
