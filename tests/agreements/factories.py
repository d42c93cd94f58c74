from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from reparo.agreements import services
from reparo.agreements.models import Agreement
from reparo.processes.models import Process


def draft_with_items(world: Any, process: Process, *, due: datetime.date) -> Agreement:
    """A draft with a letter of apology due on ``due`` and 1000.00 EUR restitution in three monthly instalments
    from ``due`` (paid in full with the last)."""
    facilitator = world["facilitator"]
    agreement = services.agreement_draft(actor=facilitator, process=process)
    services.item_add(actor=facilitator, agreement=agreement, kind="apology_letter",
                      description="A letter that names the harm", due_date=due)  # fmt: skip
    services.item_add(
        actor=facilitator, agreement=agreement, kind="restitution", description="Lost wages",
        amount=Decimal("1000.00"), currency="eur", instalment_count=3, first_instalment_on=due,
    )  # fmt: skip
    return agreement


def accept(world: Any, agreement: Agreement, role: str) -> Any:
    participant = agreement.process.participants.get(role=role)
    return services.acceptance_record(
        actor=world["facilitator"], agreement=agreement, participant=participant, how="in_writing"
    )


def binding_agreement(world: Any, process: Process, *, due: datetime.date) -> Agreement:
    agreement = draft_with_items(world, process, due=due)
    services.agreement_propose(actor=world["facilitator"], agreement=agreement)
    accept(world, agreement, "responsible")
    accept(world, agreement, "survivor")
    agreement.refresh_from_db()
    return agreement
