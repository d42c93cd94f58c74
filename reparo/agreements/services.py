"""Writes about agreements and obligations. Each write checks the actor's rights on the case and writes its audit
row (ids and codes only, no personal data) in its own transaction.

The binding rule lives in :func:`acceptance_record`: an agreement becomes binding only when every survivor and
every responsible person still taking part has accepted it; obligations exist only from then on.
"""

from __future__ import annotations

import calendar
import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from reparo.agreements.models import (
    OPEN_OBLIGATION,
    Acceptance,
    AcceptanceHow,
    Agreement,
    AgreementItem,
    AgreementStatus,
    Instalment,
    InstalmentStatus,
    ItemKind,
    Obligation,
    ObligationStatus,
)
from reparo.audit.services import audit_record_for
from reparo.cases.selectors import case_access_for
from reparo.cases.services import task_generate
from reparo.core import dates
from reparo.processes.models import (
    RESPONSIBLE_SIDE,
    FacilitatorRole,
    Process,
    ProcessFacilitator,
    ProcessParticipant,
    ProcessRole,
)

CENT = Decimal("0.01")


def _require_work(actor: Any, process: Process) -> None:
    if not case_access_for(actor, process.case).can_work:
        raise PermissionDenied(_("You can see this case, but not change it."))


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later, or the month's last day when it is shorter (31 Jan + 1 → 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def instalment_schedule(total: Decimal, count: int, first_due: datetime.date) -> list[tuple[datetime.date, Decimal]]:
    """``count`` monthly instalments that add up to ``total`` exactly; the last one takes the cents left over."""
    count = max(1, count)
    share = (total / count).quantize(CENT, rounding="ROUND_DOWN")
    amounts = [share] * (count - 1) + [total - share * (count - 1)]
    return [(add_months(first_due, n), amount) for n, amount in enumerate(amounts)]


# Agreements -----------------------------------------------------------------------------------------------------


@transaction.atomic
def agreement_draft(*, actor: Any, process: Process) -> Agreement:
    """Start a new version (v1, or the next one with the items of the latest version copied)."""
    _require_work(actor, process)
    Process.objects.select_for_update().filter(pk=process.pk).first()
    if not process.is_open:
        raise ValidationError(_("This process has finished; its agreement can no longer change."))
    versions = Agreement.objects.filter(process=process)
    if versions.filter(status__in=[AgreementStatus.DRAFT, AgreementStatus.PROPOSED]).exists():
        raise ValidationError(_("A version is already being prepared. Finish or replace that one first."))
    latest = versions.order_by("-version").first()
    agreement = Agreement.objects.create(
        process=process, version=(latest.version + 1) if latest else 1, created_by=actor
    )
    copied = 0
    if latest is not None:
        for item in latest.items.all():
            AgreementItem.objects.create(
                agreement=agreement, position=item.position, kind=item.kind, description=item.description,
                amount=item.amount, currency=item.currency, instalment_count=item.instalment_count,
                hours=item.hours, due_date=item.due_date, first_instalment_on=item.first_instalment_on,
            )  # fmt: skip
            copied += 1
    audit_record_for(
        actor, "agreement.drafted", agreement, agreement.process.case.organisation, process=str(agreement.process_id),
        version=agreement.version, items_copied=copied,
    )  # fmt: skip
    return agreement


def _require_draft(agreement: Agreement) -> None:
    if agreement.status != AgreementStatus.DRAFT:
        raise ValidationError(_("Only a draft can change. Start a new version to change this agreement."))


