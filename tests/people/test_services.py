"""Erasure on request: the identity goes, and free text that may name the person is flagged for review."""

import pytest

from reparo.cases.models import Task
from reparo.cases.services import person_erase
from tests.cases.factories import alice_case

pytestmark = pytest.mark.django_db


def test_it_asks_for_a_review_of_free_text_after_erasure(world):
    case = alice_case(world, survivor_name=("Erin", "Erased"))
    survivor = case.participants.get(role="survivor").person
    person_erase(actor=world["org_admin"], person=survivor)
    task = Task.objects.get(case=case)
    assert survivor.display_code in task.title and "Erased" not in task.title
