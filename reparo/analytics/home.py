"""What analytics puts on an evaluator's home page (``reparo.organisations.extensions``): links to the outcome
dashboards of each organisation and program they evaluate."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from reparo.access.desks import Desk
from reparo.analytics.selectors import organisations_for_outcomes
from reparo.organisations.extensions import HomeItem, HomeSection, home_section


def dashboards(actor: Any, organisation_ids: tuple[int, ...]) -> HomeSection:
    """The organisation's dashboard, then each program's (1 query)."""
    items = []
    for organisation, programs in organisations_for_outcomes(actor):
        if organisation.pk not in organisation_ids:
            continue
        items.append(
            HomeItem(
                text=organisation.name,
                detail=_("all programs"),
                url=reverse("analytics:organisation", kwargs={"organisation_pk": organisation.pk}),
            )
        )
        items += [
            HomeItem(text=program.name, detail=organisation.name,
                     url=reverse("analytics:program", kwargs={"organisation_pk": organisation.pk,
                                                              "program_pk": program.pk}))
            for program in programs
        ]  # fmt: skip
    return HomeSection(
        key="dashboards", title=_("Outcome dashboards"), items=items, empty=_("No program to show yet."),
    )  # fmt: skip


def register() -> None:
    home_section("dashboards", desk=Desk.EVALUATION, order=20, provider=dashboards)
