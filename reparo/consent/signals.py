"""Events of the consent ledger that apps above this one act on (they connect in their ``AppConfig.ready``)."""

from django.dispatch import Signal

# A consent was withdrawn; sent inside the transaction that recorded the withdrawal, with ``actor`` and ``consent``.
# Receivers stop at once what rested on it (a referral's packet, say), in that transaction. Whether something may
# still be done is asked of ``reparo.consent.policy``, as always: another consent may still cover it.
consent_withdrawn = Signal()
