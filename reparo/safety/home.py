"""What the safety app puts on the home page (``reparo.organisations.extensions``): a supervisor's sign-off queue and
the recent check-ins at or above the threshold on their cases; for coordinators, the screenings that wait on a case
with no supervisor on its team (nobody could sign them off)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from reparo.access.actors import organisation_ids_where
from reparo.access.capabilities import Capability, team_roles_with
from reparo.access.desks import Desk
from reparo.cases.models import CaseTeamMember
from reparo.cases.selectors import cases_seen_in_full_by, cases_visible_to
from reparo.organisations.extensions import HomeItem, HomeSection, first_items, home_section
from reparo.processes.models import OPEN_STAGES
from reparo.safety.models import DistressCheckIn, Screening, ScreeningKind

RECENT_CHECKIN_DAYS = 14
SIGNERS = team_roles_with(Capability.SIGN_OFF_SCREENINGS)


def _waiting(organisation_ids: tuple[int, ...]) -> QuerySet[Screening]:
    """Screenings not signed off, on open processes of these organisations, that no newer screening of the same
    kind (and person) has replaced."""
    newer = Screening.objects.filter(
        process=OuterRef("process"), kind=OuterRef("kind"), completed_at__gt=OuterRef("completed_at")
    ).filter(Q(kind=ScreeningKind.RISK_ASSESSMENT) | Q(person=OuterRef("person")))
    return Screening.objects.filter(
        signed_off_at__isnull=True,
        case__organisation_id__in=organisation_ids,
        process__stage__in=OPEN_STAGES,
    ).exclude(Exists(newer))


def _screening_item(screening: Screening, url: str) -> HomeItem:
    who = f"{screening.person.display_code} · " if screening.person else ""
    completed_by = screening.completed_by
    by = (completed_by.full_name or completed_by.email) if completed_by else ""
    return HomeItem(
        text=f"{screening.get_kind_display()} · {who}{screening.case.reference}", url=url,
        at=screening.completed_at, detail=_("done by %(person)s on") % {"person": by} if by else _("done on"),
        urgent=screening.completed_at < timezone.now() - datetime.timedelta(days=3),
    )  # fmt: skip


def sign_off_queue(actor: Any, organisation_ids: tuple[int, ...]) -> HomeSection:
    """Screenings the actor may sign off and open: on cases where they are on the team in a role that signs off (or
    where their organisation roles let them work on every case and sign off), done by someone else (3 queries).
    Screenings on cases the actor cannot open are only counted, so that they know to ask to join the team."""
    org_wide = set(organisation_ids_where(actor, Capability.SIGN_OFF_SCREENINGS)) & set(
        organisation_ids_where(actor, Capability.SEE_ALL_ORG_CASES)
    )
    team_cases = CaseTeamMember.objects.filter(user=actor, role__in=SIGNERS).values("case_id")
    waiting = _waiting(organisation_ids)
    mine = (
        waiting.filter(case__in=cases_visible_to(actor))
        .filter(Q(case_id__in=team_cases) | Q(case__organisation_id__in=org_wide))
        .exclude(completed_by=actor)
        .select_related("case", "person", "completed_by")
        .order_by("completed_at")
    )
    items = first_items(
        mine, lambda s: _screening_item(s, reverse("safety:process", kwargs={"pk": s.process_id}) + "#screenings")
    )
    total = mine.count()
    elsewhere = waiting.exclude(pk__in=mine.values("pk")).exclude(completed_by=actor).count()
    note = ""
    if elsewhere:
        note = _(
            "%(count)d more wait on cases where you are not on the team, so you cannot open them. A coordinator can "
            "add you to a case's team as its supervisor."
        ) % {"count": elsewhere}
    return HomeSection(
        key="sign_off_queue", title=_("Screenings to sign off"), items=items, total=total, note=note,
        empty=_("No screening is waiting for your sign-off."),
    )  # fmt: skip


def no_supervisor(actor: Any, organisation_ids: tuple[int, ...]) -> HomeSection:
    """For coordinators: screenings waiting on cases with no supervisor on the team, which nobody can sign off until
    one joins (2 queries)."""
    has_signer = CaseTeamMember.objects.filter(case=OuterRef("case"), role__in=SIGNERS)
    rows = (
        _waiting(organisation_ids)
        .filter(case__in=cases_visible_to(actor))
        .exclude(Exists(has_signer))
        .select_related("case", "person", "completed_by")
        .order_by("completed_at")
    )
    return HomeSection(
        key="no_supervisor", title=_("Screenings with no supervisor on the team"),
        group=_("Cases needing attention"),
        items=first_items(rows, lambda s: _screening_item(s, reverse("cases:detail", kwargs={"pk": s.case_id})
                                                         + "#team")),
        total=rows.count(), empty=_("Every screening waiting for sign-off has a supervisor on its case team."),
    )  # fmt: skip


def high_checkins(actor: Any, organisation_ids: tuple[int, ...]) -> HomeSection:
    """Check-ins of the last two weeks at or above the program's threshold, on the cases the actor works on (2
    queries)."""
    since = timezone.now() - datetime.timedelta(days=RECENT_CHECKIN_DAYS)
    rows = (
        DistressCheckIn.objects.filter(
            process__case__in=cases_seen_in_full_by(actor),
            process__case__organisation_id__in=organisation_ids,
            rating__gte=F("threshold"),
            recorded_at__gte=since,
        )
        .select_related("process__case", "person")
        .order_by("-recorded_at")
    )

    def item(checkin: DistressCheckIn) -> HomeItem:
        case = checkin.process.case
        return HomeItem(
            text=f"{checkin.person.display_code} · {case.reference}",
            url=reverse("safety:case", kwargs={"pk": case.pk}), at=checkin.recorded_at, urgent=True,
            detail=_("%(rating)d of 10 (threshold %(threshold)d) · %(moment)s")
            % {"rating": checkin.rating, "threshold": checkin.threshold, "moment": checkin.get_moment_display()},
        )  # fmt: skip

    return HomeSection(
        key="high_checkins", title=_("Check-ins at or above the threshold"), items=first_items(rows, item),
        total=rows.count(), empty=_("No check-in reached the threshold in the last two weeks."),
    )  # fmt: skip


def register() -> None:
    home_section("no_supervisor", desk=Desk.COORDINATION, order=25, provider=no_supervisor)
    home_section("sign_off_queue", desk=Desk.SUPERVISION, order=10, provider=sign_off_queue)
    home_section("high_checkins", desk=Desk.SUPERVISION, order=20, provider=high_checkins)
