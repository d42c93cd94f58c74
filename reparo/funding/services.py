"""Writes about funding. Each checks the actor's capability in the grant's organisation (organisation admins keep
funders, grants, allocations and reporting deadlines; coordinators and admins record spending; only admins go
beyond a restricted allocation, with a reason) and writes its audit row (ids, codes and amounts; never free text)
in the same transaction."""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from reparo.access.actors import user_can, users_with
from reparo.access.capabilities import Capability
from reparo.audit.concurrency import check_version
from reparo.audit.services import audit_record, audit_record_for
from reparo.funding import selectors
from reparo.funding.models import Allocation, Category, Funder, Grant, ReportingDeadline, SpendLine
from reparo.funding.money import CurrencyError, Money, is_currency, parse_amount
from reparo.organisations.models import Organisation, OrganisationKind, Program

REMINDER_DAYS = 30  # the first reminder of a report goes out this many days before it is due


def _require(actor: Any, capability: Capability, organisation: Any) -> None:
    if not user_can(actor, capability, organisation=organisation):
        raise PermissionDenied


def _amount_error(reason: str) -> str:
    if reason == "not above zero":
        return _("Give an amount above 0.")
    if reason == "too large":
        return _("That amount is too large.")
    if reason == "too many decimals":
        return _("That currency has fewer decimals than this amount.")
    return _("Give the amount as a number.")


def _money(value: Any, currency: str, *, field: str = "amount", zero: bool = False) -> Money:
    """``value`` as an amount of ``currency``, or a ValidationError on ``field`` in plain words (0 only when
    ``zero``)."""
    try:
        if zero and Decimal(str(value).strip()) == 0:
            return Money.zero(currency)
    except (InvalidOperation, ValueError):
        pass
    try:
        return parse_amount(value, currency)
    except CurrencyError as exc:
        raise ValidationError({field: _amount_error(str(exc.args[0]) if exc.args else "")}) from None


def _locked(grant: Grant) -> Grant:
    """The grant, read afresh and locked for the rest of the transaction (two spend lines cannot both pass the
    allocation check on stale sums)."""
    return Grant.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=grant.pk)


# Funders -----------------------------------------------------------------------------------------------------


@transaction.atomic
def funder_create(*, actor: Any, organisation: Organisation, name: str, website: str = "") -> Funder:
    _require(actor, Capability.MANAGE_FUNDING, organisation)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the funder's name.")})
    if Funder.objects.filter(organisation=organisation, name__iexact=name).exists():
        raise ValidationError({"name": _("This funder is already in the list.")})
    funder = Funder.objects.create(organisation=organisation, name=name, website=(website or "").strip())
    audit_record_for(actor, "funding.funder_created", funder, organisation)
    return funder


# Grants ------------------------------------------------------------------------------------------------------


def _check_grant_fields(*, reference: str, currency: str, starts_on: Any, ends_on: Any) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not (reference or "").strip():
        errors["reference"] = _("Give the funder's reference for this grant.")
    if not is_currency(currency):
        errors["currency"] = _("Choose a currency from the list.")
    if starts_on and ends_on and ends_on < starts_on:
        errors["ends_on"] = _("The grant cannot end before it starts.")
    return errors


@transaction.atomic
def grant_create(
    *,
    actor: Any,
    funder: Funder,
    reference: str,
    restricted: bool,
    amount: Any,
    currency: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    purpose: str = "",
    conditions: str = "",
) -> Grant:
    organisation = funder.organisation
    _require(actor, Capability.MANAGE_FUNDING, organisation)
    if organisation.kind != OrganisationKind.OPERATOR:
        raise PermissionDenied
    errors = _check_grant_fields(reference=reference, currency=currency, starts_on=starts_on, ends_on=ends_on)
    if errors:
        raise ValidationError(errors)
    money = _money(amount, currency)
    reference = reference.strip()
    if Grant.objects.filter(funder=funder, reference__iexact=reference).exists():
        raise ValidationError({"reference": _("This funder already has a grant with that reference.")})
    grant = Grant.objects.create(
        organisation=organisation,
        funder=funder,
        reference=reference,
        restricted=bool(restricted),
        amount_minor=money.minor,
        currency=currency,
        starts_on=starts_on,
        ends_on=ends_on,
        purpose=(purpose or "").strip(),
        conditions=(conditions or "").strip() or None,
        created_by=actor,
    )
    audit_record_for(
        actor, "funding.grant_created", grant, organisation,
        amount_minor=money.minor, currency=currency, restricted=grant.restricted, funder=str(funder.pk),
    )  # fmt: skip
    return grant


GRANT_EDITABLE = ("reference", "restricted", "amount", "currency", "starts_on", "ends_on", "purpose", "conditions")


