"""The joint-meeting gate asks that every assigned facilitator, co-facilitators too, is certified, and says why
not in the reader's language."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from reparo.processes import services as process_services
from reparo.processes.gate import joint_meeting_gate
from reparo.training.models import Certification
from tests.processes.factories import ready_process
from tests.training.factories import certify

pytestmark = pytest.mark.django_db


def test_the_gate_checks_the_co_facilitator_too(world):
    process = ready_process(world)
    certify(world["supervisor"], world.program)
    process_services.facilitator_assign(
        actor=world["coordinator"], process=process, user=world["supervisor"], role="co_facilitator"
    )
    assert joint_meeting_gate(process).open
    Certification.objects.filter(user=world["supervisor"]).update(status="suspended")
    gate = joint_meeting_gate(process)
    assert not gate.open and gate.codes == ["facilitator_certified"]


def test_the_gate_and_expiry_reasons_read_in_spanish(world):
    from django.utils import translation

    from reparo.training.eligibility import certification_problem

    process = ready_process(world)
    today = timezone.localdate()
    Certification.objects.filter(user=world["facilitator"]).update(expires_on=today + datetime.timedelta(days=3))
    with translation.override("es"):
        problem = certification_problem(world["facilitator"], process, [today + datetime.timedelta(days=10)])
        assert problem.startswith("La certificación caduca el")
        Certification.objects.filter(user=world["facilitator"]).update(expires_on=today)
        assert "no está certificada para este proceso" in joint_meeting_gate(process).reasons[0]
