"""What apps above this one add to the home page, registered when they are ready (they may not be imported here).

The home page shows each person the work of the desks their roles put them at (:mod:`reparo.access.desks`): a
coordinator the cases that need attention, a facilitator their sessions this week, a supervisor the screenings
waiting for their sign-off, and so on. Each app registers the sections it knows about for a desk with
:func:`home_section`; a provider reads through its app's selectors (so through the access module) and links each
item to the page where it is dealt with. A provider reads a bounded number of rows with a bounded number of
queries, whatever the number of items (it shows the first few and says how many there are)."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from reparo.access.desks import DESK_LABELS, Desk, desks_of

# How many items a section lists; it says how many more there are and links to the full list.
SECTION_ITEMS = 8


@dataclass(frozen=True)
class HomeItem:
    """One thing to deal with: what it is, in plain words (no more than the actor may see), where it is dealt with,
    and a short detail (a date, a status). ``urgent`` marks what is overdue or late."""

    text: str
    url: str
    detail: str = ""
    urgent: bool = False
    day: datetime.date | None = None  # shown in the reader's language's date format
    at: datetime.datetime | None = None


@dataclass(frozen=True)
class HomeLink:
    text: str
    url: str


@dataclass(frozen=True)
class HomeSection:
    """A list of items (the first :data:`SECTION_ITEMS` of ``total``), what it says when there is nothing, and where
    the full list is. Sections of one ``group`` are shown under its heading (e.g. "Cases needing attention");
    ``note`` is one more plain sentence under the list."""

    key: str
    title: str
    items: Sequence[HomeItem]
    empty: str
    total: int | None = None
    more: HomeLink | None = None
    links: Sequence[HomeLink] = field(default_factory=tuple)
    group: str = ""
    note: str = ""

    @property
    def hidden(self) -> int:
        return max(0, (self.total if self.total is not None else len(self.items)) - len(self.items))


# provider(actor, organisation ids where the actor sits at the desk) -> a section, or None for no section.
Provider = Callable[[Any, tuple[int, ...]], HomeSection | None]
_SECTIONS: dict[Desk, list[tuple[int, str, Provider, bool]]] = {}


def home_section(key: str, *, desk: Desk, order: int, provider: Provider, quiet: bool = False) -> None:
    """Show ``provider``'s section on the home page of everyone at ``desk`` (``order`` places it among the desk's
    sections; ``quiet``: only when it has items, for what a desk's people do now and then). Registering the same key
    again for a desk replaces it; one key registered for two desks is shown once, at the first of them the actor
    sits at."""
    rows = [row for row in _SECTIONS.setdefault(desk, []) if row[1] != key]
    rows.append((order, key, provider, quiet))
    _SECTIONS[desk] = sorted(rows, key=lambda row: (row[0], row[1]))


@dataclass(frozen=True)
class DeskView:
    desk: Desk
    label: str
    sections: list[HomeSection]

    @property
    def blocks(self) -> list[tuple[str, list[HomeSection]]]:
        """The sections by group (a group's title, or "" for sections of no group), in the order they come."""
        blocks: dict[str, list[HomeSection]] = {}
        for section in self.sections:
            blocks.setdefault(section.group, []).append(section)
        return list(blocks.items())


def home_desks(actor: Any) -> list[DeskView]:
    """The desks the actor sits at, each with its sections (a section key once only)."""
    shown: set[str] = set()
    desks = []
    for desk, organisation_ids in desks_of(actor).items():
        sections = []
        for _order, key, provider, quiet in _SECTIONS.get(desk, []):
            if key in shown:
                continue
            section = provider(actor, organisation_ids)
            if section is not None and not (quiet and not section.items):
                sections.append(section)
                shown.add(key)
        if sections:
            desks.append(DeskView(desk=desk, label=str(DESK_LABELS[desk]), sections=sections))
    return desks


def first_items(rows: Sequence[Any] | Any, make: Callable[[Any], HomeItem]) -> list[HomeItem]:
    """The first :data:`SECTION_ITEMS` rows as items (a queryset is sliced, so read with one bounded query)."""
    return [make(row) for row in rows[:SECTION_ITEMS]]
