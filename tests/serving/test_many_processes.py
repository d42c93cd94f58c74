"""Many processes agree: a role ended, or a consent withdrawn, through one server process counts in every other one on
its very next request (the access stamp, decision 0025; consent asked in one place, decision 0013). Real gunicorn
processes, not threads: each keeps its own copies of roles and devices, so only real processes can show a stale one.
"""

from __future__ import annotations

import pytest

from reparo.accounts.models import Membership
from reparo.consent.models import Consent
from tests.cases.factories import alice_case
from tests.referrals.factories import agreement, sent, share, survivor_of
from tests.serving.conftest import sign_in_everywhere

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_refuses_a_role_ended_through_one_process_in_every_process(world, server_processes):
    case = alice_case(world)
    coordinator = sign_in_everywhere(server_processes, world["coordinator"])
    # Every process reads the coordinator's roles now and keeps them under the current access stamp.
    for client in coordinator:
        assert client.get(f"/cases/{case.pk}/").status == 200
        assert client.get("/cases/").status == 200

    membership = Membership.objects.get(user=world["coordinator"], organisation=world.alice_org)
    admin = sign_in_everywhere(server_processes[:1], world["org_admin"])[0]
    ended = admin.post_form(f"/organisations/{world.alice_org.pk}/members/{membership.pk}/end/")
    assert ended.status == 302

    membership.refresh_from_db()
    assert membership.is_active is False
    answers = [client.get(f"/cases/{case.pk}/").status for client in coordinator]
    assert answers == [404] * len(server_processes)


def test_it_respects_a_consent_withdrawn_through_one_process_in_every_process(world, server_processes):
    case = alice_case(world, survivor_name=("Amara", "Okafor"))
    person = survivor_of(case)
    share(world, person, ["identity", "contact", "needs"])
    agreement(world)
    referral = sent(world, case)
    partner = sign_in_everywhere(server_processes, world["partner_liaison"])
    for client in partner:
        packet = client.get(f"/referrals/inbox/{referral.pk}/packet/")
        assert packet.status == 200 and "Amara" in packet.text

    consent = Consent.objects.get(person=person, purpose="share")
    coordinator = sign_in_everywhere(server_processes[1:2], world["coordinator"])[0]
    withdrawn = coordinator.post_form(f"/consent/people/{person.pk}/{consent.pk}/withdraw/")
    assert withdrawn.status == 302

    for client in partner:
        packet = client.get(f"/referrals/inbox/{referral.pk}/packet/")
        assert packet.status == 404 and "Amara" not in packet.text
        page = client.get(f"/referrals/inbox/{referral.pk}/")
        assert page.status == 200 and "This referral was withdrawn." in page.text and "Amara" not in page.text
