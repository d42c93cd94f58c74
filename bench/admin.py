"""Django admin for cases, as a team might build it instead of Reparo's case list: the baseline the case list
is compared with. Enabled only in the benchmark settings.

- ``site``: the changelist a careful team would build: the same columns as Reparo's list, filters on status
  and program, search on reference, the admin's default paginator at 25 rows a page, and the same
  annotations (through the same selector) so that the columns cost no query per row, limited to the cases the
  user may see.
- ``naive_site``: the same changelist with the columns computed per row by model methods (a query for
  each column of each row), as a first version often is.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import OuterRef, Subquery
from django.http import HttpRequest
from django.utils import timezone

from reparo.accounts.models import User
from reparo.cases import selectors
from reparo.cases.models import Case, ParticipantRole, TeamRole


class BenchAdminSite(admin.AdminSite):
    site_header = "Reparo benchmark admin"

    def has_permission(self, request: HttpRequest) -> bool:
        # Reparo's user model has no is_staff: superusers only.
        user = request.user
        return bool(user.is_active and user.is_superuser)


site = BenchAdminSite(name="bench_admin")
naive_site = BenchAdminSite(name="bench_admin_naive")


class CaseAdmin(admin.ModelAdmin):
    list_display = ("reference", "status", "program", "survivor_code", "lead_email", "next_due")
    list_filter = ("status", "program")
    search_fields = ("reference",)
    list_select_related = ("program",)
    ordering = ("-updated_at", "-id")
    list_per_page = 25

    def get_queryset(self, request: HttpRequest) -> Any:
        # The list's query names the lead by id (Reparo's list shows the decrypted name, read once per page);
        # the admin shows the e-mail, joined in by one more subquery.
        lead = User.objects.filter(pk=OuterRef("lead_id")).values("email")[:1]
        return selectors.case_list(request.user).annotate(lead_email=Subquery(lead))

    @admin.display(description="Survivor")
    def survivor_code(self, obj: Any) -> str:
        return obj.survivor_code or "—"

    @admin.display(description="Lead facilitator")
    def lead_email(self, obj: Any) -> str:
        return obj.lead_email or "—"

    @admin.display(description="Next task due")
    def next_due(self, obj: Any) -> str:
        if not obj.next_due:
            return "—"
        return f"{obj.next_due:%Y-%m-%d}{' overdue' if obj.next_due < timezone.localdate() else ''}"


class NaiveCaseAdmin(CaseAdmin):
    def get_queryset(self, request: HttpRequest) -> Any:
        return selectors.cases_visible_to(request.user)

    @admin.display(description="Survivor")
    def survivor_code(self, obj: Any) -> str:
        participant = (
            obj.participants.filter(role=ParticipantRole.SURVIVOR)
            .select_related("person")
            .order_by("created_at")
            .first()
        )
        return participant.person.display_code if participant else "—"

    @admin.display(description="Lead facilitator")
    def lead_email(self, obj: Any) -> str:
        member = obj.team.filter(role=TeamRole.LEAD_FACILITATOR).select_related("user").order_by("created_at").first()
        return member.user.email if member else "—"

    @admin.display(description="Next task due")
    def next_due(self, obj: Any) -> str:
        task = obj.tasks.filter(done_at__isnull=True, due_date__isnull=False).order_by("due_date").first()
        return f"{task.due_date:%Y-%m-%d}" if task else "—"


site.register(Case, CaseAdmin)
naive_site.register(Case, NaiveCaseAdmin)
