"""The joint-meeting gate's condition "the facilitator is certified for this process" (DESIGN.md invariant).

Registered with :func:`reparo.processes.gate.gate_condition` when the app loads (``TrainingConfig.ready``)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from reparo.processes.gate import GateContext, Reason, gate_condition
from reparo.processes.models import FacilitatorRole
from reparo.training.eligibility import certification_problem, session_dates


@gate_condition("facilitator_certified")
def facilitator_certified(ctx: GateContext) -> str | None:
    """Every assigned facilitator holds a certification covering this process type today and on every scheduled
    session date. (Whether anyone is assigned at all is the "facilitator" condition.)"""
    assignments = ctx.process.facilitators.filter(
        role__in=[FacilitatorRole.FACILITATOR, FacilitatorRole.CO_FACILITATOR]
    ).select_related("user")
    days = sorted({timezone.localdate(ctx.at), *session_dates(ctx.process)})
    for assignment in assignments:
        problem = certification_problem(assignment.user, ctx.process, days)
        if problem:
            return Reason(
                _("An assigned facilitator is not certified for this process: %(problem)s") % {"problem": problem},
                fix_url=f"{reverse('training:person', args=[assignment.user.pk])}#certifications",
                fix_text=_("Their certifications"),
            )
    return None
