"""The safety conditions of the joint-meeting gate (registered at start-up by ``SafetyConfig.ready``)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from reparo.consent.models import ConsentPurpose
from reparo.consent.policy import may
from reparo.processes.gate import GateContext, gate_condition
from reparo.safety.models import Outcome, RiskLevel, ScreeningKind
from reparo.safety.selectors import contact_forbidden, latest_screening


def process_consent_ref(process: object) -> str:
    """The reference a consent to take part names for a process: the process's id."""
    return str(getattr(process, "pk", process))


def _readiness(ctx: GateContext, *, kind: str, who: str) -> str | None:
    participant = ctx.survivor if kind == ScreeningKind.SURVIVOR_READINESS else ctx.responsible
    if participant is None:
        return None  # said by the participation conditions
    screening = latest_screening(ctx.process, kind=kind, person=participant.person)
    names = {
        "survivor": {
            "missing": _("The survivor's readiness screening has not been done."),
            "unsigned": _("The survivor's readiness screening is waiting for a supervisor's sign-off."),
            "expired": _("The survivor's readiness screening has expired; screen again."),
            "not_ready": _("The survivor's readiness screening does not say “ready”."),
        },
        "responsible": {
            "missing": _("The responsible person's suitability screening has not been done."),
            "unsigned": _("The responsible person's suitability screening is waiting for a supervisor's sign-off."),
            "expired": _("The responsible person's suitability screening has expired; screen again."),
            "not_ready": _("The responsible person's suitability screening does not say “ready”."),
        },
    }[who]
    if screening is None:
        return names["missing"]
    if screening.signed_off_at is None:
        return names["unsigned"]
    if screening.valid_until <= ctx.at:
        return names["expired"]
    if screening.outcome != Outcome.READY:
        return names["not_ready"]
    return None


@gate_condition("survivor_readiness")
def _survivor_ready(ctx: GateContext) -> str | None:
    return _readiness(ctx, kind=ScreeningKind.SURVIVOR_READINESS, who="survivor")


@gate_condition("responsible_readiness")
def _responsible_ready(ctx: GateContext) -> str | None:
    return _readiness(ctx, kind=ScreeningKind.RESPONSIBLE_SUITABILITY, who="responsible")


@gate_condition("consent")
def _survivor_consents(ctx: GateContext) -> str | None:
    if ctx.survivor is None:
        return None
    decision = may(
        person=ctx.survivor.person,
        purpose=ConsentPurpose.PROCESS,
        process_ref=process_consent_ref(ctx.process),
        at=ctx.at,
    )
    if not decision:
        return _("The survivor's consent to this process is not current: %(why)s") % {"why": decision.reason}
    return None


@gate_condition("contact_restriction")
def _no_restriction(ctx: GateContext) -> str | None:
    if ctx.survivor is None or ctx.responsible is None:
        return None
    if contact_forbidden(ctx.survivor.person, ctx.responsible.person, at=ctx.at):
        return _("A contact restriction in force forbids contact between the survivor and the responsible person.")
    return None


@gate_condition("risk")
def _risk_acceptable(ctx: GateContext) -> str | None:
    screening = latest_screening(ctx.process, kind=ScreeningKind.RISK_ASSESSMENT)
    if screening is None:
        return _("No risk assessment has been done for this process.")
    if screening.signed_off_at is None:
        return _("The risk assessment is waiting for a supervisor's sign-off.")
    if screening.valid_until <= ctx.at:
        return _("The risk assessment has expired; assess again.")
    if screening.risk_level == RiskLevel.HIGH:
        return _("The risk assessment found a high risk.")
    return None