@transaction.atomic
def grant_update(*, actor: Any, grant: Grant, version: Any, **values: Any) -> Grant:
    """Change a grant's details. Refused when someone else changed it since ``version``; when the new amount is
    below what is already allocated; when the currency would change once money is allocated or spent; and when the
    new period would leave recorded spending outside it."""
    locked = _locked(grant)
    _require(actor, Capability.MANAGE_FUNDING, locked.organisation_id)
    check_version(locked, version)
    unknown = set(values) - set(GRANT_EDITABLE)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    new = {f: values.get(f, getattr(locked, f) if f != "amount" else locked.amount.amount) for f in GRANT_EDITABLE}
    errors = _check_grant_fields(
        reference=new["reference"], currency=new["currency"], starts_on=new["starts_on"], ends_on=new["ends_on"]
    )
    if errors:
        raise ValidationError(errors)
    money = _money(new["amount"], new["currency"])
    has_money = locked.allocations.exists() or locked.spend_lines.exists()
    if new["currency"] != locked.currency and has_money:
        raise ValidationError({"currency": _("Money is already allocated or spent in this currency; it stays.")})
    allocated = selectors.allocated_minor(locked)
    if money.minor < allocated:
        raise ValidationError(
            {"amount": _("%(allocated)s is already allocated; the grant cannot be less.")
             % {"allocated": Money.from_minor(allocated, locked.currency)}}
        )  # fmt: skip
    outside = locked.spend_lines.exclude(spent_on__gte=new["starts_on"], spent_on__lte=new["ends_on"])
    if outside.exists():
        raise ValidationError({"starts_on": _("Some spending is recorded outside that period.")})
    reference = new["reference"].strip()
    if Grant.objects.filter(funder=locked.funder, reference__iexact=reference).exclude(pk=locked.pk).exists():
        raise ValidationError({"reference": _("This funder already has a grant with that reference.")})
    changed = []  # as the form names them: a refused edit says which fields someone else changed
    updates = {
        "reference": reference,
        "restricted": bool(new["restricted"]),
        "amount_minor": money.minor,
        "currency": new["currency"],
        "starts_on": new["starts_on"],
        "ends_on": new["ends_on"],
        "purpose": (new["purpose"] or "").strip(),
        "conditions": (new["conditions"] or "").strip() or None,
    }
    for field, value in updates.items():
        if getattr(locked, field) != value:
            setattr(locked, field, value)
            changed.append(field)
    if not changed:
        return locked
    locked.version += 1
    locked.save(update_fields=[*changed, "version", "updated_at"])
    changed = ["amount" if f == "amount_minor" else f for f in changed]
    audit_record_for(
        actor, "funding.grant_updated", locked, locked.organisation, version=locked.version, fields=changed
    )
    return locked


# Allocations -------------------------------------------------------------------------------------------------


def _program_of(grant: Grant, program: Program) -> None:
    if program.organisation_id != grant.organisation_id or not program.is_active:
        raise ValidationError({"program": _("Choose one of this organisation's programs.")})


def _category(category: str) -> None:
    if category not in Category.values:
        raise ValidationError({"category": _("Choose a category from the list.")})


@transaction.atomic
def allocation_set(*, actor: Any, grant: Grant, program: Program, category: str, amount: Any) -> Allocation | None:
    """Set how much of ``grant`` goes to ``program`` for ``category`` (0 removes the allocation). All allocations
    together stay within the grant; a restricted allocation cannot go below what is already spent from it."""
    locked = _locked(grant)
    _require(actor, Capability.MANAGE_FUNDING, locked.organisation_id)
    _program_of(locked, program)
    _category(category)
    money = _money(amount, locked.currency, zero=True)
    others = selectors.allocated_minor(locked, exclude=(program.pk, category))
    if others + money.minor > locked.amount_minor:
        free = Money.from_minor(locked.amount_minor - others, locked.currency)
        raise ValidationError({"amount": _("Only %(free)s of the grant is not yet allocated.") % {"free": free}})
    spent = selectors.spent_minor(locked, program=program, category=category)
    if locked.restricted and money.minor < spent:
        raise ValidationError(
            {"amount": _("%(spent)s is already spent from this allocation; it cannot be less.")
             % {"spent": Money.from_minor(spent, locked.currency)}}
        )  # fmt: skip
    existing = Allocation.objects.filter(grant=locked, program=program, category=category).first()
    before = existing.amount_minor if existing else 0
    detail: dict[str, Any] = {
        "program": program.pk,
        "category": category,
        "from_minor": before,
        "to_minor": money.minor,
    }
    if money.minor == 0:
        if existing is not None:
            audit_record_for(actor, "funding.allocation_set", existing, locked.organisation, **detail)
            existing.delete()
        return None
    if existing is None:
        existing = Allocation.objects.create(grant=locked, program=program, category=category, amount_minor=money.minor)
    elif before != money.minor:
        existing.amount_minor = money.minor
        existing.save(update_fields=["amount_minor", "updated_at"])
    audit_record_for(actor, "funding.allocation_set", existing, locked.organisation, **detail)
    return existing


