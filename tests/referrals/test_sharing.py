"""A referral is refused, with the reason, unless the person's consent and a data-sharing agreement in force allow
it; what the person has not agreed to is held back, and the preview says why."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from reparo.consent.models import Consent
from reparo.consent.services import consent_record, consent_withdraw
from reparo.organisations.models import HTCDSOrganisationType, Organisation, OrganisationKind
from reparo.referrals import services, sharing
from reparo.referrals.models import Referral
from tests.cases.factories import alice_case
from tests.referrals.factories import agreement, draft, share, survivor_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(world):
    return alice_case(world)


def refused(world, case, categories=("contact", "needs")) -> str:
    with pytest.raises(ValidationError) as caught:
        draft(world, case, categories=categories)
    assert not Referral.objects.exists()
    return " ".join(caught.value.messages)


def test_it_refuses_a_referral_without_consent(world, case):
    agreement(world)
    assert "The person has not agreed to this." in refused(world, case)


def test_it_refuses_a_referral_when_the_consent_is_for_another_partner(world, case):
    agreement(world)
    other = Organisation.objects.create(
        name="Other Shelter", kind=OrganisationKind.PARTNER, htcds_type=HTCDSOrganisationType.NGO
    )
    share(world, survivor_of(case), partner=other)
    assert "has not agreed to share anything with Bob Legal Aid" in refused(world, case)


def test_it_refuses_a_referral_when_the_consent_is_for_another_purpose(world, case):
    agreement(world)
    consent_record(
        actor=world["coordinator"], person=survivor_of(case), purpose="contact", channel="phone", method="written",
        given_at=timezone.now() - datetime.timedelta(days=1),
    )  # fmt: skip
    assert "has not agreed to this" in refused(world, case)


def test_it_refuses_a_referral_when_the_consent_was_withdrawn(world, case):
    agreement(world)
    consent = share(world, survivor_of(case))
    consent_withdraw(actor=world["coordinator"], consent=consent)
    assert "withdrew this agreement" in refused(world, case)


def test_it_refuses_a_referral_when_the_consent_has_ended(world, case):
    agreement(world)
    now = timezone.now()
    share(world, survivor_of(case), days_ago=10, expires_at=now - datetime.timedelta(days=2))
    assert "This agreement ended on" in refused(world, case)


def test_it_refuses_a_referral_without_a_data_sharing_agreement(world, case):
    share(world, survivor_of(case))
    assert "There is no data-sharing agreement in force with Bob Legal Aid" in refused(world, case)


def test_it_refuses_a_referral_when_the_agreement_is_only_a_draft(world, case):
    share(world, survivor_of(case))
    agreement(world, in_force=False)
    assert "There is no data-sharing agreement in force" in refused(world, case)


@pytest.mark.parametrize("to_status", ["ended", "suspended"])
def test_it_refuses_a_referral_when_the_agreement_has_ended_or_is_suspended(world, case, to_status):
    share(world, survivor_of(case))
    made = agreement(world)
    services.sharing_agreement_move(actor=world["org_admin"], agreement=made, to_status=to_status)
    assert "There is no data-sharing agreement in force" in refused(world, case)


def test_it_refuses_a_referral_when_the_agreement_has_passed_its_end_date(world, case):
    share(world, survivor_of(case))
    made = agreement(world)
    SharingAgreementRows = type(made).objects
    SharingAgreementRows.filter(pk=made.pk).update(valid_to=timezone.localdate() - datetime.timedelta(days=1))
    assert "There is no data-sharing agreement in force" in refused(world, case)


def test_it_refuses_a_referral_when_the_agreement_does_not_cover_a_category(world, case):
    share(world, survivor_of(case))
    agreement(world, categories=["contact", "identity"])
    message = refused(world, case, categories=["contact", "safety"])
    assert "does not cover safety information" in message
    assert "Untick it" in message


def test_it_refuses_a_referral_for_a_service_the_agreement_does_not_cover(world, case):
    share(world, survivor_of(case))
    agreement(world, purposes=["shelter"])
    assert "does not cover referrals for legal aid" in refused(world, case)


def test_it_holds_back_what_the_person_has_not_agreed_to_and_says_why(world, case):
    share(world, survivor_of(case), ["contact"])
    agreement(world)
    plan = sharing.plan(
        case=case, person=survivor_of(case), partner=world.partner, service="legal_aid",
        requested=["contact", "needs"],
    )  # fmt: skip
    verdicts = {c.category: (c.verdict, c.reason) for c in plan.categories}
    assert plan.allowed and plan.going == ["contact"]
    assert verdicts["contact"] == ("goes", "")
    assert verdicts["needs"][0] == "held" and "has not agreed to share needs with Bob Legal Aid" in verdicts["needs"][1]
    assert verdicts["identity"] == ("held", "Not chosen for this referral.")
    referral = draft(world, case, categories=["contact", "needs"])
    assert referral.categories == ["contact"]


def test_it_never_sends_the_survivors_harm_needs_or_safety_with_a_referral_of_the_responsible_person(world, case):
    responsible = case.participants.get(role="responsible").person
    share(world, responsible)
    agreement(world)
    plan = sharing.plan(
        case=case, person=responsible, partner=world.partner, service="legal_aid", requested=["case_facts", "needs",
        "safety", "contact"],
    )  # fmt: skip
    assert plan.going == ["contact"]
    held = {c.category: c.reason for c in plan.categories if c.verdict == "held"}
    assert all("survivor's information" in held[c] for c in ("case_facts", "needs", "safety"))


def test_it_refuses_to_send_a_draft_when_consent_was_withdrawn_after_the_preview(world, case):
    consent = share(world, survivor_of(case))
    agreement(world)
    referral = draft(world, case)
    consent_withdraw(actor=world["coordinator"], consent=consent)
    with pytest.raises(ValidationError, match="withdrew this agreement"):
        services.referral_send(actor=world["coordinator"], referral=referral)
    referral.refresh_from_db()
    assert referral.status == "draft" and not hasattr(referral, "packet_set")
    assert not Consent.objects.filter(referrals=referral).exists()


def test_it_refuses_a_referral_from_someone_who_does_not_work_on_the_case(world, case):
    from django.http import Http404

    share(world, survivor_of(case))
    agreement(world)
    for outsider in (world.charlie, world["evaluator"], world["partner_liaison"], world["cosa_volunteer"]):
        with pytest.raises(Http404):
            draft(world, case, actor=outsider)
    assert not Referral.objects.exists()
