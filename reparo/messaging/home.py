"""What messaging puts on a facilitator's home page (``reparo.organisations.extensions``): the letters and messages
waiting in the relay queues of the cases they facilitate."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from reparo.access.desks import Desk
from reparo.messaging import selectors
from reparo.messaging.models import Relay
from reparo.organisations.extensions import HomeItem, HomeLink, HomeSection, first_items, home_section


def relay_queue(actor: Any, organisation_ids: tuple[int, ...]) -> HomeSection:
    """Oldest first (2 queries)."""
    rows = selectors.relays_waiting_for(actor).filter(process__case__organisation_id__in=organisation_ids)

    def item(relay: Relay) -> HomeItem:
        return HomeItem(
            text=f"{relay.get_kind_display()} · {relay.process.case.reference}",
            url=reverse("messaging:relay", kwargs={"pk": relay.pk}), at=relay.created_at,
            detail=_("%(status)s since") % {"status": relay.get_status_display()},
        )  # fmt: skip

    return HomeSection(
        key="relay_queue", title=_("Waiting to be passed on"), items=first_items(rows, item), total=rows.count(),
        empty=_("Nothing is waiting for your review."),
        more=HomeLink(_("My week"), reverse("processes:my_week") + "#relay-queue"),
    )  # fmt: skip


def register() -> None:
    home_section("relay_queue", desk=Desk.FACILITATION, order=30, provider=relay_queue)
