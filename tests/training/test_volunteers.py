"""CoSA inner-circle volunteers are checked against the program's volunteer requirements."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from reparo.cosa import services
from tests.cosa.factories import circle, volunteer

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("screened", "hours", "reason"),
    [
        (None, "24", "screening is not done"),
        (datetime.date(2026, 1, 5), "8", "has 8 training hours; the program asks for 20"),
    ],
)
def test_it_refuses_a_volunteer_who_does_not_meet_the_requirements(world, screened, hours, reason):
    c = circle(world, volunteers=2)
    user = volunteer(world, 8, case=c.process.case)
    with pytest.raises(ValidationError) as exc:
        services.inner_member_add(
            actor=world["facilitator"], circle=c, user=user, screening_done_on=screened, training_hours=hours
        )
    assert reason in " ".join(exc.value.messages)
    assert not c.inner_members.filter(user=user).exists()
    services.inner_member_add(
        actor=world["facilitator"],
        circle=c,
        user=user,
        screening_done_on=datetime.date(2026, 1, 5),
        training_hours="20",
    )
    assert c.inner_members.filter(user=user, active=True).exists()


def test_reactivating_a_volunteer_checks_again(world):
    c = circle(world, volunteers=4)
    member = c.inner_members.last()
    services.inner_member_update(
        actor=world["facilitator"], member=member, screening_done_on=None, training_hours=0, active=False
    )
    with pytest.raises(ValidationError):
        services.inner_member_update(
            actor=world["facilitator"], member=member, screening_done_on=None, training_hours=0, active=True
        )
