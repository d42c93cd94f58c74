"""What the referrals app puts on the coordinators' home page (``reparo.organisations.extensions``): referrals into
the programs waiting for an answer, and referrals sent to partners still waiting for theirs."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from reparo.access.desks import Desk
from reparo.cases.selectors import cases_visible_to
from reparo.organisations.extensions import SECTION_ITEMS, HomeItem, HomeLink, HomeSection, home_section
from reparo.referrals.models import IncomingReferral, Referral, ReferralStatus
from reparo.referrals.selectors import program_inbox


def referrals_waiting(actor: Any, organisation_ids: tuple[int, ...]) -> HomeSection:
    """Referrals in (from partners) waiting for the program's answer, then referrals out that the partner has not
    answered (those past the day the answer was due first) (4 queries)."""
    incoming = program_inbox(actor).filter(program__organisation_id__in=organisation_ids).order_by("created_at")
    sent = (
        Referral.objects.filter(
            case__in=cases_visible_to(actor), organisation_id__in=organisation_ids, status=ReferralStatus.SENT
        )
        .select_related("partner", "case")
        .order_by("answer_by", "sent_at")
    )
    today = timezone.localdate()

    def incoming_item(referral: IncomingReferral) -> HomeItem:
        source = referral.from_partner.name if referral.from_partner else referral.get_received_via_display()
        return HomeItem(
            text=_("%(code)s into %(program)s") % {"code": referral.code, "program": referral.program.name},
            url=reverse("referrals:incoming_detail", kwargs={"pk": referral.pk}), day=referral.received_on,
            detail=_("from %(source)s · %(urgency)s · received") % {
                "source": source, "urgency": referral.get_urgency_display()},
        )  # fmt: skip

    def sent_item(referral: Referral) -> HomeItem:
        late = referral.answer_by is not None and referral.answer_by < today
        return HomeItem(
            text=_("%(code)s to %(partner)s") % {"code": referral.code, "partner": referral.partner.name},
            url=reverse("referrals:detail", kwargs={"pk": referral.pk}), day=referral.answer_by, urgent=late,
            detail=_("%(case)s · answer due") % {"case": referral.case.reference},
        )  # fmt: skip

    items = [incoming_item(r) for r in incoming[:SECTION_ITEMS]]
    items += [sent_item(r) for r in sent[: max(0, SECTION_ITEMS - len(items))]]
    return HomeSection(
        key="referrals_waiting", title=_("Referrals waiting"), items=items, total=incoming.count() + sent.count(),
        empty=_("No referral is waiting for an answer."),
        more=HomeLink(_("Referrals in"), reverse("referrals:incoming")),
    )  # fmt: skip


def register() -> None:
    home_section("referrals_waiting", desk=Desk.COORDINATION, order=70, provider=referrals_waiting)
