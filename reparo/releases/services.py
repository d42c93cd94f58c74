"""Writes for public releases: the yearly privacy budget, publishing a release against it, and recording downloads.

Publishing locks the organisation's budget row for the year (``select_for_update``), checks that the release's ε
fits in what is left, charges it with a conditional update (``spent + ε <= limit``, so that even two releases made
at the same moment cannot both pass), computes the noisy tables and stores the release — all in one transaction
with its audit row. The database's check constraint (``spent <= limit``) is the last guard.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from reparo.access.actors import user_can
from reparo.access.capabilities import Capability
from reparo.analytics import privacy
from reparo.audit.services import audit_record
from reparo.organisations.models import Organisation, Program
from reparo.releases import selectors, tables
from reparo.releases.models import PrivacyBudget, Release, to_milli

MAX_YEARLY_EPSILON = Decimal("20")
MIN_RELEASE_EPSILON = Decimal("0.01")
EPSILON_STEP = Decimal("0.001")


def _epsilon(value: Any, *, field: str, low: Decimal, high: Decimal) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("Give ε as a number, for example 0.5.")}) from None
    if not number.is_finite() or number != number.quantize(EPSILON_STEP):
        raise ValidationError({field: _("Give ε as a number with at most three decimals, for example 0.5.")})
    if not low <= number <= high:
        raise ValidationError(
            {field: _("ε must be between %(low)s and %(high)s.") % {"low": low.normalize(), "high": high.normalize()}}
        )
    return number


def _locked_budget(organisation: Organisation, year: int) -> PrivacyBudget:
    """The budget row of ``organisation`` for ``year``, made if missing, locked until the transaction ends."""
    PrivacyBudget.objects.get_or_create(
        organisation=organisation, year=year, defaults={"limit_milli": selectors.starting_limit(organisation, year)}
    )
    return PrivacyBudget.objects.select_for_update().get(organisation=organisation, year=year)


@transaction.atomic
def budget_set(*, actor: Any, organisation: Organisation, limit: Any, year: int | None = None) -> PrivacyBudget:
    """Set the yearly privacy budget (ε) of ``organisation`` for ``year`` (default: this year). Organisation
    admins only. It cannot go below what that year's releases have already spent."""
    if not user_can(actor, Capability.SET_PRIVACY_BUDGET, organisation=organisation):
        raise PermissionDenied
    this_year = timezone.localdate().year
    year = this_year if year is None else year
    if year not in (this_year, this_year + 1):
        raise ValidationError({"year": _("A budget can be set for this year or next year.")})
    value = _epsilon(limit, field="limit", low=Decimal("0"), high=MAX_YEARLY_EPSILON)
    budget = _locked_budget(organisation, year)
    if to_milli(value) < budget.spent_milli:
        raise ValidationError(
            {"limit": _("This year's releases have already spent ε %(spent)s; the limit cannot be lower.")
             % {"spent": budget.spent.normalize()}}
        )  # fmt: skip
    before = budget.limit
    budget.limit_milli = to_milli(value)
    budget.limit_set_by = actor
    budget.save(update_fields=["limit_milli", "limit_set_by", "updated_at"])
    audit_record(
        actor=actor,
        action="release.budget_set",
        obj=budget,
        organisation=organisation,
        detail={"year": year, "from": str(before), "to": str(value)},
    )
    return budget


def _over_budget(budget: PrivacyBudget, epsilon: Decimal) -> ValidationError:
    return ValidationError(
        {"epsilon": _("This release would spend ε %(epsilon)s, but only ε %(left)s is left of this year's budget of "
                      "ε %(limit)s. Choose a smaller ε, or ask an organisation admin about the budget.")
         % {"epsilon": epsilon.normalize(), "left": budget.remaining.normalize(), "limit": budget.limit.normalize()}}
    )  # fmt: skip