# Reporting deadlines -----------------------------------------------------------------------------------------


@transaction.atomic
def deadline_add(*, actor: Any, grant: Grant, due_on: datetime.date, what: str) -> ReportingDeadline:
    _require(actor, Capability.MANAGE_FUNDING, grant.organisation_id)
    if due_on is None:
        raise ValidationError({"due_on": _("Give the date it is due.")})
    if not (what or "").strip():
        raise ValidationError({"what": _("Say what is due, such as an interim report.")})
    deadline = ReportingDeadline.objects.create(grant=grant, due_on=due_on, what=what.strip())
    audit_record_for(actor, "funding.deadline_added", deadline, grant.organisation, grant=str(grant.pk))
    return deadline


@transaction.atomic
def deadline_mark_sent(
    *, actor: Any, deadline: ReportingDeadline, sent_on: datetime.date | None = None
) -> ReportingDeadline:
    _require(actor, Capability.MANAGE_FUNDING, deadline.grant.organisation_id)
    sent_on = sent_on or timezone.localdate()
    if sent_on > timezone.localdate():
        raise ValidationError({"sent_on": _("Mark a report as sent once it has been sent.")})
    if deadline.submitted_on is not None:
        raise ValidationError(_("This report is already marked as sent."))
    deadline.submitted_on = sent_on
    deadline.submitted_by = actor
    deadline.save(update_fields=["submitted_on", "submitted_by", "updated_at"])
    audit_record_for(
        actor, "funding.deadline_sent", deadline, deadline.grant.organisation, grant=str(deadline.grant_id)
    )
    return deadline


def _send_reminder(email: str) -> None:
    send_mail(
        _("Something is waiting for you in Reparo"),
        _("Sign in to Reparo to see what is waiting for you."),
        None,
        [email],
    )


def send_deadline_reminders(*, today: datetime.date | None = None) -> int:
    """Remind the organisation admins (those who manage funding) of reports due within 30 days, and once more of
    reports that became overdue; each deadline is reminded about once at each stage, however often this runs. Each
    person gets one e-mail per run, saying only that something is waiting, sent after the reminders are recorded.
    Returns how many deadlines were reminded about."""
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=REMINDER_DAYS)
    reminded = 0
    recipients: dict[str, None] = {}
    with transaction.atomic():
        open_ = ReportingDeadline.objects.select_for_update(of=("self",)).filter(submitted_on__isnull=True)
        stages = (
            ("reminded_at", open_.filter(reminded_at__isnull=True, due_on__gte=today, due_on__lte=horizon), "due"),
            ("overdue_reminded_at", open_.filter(overdue_reminded_at__isnull=True, due_on__lt=today), "overdue"),
        )
        by_org: dict[int, list[ReportingDeadline]] = defaultdict(list)
        for field, due, stage in stages:
            for deadline in due.select_related("grant__organisation"):
                updated = ReportingDeadline.objects.filter(pk=deadline.pk, **{f"{field}__isnull": True}).update(
                    **{field: timezone.now()}
                )
                if not updated:
                    continue
                audit_record_for(
                    None, "funding.deadline_reminder_sent", deadline, deadline.grant.organisation, stage=stage
                )
                by_org[deadline.grant.organisation_id].append(deadline)
                reminded += 1
        for org_id in by_org:
            for user in users_with(org_id, Capability.MANAGE_FUNDING).order_by("email"):
                if user.email:
                    recipients[user.email] = None
        for email in recipients:
            transaction.on_commit(partial(_send_reminder, email))
    return reminded


# Spending ----------------------------------------------------------------------------------------------------


