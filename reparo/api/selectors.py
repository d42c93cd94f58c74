"""Reads about API tokens: who may keep them, the tokens of an organisation, and the token a call presents.

Only organisation admins (and a partner organisation's liaison) keep their organisation's tokens
(``MANAGE_API_TOKENS``); anyone else gets 404 for the organisation's token page and for each token. What a token may
read is not decided here: a call that presents it acts as its organisation (:func:`reparo.access.actors.
act_for_token`) and reads through the same selectors as the pages.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any

from django.db.models import QuerySet

from reparo.access.actors import organisation_ids_where
from reparo.access.capabilities import Capability, TokenScope
from reparo.access.lookup import lookup, one_or_404
from reparo.api.models import ApiToken
from reparo.interop.selectors import programs_of, recipients
from reparo.organisations.models import Organisation, OrganisationKind, Program
from reparo.organisations.selectors import organisation_get_for
from reparo.referrals.selectors import programs_open_to_partner

TOKEN_PREFIX = "rpt_"  # noqa: S105 - the public prefix of every token, not a secret
_TOKEN = re.compile(r"^rpt_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$")

# Which scopes a token of each kind of organisation may hold: a partner organisation's system reads and answers the
# referrals sent to it and refers people in; an operator's exports HTCDS files and reads its published releases.
SCOPES_FOR_KIND: dict[str, tuple[TokenScope, ...]] = {
    OrganisationKind.PARTNER: (TokenScope.REFERRALS_READ, TokenScope.REFERRALS_WRITE),
    OrganisationKind.OPERATOR: (TokenScope.HTCDS_EXPORT, TokenScope.STATISTICS_READ),
}


def digest_of(raw: str) -> str:
    return hashlib.sha256(raw.encode("ascii")).hexdigest()


def scopes_for(organisation: Organisation) -> tuple[TokenScope, ...]:
    return SCOPES_FOR_KIND.get(organisation.kind, ())


def organisations_for_tokens(actor: Any) -> QuerySet[Organisation]:
    """The organisations whose API tokens ``actor`` keeps."""
    ids = organisation_ids_where(actor, Capability.MANAGE_API_TOKENS)
    return Organisation.objects.filter(pk__in=ids, is_active=True).order_by("name")


def organisation_for_tokens(actor: Any, pk: Any) -> Organisation:
    """The organisation, if ``actor`` keeps its API tokens (``MANAGE_API_TOKENS``); else 404."""
    return organisation_get_for(actor, pk, need=Capability.MANAGE_API_TOKENS)


def tokens_of(organisation: Organisation) -> list[ApiToken]:
    """Every token of an organisation already looked up, newest first (revoked and expired ones too)."""
    return list(ApiToken.objects.filter(organisation=organisation).select_related("created_by", "revoked_by"))


@lookup("api.apitoken")
def api_token_get_for(actor: Any, pk: Any) -> ApiToken:
    """A token of an organisation whose API tokens the actor keeps (``MANAGE_API_TOKENS``); else 404."""
    ids = organisation_ids_where(actor, Capability.MANAGE_API_TOKENS)
    return one_or_404(ApiToken.objects.filter(organisation_id__in=ids).select_related("organisation"), pk)


def token_presented(raw: str) -> ApiToken | None:
    """The token whose secret is ``raw`` (usable or not: the caller says why it refuses one), or None when no token
    has it. Found by its public key, then its digest compared in constant time."""
    match = _TOKEN.match(raw or "")
    if match is None:
        return None
    token = ApiToken.objects.filter(key_id=match.group(1)).select_related("account", "organisation").first()
    if token is None or not hmac.compare_digest(token.digest, digest_of(raw)):
        return None
    return token


def program_open_to(actor: Any, pk: Any) -> Program:
    """A program the actor's partner organisation may refer people into (an agreement in force); else 404."""
    return one_or_404(programs_open_to_partner(actor), pk)


def recipient_or_none(pk: Any) -> Organisation | None:
    """A partner organisation an HTCDS file may be for (any active partner), or None."""
    return recipients().filter(pk=pk).first() if pk is not None else None


def export_program_or_none(organisation: Organisation, pk: Any) -> Program | None:
    """A program of ``organisation`` (already looked up) to limit an export to, or None."""
    return programs_of(organisation).filter(pk=pk).first() if pk is not None else None
