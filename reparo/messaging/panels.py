"""The panels messaging adds to the case page, the process page and "My week" (through their registries: those apps
may not import this one)."""

from __future__ import annotations

from typing import Any

from reparo.access.actors import user_can
from reparo.access.capabilities import Capability
from reparo.messaging import selectors
from reparo.messaging.models import Audience

CASE_PANEL_THREADS = 20
QUEUE_ROWS = 50


def case_panel(actor: Any, case: Any, access: Any, responsible_side: bool) -> dict[str, Any] | None:
    """The case's conversations the actor reads (on the responsible-person side page: only those open to that side),
    with buttons to start the missing ones."""
    capabilities = access.capabilities
    if Capability.MESSAGE_ON_CASE not in capabilities:
        return None
    side_only = responsible_side or Capability.WORK_ON_CASE not in capabilities
    threads = selectors.threads_for_case_panel(
        actor, case, access=access, responsible_side=side_only, limit=CASE_PANEL_THREADS
    )
    team_audiences = [Audience.RESPONSIBLE_SIDE] if side_only else [Audience.CASE_TEAM, Audience.RESPONSIBLE_SIDE]
    have = {t.audience for t in threads if t.person_id is None}
    every_thread = None if side_only or len(threads) >= CASE_PANEL_THREADS else threads  # all of them, as read
    return {
        "template": "messaging/_case_panel.html",
        "case": case,
        "threads": threads,
        "start_people": selectors.participants_without_thread(
            case, responsible_side_only=side_only, threads=every_thread
        )
        if case.is_open
        else [],
        "start_team": [(a, Audience(a).label) for a in team_audiences if a not in have] if case.is_open else [],
        "retention_days": selectors.retention_days(case.program),
        "can_set_retention": user_can(actor, Capability.SEE_ALL_ORG_CASES, organisation=case.organisation_id),
    }


def process_panel(actor: Any, process: Any, access: Any) -> dict[str, Any] | None:
    """The process's relay queue, for a facilitator on the case team."""
    if Capability.RELAY_MESSAGES not in access.capabilities:
        return None
    return {
        "template": "messaging/_relay_queue.html",
        "queue": list(selectors.relay_queue_of(actor, process, access=access)[:QUEUE_ROWS]),
    }


def week_panel(actor: Any) -> dict[str, Any] | None:
    """Everything waiting in the relay queues of the actor's cases."""
    return {"template": "messaging/_week_queue.html", "queue": list(selectors.relays_waiting_for(actor)[:QUEUE_ROWS])}
