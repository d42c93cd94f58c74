"""Signs users in and reads the signed-in user on each request."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db.models import Subquery

from reparo.accounts.models import AccessStamp, AccountType, User

USER_BACKEND = "reparo.accounts.backends.UserBackend"


class UserBackend(ModelBackend):
    """Django's model backend, whose per-request read of the user also carries the access stamp (one query, as
    before), for :mod:`reparo.accounts.access_cache`."""

    def get_user(self, user_id: Any) -> User | None:
        stamp = Subquery(AccessStamp.objects.filter(pk=1).values("value"))
        try:
            user = User._default_manager.annotate(access_stamp=stamp).get(pk=user_id)
        except (User.DoesNotExist, ValueError):
            return None
        return user if self.user_can_authenticate(user) else None

    def user_can_authenticate(self, user: Any) -> bool:
        """Active accounts, except an API token's (``AccountType.INTEGRATION``): it acts only on the calls that
        present its token, never by signing in, and a session that names it is no session."""
        if getattr(user, "account_type", None) == AccountType.INTEGRATION:
            return False
        return bool(super().user_can_authenticate(user))
