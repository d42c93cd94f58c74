from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def shell(request: HttpRequest) -> dict[str, Any]:
    """What the page shell needs: the quick-exit target and the CSP nonce."""
    return {
        "quick_exit_url": settings.QUICK_EXIT_URL,
        "csp_nonce": getattr(request, "csp_nonce", ""),
    }
