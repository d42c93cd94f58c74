"""The portal's panel on the case page (registered through ``reparo.cases.extensions``)."""

from __future__ import annotations

from typing import Any

from reparo.access.capabilities import Capability
from reparo.portal import selectors
from reparo.portal.forms import InviteForm


def case_panel(actor: Any, case: Any, access: Any, responsible_side: bool) -> dict[str, Any] | None:
    """Each invitable person's portal access (invited, active, suspended), with invite / re-issue / suspend, for an
    actor who may manage it on this case. Never on the responsible-person side page (it lists the survivor)."""
    if responsible_side or Capability.MANAGE_PORTAL_ACCESS not in access.capabilities:
        return None
    rows = selectors.panel_rows(case)
    # The invitation form is shown only for people who agreed to be contacted through the portal.
    form = InviteForm() if any(row.may_be_contacted for row in rows) else None
    return {"template": "portal/_case_panel.html", "rows": rows, "form": form}
