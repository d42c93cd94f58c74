"""Referral moves (every allowed move, every other refused), the end of a partner's access when consent is
withdrawn or the agreement ends, the daily sweep, agreements, the directory and referrals in."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from reparo.audit.models import AuditEvent
from reparo.cases.models import IntakeDraft, Task
from reparo.consent.models import Consent
from reparo.consent.services import consent_withdraw
from reparo.referrals import services
from reparo.referrals.models import (
    REFERRAL_MOVES,
    AgreementDocument,
    IncomingReferral,
    PartnerProfile,
    Referral,
    ReferralPacket,
    ReferralStatus,
    Side,
)
from tests.cases.factories import alice_case
from tests.referrals.factories import PDF, agreement, draft, sent, share, survivor_of

pytestmark = pytest.mark.django_db

S = ReferralStatus


@pytest.fixture
def case(world):
    case = alice_case(world)
    share(world, survivor_of(case), ["identity", "contact", "needs"])
    agreement(world)
    return case


def actor_for(world, side):
    return {Side.SENDER: world["coordinator"], Side.PARTNER: world["partner_liaison"], Side.SYSTEM: None}[side]


def in_status(world, case, status) -> Referral:
    if status == S.DRAFT:
        return draft(world, case)
    referral = sent(world, case)
    Referral.objects.filter(pk=referral.pk).update(status=status)
    referral.refresh_from_db()
    return referral


def move(world, referral, to, side):
    return services.referral_move(
        actor=actor_for(world, side), referral=referral, to_status=to, reason_code="no_capacity", note="Full"
    )


@pytest.mark.parametrize("from_status", S.values)
def test_it_allows_every_listed_move_and_refuses_every_other(world, case, from_status):
    standing = in_status(world, case, from_status)
    for side in Side.values:
        for to in S.values:
            allowed = side in REFERRAL_MOVES.get((from_status, to), ())
            if allowed:
                referral = in_status(world, case, from_status)
                moved = move(world, referral, to, side)
                assert moved.status == to
                assert referral.events.filter(to_status=to, side=side, from_status=from_status).exists()
                assert AuditEvent.objects.filter(action="referral.moved", object_id=str(referral.pk)).exists()
                continue
            with pytest.raises((ValidationError, PermissionDenied, Http404)):
                move(world, standing, to, side)
            standing.refresh_from_db()
            assert standing.status == from_status, (side, to)


def test_it_freezes_the_packet_and_sets_the_answer_date_when_sent(world, case):
    referral = sent(world, case)
    assert referral.status == S.SENT
    assert referral.answer_by == timezone.localdate() + datetime.timedelta(days=14)
    assert set(referral.consents.all()) == set(Consent.objects.filter(purpose="share"))
    assert ReferralPacket.objects.get(referral=referral).categories == ["identity", "contact", "needs"]


def test_it_needs_a_coded_reason_to_decline_and_tells_the_team(world, case):
    referral = sent(world, case)
    liaison = world["partner_liaison"]
    with pytest.raises(ValidationError, match="Choose why"):
        services.referral_move(actor=liaison, referral=referral, to_status=S.DECLINED)
    with pytest.raises(ValidationError, match="in a few words"):
        services.referral_move(actor=liaison, referral=referral, to_status=S.DECLINED, reason_code="other")
    services.referral_move(actor=liaison, referral=referral, to_status=S.DECLINED, reason_code="not_eligible")
    assert Task.objects.filter(case=case, title__isnull=False).count() == 1
    assert "declined referral" in Task.objects.get(case=case).title
    assert ReferralPacket.objects.get(referral=referral).content is None  # a declined packet is not kept


def test_it_lets_staff_record_a_partners_answer_only_when_the_partner_does_not_use_reparo(world, case):
    referral = sent(world, case)
    coordinator = world["coordinator"]
    services.referral_move(actor=coordinator, referral=referral, to_status=S.ACCEPTED, on_behalf=True)
    assert referral.events.get(to_status=S.ACCEPTED).on_behalf
    PartnerProfile.objects.filter(organisation=world.partner).update(uses_reparo=True)
    with pytest.raises(ValidationError, match="uses Reparo"):
        services.referral_move(actor=coordinator, referral=referral, to_status=S.IN_SERVICE, on_behalf=True)


def test_only_the_partner_writes_updates(world, case):
    referral = sent(world, case)
    services.referral_update_add(actor=world["partner_liaison"], referral=referral, note="First appointment booked")
    assert referral.events.get(kind="update").note == "First appointment booked"
    with pytest.raises(PermissionDenied):
        services.referral_update_add(actor=world["coordinator"], referral=referral, note="Some case detail")


def test_a_partner_of_another_organisation_cannot_touch_the_referral(world, case):
    from reparo.access.services import membership_grant
    from reparo.organisations.models import Organisation
    from tests.conftest import make_user

    other = Organisation.objects.create(name="Q Shelter", kind="partner", htcds_type="NGO")
    stranger = make_user("worker@q.example")
    membership_grant(organisation=other, user=stranger, role="partner_worker")
    referral = sent(world, case)
    with pytest.raises(Http404):
        services.referral_move(actor=stranger, referral=referral, to_status=S.ACCEPTED)
    with pytest.raises(Http404):
        services.referral_update_add(actor=stranger, referral=referral, note="x")
    referral.refresh_from_db()
    assert referral.status == S.SENT


# --- the partner's access ends -----------------------------------------------------------------------------------


def test_withdrawing_the_consent_ends_the_partners_access_at_once_and_tells_the_team(world, case):
    referral = sent(world, case)
    services.referral_move(actor=world["partner_liaison"], referral=referral, to_status=S.ACCEPTED)
    consent_withdraw(actor=world["coordinator"], consent=Consent.objects.get(purpose="share"))
    referral.refresh_from_db()
    assert referral.access_ended_at is not None and referral.access_end_reason == "consent"
    assert ReferralPacket.objects.get(referral=referral).content is None
    tasks = Task.objects.filter(case=case)
    assert tasks.count() == 1 and "no longer agrees" in tasks.get().title
    assert tasks.get().owner == world["coordinator"] or tasks.get().owner is None
    # asked again (the partner's next request, the sweep): nothing more happens
    assert services.referral_access_confirm(referral=referral) is False
    services.referrals_sweep()
    assert Task.objects.filter(case=case).count() == 1
    with pytest.raises(ValidationError, match="withdrawn"):
        services.referral_move(actor=world["partner_liaison"], referral=referral, to_status=S.IN_SERVICE)


def test_another_consent_still_covering_the_packet_keeps_the_access(world, case):
    referral = sent(world, case)
    older = Consent.objects.get(purpose="share")
    share(world, survivor_of(case), ["identity", "contact", "needs"], days_ago=0)
    consent_withdraw(actor=world["coordinator"], consent=older)
    assert services.referral_access_confirm(referral=referral) is True


def test_a_consent_that_reaches_its_end_date_ends_the_access_on_the_next_request(world, case):
    referral = sent(world, case)
    # Time passes: the consent's end date is now behind us (the ledger itself refuses changes).
    Consent._base_manager.filter(purpose="share").update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    assert services.referral_access_confirm(referral=referral) is False
    referral.refresh_from_db()
    assert referral.access_end_reason == "consent" and Task.objects.filter(case=case).count() == 1


@pytest.mark.parametrize("to_status", ["ended", "suspended"])
def test_ending_or_suspending_the_agreement_ends_every_open_referrals_access(world, case, to_status):
    first = sent(world, case)
    second = sent(world, case)
    services.referral_move(actor=world["partner_liaison"], referral=second, to_status=S.ACCEPTED)
    finished = sent(world, case)
    services.referral_move(actor=world["coordinator"], referral=finished, to_status=S.WITHDRAWN)
    services.sharing_agreement_move(actor=world["org_admin"], agreement=first.agreement, to_status=to_status)
    for referral in (first, second):
        referral.refresh_from_db()
        assert referral.access_end_reason == "agreement"
        assert ReferralPacket.objects.get(referral=referral).content is None
    finished.refresh_from_db()
    assert finished.access_ended_at is None  # already over: nothing to end
    assert Task.objects.filter(case=case).count() == 2


# --- the daily sweep ---------------------------------------------------------------------------------------------


def test_the_sweep_expires_unanswered_referrals_once(world, case):
    late = sent(world, case)
    on_time = sent(world, case)
    Referral.objects.filter(pk=late.pk).update(answer_by=timezone.localdate() - datetime.timedelta(days=1))
    first = services.referrals_sweep()
    second = services.referrals_sweep()
    late.refresh_from_db()
    on_time.refresh_from_db()
    assert (late.status, on_time.status) == (S.EXPIRED, S.SENT)
    assert first["expired"] == 1 and second == {"expired": 0, "access_ended": 0, "erased": 0}
    assert Task.objects.filter(case=case).count() == 1
    assert late.events.filter(to_status=S.EXPIRED, side=Side.SYSTEM).count() == 1
    assert ReferralPacket.objects.get(referral=late).content is None


def test_the_sweep_erases_a_served_packet_once_its_retention_has_passed(world, case):
    referral = sent(world, case)
    liaison = world["partner_liaison"]
    for to in (S.ACCEPTED, S.IN_SERVICE, S.COMPLETED):
        services.referral_move(actor=liaison, referral=referral, to_status=to)
    assert services.referrals_sweep()["erased"] == 0
    assert ReferralPacket.objects.get(referral=referral).content is not None
    Referral.objects.filter(pk=referral.pk).update(finished_at=timezone.now() - datetime.timedelta(days=31))
    assert services.referrals_sweep()["erased"] == 1
    assert services.referrals_sweep()["erased"] == 0
    assert ReferralPacket.objects.get(referral=referral).erased_at is not None


def test_the_management_command_and_the_task_run_the_sweep(world, case):
    from django.core.management import call_command

    from reparo.referrals.tasks import sweep_referrals_task

    late = sent(world, case)
    Referral.objects.filter(pk=late.pk).update(answer_by=timezone.localdate() - datetime.timedelta(days=1))
    call_command("sweep_referrals")
    assert Referral.objects.get(pk=late.pk).status == S.EXPIRED
    result = sweep_referrals_task.enqueue()
    assert result.return_value == {"expired": 0, "access_ended": 0, "erased": 0}


# --- agreements --------------------------------------------------------------------------------------------------


def test_an_agreement_needs_its_signed_pdf_before_it_is_in_force(world):
    made = agreement(world, in_force=False)
    AgreementDocument.objects.filter(agreement=made).delete()
    with pytest.raises(ValidationError, match="upload the signed copy"):
        services.sharing_agreement_move(actor=world["org_admin"], agreement=made, to_status="in_force")
    for bad, message in ((b"", "empty"), (b"<html>%%EOF", "not a PDF"), (b"%PDF-1.4 no end", "not a PDF")):
        with pytest.raises(ValidationError, match=message):
            services.agreement_document_attach(actor=world["org_admin"], agreement=made, filename="a.pdf", content=bad)
    big = b"%PDF-1.4" + b"0" * services.MAX_DOCUMENT_BYTES + b"%%EOF"
    with pytest.raises(ValidationError, match="larger than 10 MB"):
        services.agreement_document_attach(actor=world["org_admin"], agreement=made, filename="a.pdf", content=big)
    document = services.agreement_document_attach(
        actor=world["org_admin"], agreement=made, filename="../../etc/passwd", content=PDF
    )
    assert "/" not in document.filename and document.filename.endswith(".pdf") and bytes(document.content) == PDF
    services.sharing_agreement_move(actor=world["org_admin"], agreement=made, to_status="in_force")


def test_an_agreement_in_force_is_not_edited(world):
    made = agreement(world)
    with pytest.raises(ValidationError, match="Only a draft"):
        services.sharing_agreement_update(
            actor=world["org_admin"], agreement=made, title="X", purposes=["legal_aid"], data_categories=["contact"],
            retention_days=10, valid_from=timezone.localdate(), valid_to=None,
        )  # fmt: skip
    with pytest.raises(ValidationError, match="draft"):
        services.agreement_document_attach(actor=world["org_admin"], agreement=made, filename="b.pdf", content=PDF)


def test_only_an_admin_of_the_operator_keeps_agreements(world):
    made = agreement(world, in_force=False)
    for who in (world["coordinator"], world.charlie, world["partner_liaison"]):
        with pytest.raises(PermissionDenied):
            services.sharing_agreement_move(actor=who, agreement=made, to_status="in_force")


# --- the directory -----------------------------------------------------------------------------------------------


def test_every_partner_organisation_has_a_directory_entry(world):
    assert PartnerProfile.objects.filter(organisation=world.partner).exists()
    assert not PartnerProfile.objects.filter(organisation=world.alice_org).exists()


def test_an_admin_adds_and_describes_a_partner(world):
    profile = services.partner_add(
        actor=world["org_admin"], name="Harbour Shelter", htcds_type="NGO", services=["shelter", "community"],
        languages=["es", "en"], area_served="North district", contact_email="referrals@shelter.example",
    )  # fmt: skip
    assert profile.services == ["community", "shelter"] and profile.languages == ["en", "es"]
    with pytest.raises(ValidationError):
        services.partner_update(actor=world["org_admin"], profile=profile, services=["spa"])
    with pytest.raises(PermissionDenied):
        services.partner_update(actor=world["coordinator"], profile=profile, services=["shelter"])


# --- referrals in ------------------------------------------------------------------------------------------------


def test_a_partner_refers_someone_in_and_staff_accept_it_into_an_intake_draft(world):
    agreement(world)
    liaison = world["partner_liaison"]
    with pytest.raises(ValidationError, match="agreed"):
        services.incoming_submit(
            actor=liaison, program=world.program, person_agreed=False, given_name="Ana", family_name="", phone="",
            email="", languages=[], about="Needs support",
        )  # fmt: skip
    incoming = services.incoming_submit(
        actor=liaison, program=world.program, person_agreed=True, given_name="Ana", family_name="Ruiz",
        phone="+34 600 000 000", email="", languages=["es"], about="Needs support after a labour case",
    )  # fmt: skip
    assert incoming.from_partner == world.partner and incoming.received_via == "reparo"
    draft_row = services.incoming_accept(actor=world["coordinator"], incoming=incoming)
    assert isinstance(draft_row, IntakeDraft) and draft_row.owner == world["coordinator"]
    assert draft_row.data["given_name"] == ["Ana"] and draft_row.data["program"] == [str(world.program.pk)]
    assert "Referred by Bob Legal Aid" in draft_row.data["summary"][0]
    incoming.refresh_from_db()
    assert incoming.status == "accepted" and incoming.intake_draft == draft_row
    with pytest.raises(ValidationError, match="already been answered"):
        services.incoming_decline(actor=world["coordinator"], incoming=incoming, reason="other")


def test_a_partner_without_an_agreement_in_force_cannot_refer_in(world):
    with pytest.raises(PermissionDenied):
        services.incoming_submit(
            actor=world["partner_liaison"], program=world.program, person_agreed=True, given_name="Ana",
            family_name="", phone="", email="", languages=[], about="x",
        )  # fmt: skip
    assert not IncomingReferral.objects.exists()


def test_staff_record_a_referral_received_by_phone(world):
    incoming = services.incoming_record(
        actor=world["case_worker"], program=world.program, received_via="phone", referral_source="police",
        received_on=timezone.localdate(), referrer="PC Lane", given_name="", family_name="", phone="+44 1",
        email="", languages=[], about="Found at a raid",
    )  # fmt: skip
    assert incoming.referrer == "PC Lane"
    with pytest.raises(PermissionDenied):
        services.incoming_record(
            actor=world["evaluator"], program=world.program, received_via="phone", referral_source="police",
            received_on=timezone.localdate(), given_name="A", family_name="", phone="", email="", languages=[],
            about="x",
        )  # fmt: skip
