from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from reparo.accounts.roles import Capability
from reparo.accounts.selectors import user_can
from reparo.audit.forms import AuditFilterForm
from reparo.audit.selectors import audit_events_for


def audit_list(request: HttpRequest) -> HttpResponse:
    if not user_can(request.user, Capability.VIEW_AUDIT):
        raise Http404
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    events = audit_events_for(request.user, **{k: v for k, v in filters.items() if v})
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    template = "audit/_rows.html" if getattr(request, "htmx", False) else "audit/list.html"
    return render(request, template, {"form": form, "page": page, "query": query.urlencode()})
