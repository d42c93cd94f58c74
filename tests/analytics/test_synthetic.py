"""The evidence seed_synthetic adds to every case (reparo/analytics/synthetic.py): what the services would have
written — scores from the one scoring function, encrypted answers, surveys only under consent, agreements binding
only with both acceptances, restitution that adds up, tallies that match the records — repeatably, and enough
responses when asked for a number of them."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count, F, Sum
from django.utils import timezone

from reparo.agreements.models import Acceptance, Agreement, AgreementStatus, Instalment, Obligation
from reparo.analytics import evidence, selectors
from reparo.analytics.models import EvidenceTally
from reparo.analytics.tasks import refresh_outcome_figures
from reparo.cases.models import Case
from reparo.cases.synthetic import OPERATORS, cases_for_responses, seed_synthetic
from reparo.consent.models import ConsentPurpose
from reparo.consent.policy import may
from reparo.evaluation.models import AssignmentStatus, ComparisonMember, SurveyAssignment, SurveyResponse
from reparo.evaluation.scoring import score
from reparo.organisations.models import Organisation
from reparo.processes.models import Process, ProcessRole
from tests.analytics import reference
from tests.analytics.test_evidence import assert_same

pytestmark = pytest.mark.django_db

CASES = 40


def _seed(**kwargs):
    return seed_synthetic(cases=CASES, analyze=False, batch_size=20, **kwargs)


def _evidence() -> dict:
    return {
        "responses": sorted(
            SurveyResponse.objects.values_list("id", "instrument", "timepoint", "collected_on", "total")
        ),
        "processes": sorted(Process.objects.values_list("id", "type", "stage")),
        "obligations": sorted(Obligation.objects.values_list("id", "status")),
        "tallies": sorted(EvidenceTally.objects.values_list(*evidence.KEYS[1:], *evidence.MEASURES)),
    }


def test_it_makes_the_same_evidence_with_the_same_seed_in_any_number_of_processes():
    with transaction.atomic():
        _seed(seed=7, workers=1)
        first = _evidence()
        transaction.set_rollback(True)
    _seed(seed=7, workers=2)
    second = _evidence()
    assert first["responses"] and first["processes"] and first["obligations"]
    for key in ("responses", "processes", "obligations"):
        assert first[key] == second[key], key
    assert [t[1:] for t in first["tallies"]] == [t[1:] for t in second["tallies"]]  # programs' ids differ


def test_every_score_is_the_scoring_functions_and_every_answer_is_encrypted():
    _seed(seed=3, workers=1)
    responses = SurveyResponse.objects.filter(total__isnull=False)
    assert responses.count() > 5 * CASES
    for response in responses[:300]:
        result = score(response.instrument, response.answers)
        assert (response.total, response.band or None) == (result.total, result.band)
        assert response.subscales == result.subscales
    with connection.cursor() as cursor:
        cursor.execute("SELECT answers FROM evaluation_surveyresponse")
        assert all(row[0].startswith("enc1:") for row in cursor.fetchall())
    assert SurveyResponse.objects.filter(instrument="satisfaction", total__isnull=True).exists()


def test_surveys_are_made_and_answered_only_while_consent_is_in_force():
    _seed(seed=4, workers=1)
    for response in SurveyResponse.objects.select_related("person", "assignment")[:400]:
        # Recorded at the interview (created_at), when the person's consent was in force.
        assert may(person=response.person, purpose=ConsentPurpose.EVALUATION, at=response.created_at), response.pk
        assert timezone.localdate(response.created_at) == response.collected_on
        assert response.assignment.status == AssignmentStatus.COMPLETED
        assert response.collected_on >= response.assignment.due_on - datetime.timedelta(days=31)
    cancelled = SurveyAssignment.objects.filter(cancel_reason="consent")
    for assignment in cancelled[:50]:
        assert not may(person=assignment.person, purpose=ConsentPurpose.EVALUATION, at=assignment.closed_at)
    # A core member (CoSA) is never asked about the process.
    assert not SurveyAssignment.objects.filter(
        process__participants__role=ProcessRole.CORE_MEMBER, process__participants__person=F("person")
    ).exists()


def test_agreements_bind_only_with_both_sides_and_restitution_adds_up():
    _seed(seed=5, workers=1)
    binding = Agreement.objects.filter(status=AgreementStatus.BINDING)
    assert binding.exists()
    for agreement in binding.annotate(n=Count("acceptances")):
        roles = set(Acceptance.objects.filter(agreement=agreement).values_list("participant__role", flat=True))
        assert roles == {ProcessRole.SURVIVOR, ProcessRole.RESPONSIBLE}
    assert not Obligation.objects.exclude(
        item__agreement__status__in=[AgreementStatus.BINDING, AgreementStatus.SUPERSEDED]
    ).exists()
    for obligation in Obligation.objects.filter(item__kind="restitution"):
        total = Instalment.objects.filter(obligation=obligation).aggregate(s=Sum("amount"))["s"]
        assert total == obligation.item.amount
    assert (
        not Obligation.objects.filter(item__agreement__status=AgreementStatus.SUPERSEDED)
        .exclude(status__in=["varied"])
        .exists()
    )
    assert ComparisonMember.objects.exists()


def test_the_dashboards_of_seeded_data_equal_the_direct_computation(world):
    _seed(seed=6, workers=1)
    organisation = Organisation.objects.get(name=f"{OPERATORS[0][0]} (synthetic, seed 6)")
    from reparo.accounts.models import Membership

    evaluator = Membership.objects.filter(organisation=organisation, role="evaluator")[0].user
    for program in [None, *organisation.programs.all()]:
        pk = program.pk if program else None
        scope = selectors.scope_for(evaluator, organisation_pk=organisation.pk, program_pk=pk)
        assert_same(scope)
    assert reference.counted_cases(scope).exists()


def test_it_seeds_enough_cases_for_the_responses_asked_for():
    out = StringIO()
    call_command("seed_synthetic", responses=600, seed=9, no_analyze=True, stdout=out)
    assert Case.objects.count() == cases_for_responses(600)
    assert SurveyResponse.objects.count() >= 600


def test_the_refresh_command_and_task_take_the_changes_and_check_the_triggers():
    _seed(seed=8, workers=1)
    case = Case.objects.exclude(status="closed").order_by("pk").first()
    Case.objects.filter(pk=case.pk).update(status="closed")
    out = StringIO()
    call_command("evidence_refresh", stdout=out)
    assert "Changes taken into the outcome figures: 1." in out.getvalue()
    Case.objects.filter(pk=case.pk).update(status=case.status)
    assert refresh_outcome_figures.enqueue().return_value == 1  # one row: the update names one case
    assert refresh_outcome_figures.enqueue().return_value == 0
    call_command("evidence_refresh", "--check", stdout=out)
    assert "Every trigger" in out.getvalue()
    kept = sorted(EvidenceTally.objects.values_list(*evidence.KEYS, *evidence.MEASURES))
    call_command("evidence_refresh", "--rebuild", stdout=out)
    assert sorted(EvidenceTally.objects.values_list(*evidence.KEYS, *evidence.MEASURES)) == kept
