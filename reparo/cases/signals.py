"""Events of cases that apps above this one act on (they connect in their ``AppConfig.ready``)."""

from django.dispatch import Signal

# A case was withdrawn or closed; sent inside the transaction that changed its status, with ``actor``, ``case``
# and ``reason`` ("withdrawal" or "case_closed"). Receivers end what goes on in the case, in that transaction.
case_ended = Signal()

# A person's identity and contact data were erased on their request; sent inside that transaction, with ``actor`` and
# ``person``. Receivers remove the contact data they keep about the person (messaging: the addresses for notices).
person_erased = Signal()

# A case was opened from an intake draft; sent inside that transaction, before the draft is deleted, with ``actor``,
# ``draft_id`` and ``case``. Receivers that made the draft (field intake) note which case it became.
intake_draft_opened = Signal()
