"""The safety conditions of the joint-meeting gate (registered at start-up by ``SafetyConfig.ready``)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from reparo.consent.models import ConsentPurpose
from reparo.consent.policy import may
from reparo.processes.gate import GateContext, Reason, gate_condition, reworded
from reparo.safety.models import Outcome, RiskLevel, ScreeningKind
from reparo.safety.selectors import contact_forbidden, latest_screening


def process_consent_ref(process: object) -> str:
    """The reference a consent to take part names for a process: the process's id."""
    return str(getattr(process, "pk", process))


def _readiness(ctx: GateContext, *, kind: str, who: str) -> str | None:
    """Every survivor (or responsible person) who would meet must have a current, signed-off "ready"."""
    participants = ctx.survivors if kind == ScreeningKind.SURVIVOR_READINESS else ctx.responsibles
    for participant in participants:
        problem = _readiness_of(ctx, kind=kind, who=who, person=participant.person)
        if problem:
            return (
                problem
                if len(participants) == 1
                else reworded(problem, f"{problem} ({participant.person.display_code})")
            )
    return None  # nobody on this side: said by the participation conditions


def _readiness_of(ctx: GateContext, *, kind: str, who: str, person: Any) -> str | None:
    screening = latest_screening(ctx.process, kind=kind, person=person)
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
    screen, screenings = _screen_url(ctx, kind), reverse("safety:process", args=[ctx.process.pk])
    screen_text = _("Screen the survivor") if who == "survivor" else _("Screen the responsible person")
    if screening is None:
        return Reason(names["missing"], fix_url=screen, fix_text=screen_text)
    if screening.signed_off_at is None:
        return Reason(names["unsigned"], fix_url=screenings, fix_text=_("Screenings waiting for sign-off"))
    if screening.valid_until <= ctx.at:
        return Reason(names["expired"], fix_url=screen, fix_text=screen_text)
    if screening.outcome != Outcome.READY:
        return Reason(names["not_ready"], fix_url=screenings, fix_text=_("Screenings and risk assessment"))
    return None


def _screen_url(ctx: GateContext, kind: str) -> str:
    return reverse("safety:screening_new", args=[ctx.process.pk, kind])


@gate_condition("survivor_readiness")
def _survivor_ready(ctx: GateContext) -> str | None:
    return _readiness(ctx, kind=ScreeningKind.SURVIVOR_READINESS, who="survivor")


@gate_condition("responsible_readiness")
def _responsible_ready(ctx: GateContext) -> str | None:
    return _readiness(ctx, kind=ScreeningKind.RESPONSIBLE_SUITABILITY, who="responsible")


@gate_condition("consent")
def _survivor_consents(ctx: GateContext) -> str | None:
    for survivor in ctx.survivors:
        decision = may(
            person=survivor.person,
            purpose=ConsentPurpose.PROCESS,
            process_ref=process_consent_ref(ctx.process),
            at=ctx.at,
        )
        if not decision:
            return Reason(
                _("The survivor's consent to this process is not current: %(why)s") % {"why": decision.reason},
                fix_url=reverse("consent:person", args=[survivor.person.pk]),
                fix_text=_("Record the survivor's consent"),
            )
    return None


@gate_condition("contact_restriction")
def _no_restriction(ctx: GateContext) -> str | None:
    for survivor in ctx.survivors:
        for responsible in ctx.responsibles:
            if contact_forbidden(survivor.person, responsible.person, at=ctx.at):
                return Reason(
                    _(
                        "A contact restriction in force forbids contact between the survivor and the responsible "
                        "person."
                    ),
                    fix_url=reverse("safety:restrictions", args=[ctx.process.case_id]),
                    fix_text=_("Contact restrictions"),
                )
    return None


@gate_condition("risk")
def _risk_acceptable(ctx: GateContext) -> str | None:
    screening = latest_screening(ctx.process, kind=ScreeningKind.RISK_ASSESSMENT)
    assess = {"fix_url": _screen_url(ctx, ScreeningKind.RISK_ASSESSMENT), "fix_text": _("Assess the risk")}
    screenings = reverse("safety:process", args=[ctx.process.pk])
    if screening is None:
        return Reason(_("No risk assessment has been done for this process."), **assess)
    if screening.signed_off_at is None:
        return Reason(
            _("The risk assessment is waiting for a supervisor's sign-off."),
            fix_url=screenings,
            fix_text=_("Screenings waiting for sign-off"),
        )
    if screening.valid_until <= ctx.at:
        return Reason(_("The risk assessment has expired; assess again."), **assess)
    if screening.risk_level == RiskLevel.HIGH:
        return Reason(
            _("The risk assessment found a high risk."),
            fix_url=screenings,
            fix_text=_("Screenings and risk assessment"),
        )
    return None
