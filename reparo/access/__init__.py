"""Who may do what: the kinds of actor, the one capability table, the one "visible to this actor, or 404" helper
that every lookup is built on, and the memberships (who holds which role) they rest on.

Every other app asks this module; none lists roles itself (``tests/architecture`` enforces it). The table is
rendered into ``docs/access.md`` by ``manage.py access_table``.
"""
