"""What the agreements app puts on the coordinators' home page (``reparo.organisations.extensions``): the
obligations of agreements in force that are late. Read from the cases the actor sees."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from reparo.access.desks import Desk
from reparo.agreements.models import AgreementStatus, Obligation, ObligationStatus
from reparo.cases.selectors import cases_visible_to
from reparo.organisations.extensions import HomeItem, HomeSection, first_items, home_section


def late_obligations(actor: Any, organisation_ids: tuple[int, ...]) -> HomeSection:
    """Obligations of binding agreements that are late (marked late, or past their due date and not yet marked),
    oldest first (2 queries)."""
    today = timezone.localdate()
    rows = (
        Obligation.objects.filter(
            Q(status=ObligationStatus.LATE) | Q(status=ObligationStatus.PENDING, due_date__lt=today),
            item__agreement__status=AgreementStatus.BINDING,
            item__agreement__process__case__in=cases_visible_to(actor),
            item__agreement__process__case__organisation_id__in=organisation_ids,
        )
        .select_related("item__agreement__process__case")
        .order_by("due_date", "created_at")
    )

    def item(obligation: Obligation) -> HomeItem:
        process = obligation.item.agreement.process
        return HomeItem(
            text=f"{obligation.item.get_kind_display()} · {process.case.reference}",
            url=reverse("agreements:detail", kwargs={"process_pk": process.pk}) + "#obligations",
            day=obligation.due_date, urgent=True, detail=_("due"),
        )  # fmt: skip

    return HomeSection(
        key="late_obligations", title=_("Late obligations"), items=first_items(rows, item), total=rows.count(),
        empty=_("No obligation of an agreement in force is late."),
    )  # fmt: skip


def register() -> None:
    home_section("late_obligations", desk=Desk.COORDINATION, order=60, provider=late_obligations)
