"""How a call proves it may act: a token in ``Authorization: Bearer …`` (never a session), the scope each operation
needs, and the rate limit per token."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission
from rest_framework.throttling import BaseThrottle

from reparo.access.actors import act_for_token
from reparo.api import selectors, services
from reparo.api.models import ApiToken

KEYWORD = b"bearer"


class TokenAuthentication(BaseAuthentication):
    """``Authorization: Bearer rpt_…``. A call without it is not signed in (401); one with a token that is unknown,
    expired or revoked, or whose organisation has closed, is refused (401) and, for a known token, recorded."""

    def authenticate(self, request: Any) -> tuple[Any, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Send the token as “Authorization: Bearer <token>”."))
        try:
            raw = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("This token is not valid.")) from None
        token = selectors.token_presented(raw)
        if token is None:
            raise exceptions.AuthenticationFailed(_("This token is not valid."))
        reason = _refusal(token)
        if reason:
            # Counted like any call of the token, so that a token that no longer works cannot be used to write
            # refusals into the activity log without limit.
            if not services.api_call_allowed(token=token):
                raise exceptions.Throttled(wait=TokenRateThrottle.WINDOW)
            services.api_token_refused(token=token, reason=reason)
            raise exceptions.AuthenticationFailed(_("This token no longer works. Ask for a new one."))
        user = act_for_token(token.account, organisation_id=token.organisation_id, scopes=token.scopes)
        return user, token

    def authenticate_header(self, request: Any) -> str:
        return 'Bearer realm="reparo"'


def _refusal(token: ApiToken) -> str:
    if token.revoked_at is not None or not token.account.is_active:
        return "revoked"
    if not token.is_usable():
        return "expired"
    if not token.organisation.is_active:
        return "organisation_closed"
    return ""


class InsufficientScope(exceptions.PermissionDenied):
    default_detail = _("This token does not have the permission this needs.")
    default_code = "insufficient_scope"


class HasScope(BasePermission):
    """The call's token holds the scope the view names for its method (``required_scopes``). HEAD is a GET without
    the body (Django runs the view's ``get`` for it), so it needs GET's scope. A method the view does not name is let
    through, to be answered 405 by the view."""

    def has_permission(self, request: Any, view: Any) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken):
            return False
        method = "GET" if request.method == "HEAD" else request.method
        needed = getattr(view, "required_scopes", {}).get(method)
        if needed is None:
            return True
        if str(needed) not in token.scopes:
            raise InsufficientScope(
                _("This token does not have the “%(scope)s” permission this needs.") % {"scope": needed}
            )
        return True


class TokenRateThrottle(BaseThrottle):
    """At most ``API_RATE_LIMIT_PER_MINUTE`` calls per token in each minute (429 beyond, with Retry-After). Checked
    before the token's scope (:meth:`reparo.api.views.ApiView.initial`), so calls refused 403 count too. Tells the
    view how far past the limit a refused call is (``calls_over_limit``), so that only the first refusal of a minute
    is recorded."""

    WINDOW = 60.0

    def allow_request(self, request: Any, view: Any) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken):
            return True
        over = services.api_calls_over_limit(token=token)
        view.calls_over_limit = over
        return over == 0

    def wait(self) -> float:
        return self.WINDOW
