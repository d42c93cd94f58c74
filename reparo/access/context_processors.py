from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from reparo.access.navigation import navigation_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The main navigation, by what the signed-in actor may do."""
    return {"navigation": navigation_for(getattr(request, "user", None))}
