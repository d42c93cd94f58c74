"""The packet holds exactly the categories allowed (one test per category), frozen when sent: an edit to the case
afterwards never reaches the partner."""

from __future__ import annotations

import pytest

from reparo.cases import services as case_services
from reparo.consent.models import DataCategory
from reparo.referrals import packet
from reparo.referrals.models import PacketImmutableError, ReferralPacket
from tests.referrals.factories import ALL, agreement, enriched_case, sent, share, survivor_of

pytestmark = pytest.mark.django_db


def markers(case) -> dict[str, list[str]]:
    survivor = survivor_of(case)
    return {
        "identity": [survivor.given_name, survivor.family_name],
        "contact": [survivor.phone, survivor.address],
        "case_facts": [case.summary, "Forced labour"],
        "needs": ["I need to feel safe at home"],
        "safety": ["Unknown cars outside", "No-contact order"],
        "screening": ["Survivor readiness"],
        "process_status": ["Direct mediation (dialogue)", "Proposed, waiting for each party"],
        "outcomes": ["WHO-5 Well-Being Index", "score 64"],
    }


def shown(stored: ReferralPacket) -> str:
    sections = packet.sections(stored.content)
    return "\n".join([s.label for s in sections] + [f"{label}: {value}" for s in sections for label, value in s.rows])


@pytest.mark.parametrize("category", DataCategory.values)
def test_it_sends_exactly_the_one_category_the_person_agreed_to(world, category):
    case = enriched_case(world)
    share(world, survivor_of(case), [category])
    agreement(world)
    referral = sent(world, case, categories=ALL)  # asked for everything; consent allows one
    stored = ReferralPacket.objects.get(referral=referral)
    assert stored.categories == [category] == referral.categories
    assert set(stored.content) == {category}
    text = shown(stored)
    for name, values in markers(case).items():
        for value in values:
            assert (value in text) == (name == category), (name, value)
    assert "bluebird" not in text  # the safety plan's safe words never leave


def test_it_keeps_the_packet_as_sent_when_the_case_changes_afterwards(world):
    case = enriched_case(world)
    survivor = survivor_of(case)
    share(world, survivor)
    agreement(world)
    referral = sent(world, case)
    old_name, old_phone = survivor.given_name, survivor.phone
    case_services.person_update(
        actor=world["coordinator"], person=survivor, version=survivor.version, given_name="Renamed",
        phone="+44 7700 111111",
    )  # fmt: skip
    case_services.need_add(actor=world["coordinator"], case=case, category="housing", priority=1, statement="A flat")
    text = shown(ReferralPacket.objects.get(referral=referral))
    assert old_name in text and old_phone in text
    assert "Renamed" not in text and "111111" not in text and "A flat" not in text


def test_it_stores_the_packet_encrypted_and_refuses_to_change_it(world):
    from django.db import connection

    case = enriched_case(world)
    survivor = survivor_of(case)
    share(world, survivor)
    agreement(world)
    referral = sent(world, case)
    stored = ReferralPacket.objects.get(referral=referral)
    with connection.cursor() as cursor:
        cursor.execute("SELECT content FROM referrals_referralpacket WHERE id = %s", [stored.pk.hex])
        raw = cursor.fetchone()[0]
    assert raw.startswith("enc1:") and survivor.given_name not in raw
    stored.categories = ["identity", "contact"]
    with pytest.raises(PacketImmutableError):
        stored.save()