@transaction.atomic
def item_add(
    *,
    actor: Any,
    agreement: Agreement,
    kind: str,
    description: str,
    amount: Decimal | None = None,
    currency: str = "",
    instalment_count: int = 1,
    hours: Decimal | None = None,
    due_date: datetime.date | None = None,
    first_instalment_on: datetime.date | None = None,
) -> AgreementItem:
    """Add an item to a draft. ``due_date`` is when it is to be done by; restitution is paid in
    ``instalment_count`` monthly instalments from ``first_instalment_on``, the last of them by ``due_date`` when one
    is given. (A caller that gives restitution only a ``due_date`` gets the first instalment on that day and the
    item due with the last, as before both dates were asked for.)"""
    _require_work(actor, agreement.process)
    _require_draft(agreement)
    if kind not in ItemKind.values:
        raise ValidationError({"kind": _("Choose what kind of item this is.")})
    if not (description or "").strip():
        raise ValidationError({"description": _("Say in a few words what was agreed.")})
    currency = (currency or "").strip().upper()
    if kind == ItemKind.RESTITUTION:
        if amount is None or amount <= 0:
            raise ValidationError({"amount": _("Give the amount to be paid back.")})
        if len(currency) != 3 or not currency.isalpha():
            raise ValidationError({"currency": _("Give the currency as a three-letter code, such as EUR.")})
        if instalment_count < 1:
            raise ValidationError({"instalment_count": _("There must be at least one instalment.")})
        if first_instalment_on is None:
            if due_date is None:
                raise ValidationError({"first_instalment_on": _("Give the date the first instalment is due.")})
            first_instalment_on, due_date = due_date, None
        last = add_months(first_instalment_on, instalment_count - 1)
        if due_date is None:
            due_date = last
        elif last > due_date:
            raise ValidationError(
                {
                    "due_date": _(
                        "The last instalment would be due on %(last)s, after the date the whole amount is due "
                        "(%(due)s). Start the instalments earlier, make fewer of them, or agree a later date."
                    )
                    % {"last": dates.day(last), "due": dates.day(due_date)}
                }
            )
    else:
        amount, currency, instalment_count, first_instalment_on = None, "", 1, None
    if kind == ItemKind.SERVICE_HOURS and (hours is None or hours <= 0):
        raise ValidationError({"hours": _("Give the number of hours.")})
    if kind != ItemKind.SERVICE_HOURS:
        hours = None
    position = (agreement.items.aggregate(m=Max("position"))["m"] or 0) + 1
    item = AgreementItem.objects.create(
        agreement=agreement, position=position, kind=kind, description=description.strip(), amount=amount,
        currency=currency, instalment_count=instalment_count, hours=hours, due_date=due_date,
        first_instalment_on=first_instalment_on,
    )  # fmt: skip
    audit_record_for(
        actor, "agreement.item_added", agreement, agreement.process.case.organisation,
        process=str(agreement.process_id), version=agreement.version, item=str(item.pk), kind=kind,
    )  # fmt: skip
    return item


@transaction.atomic
def item_remove(*, actor: Any, item: AgreementItem) -> None:
    agreement = item.agreement
    _require_work(actor, agreement.process)
    _require_draft(agreement)
    item_id = str(item.pk)
    item.delete()
    audit_record_for(
        actor, "agreement.item_removed", agreement, agreement.process.case.organisation,
        process=str(agreement.process_id), version=agreement.version, item=item_id,
    )  # fmt: skip


@transaction.atomic
def agreement_propose(*, actor: Any, agreement: Agreement) -> Agreement:
    """Put the draft to the parties. It is not binding until the survivor and the responsible person accept."""
    _require_work(actor, agreement.process)
    _require_draft(agreement)
    if not agreement.items.exists():
        raise ValidationError(_("Add at least one item before putting the agreement to the parties."))
    agreement.status = AgreementStatus.PROPOSED
    agreement.save(update_fields=["status", "updated_at"])
    audit_record_for(
        actor, "agreement.proposed", agreement, agreement.process.case.organisation, process=str(agreement.process_id),
        version=agreement.version,
    )  # fmt: skip
    return agreement


def _parties(process: Process) -> tuple[set[int], set[int]]:
    active = ProcessParticipant.objects.filter(process=process, withdrawn_at__isnull=True)
    survivors = set(active.filter(role=ProcessRole.SURVIVOR).values_list("pk", flat=True))
    responsible = set(active.filter(role__in=RESPONSIBLE_SIDE).values_list("pk", flat=True))
    return survivors, responsible


@transaction.atomic
def acceptance_record(
    *,
    actor: Any,
    agreement: Agreement,
    participant: ProcessParticipant,
    how: str,
    accepted_at: datetime.datetime | None = None,
) -> Acceptance:
    """Record that one party accepted the proposed version. When every survivor and every responsible person
    taking part has accepted, the version becomes binding and its items become obligations."""
    _require_work(actor, agreement.process)
    agreement = Agreement.objects.select_for_update(of=("self",)).select_related("process__case").get(pk=agreement.pk)
    if agreement.status != AgreementStatus.PROPOSED:
        raise ValidationError(_("Only a proposed agreement can be accepted."))
    if participant.process_id != agreement.process_id or participant.withdrawn_at is not None:
        raise ValidationError(_("Only someone taking part in this process can accept its agreement."))
    if participant.role != ProcessRole.SURVIVOR and participant.role not in RESPONSIBLE_SIDE:
        raise ValidationError(_("Only the survivor and the responsible person accept an agreement."))
    if how not in AcceptanceHow.values:
        raise ValidationError({"how": _("Say how they accepted.")})
    if Acceptance.objects.filter(agreement=agreement, participant=participant).exists():
        raise ValidationError(_("This person's acceptance is already recorded."))
    acceptance = Acceptance.objects.create(
        agreement=agreement, participant=participant, how=how, accepted_at=accepted_at or timezone.now(),
        recorded_by=actor,
    )  # fmt: skip
    audit_record_for(
        actor, "agreement.accepted", agreement, agreement.process.case.organisation, process=str(agreement.process_id),
        version=agreement.version, participant=participant.pk, role=participant.role, how=how,
    )  # fmt: skip
    survivors, responsible = _parties(agreement.process)
    accepted = set(Acceptance.objects.filter(agreement=agreement).values_list("participant_id", flat=True))
    if survivors and responsible and survivors <= accepted and responsible <= accepted:
        _bind(actor, agreement)
    return acceptance