def _noisy_table(key: str, scope: selectors.ReleaseScope, epsilon: float) -> dict[str, Any]:
    spec = tables.TABLES[key]
    if spec.kind == "counts":
        cells = privacy.noisy_counts(selectors.COUNTS[key](scope), epsilon=epsilon)
        return {"key": key, "epsilon": str(epsilon), "margin": privacy.noise_margin(epsilon), "cells": cells}
    part = epsilon / spec.parts
    instruments = []
    for code, changes in selectors.score_changes(scope).items():
        bound = tables.score_bound(code)
        instruments.append(
            {
                "code": code,
                "n": privacy.noisy_counts({"n": len(changes)}, epsilon=part)["n"],
                "sum": privacy.noisy_sum(changes, bound=bound, epsilon=part),
                "bound": bound,
                "margin_n": privacy.noise_margin(part),
                "margin_sum": privacy.noise_margin(part, sensitivity=bound),
            }
        )
    return {"key": key, "epsilon": str(epsilon), "instruments": instruments}


@transaction.atomic
def release_publish(
    *,
    actor: Any,
    organisation: Organisation,
    title: str,
    epsilon: Any,
    tables_chosen: list[str],
    program: Program | None = None,
    at: datetime.datetime | None = None,
) -> Release:
    """Compute and publish a release: each chosen table made with OpenDP with an equal share of ``epsilon``, charged
    to this year's budget. Refused (``ValidationError``, in plain words) when it would pass the budget."""
    if not user_can(actor, Capability.PUBLISH_RELEASES, organisation=organisation):
        raise PermissionDenied
    if program is not None and program.organisation_id != organisation.pk:
        raise PermissionDenied
    errors: dict[str, str] = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = _("Give the release a title.")
    chosen = [key for key in tables.TABLES if key in set(tables_chosen or [])]
    if not chosen or len(chosen) != len(set(tables_chosen)):
        errors["tables"] = _("Choose at least one table from the list.")
    if errors:
        raise ValidationError(errors)
    value = _epsilon(epsilon, field="epsilon", low=MIN_RELEASE_EPSILON, high=Decimal(str(privacy.MAX_EPSILON)))
    tables.check_split(float(value), chosen)

    year = timezone.localdate().year
    budget = _locked_budget(organisation, year)
    cost = to_milli(value)
    if budget.spent_milli + cost > budget.limit_milli:
        raise _over_budget(budget, value)
    charged = PrivacyBudget.objects.filter(pk=budget.pk, spent_milli__lte=F("limit_milli") - cost).update(
        spent_milli=F("spent_milli") + cost
    )
    if not charged:  # pragma: no cover - the lock above makes this the second line of defence
        raise _over_budget(budget, value)

    if program is not None:
        program_ids: tuple[int, ...] = (program.pk,)
    else:
        program_ids = selectors.program_ids_of(organisation)
    scope = selectors.ReleaseScope(
        actor=actor, organisation=organisation, program_ids=program_ids, at=at or timezone.now()
    )
    share = float(value) / len(chosen)
    stored = [_noisy_table(key, scope, share) for key in chosen]
    release = Release.objects.create(
        organisation=organisation,
        program=program,
        year=year,
        title=title,
        epsilon_milli=cost,
        tables=stored,
        published_at=timezone.now(),
        published_by=actor,
    )
    audit_record(
        actor=actor,
        action="release.published",
        obj=release,
        organisation=organisation,
        purpose="public release",
        detail={"year": year, "epsilon": str(value), "tables": chosen, "program": program.pk if program else None},
    )
    return release


@transaction.atomic
def release_downloaded(*, actor: Any, release: Release, file_format: str) -> None:
    """Record that ``actor`` downloaded ``release`` as ``file_format`` (``csv`` or ``pdf``)."""
    release = selectors.release_get_for(actor, release.pk)
    audit_record(
        actor=actor,
        action="release.downloaded",
        obj=release,
        organisation=release.organisation,
        detail={"format": file_format},
    )
