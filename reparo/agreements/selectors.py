"""Reads about agreements, through the process (whose access helper answers 404 for what is not the actor's)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from reparo.access.lookup import one_or_404
from reparo.agreements.models import (
    Acceptance,
    Agreement,
    AgreementItem,
    AgreementStatus,
    Instalment,
    ItemKind,
    Obligation,
    ObligationStatus,
)
from reparo.cases.selectors import TimelineEntry
from reparo.processes.models import Process, ProcessParticipant, ProcessRole
from reparo.processes.selectors import participants_of, processes_of_case_for

ZERO = Decimal("0.00")


def agreements_of(process: Process) -> QuerySet[Agreement]:
    return Agreement.objects.filter(process=process).order_by("-version")


def agreement_in_force(process: Process) -> Agreement | None:
    return agreements_of(process).filter(status=AgreementStatus.BINDING).first()


def agreement_in_preparation(process: Process) -> Agreement | None:
    return agreements_of(process).filter(status__in=[AgreementStatus.DRAFT, AgreementStatus.PROPOSED]).first()


def agreement_in(process: Process, pk: Any) -> Agreement:
    """``process`` must come from ``process_get_for(actor, ...)``; anything outside it is not found."""
    return one_or_404(agreements_of(process).select_related("process__case"), pk)


def item_in(process: Process, pk: Any) -> AgreementItem:
    return one_or_404(AgreementItem.objects.filter(agreement__process=process).select_related("agreement"), pk)


def obligation_in(process: Process, pk: Any) -> Obligation:
    return one_or_404(Obligation.objects.filter(item__agreement__process=process).select_related("item__agreement"), pk)


def instalment_in(process: Process, pk: Any) -> Instalment:
    return one_or_404(
        Instalment.objects.filter(obligation__item__agreement__process=process).select_related(
            "obligation__item__agreement"
        ),
        pk,
    )


def obligations_of(agreement: Agreement) -> QuerySet[Obligation]:
    return (
        Obligation.objects.filter(item__agreement=agreement)
        .select_related("item")
        .prefetch_related("instalments")
        .order_by("item__position")
    )


@dataclass(frozen=True)
class Ledger:
    """Restitution owed, paid and remaining, exact to the cent, in one currency."""

    currency: str
    total: Decimal
    paid: Decimal
    remaining: Decimal


def items_of(agreement: Agreement) -> list[AgreementItem]:
    return list(AgreementItem.objects.filter(agreement=agreement))


def acceptances_of(agreement: Agreement) -> list[Acceptance]:
    return list(Acceptance.objects.filter(agreement=agreement).select_related("participant__person"))


def acceptors_of(process: Process) -> QuerySet[ProcessParticipant]:
    """The process's participants who may accept an agreement: the parties, not their supporters."""
    return participants_of(process).filter(
        withdrawn_at__isnull=True, role__in=[ProcessRole.SURVIVOR, ProcessRole.RESPONSIBLE, ProcessRole.CORE_MEMBER]
    )


def ledger_for(obligation: Obligation) -> Ledger:
    instalments = list(obligation.instalments.all())
    total = sum((i.amount for i in instalments), ZERO)
    paid = sum((i.paid_amount or ZERO for i in instalments), ZERO)
    return Ledger(currency=obligation.item.currency, total=total, paid=paid, remaining=total - paid)


def obligation_rows(agreement: Agreement) -> list[tuple[Obligation, Ledger | None, list[Instalment]]]:
    """Each obligation with its ledger (restitution only) and its instalments, for the follow-up list."""
    return [
        (o, ledger_for(o) if o.item.kind == ItemKind.RESTITUTION else None, list(o.instalments.all()))
        for o in obligations_of(agreement)
    ]


def restitution_ledger(agreement: Agreement) -> list[Ledger]:
    """One line per currency over the agreement's restitution obligations (waived or changed ones left out)."""
    totals: dict[str, Ledger] = {}
    for obligation in (
        obligations_of(agreement)
        .filter(item__kind=ItemKind.RESTITUTION)
        .exclude(status__in=[ObligationStatus.WAIVED, ObligationStatus.VARIED])
    ):
        line = ledger_for(obligation)
        before = totals.get(line.currency, Ledger(line.currency, ZERO, ZERO, ZERO))
        totals[line.currency] = Ledger(
            line.currency, before.total + line.total, before.paid + line.paid, before.remaining + line.remaining
        )
    return [totals[c] for c in sorted(totals)]


@dataclass(frozen=True)
class CompletionRate:
    """``met`` of ``counted`` obligations. Counted: every obligation except those the survivor let go (waived)
    and those replaced by a later version (varied) — neither is a failure nor a success. ``rate`` is ``None``
    when nothing counts yet."""

    met: int
    counted: int

    @property
    def rate(self) -> float | None:
        return self.met / self.counted if self.counted else None

    @property
    def percent(self) -> int | None:
        return round(100 * self.met / self.counted) if self.counted else None


def _completion(obligations: QuerySet[Obligation]) -> CompletionRate:
    counts = obligations.exclude(status__in=[ObligationStatus.WAIVED, ObligationStatus.VARIED]).aggregate(
        counted=Count("pk"), met=Count("pk", filter=Q(status=ObligationStatus.MET))
    )
    return CompletionRate(met=counts["met"], counted=counts["counted"])


def completion_rate(process: Process) -> CompletionRate:
    return _completion(Obligation.objects.filter(item__agreement__process=process))


def case_timeline_entries(actor: Any, case: Any, access: Any) -> list[TimelineEntry]:
    """Each agreement of the case's processes that became binding, on the case's timeline (the team only)."""
    if not access.can_work:
        return []
    processes = {p.pk: p for p in processes_of_case_for(actor, case)}
    if not processes:
        return []
    agreements = (
        Agreement.objects.filter(process_id__in=list(processes), bound_at__isnull=False)
        .only("process_id", "version", "bound_at")
        .order_by("bound_at", "pk")
    )
    return [
        TimelineEntry(
            at=agreement.bound_at,
            kind="event",
            text=_("Agreement (version %(version)s) accepted by everyone and binding: %(kind)s")
            % {"version": agreement.version, "kind": processes[agreement.process_id].get_type_display()},
        )
        for agreement in agreements
        if agreement.bound_at is not None
    ]