def _bind(actor: Any, agreement: Agreement) -> None:
    earlier = Agreement.objects.select_for_update().filter(
        process=agreement.process,
        version__lt=agreement.version,
        status__in=[AgreementStatus.BINDING, AgreementStatus.PROPOSED, AgreementStatus.DRAFT],
    )
    now = timezone.now()
    for old in earlier:
        varied = Obligation.objects.filter(item__agreement=old, status__in=OPEN_OBLIGATION).update(
            status=ObligationStatus.VARIED, status_changed_at=now
        )
        old.status = AgreementStatus.SUPERSEDED
        old.save(update_fields=["status", "updated_at"])
        audit_record_for(
            actor, "agreement.superseded", old, old.process.case.organisation, process=str(old.process_id),
            version=old.version, by_version=agreement.version, obligations_varied=varied,
        )  # fmt: skip
    agreement.status = AgreementStatus.BINDING
    agreement.bound_at = now
    agreement.save(update_fields=["status", "bound_at", "updated_at"])
    for item in agreement.items.all():
        obligation = Obligation.objects.create(item=item, due_date=item.due_date, status_changed_at=now)
        first = item.first_instalment_on
        if item.kind == ItemKind.RESTITUTION and item.amount is not None and first is not None:
            schedule = instalment_schedule(item.amount, item.instalment_count, first)
            Instalment.objects.bulk_create(
                Instalment(obligation=obligation, number=n, due_date=due, amount=amount)
                for n, (due, amount) in enumerate(schedule, start=1)
            )
            if obligation.due_date is None:  # paid in full with the last instalment
                obligation.due_date = schedule[-1][0]
                obligation.save(update_fields=["due_date"])
    audit_record_for(
        actor, "agreement.binding", agreement, agreement.process.case.organisation, process=str(agreement.process_id),
        version=agreement.version, obligations=agreement.items.count(),
    )  # fmt: skip


# Obligations ----------------------------------------------------------------------------------------------------

MARKABLE = frozenset({ObligationStatus.MET, ObligationStatus.VARIED, ObligationStatus.WAIVED})


@transaction.atomic
def obligation_mark(
    *, actor: Any, obligation: Obligation, status: str, evidence: str = "", survivor_chose: bool = False
) -> Obligation:
    """Record that an obligation was met, changed, or let go. Only the survivor can let an obligation go:
    ``waived`` needs ``survivor_chose`` (the facilitator records the survivor's own choice)."""
    agreement = obligation.item.agreement
    _require_work(actor, agreement.process)
    obligation = Obligation.objects.select_for_update().get(pk=obligation.pk)
    if agreement.status != AgreementStatus.BINDING:
        raise ValidationError(_("Only obligations of the agreement in force can change."))
    if status not in MARKABLE:
        raise ValidationError({"status": _("Choose: met, changed, or let go by the survivor.")})
    if status == ObligationStatus.WAIVED and not survivor_chose:
        raise ValidationError(_("Only the survivor can let an obligation go. Record it only as their own choice."))
    previous = obligation.status
    obligation.status = status
    obligation.waived_by_survivor = status == ObligationStatus.WAIVED
    if evidence.strip():
        obligation.evidence = evidence.strip()
    obligation.status_changed_at = timezone.now()
    obligation.save()
    audit_record_for(
        actor, "agreement.obligation_marked", agreement, agreement.process.case.organisation,
        process=str(agreement.process_id), version=agreement.version, obligation=str(obligation.pk),
        **{"from": previous, "to": status},
    )  # fmt: skip
    return obligation


