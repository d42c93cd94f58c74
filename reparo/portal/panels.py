"""The portal's panel on the case page (registered through ``reparo.cases.extensions``)."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string

from reparo.access.capabilities import Capability
from reparo.portal import selectors
from reparo.portal.forms import InviteForm


def case_panel(request: Any, case: Any, access: Any) -> str:
    """Each invitable person's portal access (invited, active, suspended), with invite / re-issue / suspend, for an
    actor who may manage it on this case; nothing for anyone else."""
    if Capability.MANAGE_PORTAL_ACCESS not in access.capabilities:
        return ""
    return render_to_string(
        "portal/_case_panel.html",
        {"case": case, "rows": selectors.panel_rows(case), "form": InviteForm()},
        request=request,
    )
