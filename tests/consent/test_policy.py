"""The single consent policy: it allows only what a current, matching consent covers, and it asks the
database every time, so a withdrawal or an expiry stops the very next use."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reparo.cases.services import person_erase
from reparo.consent.models import Consent, ConsentMethod, ConsentPurpose, ContactChannel, DataCategory
from reparo.consent.policy import ConsentDecision, ConsentRequired, may, people_who_may, require, shared_categories
from reparo.consent.services import consent_withdraw
from reparo.organisations.models import HTCDSOrganisationType, Organisation, OrganisationKind
from reparo.people.services import person_create
from tests.consent.conftest import record

pytestmark = pytest.mark.django_db

P = ConsentPurpose
DAY = datetime.timedelta(days=1)
NOW = timezone.now


def other_partner():
    return Organisation.objects.create(
        name="Northside Counselling", kind=OrganisationKind.PARTNER, htcds_type=HTCDSOrganisationType.HEALTH_SERVICE
    )


def test_it_allows_each_purpose_with_a_current_matching_consent(world, survivor):
    process = record(world, survivor, P.PROCESS, process_ref="proc-1", process_label="Dialogue")
    contact = record(world, survivor, P.CONTACT, channel=ContactChannel.SMS)
    share = record(world, survivor, P.SHARE, recipient=world.partner, data_categories=["contact", "needs"])
    evaluation = record(world, survivor, P.EVALUATION)
    reporting = record(world, survivor, P.REPORTING)

    cases = [
        (process, may(person=survivor, purpose=P.PROCESS, process_ref="proc-1")),
        (contact, may(person=survivor, purpose=P.CONTACT, channel=ContactChannel.SMS)),
        (share, may(person=survivor, purpose=P.SHARE, recipient=world.partner, categories=["needs", "contact"])),
        (evaluation, may(person=survivor, purpose=P.EVALUATION)),
        (reporting, may(person=survivor, purpose=P.REPORTING)),
    ]
    for consent, decision in cases:
        assert isinstance(decision, ConsentDecision)
        assert decision.allowed and decision and decision.consent == consent, decision
        assert decision.reason


def test_it_refuses_when_nothing_was_agreed(world, survivor):
    decision = may(person=survivor, purpose=P.EVALUATION)
    assert not decision.allowed and not decision
    assert decision.consent is None
    assert decision.reason == "The person has not agreed to this."


def test_it_refuses_a_withdrawn_consent(world, survivor):
    consent = record(world, survivor, P.EVALUATION)
    consent_withdraw(actor=world["coordinator"], consent=consent)
    decision = may(person=survivor, purpose=P.EVALUATION)
    assert not decision.allowed
    assert "withdrew" in decision.reason


def test_it_refuses_an_expired_consent(world, survivor):
    record(world, survivor, P.EVALUATION, given_at=timezone.now() - 10 * DAY, expires_at=timezone.now() - DAY)
    decision = may(person=survivor, purpose=P.EVALUATION)
    assert not decision.allowed
    assert "ended" in decision.reason


def test_it_stops_at_the_exact_moment_of_expiry(world, survivor):
    expiry = timezone.now() + DAY
    record(world, survivor, P.REPORTING, expires_at=expiry)
    assert may(person=survivor, purpose=P.REPORTING, at=expiry - datetime.timedelta(microseconds=1))
    assert not may(person=survivor, purpose=P.REPORTING, at=expiry)


def test_it_refuses_a_consent_for_another_purpose(world, survivor):
    record(world, survivor, P.REPORTING)
    record(world, survivor, P.CONTACT, channel=ContactChannel.PHONE)
    assert not may(person=survivor, purpose=P.EVALUATION)
    assert not may(person=survivor, purpose=P.SHARE, recipient=world.partner, categories=["contact"])


def test_it_refuses_a_share_with_another_recipient(world, survivor):
    record(world, survivor, P.SHARE, recipient=world.partner, data_categories=["contact"])
    elsewhere = other_partner()
    decision = may(person=survivor, purpose=P.SHARE, recipient=elsewhere, categories=["contact"])
    assert not decision.allowed
    assert decision.reason == "The person has not agreed to share anything with Northside Counselling."


def test_it_refuses_another_process(world, survivor):
    record(world, survivor, P.PROCESS, process_ref="proc-1")
    decision = may(person=survivor, purpose=P.PROCESS, process_ref="proc-2")
    assert not decision.allowed
    assert decision.reason == "The person has not agreed to take part in this process."


def test_it_refuses_another_channel(world, survivor):
    record(world, survivor, P.CONTACT, channel=ContactChannel.SMS)
    assert not may(person=survivor, purpose=P.CONTACT, channel=ContactChannel.PHONE)
    assert may(person=survivor, purpose=P.CONTACT, channel=ContactChannel.SMS)


def test_it_refuses_categories_the_person_did_not_agree_to_share(world, survivor):
    record(world, survivor, P.SHARE, recipient=world.partner, data_categories=["contact", "case_facts"])
    decision = may(person=survivor, purpose=P.SHARE, recipient=world.partner, categories=["contact", "needs"])
    assert not decision.allowed
    assert decision.reason == "The person has not agreed to share needs with Bob Legal Aid."
    assert may(person=survivor, purpose=P.SHARE, recipient=world.partner, categories=["case_facts"])


def test_it_combines_current_consents_to_the_same_recipient(world, survivor):
    first = record(world, survivor, P.SHARE, recipient=world.partner, data_categories=["contact"])
    second = record(
        world, survivor, P.SHARE, recipient=world.partner, data_categories=["needs"], given_at=timezone.now()
    )
    decision = may(person=survivor, purpose=P.SHARE, recipient=world.partner, categories=["contact", "needs"])
    assert decision.allowed
    assert set(decision.consents) == {first, second}
    consent_withdraw(actor=world["coordinator"], consent=second)
    assert not may(person=survivor, purpose=P.SHARE, recipient=world.partner, categories=["contact", "needs"])
    assert may(person=survivor, purpose=P.SHARE, recipient=world.partner, categories=["contact"])


def test_it_takes_a_withdrawal_into_account_on_the_very_next_call(world, survivor):
    consent = record(world, survivor, P.SHARE, recipient=world.partner, data_categories=["contact"])
    question = {"person": survivor, "purpose": P.SHARE, "recipient": world.partner, "categories": ["contact"]}
    assert may(**question).allowed
    assert require(**question).consent == consent
    consent_withdraw(actor=world["coordinator"], consent=consent)
    # The same person object, no refresh: the policy reads the ledger afresh on every call.
    assert not may(**question).allowed
    with pytest.raises(ConsentRequired):
        require(**question)


def test_it_reads_the_database_on_every_call(world, survivor, django_assert_num_queries):
    record(world, survivor, P.EVALUATION)
    for _ in range(3):
        with django_assert_num_queries(2):
            assert may(person=survivor, purpose=P.EVALUATION)


def test_it_answers_for_a_past_moment_from_the_history(world, survivor):
    consent = record(world, survivor, P.EVALUATION, given_at=timezone.now() - 5 * DAY)
    consent = consent_withdraw(actor=world["coordinator"], consent=consent)
    assert may(person=survivor, purpose=P.EVALUATION, at=timezone.now() - 2 * DAY)
    assert not may(person=survivor, purpose=P.EVALUATION, at=timezone.now() - 6 * DAY)
    assert not may(person=survivor, purpose=P.EVALUATION, at=consent.withdrawn_at)


def test_it_allows_again_only_after_a_new_consent_is_recorded(world, survivor):
    first = record(world, survivor, P.CONTACT, channel=ContactChannel.EMAIL)
    consent_withdraw(actor=world["coordinator"], consent=first)
    assert not may(person=survivor, purpose=P.CONTACT, channel=ContactChannel.EMAIL)
    again = record(world, survivor, P.CONTACT, channel=ContactChannel.EMAIL, given_at=timezone.now())
    decision = may(person=survivor, purpose=P.CONTACT, channel=ContactChannel.EMAIL)
    assert decision.allowed and decision.consent == again


def test_it_ignores_other_peoples_consents(world, survivor):
    other = person_create(actor=world["coordinator"], organisation=world.alice_org, kind="survivor", given_name="Ana")
    record(world, other, P.EVALUATION)
    assert not may(person=survivor, purpose=P.EVALUATION)


def test_it_refuses_everything_but_anonymous_counting_once_a_person_is_erased(world, survivor):
    record(world, survivor, P.EVALUATION)
    record(world, survivor, P.REPORTING)
    record(world, survivor, P.CONTACT, channel=ContactChannel.SMS)
    person_erase(actor=world["org_admin"], person=survivor)
    # The caller's object is stale: the policy still sees the erasure.
    assert survivor.erased_at is None
    assert not may(person=survivor, purpose=P.EVALUATION)
    decision = may(person=survivor, purpose=P.CONTACT, channel=ContactChannel.SMS)
    assert not decision.allowed and "erased" in decision.reason
    assert may(person=survivor, purpose=P.REPORTING)


def test_it_raises_a_permission_denied_with_the_reason_from_require(world, survivor):
    with pytest.raises(PermissionDenied) as raised:
        require(person=survivor, purpose=P.REPORTING)
    assert isinstance(raised.value, ConsentRequired)
    assert str(raised.value) == "The person has not agreed to this."
    assert raised.value.decision.allowed is False


@pytest.mark.parametrize(
    "question",
    [
        {"purpose": "marketing"},
        {"purpose": P.PROCESS},
        {"purpose": P.CONTACT},
        {"purpose": P.CONTACT, "channel": "pigeon"},
        {"purpose": P.SHARE, "categories": ["contact"]},
        {"purpose": P.SHARE, "recipient": "partner"},
        {"purpose": P.SHARE, "recipient": "partner", "categories": "contact"},
        {"purpose": P.SHARE, "recipient": "partner", "categories": ["shoe_size"]},
        {"purpose": P.EVALUATION, "recipient": "partner"},
        {"purpose": P.REPORTING, "channel": ContactChannel.SMS},
        {"purpose": P.CONTACT, "channel": ContactChannel.SMS, "process_ref": "proc-1"},
    ],
)
def test_it_refuses_to_answer_a_question_that_does_not_fit_the_purpose(world, survivor, question):
    if question.get("recipient") == "partner":
        question = {**question, "recipient": world.partner}
    with pytest.raises(ValueError):
        may(person=survivor, **question)


BASE = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
minutes = st.integers(min_value=0, max_value=600)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(given_m=minutes, at_m=minutes, expiry_m=st.none() | minutes, withdrawn_m=st.none() | minutes)
def test_it_allows_exactly_between_giving_and_the_first_of_expiry_or_withdrawal(
    world, survivor, given_m, at_m, expiry_m, withdrawn_m
):
    def t(m):
        return None if m is None else BASE + datetime.timedelta(minutes=m)

    at = t(at_m)
    savepoint = transaction.savepoint()
    try:
        Consent.objects.create(
            person=survivor,
            purpose=P.EVALUATION,
            method=ConsentMethod.WRITTEN,
            given_at=t(given_m),
            expires_at=t(expiry_m),
            withdrawn_at=t(withdrawn_m),
            withdrawn_by=world["coordinator"] if withdrawn_m is not None else None,
            withdrawal_recorded_via="staff" if withdrawn_m is not None else "",
            recorded_by=world["coordinator"],
        )
        expected = (
            given_m <= at_m and (expiry_m is None or at_m < expiry_m) and (withdrawn_m is None or at_m < withdrawn_m)
        )
        assert may(person=survivor, purpose=P.EVALUATION, at=at).allowed is expected
    finally:
        transaction.savepoint_rollback(savepoint)


def test_it_names_categories_in_plain_words(world, survivor):
    record(world, survivor, P.SHARE, recipient=world.partner, data_categories=[DataCategory.CONTACT])
    decision = may(
        person=survivor,
        purpose=P.SHARE,
        recipient=world.partner,
        categories=[DataCategory.SAFETY, DataCategory.CASE_FACTS, DataCategory.IDENTITY],
    )
    assert decision.reason == (
        "The person has not agreed to share identity details, case facts and safety information with Bob Legal Aid."
    )


def test_the_set_form_answers_for_the_portal_exactly_as_may_does(world, survivor):
    def someone(given):
        return person_create(
            actor=world["coordinator"], organisation=world.alice_org, kind="survivor", given_name=given,
            family_name="Example",
        )  # fmt: skip

    agreed, withdrew, ended, never, erased = survivor, someone("Ana"), someone("Ben"), someone("Cy"), someone("Di")
    record(world, agreed, P.PORTAL)
    consent_withdraw(actor=world["coordinator"], consent=record(world, withdrew, P.PORTAL))
    record(world, ended, P.PORTAL, expires_at=NOW() - DAY / 2)
    record(world, never, P.EVALUATION)
    record(world, erased, P.PORTAL)
    person_erase(actor=world["org_admin"], person=erased)
    people = [agreed, withdrew, ended, never, erased]

    in_set = set(people_who_may(purpose=P.PORTAL).filter(pk__in=[p.pk for p in people]).values_list("pk", flat=True))
    assert in_set == {p.pk for p in people if may(person=p, purpose=P.PORTAL)} == {agreed.pk}


def test_the_set_form_for_sharing_answers_exactly_as_may_does_in_one_query(world, survivor, django_assert_num_queries):
    def someone(given):
        return person_create(actor=world["coordinator"], organisation=world.alice_org, kind="survivor",
                             given_name=given, family_name="Example")  # fmt: skip

    elsewhere = other_partner()
    everything = [c.value for c in DataCategory]
    agreed, partly, two, withdrew, ended, later, other, erased, never = (
        survivor, someone("Ana"), someone("Ben"), someone("Cy"), someone("Di"), someone("Ed"), someone("Flo"),
        someone("Gus"), someone("Hal"),
    )  # fmt: skip
    record(world, agreed, P.SHARE, recipient=world.partner, data_categories=everything)
    record(world, partly, P.SHARE, recipient=world.partner, data_categories=[DataCategory.CASE_FACTS])
    record(world, two, P.SHARE, recipient=world.partner, data_categories=[DataCategory.IDENTITY])
    record(world, two, P.SHARE, recipient=world.partner, data_categories=[DataCategory.NEEDS, DataCategory.CONTACT])
    gone = record(world, withdrew, P.SHARE, recipient=world.partner, data_categories=everything)
    consent_withdraw(actor=world["coordinator"], consent=gone)
    record(world, withdrew, P.SHARE, recipient=world.partner, data_categories=[DataCategory.NEEDS])
    record(world, ended, P.SHARE, recipient=world.partner, data_categories=everything, expires_at=NOW() - DAY / 2)
    record(world, later, P.SHARE, recipient=world.partner, data_categories=everything, given_at=NOW() - 2 * DAY)
    record(world, other, P.SHARE, recipient=elsewhere, data_categories=everything)
    record(world, erased, P.SHARE, recipient=world.partner, data_categories=everything)
    person_erase(actor=world["org_admin"], person=erased)
    record(world, never, P.REPORTING)
    people = [agreed, partly, two, withdrew, ended, later, other, erased, never]
    asked = (DataCategory.CASE_FACTS, DataCategory.IDENTITY, DataCategory.CONTACT, DataCategory.NEEDS)

    for at in (None, NOW() - DAY - DAY / 2):  # now, and before "later" agreed
        with django_assert_num_queries(1):
            shared = shared_categories(people=[p.pk for p in people], recipient=world.partner, categories=asked, at=at)
        for person in people:
            expected = {c for c in asked if may(person=person, purpose=P.SHARE, recipient=world.partner,
                                                 categories=[c], at=at)}  # fmt: skip
            assert set(shared.get(person.pk, ())) == expected, person.given_name
            assert (person.pk in shared) is bool(expected)
    assert shared_categories(people=[p.pk for p in people], recipient=world.partner, categories=asked)[two.pk] == {
        DataCategory.IDENTITY, DataCategory.CONTACT, DataCategory.NEEDS,
    }  # fmt: skip
    with pytest.raises(ValueError):
        shared_categories(people=[agreed.pk], recipient=world.partner, categories=[])