@transaction.atomic
def spend_record(
    *,
    actor: Any,
    grant: Grant,
    program: Program,
    category: str,
    spent_on: datetime.date,
    amount: Any,
    reference: str = "",
    process_session: Any = None,
    course_session: Any = None,
    override_reason: str = "",
    today: datetime.date | None = None,
) -> SpendLine:
    """Record money spent from ``grant``. On a restricted grant, a line that would take a program and category
    beyond its allocation (none counts as 0) is refused, unless an organisation admin records it with a reason: the
    reason is kept (encrypted) on the line and the override has its own audit row."""
    locked = _locked(grant)
    organisation = locked.organisation
    _require(actor, Capability.RECORD_SPEND, organisation)
    today = today or timezone.localdate()
    _program_of(locked, program)
    _category(category)
    money = _money(amount, locked.currency)
    if spent_on > today:
        raise ValidationError({"spent_on": _("Record spending once it has happened.")})
    if not locked.starts_on <= spent_on <= locked.ends_on:
        raise ValidationError({"spent_on": _("The date is outside the grant's period.")})
    if process_session is not None and course_session is not None:
        raise ValidationError(_("Link the spending to one session at most."))
    if process_session is not None and not (
        selectors.linkable_process_sessions(actor, locked, today=today)
        .filter(pk=process_session.pk, process__case__program=program)
        .exists()
    ):
        raise ValidationError({"process_session": _("Choose a session of this program.")})
    if course_session is not None and not (
        selectors.linkable_course_sessions(locked, today=today).filter(pk=course_session.pk).exists()
    ):
        raise ValidationError({"course_session": _("Choose a training session of this organisation.")})

    reason = (override_reason or "").strip()
    over = None
    if locked.restricted:
        allocation = Allocation.objects.filter(grant=locked, program=program, category=category).first()
        allowed = allocation.amount_minor if allocation else 0
        spent = selectors.spent_minor(locked, program=program, category=category)
        if spent + money.minor > allowed:
            over = Money.from_minor(spent + money.minor - allowed, locked.currency)
            if not reason:
                raise ValidationError(
                    _("This would spend %(over)s more than is allocated to %(program)s for %(category)s. The grant is "
                      "restricted: an organisation admin can record it with a reason.")
                    % {"over": over, "program": program.name, "category": Category(category).label}
                )  # fmt: skip
            if not user_can(actor, Capability.OVERRIDE_RESTRICTED_SPEND, organisation=organisation):
                raise ValidationError(
                    _("Only an organisation admin can record spending beyond a restricted allocation. Ask an admin, or "
                      "record it against another allocation.")
                )  # fmt: skip
    line = SpendLine.objects.create(
        grant=locked,
        program=program,
        category=category,
        spent_on=spent_on,
        amount_minor=money.minor,
        currency=locked.currency,
        reference=(reference or "").strip(),
        process_session=process_session,
        course_session=course_session,
        recorded_by=actor,
        override_reason=reason if over is not None else None,
        overridden_by=actor if over is not None else None,
    )
    audit_record_for(
        actor, "funding.spend_recorded", line, organisation,
        grant=str(locked.pk), program=program.pk, category=category, amount_minor=money.minor,
        currency=locked.currency, override=over is not None,
    )  # fmt: skip
    if over is not None:
        audit_record_for(
            actor, "funding.spend_override", line, organisation,
            grant=str(locked.pk), program=program.pk, category=category, over_minor=over.minor,
            currency=locked.currency,
        )  # fmt: skip
    return line


# The funder report -------------------------------------------------------------------------------------------


def report_start(*, actor: Any, grant: Grant, window: selectors.Window, kind: str, back_to: str = "") -> Any:
    """Start making the funder report of ``grant`` for ``window`` (``kind`` "pdf" or "csv") in the background
    (:mod:`reparo.funding.background`); the job, whose page shows its progress and then the download."""
    from reparo.funding.background import REPORT
    from reparo.jobs.services import job_start

    _require(actor, Capability.VIEW_FUNDING, grant.organisation_id)
    if kind not in ("pdf", "csv"):
        raise ValidationError(_("Choose PDF or CSV."))
    return job_start(
        actor=actor,
        organisation=grant.organisation,
        kind=REPORT,
        params={"grant": str(grant.pk), "start": str(window.start), "end": str(window.end), "format": kind},
        subject=f"{grant.reference} · {window.start.isoformat()} to {window.end.isoformat()}",
        back_to=back_to,
    )


def report_export(*, actor: Any, grant: Grant, window: selectors.Window, kind: str) -> bytes:
    """The funder report of ``grant`` for ``window``, as a PDF (``kind`` "pdf") or CSV, recorded as an export.

    The report is read before the transaction that records the export, not inside it: a read inside a transaction
    stays on the primary (reparo.core.routers), and the report job reads from the replica when one is configured. The
    content is handed back only once the audit row is committed."""
    from reparo.funding import report

    _require(actor, Capability.VIEW_FUNDING, grant.organisation_id)
    content = report.report_pdf(grant, window) if kind == "pdf" else report.report_csv(grant, window)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="funding.report_export",
            obj=grant,
            organisation=grant.organisation,
            purpose="funder report",
            detail={"format": kind, "start": window.start.isoformat(), "end": window.end.isoformat()},
        )
    return content
