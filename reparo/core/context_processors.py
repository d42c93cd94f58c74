from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from reparo.accounts.selectors import navigation_for


def shell(request: HttpRequest) -> dict[str, Any]:
    """What the page shell needs: navigation by role, the quick-exit target and the CSP nonce."""
    return {
        "navigation": navigation_for(getattr(request, "user", None)),
        "quick_exit_url": settings.QUICK_EXIT_URL,
        "csp_nonce": getattr(request, "csp_nonce", ""),
    }
