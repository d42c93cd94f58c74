"""The main navigation, by what the actor may do."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import gettext_lazy as _

from reparo.access.actors import active_roles
from reparo.access.capabilities import Capability, capabilities_of_roles


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: Any

    @property
    def url(self) -> str:
        return _nav_url(self.url_name, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)


@functools.lru_cache(maxsize=128)
def _nav_url(url_name: str, script_prefix: str, urlconf: str) -> str:
    """The navigation's links take no arguments: reversed once per process (and per prefix and URL conf), not
    on every page."""
    return reverse(url_name, urlconf=urlconf)


# (capability needed, URL name, label), in the order shown; None: every signed-in actor with two factors.
ITEMS: tuple[tuple[Capability | None, str, Any], ...] = (
    (None, "home:index", _("Home")),
    (Capability.WORK_IN_PROGRAM, "cases:list", _("Cases")),
    (Capability.WORK_IN_PROGRAM, "evaluation:home", _("Surveys")),
    (Capability.FACILITATE, "processes:my_week", _("My week")),
    (Capability.FACILITATE, "safety:notices", _("Notices")),
    (Capability.WORK_IN_PROGRAM, "training:mine", _("Training")),
    (Capability.JOIN_PARTNER_TRAINING, "training:joint", _("Joint training")),
    (Capability.OPEN_CASES, "referrals:incoming", _("Referrals")),
    (Capability.WORK_IN_PROGRAM, "partners:directory", _("Partners")),
    (Capability.RECEIVE_REFERRALS, "referrals:inbox", _("Referrals")),
    (Capability.VOLUNTEER_IN_SUPPORT, "support:home", _("Support circles")),
    (Capability.FOLLOW_UP_CIRCLES, "support:home", _("Support circles")),
    (Capability.VIEW_ORGANISATION, "organisations:list", _("Organisations")),
    (Capability.VIEW_EVALUATION, "analytics:index", _("Outcomes")),
    (Capability.VIEW_FUNDING, "funding:grants", _("Funding")),
    (Capability.VIEW_EVALUATION, "releases:index", _("Public figures")),
    (Capability.EXPORT_HTCDS, "interop:index", _("Data exchange")),
    (Capability.REVIEW_FIELD_INTAKE, "interop:index", _("Data exchange")),
    (Capability.VIEW_AUDIT, "audit:list", _("Activity log")),
    (Capability.MANAGE_API_TOKENS, "api_tokens:index", _("API tokens")),
    # Reports, exports and imports run in the background: what they made waits here (reparo.jobs).
    (Capability.VIEW_EVALUATION, "jobs:list", _("Downloads")),
    (Capability.VIEW_FUNDING, "jobs:list", _("Downloads")),
    (Capability.EXPORT_HTCDS, "jobs:list", _("Downloads")),
    (Capability.IMPORT_HTCDS, "jobs:list", _("Downloads")),
)
# Beside "Sign out" rather than in the menu, for everyone who has the menu.
ACCOUNT = NavItem("accounts:security", _("Your account"))


def navigation_for(user: Any) -> list[NavItem]:
    """The main navigation for ``user``, by what their roles allow. A participant has none: the portal shows its own."""
    if not getattr(user, "is_authenticated", False) or not user.is_verified() or getattr(user, "is_participant", False):
        return []
    caps = capabilities_of_roles({role for _org, role in active_roles(user)})
    items: dict[str, NavItem] = {}
    for cap, name, label in ITEMS:
        if (cap is None or cap in caps) and name not in items:  # a page that several capabilities lead to: once
            items[name] = NavItem(name, label)
    return list(items.values())


def account_link_for(navigation: list[NavItem]) -> NavItem | None:
    """The link to the actor's own account settings: for every staff or partner user who has the main menu."""
    return ACCOUNT if navigation else None
