"""A referral world: Alice's case with the survivor's consent to share with Bob Legal Aid (the partner), an
agreement in force between them, and a second partner, Quinn Shelter, with its own worker."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from reparo.access.services import membership_grant
from reparo.accounts.models import User
from reparo.cases.models import Case
from reparo.organisations.models import HTCDSOrganisationType, Organisation, OrganisationKind
from tests.cases.factories import alice_case
from tests.conftest import make_user
from tests.referrals.factories import agreement, share, survivor_of


@dataclass
class Sharing:
    case: Case
    other_partner: Organisation
    other_worker: User


@pytest.fixture
def sharing(world: Any) -> Sharing:
    case = alice_case(world, survivor_name=("Amara", "Okafor"))
    share(world, survivor_of(case), ["identity", "contact", "needs"])
    agreement(world)
    other = Organisation.objects.create(
        name="Quinn Shelter", kind=OrganisationKind.PARTNER, htcds_type=HTCDSOrganisationType.NGO
    )
    worker = make_user("worker@quinn.example")
    membership_grant(organisation=other, user=worker, role="partner_worker")
    return Sharing(case=case, other_partner=other, other_worker=worker)
