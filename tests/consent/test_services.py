"""Recording and withdrawing consents: validated in plain words, audited in the same transaction, never
overwritten, and only for people the actor may see."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.http import Http404
from django.utils import timezone

from reparo.audit.models import AuditEvent
from reparo.cases.services import person_erase
from reparo.consent import services
from reparo.consent.models import (
    Consent,
    ConsentImmutableError,
    ConsentMethod,
    ConsentPurpose,
    ContactChannel,
    WithdrawalVia,
)
from reparo.consent.selectors import consent_get_for, consent_ledger_for, consents_for
from reparo.consent.services import consent_withdraw
from reparo.people.services import person_create
from tests.consent.conftest import case_with, record

pytestmark = pytest.mark.django_db

P = ConsentPurpose
DAY = datetime.timedelta(days=1)
NOW = timezone.now


def errors_of(excinfo):
    return excinfo.value.message_dict


def test_it_records_a_consent_with_who_how_and_when(world, survivor):
    given = timezone.now() - DAY
    consent = services.consent_record(
        actor=world["coordinator"],
        person=survivor,
        purpose=P.SHARE,
        method=ConsentMethod.VERBAL_WITNESSED,
        witness_name="Rosa Delgado",
        given_at=given,
        recipient=world.partner,
        data_categories=["needs", "contact", "needs"],
        expires_at=given + 90 * DAY,
    )
    stored = Consent.objects.get(pk=consent.pk)
    assert stored.person == survivor and stored.recorded_by == world["coordinator"]
    assert stored.given_at == given and stored.expires_at == given + 90 * DAY
    assert stored.data_categories == ["contact", "needs"]  # de-duplicated, in a stable order
    assert stored.witness_name == "Rosa Delgado"
    assert stored.withdrawn_at is None and stored.withdrawal_recorded_via == ""
    assert stored.recorded_at is not None


def test_it_keeps_the_witness_name_encrypted_at_rest(world, survivor):
    consent = record(world, survivor, P.EVALUATION, method=ConsentMethod.VERBAL_WITNESSED, witness_name="Rosa Delgado")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT witness_name FROM consent_consent WHERE id = %s",
            [consent.pk.hex if connection.vendor == "sqlite" else consent.pk],
        )
        (raw,) = cursor.fetchone()
    assert raw and "Rosa" not in raw


def test_it_writes_an_audit_row_without_personal_data(world, survivor):
    consent = record(world, survivor, P.EVALUATION, method=ConsentMethod.VERBAL_WITNESSED, witness_name="Rosa Delgado")
    event = AuditEvent.objects.get(action="consent.recorded")
    assert event.object_id == str(consent.pk) and event.object_type == "consent.consent"
    assert event.actor == world["coordinator"] and event.organisation == world.alice_org
    assert event.detail["purpose"] == "evaluation" and event.detail["person"] == str(survivor.pk)
    flat = str(event.detail) + event.purpose
    for personal in ("Rosa", "Delgado", "Marisol", "Quintanilla"):
        assert personal not in flat


def test_it_rolls_the_audit_row_back_with_the_consent(world, survivor):
    with pytest.raises(RuntimeError), transaction.atomic():
        record(world, survivor, P.EVALUATION)
        assert AuditEvent.objects.filter(action="consent.recorded").count() == 1
        raise RuntimeError("something later in the same transaction failed")
    assert not Consent.objects.exists()
    assert not AuditEvent.objects.filter(action="consent.recorded").exists()


def test_it_saves_no_consent_when_its_audit_row_cannot_be_written(world, survivor, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(services, "audit_record", broken)
    with pytest.raises(RuntimeError):
        record(world, survivor, P.EVALUATION)
    assert not Consent.objects.exists()


def test_it_records_a_withdrawal_once_with_who_and_when(world, survivor):
    consent = record(world, survivor, P.CONTACT, channel=ContactChannel.SMS)
    before = timezone.now()
    withdrawn = consent_withdraw(actor=world["org_admin"], consent=consent)
    stored = Consent.objects.get(pk=consent.pk)
    assert stored.withdrawn_at is not None and before <= stored.withdrawn_at <= timezone.now()
    assert stored.withdrawn_by == world["org_admin"] and stored.withdrawal_recorded_via == WithdrawalVia.STAFF
    assert withdrawn.withdrawn_at == stored.withdrawn_at
    event = AuditEvent.objects.get(action="consent.withdrawn")
    assert event.object_id == str(consent.pk)
    assert event.detail == {"person": str(survivor.pk), "purpose": "contact", "via": "staff"}


def test_it_refuses_to_withdraw_twice_and_changes_nothing(world, survivor):
    consent = record(world, survivor, P.EVALUATION)
    first = consent_withdraw(actor=world["coordinator"], consent=consent)
    with pytest.raises(ValidationError) as excinfo:
        consent_withdraw(actor=world["org_admin"], consent=consent)
    assert "already withdrawn" in excinfo.value.messages[0]
    stored = Consent.objects.get(pk=consent.pk)
    assert stored.withdrawn_at == first.withdrawn_at and stored.withdrawn_by == world["coordinator"]
    assert AuditEvent.objects.filter(action="consent.withdrawn").count() == 1


def test_it_keeps_the_history_when_a_consent_is_withdrawn_and_given_again(world, survivor):
    first = record(world, survivor, P.SHARE, recipient=world.partner, data_categories=["contact"])
    snapshot = {f.attname: getattr(first, f.attname) for f in Consent._meta.concrete_fields}
    consent_withdraw(actor=world["coordinator"], consent=first)
    again = record(
        world, survivor, P.SHARE, recipient=world.partner, data_categories=["contact"], given_at=timezone.now()
    )

    assert again.pk != first.pk
    assert Consent.objects.filter(person=survivor).count() == 2
    stored = Consent.objects.get(pk=first.pk)
    for attname, value in snapshot.items():
        if attname not in ("withdrawn_at", "withdrawn_by_id", "withdrawal_recorded_via"):
            assert getattr(stored, attname) == value, attname
    assert stored.withdrawn_at is not None
    ledger = consent_ledger_for(world["coordinator"], survivor)
    assert ledger.current == [again] and ledger.history == [stored]


@pytest.mark.parametrize(
    ("field", "value"),
    [("purpose", P.REPORTING), ("given_at", None), ("expires_at", None), ("method", ConsentMethod.SELF_SERVICE)],
)
def test_it_refuses_to_change_a_saved_consent(world, survivor, field, value):
    consent = record(world, survivor, P.EVALUATION, expires_at=timezone.now() + DAY)
    if value is None:
        value = timezone.now() - 3 * DAY
    setattr(consent, field, value)
    with pytest.raises(ConsentImmutableError):
        consent.save()
    stored = Consent.objects.get(pk=consent.pk)
    assert stored.purpose == P.EVALUATION and stored.method == ConsentMethod.WRITTEN


def test_it_refuses_to_change_a_recorded_withdrawal(world, survivor):
    consent = consent_withdraw(actor=world["coordinator"], consent=record(world, survivor, P.EVALUATION))
    consent.withdrawn_at = timezone.now() - DAY
    with pytest.raises(ConsentImmutableError):
        consent.save()
    consent = Consent.objects.get(pk=consent.pk)
    consent.withdrawn_at = None
    with pytest.raises(ConsentImmutableError):
        consent.save()


def test_it_refuses_bulk_changes_and_deletion(world, survivor):
    consent = record(world, survivor, P.EVALUATION)
    with pytest.raises(ConsentImmutableError):
        Consent.objects.filter(pk=consent.pk).update(purpose=P.REPORTING)
    with pytest.raises(ConsentImmutableError):
        Consent.objects.filter(pk=consent.pk).delete()
    with pytest.raises(ConsentImmutableError):
        consent.delete()
    assert Consent.objects.get(pk=consent.pk).purpose == P.EVALUATION


@pytest.mark.parametrize(
    ("purpose", "extra", "field", "message"),
    [
        (P.SHARE, {"data_categories": ["contact"]}, "recipient", "Choose the partner organisation"),
        (P.SHARE, {"recipient": "partner"}, "data_categories", "Choose at least one kind of information"),
        (
            P.SHARE,
            {"recipient": "operator", "data_categories": ["contact"]},
            "recipient",
            "only be shared with a partner",
        ),
        (P.SHARE, {"recipient": "partner", "data_categories": ["shoe_size"]}, "data_categories", "from the list"),
        (P.PROCESS, {}, "process_ref", "Say which restorative process"),
        (P.CONTACT, {}, "channel", "Choose how the person agreed to be contacted"),
        (P.EVALUATION, {"channel": ContactChannel.SMS}, "channel", "only chosen when"),
        (P.REPORTING, {"recipient": "partner"}, "recipient", "only chosen when"),
        (P.CONTACT, {"channel": "sms", "process_ref": "proc-1"}, "process_ref", "only named when"),
        (P.EVALUATION, {"method": ConsentMethod.VERBAL_WITNESSED}, "witness_name", "witnessed the spoken agreement"),
        (P.EVALUATION, {"given_at": "future"}, "given_at", "cannot be in the future"),
        (P.EVALUATION, {"expires_at": "before"}, "expires_at", "must be after"),
        (P.EVALUATION, {"method": "telepathy"}, "method", ""),
    ],
)
def test_it_explains_an_incomplete_consent_in_plain_words(world, survivor, purpose, extra, field, message):
    extra = dict(extra)
    if extra.get("recipient") == "partner":
        extra["recipient"] = world.partner
    elif extra.get("recipient") == "operator":
        extra["recipient"] = world.alice_org
    if extra.get("given_at") == "future":
        extra["given_at"] = timezone.now() + DAY
    if extra.get("expires_at") == "before":
        extra["expires_at"] = timezone.now() - 2 * DAY
    with pytest.raises(ValidationError) as excinfo:
        record(world, survivor, purpose, **extra)
    assert field in errors_of(excinfo)
    assert message in " ".join(errors_of(excinfo)[field])
    assert not Consent.objects.exists()
    assert not AuditEvent.objects.filter(action="consent.recorded").exists()


def test_it_refuses_an_outsider_and_changes_nothing(world, survivor):
    consent = record(world, survivor, P.EVALUATION)
    with pytest.raises(Http404):
        services.consent_record(
            actor=world.charlie,
            person=survivor,
            purpose=P.REPORTING,
            method=ConsentMethod.WRITTEN,
            given_at=timezone.now(),
        )
    with pytest.raises(Http404):
        consent_withdraw(actor=world.charlie, consent=consent)
    assert Consent.objects.count() == 1
    assert Consent.objects.get(pk=consent.pk).withdrawn_at is None
    assert AuditEvent.objects.filter(actor=world.charlie).count() == 0


def test_it_lets_a_case_worker_record_for_a_person_on_their_case_only(world, survivor):
    worker = world["case_worker"]
    with pytest.raises(Http404):
        services.consent_record(
            actor=worker, person=survivor, purpose=P.REPORTING, method=ConsentMethod.WRITTEN, given_at=timezone.now()
        )
    case = case_with(world, survivor, team_user=worker)
    consent = services.consent_record(
        actor=worker, person=survivor, purpose=P.REPORTING, method=ConsentMethod.WRITTEN, given_at=timezone.now(),
        case=case,
    )  # fmt: skip
    assert consent.case == case and consent.recorded_by == worker


def test_it_refuses_a_case_the_person_is_not_part_of(world, survivor):
    other = person_create(actor=world["coordinator"], organisation=world.alice_org, kind="survivor", given_name="Ana")
    case = case_with(world, other)
    with pytest.raises(ValidationError) as excinfo:
        record(world, survivor, P.EVALUATION, case=case)
    assert "does not take part" in errors_of(excinfo)["case"][0]
    assert not Consent.objects.exists()


def test_it_records_nothing_new_but_anonymous_counting_after_erasure(world, survivor):
    person_erase(actor=world["org_admin"], person=survivor)
    with pytest.raises(ValidationError) as excinfo:
        record(world, survivor, P.EVALUATION)
    assert "erased" in excinfo.value.messages[0]
    assert record(world, survivor, P.REPORTING).purpose == P.REPORTING


def test_it_lists_the_history_newest_first_without_extra_queries(world, survivor, django_assert_num_queries):
    now = timezone.now()
    oldest = record(
        world, survivor, P.SHARE, recipient=world.partner, data_categories=["contact"], given_at=now - 3 * DAY
    )
    middle = record(world, survivor, P.CONTACT, channel=ContactChannel.SMS, given_at=now - 2 * DAY)
    newest = record(world, survivor, P.REPORTING, given_at=now - DAY)
    consent_withdraw(actor=world["org_admin"], consent=middle)
    with django_assert_num_queries(4):  # the visibility check (3), then the ledger with its related rows
        rows = list(consents_for(world["coordinator"], survivor))
        words = [(c.describe(), c.recorded_by.email, c.withdrawn_by and c.withdrawn_by.email) for c in rows]
    assert rows == [newest, middle, oldest]
    assert words[2][0] == "Share contact details with Bob Legal Aid"


def test_it_finds_a_consent_only_through_its_own_person(world, survivor):
    consent = record(world, survivor, P.EVALUATION)
    other = person_create(actor=world["coordinator"], organisation=world.alice_org, kind="survivor", given_name="Ana")
    assert consent_get_for(world["coordinator"], survivor, consent.pk) == consent
    with pytest.raises(Http404):
        consent_get_for(world["coordinator"], other, consent.pk)
    with pytest.raises(Http404):
        consent_get_for(world.charlie, survivor, consent.pk)
    with pytest.raises(Http404):
        consents_for(world.charlie, survivor)


def test_it_describes_each_consent_in_plain_words(world, survivor):
    consents = [
        record(world, survivor, P.PROCESS, process_ref="P-17", process_label="Survivor-led dialogue"),
        record(world, survivor, P.PROCESS, process_ref="P-18"),
        record(world, survivor, P.CONTACT, channel=ContactChannel.SMS),
        record(world, survivor, P.SHARE, recipient=world.partner, data_categories=["case_facts", "contact"]),
        record(world, survivor, P.EVALUATION),
        record(world, survivor, P.REPORTING),
    ]
    assert [c.describe() for c in consents] == [
        "Take part in: Survivor-led dialogue",
        "Take part in restorative process P-18",
        "Be contacted by text message (SMS)",
        "Share contact details and case facts with Bob Legal Aid",
        "Use their answers to evaluate the program",
        "Be counted in reports that do not identify anyone",
    ]
