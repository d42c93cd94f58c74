"""What training puts on the home page (``reparo.organisations.extensions``): a facilitator's own certifications and
where each stands; for organisation admins, the certifications that expire soon or have just expired."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from reparo.access.desks import Desk
from reparo.organisations.extensions import HomeItem, HomeLink, HomeSection, first_items, home_section
from reparo.training import access
from reparo.training.models import EXPIRY_WARNING_DAYS, Certification, CertificationStatus


def _state(cert: Certification, today: datetime.date) -> tuple[str, bool]:
    """What to say of a certification, and whether it needs doing something about."""
    if cert.status == CertificationStatus.SUSPENDED:
        return _("suspended"), True
    if cert.expires_on <= today:
        return _("expired on"), True
    if cert.expires_on <= today + datetime.timedelta(days=EXPIRY_WARNING_DAYS):
        return _("expires soon, on"), True
    return _("current until"), False


def my_certifications(actor: Any, organisation_ids: tuple[int, ...]) -> HomeSection:
    """For each program, the actor's certification that lasts longest (active or suspended; 1 query)."""
    today = timezone.localdate()
    latest: dict[int, Certification] = {}
    for cert in (
        Certification.objects.filter(user=actor, program__organisation_id__in=organisation_ids)
        .exclude(status=CertificationStatus.RENEWED)
        .select_related("program")
        .order_by("expires_on")
    ):
        latest[cert.program_id] = cert
    items = []
    for cert in sorted(latest.values(), key=lambda c: c.program.name):
        said, urgent = _state(cert, today)
        items.append(HomeItem(text=cert.program.name, url=reverse("training:mine"), detail=said,
                              day=None if cert.status == CertificationStatus.SUSPENDED else cert.expires_on,
                              urgent=urgent))  # fmt: skip
    return HomeSection(
        key="my_certifications", title=_("My certifications"), items=items,
        empty=_("You hold no certification yet. Your training page shows what is still needed."),
        more=HomeLink(_("My training"), reverse("training:mine")),
    )  # fmt: skip


def expiring_certifications(actor: Any, organisation_ids: tuple[int, ...]) -> HomeSection | None:
    """Active certifications of the organisations that expire within the warning period or expired in the last
    one, unless a later certification of the same person and program covers them (2 queries)."""
    managed = [pk for pk in organisation_ids if access.is_manager(actor, pk)]
    if not managed:
        return None
    today = timezone.localdate()
    window = datetime.timedelta(days=EXPIRY_WARNING_DAYS)
    later = Certification.objects.filter(
        user=OuterRef("user"), program=OuterRef("program"), status=CertificationStatus.ACTIVE,
        expires_on__gt=OuterRef("expires_on"),
    )  # fmt: skip
    rows = (
        Certification.objects.filter(
            program__organisation_id__in=managed,
            status=CertificationStatus.ACTIVE,
            expires_on__gt=today - window,
            expires_on__lte=today + window,
        )
        .exclude(Exists(later))
        .select_related("user", "program")
        .order_by("expires_on")
    )

    def item(cert: Certification) -> HomeItem:
        said, _urgent = _state(cert, today)
        return HomeItem(
            text=cert.user.full_name or cert.user.email,
            url=reverse("training:person", kwargs={"user_pk": cert.user_id}),
            detail=f"{cert.program.name} · {said}", day=cert.expires_on, urgent=cert.expires_on <= today,
        )  # fmt: skip

    return HomeSection(
        key="expiring_certifications", title=_("Certifications expiring or expired"), items=first_items(rows, item),
        total=rows.count(), empty=_("No certification expires in the next 90 days."),
        more=HomeLink(_("All expiring soon"), reverse("training:expiring")),
    )  # fmt: skip


def register() -> None:
    home_section("my_certifications", desk=Desk.FACILITATION, order=50, provider=my_certifications)
    home_section("expiring_certifications", desk=Desk.ADMINISTRATION, order=20, provider=expiring_certifications)
