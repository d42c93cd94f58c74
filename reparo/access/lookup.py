"""The one "visible to this actor, or 404" helper and the register of lookups, for every app's selectors.

The mechanics live in :mod:`reparo.core.lookup` so that the lowest apps (accounts) can build on them too; this is
the name every other app imports.
"""

from reparo.core.lookup import LOOKUPS, MAX_INT_PK, clean_pk, lookup, one_or_404, refuse

__all__ = ["LOOKUPS", "MAX_INT_PK", "clean_pk", "lookup", "one_or_404", "refuse"]
