"""Funding helpers for tests: a funder and a grant of Alice's organisation, made through the services."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from reparo.funding import services
from reparo.funding.models import Funder, Grant

START = datetime.date(2026, 1, 1)
END = datetime.date(2026, 12, 31)


def funder(world: Any, name: str = "Northern Trust") -> Funder:
    return services.funder_create(actor=world["org_admin"], organisation=world.alice_org, name=name)


def grant(
    world: Any,
    *,
    amount: str = "10000.00",
    currency: str = "EUR",
    restricted: bool = True,
    reference: str = "NT-2026-01",
    starts_on: datetime.date = START,
    ends_on: datetime.date = END,
    by: Funder | None = None,
) -> Grant:
    return services.grant_create(
        actor=world["org_admin"],
        funder=by or funder(world),
        reference=reference,
        restricted=restricted,
        amount=Decimal(amount),
        currency=currency,
        starts_on=starts_on,
        ends_on=ends_on,
        purpose="Dialogue sessions",
        conditions="Quarterly narrative reports to the programme officer.",
    )
