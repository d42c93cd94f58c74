"""What evaluation puts on an evaluator's home page (``reparo.organisations.extensions``): how many surveys are
overdue in each program they evaluate (counts only: an evaluator sees no person)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from reparo.access.desks import Desk
from reparo.evaluation.models import AssignmentStatus
from reparo.evaluation.selectors import programs_for_evaluation
from reparo.organisations.extensions import HomeItem, HomeSection, home_section


def surveys_overdue(actor: Any, organisation_ids: tuple[int, ...]) -> HomeSection:
    """Per program: open surveys past the day they were due by (1 query)."""
    today = timezone.localdate()
    overdue = Q(survey_assignments__status=AssignmentStatus.OPEN, survey_assignments__overdue_on__lt=today)
    rows = (
        programs_for_evaluation(actor)
        .filter(organisation_id__in=organisation_ids, is_active=True)
        .annotate(overdue=Count("survey_assignments", filter=overdue))
        .filter(overdue__gt=0)
        .order_by("-overdue", "name")
    )
    items = [
        HomeItem(
            text=program.name,
            url=reverse("evaluation:program", kwargs={"pk": program.pk}),
            urgent=True,
            detail=ngettext("%(n)d survey overdue", "%(n)d surveys overdue", program.overdue) % {"n": program.overdue},
        )
        for program in rows
    ]
    return HomeSection(
        key="surveys_overdue", title=_("Surveys overdue"), items=items,
        empty=_("No survey is overdue in the programs you evaluate."),
        note=_("The case teams collect the answers; each program's page shows its schedule and what is open."),
    )  # fmt: skip


def register() -> None:
    home_section("surveys_overdue", desk=Desk.EVALUATION, order=10, provider=surveys_overdue)
