from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from reparo.access.navigation import account_link_for, navigation_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The main navigation, by what the signed-in actor may do."""
    user = getattr(request, "user", None)
    items = navigation_for(user)
    return {"navigation": items, "account_link": account_link_for(items)}
