"""Support circles in the synthetic data (reparo/support/synthetic.py): circles with goals and scores written as the
services would write them — scores from the one scoring function, answers only while consent is in force, goals met
no later than today — and their tallied figures equal the direct computation."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import F
from django.utils import timezone

from reparo.accounts.models import Membership
from reparo.analytics import selectors
from reparo.cases.models import CaseStatusChange
from reparo.cases.synthetic import OPERATORS, seed_synthetic
from reparo.consent.models import ConsentPurpose
from reparo.consent.policy import may
from reparo.evaluation.models import SurveyResponse
from reparo.evaluation.scoring import score
from reparo.organisations.models import Organisation
from reparo.processes.models import ProcessParticipant, ProcessType
from reparo.support import synthetic
from reparo.support.models import Goal, Progress, SupportCircle
from reparo.support.outcomes import circle_changes, goal_outcomes
from reparo.support.services import survivor_agrees
from tests.support import reference

pytestmark = pytest.mark.django_db


def test_it_seeds_support_circles_whose_figures_equal_the_direct_computation(monkeypatch: Any) -> None:
    monkeypatch.setattr(synthetic, "SHARE", 0.6)  # more circles than a real program has, so that there is much to check
    seed_synthetic(cases=60, analyze=False, batch_size=20, seed=11, workers=1)
    circles = SupportCircle.objects.select_related("process")
    assert circles.count() >= 10
    for circle in circles:
        assert circle.process.type == ProcessType.SUPPORT_CIRCLE
        assert ProcessParticipant.objects.filter(process=circle.process, person=circle.survivor).exists()
        assert circle.known_as  # decrypts
    assert not Goal.objects.filter(met_on__gt=timezone.localdate()).exists()
    assert Goal.objects.filter(met_on__isnull=False).exists() and Goal.objects.filter(met_on__isnull=True).exists()
    answers = SurveyResponse.objects.filter(assignment__process__type=ProcessType.SUPPORT_CIRCLE)
    assert answers.filter(timepoint="circle_start").exists() and answers.exclude(timepoint="circle_start").exists()
    assert not answers.exclude(person=F("assignment__process__support_circle__survivor")).exists()
    for response in answers.select_related("person"):
        assert response.total == score(response.instrument, response.answers).total
        assert may(person=response.person, purpose=ConsentPurpose.EVALUATION, at=response.created_at)
    for circle in circles.select_related("process__case", "survivor"):
        assert survivor_agrees(circle, at=circle.created_at)  # opened as support_circle_open opens one
        assert not CaseStatusChange.objects.filter(
            case=circle.process.case, to_status__in=["closed", "withdrawn"], at__lte=circle.created_at
        ).exists()
    met = Goal.objects.filter(met_on__isnull=False)
    assert met.count() == Progress.objects.filter(kind="goal_met", status="confirmed", goal__in=met).count()
    organisation = Organisation.objects.get(name=f"{OPERATORS[0][0]} (synthetic, seed 11)")
    evaluator = Membership.objects.filter(organisation=organisation, role="evaluator")[0].user
    counted = []
    for program in [None, *organisation.programs.all()]:
        scope = selectors.scope_for(evaluator, organisation_pk=organisation.pk, program_pk=program and program.pk)
        data = selectors.evidence_for(scope)
        assert circle_changes(data) == reference.circle_changes(scope)
        goals = goal_outcomes(data)
        assert goals == reference.goal_outcomes(scope)
        counted.append(goals.cells["circles"].value)
    assert counted[0] > 0  # the organisation's circles of survivors who agreed to evaluation are counted


@pytest.mark.parametrize("seed", [1, 5])  # seeds whose circles had answers collected after consent ended
def test_seeded_circle_answers_are_collected_only_while_consent_is_in_force(monkeypatch: Any, seed: int) -> None:
    monkeypatch.setattr(synthetic, "SHARE", 1.0)
    seed_synthetic(cases=80, analyze=False, batch_size=40, seed=seed, workers=1)
    answers = SurveyResponse.objects.filter(assignment__process__type=ProcessType.SUPPORT_CIRCLE)
    assert answers.exists()
    outside = [r.pk for r in answers.select_related("person")
               if not may(person=r.person, purpose=ConsentPurpose.EVALUATION, at=r.created_at)]  # fmt: skip
    assert outside == []
