"""Writes about API tokens: make one (shown once), revoke one, and record each call that presents one.

Each writes its audit row in its own transaction. The API's endpoints themselves write only through the services of
the apps they act on (referrals, interop, releases), exactly as the pages do.
"""

from __future__ import annotations

import datetime
import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from reparo.access.actors import user_can
from reparo.access.capabilities import Capability
from reparo.accounts.models import AccountType, User
from reparo.accounts.services import rate_limit_use
from reparo.api.models import ApiToken
from reparo.api.selectors import TOKEN_PREFIX, digest_of, scopes_for
from reparo.audit.services import audit_record, audit_record_for
from reparo.organisations.models import Organisation

LIFETIMES_DAYS = (30, 90, 180, 365)
MAX_NAME = 100
# The domain of API tokens' accounts: reserved, never a real address (no e-mail is ever sent to one).
ACCOUNT_DOMAIN = "api.reparo"


def _require(actor: Any, organisation: Any) -> None:
    if not user_can(actor, Capability.MANAGE_API_TOKENS, organisation=organisation):
        raise PermissionDenied


@transaction.atomic
def api_token_create(
    *, actor: Any, organisation: Organisation, name: str, scopes: list[str], lifetime_days: int
) -> tuple[ApiToken, str]:
    """A new token for ``organisation``, with ``scopes`` (those its kind of organisation may hold) for
    ``lifetime_days``. Returns the token and its secret: the secret is shown once and never stored (only its
    SHA-256 digest is)."""
    _require(actor, organisation)
    errors: dict[str, str] = {}
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME:
        errors["name"] = _("Give the token a name of up to 100 characters, such as the system that will use it.")
    allowed = [str(s) for s in scopes_for(organisation)]
    chosen = sorted(set(scopes or []))
    if not chosen or not set(chosen) <= set(allowed):
        errors["scopes"] = _("Choose at least one of the permissions listed.")
    if lifetime_days not in LIFETIMES_DAYS:
        errors["lifetime_days"] = _("Choose how long the token works.")
    if errors:
        raise ValidationError(errors)
    key_id = secrets.token_hex(8)
    raw = f"{TOKEN_PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
    account = User.objects.create_user(
        f"token-{key_id}@{ACCOUNT_DOMAIN}", None, account_type=AccountType.INTEGRATION, full_name=name
    )
    token = ApiToken.objects.create(
        organisation=organisation,
        account=account,
        name=name,
        key_id=key_id,
        digest=digest_of(raw),
        scopes=chosen,
        expires_at=timezone.now() + datetime.timedelta(days=lifetime_days),
        created_by=actor,
    )
    audit_record_for(
        actor, "api_token.created", token, organisation, key=token.label, scopes=chosen, days=lifetime_days
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, actor: Any, token: ApiToken) -> ApiToken:
    """Revoke ``token`` at once: the next call that presents it is refused. Its account is deactivated too."""
    _require(actor, token.organisation_id)
    locked = ApiToken.objects.select_for_update().get(pk=token.pk)
    if locked.revoked_at is not None:
        raise ValidationError(_("This token was already revoked."))
    locked.revoked_at = timezone.now()
    locked.revoked_by = actor
    locked.save(update_fields=["revoked_at", "revoked_by", "updated_at"])
    User.objects.filter(pk=locked.account_id).update(is_active=False)
    audit_record_for(actor, "api_token.revoked", locked, token.organisation, key=locked.label)
    return locked


RATE_WINDOW = datetime.timedelta(minutes=1)


def api_calls_over_limit(*, token: ApiToken) -> int:
    """Count one more call of ``token`` in the current minute and say how far past ``API_RATE_LIMIT_PER_MINUTE``
    it is: 0 while within the limit, 1 for the first call refused in this minute, 2 for the next ... (counted in the
    database, so every process agrees and exactly one call of a minute is the first refused)."""
    calls = rate_limit_use(scope="api.token", value=str(token.pk), window=RATE_WINDOW)
    return max(0, calls - settings.API_RATE_LIMIT_PER_MINUTE)


def api_call_allowed(*, token: ApiToken) -> bool:
    """Count one more call of ``token`` in the current minute; False past ``API_RATE_LIMIT_PER_MINUTE``."""
    return api_calls_over_limit(token=token) == 0


@transaction.atomic
def api_call_record(*, token: ApiToken, method: str, route: str, status: int) -> None:
    """Every call that presents a valid token: who (the token's account), which operation, and how it was answered.
    What the call read or changed is recorded by the services it went through, as on the pages."""
    now = timezone.now()
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    audit_record(
        actor=token.account,
        action="api.call",
        obj=token,
        organisation=token.organisation,
        detail={"key": token.label, "method": method, "route": route, "status": status},
    )


@transaction.atomic
def api_calls_limited(*, token: ApiToken, method: str, route: str) -> None:
    """The first call of ``token`` refused in a minute for being past the rate limit: one row for the whole minute
    (the calls refused after it in the same minute are not recorded one by one, so that a flood of calls does not
    become a flood of audit rows; a flood that goes on is recorded once a minute)."""
    audit_record(
        actor=token.account,
        action="api.call_limited",
        obj=token,
        organisation=token.organisation,
        detail={
            "key": token.label,
            "method": method,
            "route": route,
            "status": 429,
            "limit": settings.API_RATE_LIMIT_PER_MINUTE,
            "window_seconds": int(RATE_WINDOW.total_seconds()),
        },
    )


@transaction.atomic
def api_token_refused(*, token: ApiToken, reason: str) -> None:
    """A call presented a known token that no longer works (expired, revoked): recorded for its organisation."""
    audit_record(
        actor=None,
        action="api.token_refused",
        obj=token,
        organisation=token.organisation,
        actor_label=token.label,
        detail={"key": token.label, "reason": reason},
    )