@transaction.atomic
def instalment_pay(
    *, actor: Any, instalment: Instalment, amount: Decimal, paid_at: datetime.date | None = None
) -> Instalment:
    """Record a payment (whole or part) towards one instalment. When every instalment is paid, the restitution
    obligation is met."""
    obligation = instalment.obligation
    agreement = obligation.item.agreement
    _require_work(actor, agreement.process)
    instalment = Instalment.objects.select_for_update().get(pk=instalment.pk)
    if agreement.status != AgreementStatus.BINDING or obligation.status not in OPEN_OBLIGATION:
        raise ValidationError(_("Payments can be recorded only on an open obligation of the agreement in force."))
    if amount is None or amount <= 0 or amount != amount.quantize(CENT):
        raise ValidationError({"amount": _("Give the amount paid, in whole cents.")})
    if amount > instalment.remaining:
        raise ValidationError(
            {"amount": _("That is more than is left on this instalment (%(left)s).") % {"left": instalment.remaining}}
        )
    instalment.paid_amount = (instalment.paid_amount or Decimal("0")) + amount
    instalment.paid_at = paid_at or timezone.localdate()
    if instalment.remaining == 0:
        instalment.status = InstalmentStatus.PAID
    instalment.save()
    met = False
    if not obligation.instalments.exclude(status=InstalmentStatus.PAID).exists():
        Obligation.objects.filter(pk=obligation.pk).update(
            status=ObligationStatus.MET, status_changed_at=timezone.now()
        )
        met = True
    audit_record_for(
        actor, "agreement.instalment_paid", agreement, agreement.process.case.organisation,
        process=str(agreement.process_id), version=agreement.version, obligation=str(obligation.pk),
        instalment=instalment.number, obligation_met=met,
    )  # fmt: skip
    return instalment


@transaction.atomic
def obligations_mark_late(*, today: datetime.date | None = None) -> list[Obligation]:
    """Mark as late every unpaid instalment and every open obligation of a binding agreement past its due date
    (or with a late instalment). Returns the obligations that became late now."""
    today = today or timezone.localdate()
    in_force = Q(obligation__item__agreement__status=AgreementStatus.BINDING)
    Instalment.objects.filter(in_force, status=InstalmentStatus.PENDING, due_date__lt=today).update(
        status=InstalmentStatus.LATE
    )
    newly = Obligation.objects.filter(
        Q(due_date__lt=today) | Q(instalments__status=InstalmentStatus.LATE),
        item__agreement__status=AgreementStatus.BINDING,
        status=ObligationStatus.PENDING,
    )
    ids = set(newly.values_list("pk", flat=True))
    late = list(Obligation.objects.select_for_update().filter(pk__in=ids, status=ObligationStatus.PENDING))
    Obligation.objects.filter(pk__in=[o.pk for o in late]).update(
        status=ObligationStatus.LATE, status_changed_at=timezone.now()
    )
    for obligation in late:
        obligation.status = ObligationStatus.LATE
    return late


def _reminder_owners(process: Process) -> list[Any]:
    facilitators = list(ProcessFacilitator.objects.filter(process=process).select_related("user"))
    leads = [f.user for f in facilitators if f.role == FacilitatorRole.FACILITATOR]
    return leads or [f.user for f in facilitators]


@transaction.atomic
def send_overdue_reminders(*, today: datetime.date | None = None) -> int:
    """Mark late what is overdue, then give each process's facilitator one case task per late obligation that has
    not had a reminder yet. Safe to run more than once a day: an obligation is reminded about once.
    Returns the number of obligations reminded about."""
    today = today or timezone.localdate()
    obligations_mark_late(today=today)
    due = (
        Obligation.objects.select_for_update(of=("self",))
        .filter(status=ObligationStatus.LATE, reminded_at__isnull=True,
                item__agreement__status=AgreementStatus.BINDING)
        .select_related("item__agreement__process__case__organisation")
    )  # fmt: skip
    now = timezone.now()
    reminded = 0
    for obligation in due:
        agreement = obligation.item.agreement
        process = agreement.process
        for owner in _reminder_owners(process):
            task_generate(
                case_id=process.case_id,
                message=gettext_noop("Follow up an overdue item of the agreement (version %(version)s)"),
                params={"version": agreement.version},
                owner_id=owner.pk,
                due_date=today,
            )
        obligation.reminded_at = now
        obligation.save(update_fields=["reminded_at"])
        audit_record_for(
            None, "agreement.reminder_sent", agreement, agreement.process.case.organisation,
            process=str(agreement.process_id), version=agreement.version, obligation=str(obligation.pk),
            system_label="system",
        )  # fmt: skip
        reminded += 1
    return reminded
