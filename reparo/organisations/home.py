"""The organisation admin's sections of the home page: each organisation's members, and the highlights of the
activity log (erasures, exports, changes of roles, lock-outs). Read through the access module and the activity log's
own selector."""

from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from reparo.access import selectors as access_selectors
from reparo.access.actors import user_can
from reparo.access.capabilities import Capability
from reparo.access.desks import Desk
from reparo.organisations.extensions import HomeItem, HomeLink, HomeSection, home_section
from reparo.organisations.models import Organisation
from reparo.organisations.selectors import audit_events_for

HIGHLIGHT_DAYS = 30
# What an organisation admin should notice in the activity log, in plain words.
HIGHLIGHTS: dict[str, Any] = {
    "person.erased": gettext_lazy("A person's details were erased on request"),
    "membership.added": gettext_lazy("A role was given"),
    "membership.ended": gettext_lazy("A role was ended"),
    "membership.restored": gettext_lazy("A role was given back"),
    "user.deactivated": gettext_lazy("An account was deactivated"),
    "auth.locked_out": gettext_lazy("An account was locked after failed sign-ins"),
    "htcds.exported": gettext_lazy("Case data were exported (HTCDS)"),
    "htcds.imported": gettext_lazy("Case data were imported (HTCDS)"),
    "outcomes.report_export": gettext_lazy("An outcome report was downloaded"),
    "funding.report_export": gettext_lazy("A funder report was downloaded"),
    "funding.spend_override": gettext_lazy("Spending went beyond a restricted allocation"),
    "release.published": gettext_lazy("Public figures were published"),
    "portal.suspended": gettext_lazy("A participant's portal access was suspended"),
    "training.certification_suspended": gettext_lazy("A certification was suspended"),
}


def members(actor: Any, organisation_ids: tuple[int, ...]) -> HomeSection:
    """Per organisation the actor manages: how many people hold an active role, and how many roles (2 queries per
    organisation, a handful at most)."""
    items = []
    for organisation in Organisation.objects.filter(pk__in=organisation_ids).order_by("name"):
        if not user_can(actor, Capability.MANAGE_MEMBERS, organisation=organisation):
            continue
        active = access_selectors.members_for(actor, organisation).filter(is_active=True, user__is_active=True)
        people = active.values("user_id").distinct().count()
        recent = active.filter(created_at__gte=timezone.now() - datetime.timedelta(days=HIGHLIGHT_DAYS)).count()
        detail = ngettext("%(n)d person", "%(n)d people", people) % {"n": people}
        if recent:
            detail += " · " + ngettext("%(n)d role given this month", "%(n)d roles given this month", recent) % {
                "n": recent
            }
        items.append(
            HomeItem(text=organisation.name, detail=detail,
                     url=reverse("organisations:detail", kwargs={"pk": organisation.pk}))
        )  # fmt: skip
    return HomeSection(key="members", title=_("Members"), items=items, empty=_("No organisation to manage."))


def audit_highlights(actor: Any, organisation_ids: tuple[int, ...]) -> HomeSection:
    """Each kind of event of :data:`HIGHLIGHTS` seen in the last 30 days: how many times, and the last (1 query)."""
    since = timezone.localdate() - datetime.timedelta(days=HIGHLIGHT_DAYS)
    rows = (
        audit_events_for(actor, since=since)
        .filter(Q(organisation_id__in=organisation_ids) | Q(organisation__isnull=True), action__in=list(HIGHLIGHTS))
        .order_by()
        .values("action")
        .annotate(n=Count("id"), last=Max("at"))
        .order_by("-last")
    )
    items = [
        HomeItem(
            text=str(HIGHLIGHTS[row["action"]]),
            url=reverse("audit:list") + "?" + urlencode({"action": row["action"], "since": since.isoformat()}),
            at=row["last"],
            detail=ngettext("once, on", "%(n)d times, the last on", row["n"]) % {"n": row["n"]},
        )
        for row in rows
    ]
    return HomeSection(
        key="audit_highlights", title=_("From the activity log"), items=items,
        empty=_("Nothing to point out in the last 30 days."),
        more=HomeLink(_("The whole activity log"), reverse("audit:list")),
    )  # fmt: skip


def register() -> None:
    home_section("members", desk=Desk.ADMINISTRATION, order=10, provider=members)
    home_section("audit_highlights", desk=Desk.ADMINISTRATION, order=30, provider=audit_highlights)
