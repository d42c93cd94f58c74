"""Training reads: which observations and scenario passes count towards certification."""

from __future__ import annotations

import pytest
from django.utils import timezone

from reparo.training import selectors, services
from reparo.training.models import Observation
from reparo.training.scenarios import scenario_get
from tests.training.factories import RATINGS, observe_as, shared_session
from tests.training.test_scenarios import _best_path

pytestmark = pytest.mark.django_db


def test_a_colleague_observation_without_a_session_does_not_count(world):
    # Such rows may exist from before the fix; they never count.
    Observation.objects.create(
        organisation=world.alice_org,
        facilitator=world["facilitator"],
        observer=world["case_worker"],
        observer_role="co_facilitator",
        observed_on=timezone.localdate(),
        ratings=RATINGS,
    )
    assert selectors.satisfactory_observations(world["facilitator"], world.alice_org) == 0


def test_the_sessions_co_facilitator_and_a_supervisor_count(world):
    session = shared_session(world, world["supervisor"])
    observe_as(world, world["supervisor"], session=session)
    assert selectors.satisfactory_observations(world["facilitator"], world.alice_org) == 1
    observe_as(world, world["supervisor"], role="supervisor")
    assert selectors.satisfactory_observations(world["facilitator"], world.alice_org) == 2


def test_a_practice_partner_does_not_pass_the_scenario(world):
    scenario = scenario_get("pressured-to-forgive")
    attempt = services.attempt_start(
        actor=world["case_worker"], organisation=world.alice_org, scenario_id=scenario.id, partner=world["facilitator"]
    )
    for choice in _best_path(scenario):
        attempt = services.attempt_choose(actor=world["facilitator"], attempt=attempt, choice_id=choice)
    assert attempt.passed
    assert selectors.passed_scenarios(world["case_worker"], world.alice_org) == {scenario.id}
    assert selectors.passed_scenarios(world["facilitator"], world.alice_org) == set()
