"""What a referral may carry: the one computation behind the send page's preview and the send itself.

For each kind of information the sender asks to send, the consent policy (``reparo.consent.policy.may``) says
whether this person agrees to share it with this partner now. What they agree to goes; the rest is held back, with
the policy's reason. Then a data-sharing agreement in force between the program's organisation and the partner
must cover the service and every kind of information that goes; otherwise the referral is refused, saying why.
Nothing is cached: every preview and every send asks afresh.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from reparo.cases.models import Case, CaseParticipant
from reparo.consent import policy
from reparo.consent.models import Consent, ConsentPurpose, DataCategory, categories_in_words
from reparo.organisations.models import Organisation, OrganisationKind
from reparo.people.models import Person
from reparo.referrals.models import AgreementStatus, PartnerService, SharingAgreement
from reparo.referrals.packet import SURVIVOR_ONLY, field_labels, is_survivor


class Verdict:
    GOES = "goes"
    HELD = "held"  # not sent; the referral can still go
    BLOCKS = "blocks"  # asked for, agreed to, but not covered by the agreement: the referral cannot go like this


@dataclass(frozen=True)
class CategoryPlan:
    category: str
    label: str
    fields: list[str]
    verdict: str
    reason: str = ""

    @property
    def goes(self) -> bool:
        return self.verdict == Verdict.GOES


@dataclass(frozen=True)
class SharingPlan:
    categories: list[CategoryPlan]
    problems: list[str]
    agreement: SharingAgreement | None = None
    consents: tuple[Consent, ...] = field(default=())

    @property
    def going(self) -> list[str]:
        return [c.category for c in self.categories if c.goes]

    @property
    def allowed(self) -> bool:
        return not self.problems and bool(self.going)


def _ordered(categories: Iterable[str]) -> list[str]:
    chosen = set(categories)
    return [c for c in DataCategory.values if c in chosen]


def agreements_in_force(operator: Any, partner: Any, *, day: datetime.date | None = None) -> list[SharingAgreement]:
    """The data-sharing agreements in force on ``day`` between ``operator`` and ``partner``, newest first."""
    day = day or timezone.localdate()
    rows = SharingAgreement.objects.filter(operator=operator, partner=partner, status=AgreementStatus.IN_FORCE)
    return [a for a in rows.order_by("-valid_from", "-created_at") if a.in_force_on(day)]


def plan(
    *,
    case: Case,
    person: Person,
    partner: Organisation,
    service: str,
    requested: Iterable[str],
    at: datetime.datetime | None = None,
) -> SharingPlan:
    """What would go to ``partner`` for ``service`` if sent at ``at`` (default now), and what stops it."""
    at = at or timezone.now()
    wanted = set(_ordered(requested))
    problems: list[str] = []
    if partner.kind != OrganisationKind.PARTNER or not partner.is_active:
        problems.append(_("Referrals go only to active partner organisations."))
    if service not in PartnerService.values:
        problems.append(_("Choose a service from the list."))
    if not CaseParticipant.objects.filter(case=case, person=person).exists():
        problems.append(_("This person does not take part in this case."))
    survivor = is_survivor(case, person)

    verdicts: dict[str, tuple[str, str]] = {}
    consents: list[Consent] = []
    refusals: list[str] = []
    for category in DataCategory.values:
        if category not in wanted:
            verdicts[category] = (Verdict.HELD, _("Not chosen for this referral."))
            continue
        if category in SURVIVOR_ONLY and not survivor:
            verdicts[category] = (
                Verdict.HELD,
                _("This is the survivor's information. It is never sent with a referral of someone else."),
            )
            continue
        decision = policy.may(
            person=person, purpose=ConsentPurpose.SHARE, recipient=partner, categories=[category], at=at
        )
        if decision:
            verdicts[category] = (Verdict.GOES, "")
            consents.extend(c for c in decision.consents if c not in consents)
        else:
            verdicts[category] = (Verdict.HELD, decision.reason)
            refusals.append(decision.reason)

    going = [c for c in DataCategory.values if verdicts[c][0] == Verdict.GOES]
    if not wanted:
        problems.append(_("Choose at least one kind of information to send."))
    elif not going:
        problems.append(refusals[0] if refusals else _("Nothing you chose can be sent with this referral."))

    agreement = None
    if going and not problems:
        agreement, agreement_problem, uncovered = _agreement_for(
            case, partner, service, going, day=timezone.localtime(at).date()
        )
        if agreement_problem:
            problems.append(agreement_problem)
        for category in uncovered:
            verdicts[category] = (Verdict.BLOCKS, _("The data-sharing agreement does not cover this."))

    return SharingPlan(
        categories=[
            CategoryPlan(
                category=c,
                label=str(DataCategory(c).label),
                fields=field_labels(c),
                verdict=verdicts[c][0],
                reason=verdicts[c][1],
            )
            for c in DataCategory.values
        ],
        problems=problems,
        agreement=agreement if not problems else None,
        consents=tuple(consents) if not problems else (),
    )


def _agreement_for(
    case: Case, partner: Organisation, service: str, going: list[str], *, day: datetime.date
) -> tuple[SharingAgreement | None, str, list[str]]:
    """The agreement a referral rests on, or why there is none (and which categories no agreement covers)."""
    in_force = agreements_in_force(case.organisation_id, partner.pk, day=day)
    if not in_force:
        return None, _("There is no data-sharing agreement in force with %(partner)s.") % {"partner": partner.name}, []
    for_service = [a for a in in_force if service in (a.purposes or [])]
    if not for_service:
        return (
            None,
            _("The data-sharing agreement with %(partner)s does not cover referrals for %(service)s.")
            % {"partner": partner.name, "service": str(PartnerService(service).label).lower()},
            [],
        )
    for agreement in for_service:
        if set(going) <= set(agreement.data_categories or []):
            return agreement, "", []
    best = max(for_service, key=lambda a: len(set(going) & set(a.data_categories or [])))
    uncovered = [c for c in going if c not in (best.data_categories or [])]
    return (
        None,
        _(
            "The data-sharing agreement with %(partner)s does not cover %(categories)s. Untick it, or ask an "
            "organisation admin to agree it with the partner first."
        )
        % {"partner": partner.name, "categories": categories_in_words(uncovered)},
        uncovered,
    )
