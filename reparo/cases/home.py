"""What the cases app puts on the home page (``reparo.organisations.extensions``): overdue tasks and cases that have
not moved for a while, for coordinators; each person's own tasks. Every read starts from the cases the actor sees."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from reparo.access.desks import Desk
from reparo.cases.models import CaseStatus, Task
from reparo.cases.selectors import cases_visible_to
from reparo.organisations.extensions import HomeItem, HomeLink, HomeSection, first_items, home_section

ATTENTION = "attention"

# How long a case may stay in a status before it is shown as not moving (follow-up lasts as long as the agreement).
STALLED_AFTER_DAYS: dict[str, int] = {
    CaseStatus.REFERRED: 14,
    CaseStatus.INTAKE: 21,
    CaseStatus.ASSESSMENT: 30,
    CaseStatus.PREPARATION: 45,
    CaseStatus.IN_PROCESS: 90,
}


def attention_group() -> str:
    return _("Cases needing attention")


def _case_url(case_id: Any, anchor: str = "") -> str:
    return reverse("cases:detail", kwargs={"pk": case_id}) + (f"#{anchor}" if anchor else "")


def _open_tasks(actor: Any) -> Any:
    """Tasks not done yet, on the cases the actor sees (a task on a case that has ended is still to be done: the
    review of free text after an erasure, say)."""
    return Task.objects.filter(done_at__isnull=True, case__in=cases_visible_to(actor))


def overdue_tasks(actor: Any, organisation_ids: tuple[int, ...]) -> HomeSection:
    """Open tasks past their due date on the open cases of the organisations the actor coordinates (2 queries)."""
    today = timezone.localdate()
    rows = (
        _open_tasks(actor)
        .filter(case__organisation_id__in=organisation_ids, due_date__lt=today)
        .select_related("case", "owner")
        .order_by("due_date", "created_at")
    )

    def item(task: Task) -> HomeItem:
        owner = (task.owner.full_name or task.owner.email) if task.owner else _("nobody yet")
        return HomeItem(
            text=task.title, url=_case_url(task.case_id, "tasks"), day=task.due_date, urgent=True,
            detail=_("%(case)s · for %(owner)s · due") % {"case": task.case.reference, "owner": owner},
        )  # fmt: skip

    return HomeSection(
        key="overdue_tasks", title=_("Overdue tasks"), group=attention_group(), items=first_items(rows, item),
        total=rows.count(), empty=_("No task is overdue."),
        more=HomeLink(_("Cases with overdue tasks"), reverse("cases:list") + "?overdue=on"),
    )  # fmt: skip


def stalled_cases(actor: Any, organisation_ids: tuple[int, ...]) -> HomeSection:
    """Open cases that have stayed in their status longer than :data:`STALLED_AFTER_DAYS` says (2 queries)."""
    now = timezone.now()
    waited = Q()
    for status, days in STALLED_AFTER_DAYS.items():
        waited |= Q(status=status, status_changed_at__lt=now - datetime.timedelta(days=days))
    rows = (
        cases_visible_to(actor)
        .filter(waited, organisation_id__in=organisation_ids)
        .only("pk", "reference", "status", "status_changed_at")
        .order_by("status_changed_at")
    )

    def item(case: Any) -> HomeItem:
        days = (now - case.status_changed_at).days
        return HomeItem(
            text=case.reference, url=_case_url(case.pk, "status"),
            detail=_("%(status)s for %(days)d days") % {"status": CaseStatus(case.status).label, "days": days},
        )  # fmt: skip

    return HomeSection(
        key="stalled_cases", title=_("No change for a while"), group=attention_group(),
        items=first_items(rows, item), total=rows.count(), empty=_("Every case has moved on recently."),
    )  # fmt: skip


def my_tasks(actor: Any, organisation_ids: tuple[int, ...]) -> HomeSection:
    """The actor's own open tasks, the most urgent first (2 queries)."""
    today = timezone.localdate()
    rows = (
        _open_tasks(actor)
        .filter(owner=actor, case__organisation_id__in=organisation_ids)
        .select_related("case")
        .order_by(F("due_date").asc(nulls_last=True), "created_at")
    )

    def item(task: Task) -> HomeItem:
        late = task.due_date is not None and task.due_date < today
        return HomeItem(
            text=task.title, url=_case_url(task.case_id, "tasks"), day=task.due_date, urgent=late,
            detail=_("%(case)s · due") % {"case": task.case.reference} if task.due_date else task.case.reference,
        )  # fmt: skip

    return HomeSection(
        key="my_tasks", title=_("My tasks"), items=first_items(rows, item), total=rows.count(),
        empty=_("You have no open tasks."),
        more=HomeLink(_("My cases"), reverse("cases:list") + f"?team_member={actor.pk}"),
    )  # fmt: skip


def register() -> None:
    home_section("overdue_tasks", desk=Desk.COORDINATION, order=10, provider=overdue_tasks)
    home_section("stalled_cases", desk=Desk.COORDINATION, order=20, provider=stalled_cases)
    for desk in (Desk.FACILITATION, Desk.CASE_WORK):
        home_section("my_tasks", desk=desk, order=40, provider=my_tasks)
    home_section("my_tasks", desk=Desk.SUPERVISION, order=40, provider=my_tasks, quiet=True)
