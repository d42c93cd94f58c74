"""What drf-spectacular needs to know that it cannot read from the views: how a call authenticates."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class TokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "reparo.api.auth.TokenAuthentication"
    name = "token"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "rpt_<key>_<secret>",
            "description": "An organisation's API token, made by its admin in Reparo (API tokens), shown once.",
        }
