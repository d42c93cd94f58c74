import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from reparo.agreements import selectors, services
from reparo.agreements.models import Agreement, Instalment, Obligation
from reparo.agreements.tasks import send_overdue_reminders_task
from reparo.audit.models import AuditEvent
from reparo.cases.models import Task
from tests.agreements.factories import accept, binding_agreement, draft_with_items
from tests.processes.factories import ready_process

pytestmark = pytest.mark.django_db

DUE = datetime.date(2026, 1, 31)


def test_it_is_not_binding_before_the_survivor_accepts_even_when_the_responsible_person_did(world):
    process = ready_process(world)
    agreement = draft_with_items(world, process, due=DUE)
    services.agreement_propose(actor=world["facilitator"], agreement=agreement)
    accept(world, agreement, "responsible")
    agreement.refresh_from_db()
    assert agreement.status == "proposed"
    assert not Obligation.objects.filter(item__agreement__process=process).exists()
    accept(world, agreement, "survivor")
    agreement.refresh_from_db()
    assert agreement.status == "binding" and agreement.bound_at is not None
    assert Obligation.objects.filter(item__agreement=agreement).count() == 2


def test_it_is_not_binding_when_only_the_survivor_accepted(world):
    process = ready_process(world)
    agreement = draft_with_items(world, process, due=DUE)
    services.agreement_propose(actor=world["facilitator"], agreement=agreement)
    accept(world, agreement, "survivor")
    agreement.refresh_from_db()
    assert agreement.status == "proposed"
    assert not Obligation.objects.exists()


def test_it_refuses_acceptance_of_a_draft(world):
    process = ready_process(world)
    agreement = draft_with_items(world, process, due=DUE)
    with pytest.raises(ValidationError):
        accept(world, agreement, "survivor")


def test_it_splits_restitution_into_monthly_instalments_that_add_up_exactly(world):
    agreement = binding_agreement(world, ready_process(world), due=DUE)
    restitution = Obligation.objects.get(item__agreement=agreement, item__kind="restitution")
    rows = list(restitution.instalments.values_list("number", "due_date", "amount"))
    assert rows == [
        (1, datetime.date(2026, 1, 31), Decimal("333.33")),
        (2, datetime.date(2026, 2, 28), Decimal("333.33")),
        (3, datetime.date(2026, 3, 31), Decimal("333.34")),
    ]
    assert restitution.due_date == datetime.date(2026, 3, 31)


def test_it_keeps_earlier_versions_and_supersedes_them_when_a_new_one_binds(world):
    process = ready_process(world)
    first = binding_agreement(world, process, due=DUE)
    second = services.agreement_draft(actor=world["facilitator"], process=process)
    assert second.version == 2 and second.items.count() == 2
    first.refresh_from_db()
    assert first.status == "binding"  # still in force while the new version is prepared
    services.agreement_propose(actor=world["facilitator"], agreement=second)
    accept(world, second, "survivor")
    accept(world, second, "responsible")
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("superseded", "binding")
    assert set(Obligation.objects.filter(item__agreement=first).values_list("status", flat=True)) == {"varied"}
    assert Agreement.objects.filter(process=process).count() == 2


def test_it_refuses_a_second_version_in_preparation_and_changes_to_a_proposed_one(world):
    process = ready_process(world)
    agreement = draft_with_items(world, process, due=DUE)
    with pytest.raises(ValidationError):
        services.agreement_draft(actor=world["facilitator"], process=process)
    services.agreement_propose(actor=world["facilitator"], agreement=agreement)
    with pytest.raises(ValidationError):
        services.item_add(actor=world["facilitator"], agreement=agreement, kind="commitment", description="x")


def test_it_marks_an_obligation_late_after_its_due_date_and_reminds_the_facilitator_once(world):
    process = ready_process(world)
    agreement = binding_agreement(world, process, due=DUE)
    assert services.obligations_mark_late(today=DUE) == []  # due today is not late
    assert services.send_overdue_reminders(today=DUE + datetime.timedelta(days=1)) == 2
    statuses = set(Obligation.objects.filter(item__agreement=agreement).values_list("status", flat=True))
    assert statuses == {"late"}
    assert Instalment.objects.filter(status="late").count() == 1  # only the first instalment is past due
    tasks = Task.objects.filter(case=process.case, owner=world["facilitator"])
    assert tasks.count() == 2
    # Running again (the next day, or twice the same day) reminds nobody twice.
    assert services.send_overdue_reminders(today=DUE + datetime.timedelta(days=2)) == 0
    call_command("send_obligation_reminders", "--today", "2026-02-03")
    send_overdue_reminders_task.call("2026-02-04")
    assert tasks.count() == 2
    assert AuditEvent.objects.filter(action="agreement.reminder_sent").count() == 2


def test_it_leaves_met_and_waived_obligations_alone_when_marking_late(world):
    agreement = binding_agreement(world, ready_process(world), due=DUE)
    letter = Obligation.objects.get(item__agreement=agreement, item__kind="apology_letter")
    services.obligation_mark(actor=world["facilitator"], obligation=letter, status="met", evidence="Letter given")
    late = services.obligations_mark_late(today=DUE + datetime.timedelta(days=1))
    assert [o.item.kind for o in late] == ["restitution"]
    letter.refresh_from_db()
    assert letter.status == "met" and letter.evidence == "Letter given"


def test_it_sums_the_restitution_ledger_exactly_over_partial_payments(world):
    agreement = binding_agreement(world, ready_process(world), due=DUE)
    restitution = Obligation.objects.get(item__agreement=agreement, item__kind="restitution")
    first, second, third = restitution.instalments.order_by("number")
    pay = services.instalment_pay
    pay(actor=world["facilitator"], instalment=first, amount=Decimal("100.10"), paid_at=DUE)
    pay(actor=world["facilitator"], instalment=first, amount=Decimal("233.23"), paid_at=DUE)
    pay(actor=world["facilitator"], instalment=second, amount=Decimal("0.01"))
    ledger = selectors.ledger_for(restitution)
    assert (ledger.total, ledger.paid, ledger.remaining) == (Decimal("1000.00"), Decimal("333.34"), Decimal("666.66"))
    assert [line.currency for line in selectors.restitution_ledger(agreement)] == ["EUR"]
    first.refresh_from_db()
    assert first.status == "paid"
    with pytest.raises(ValidationError):
        pay(actor=world["facilitator"], instalment=third, amount=Decimal("333.35"))
    with pytest.raises(ValidationError):
        pay(actor=world["facilitator"], instalment=third, amount=Decimal("0.001"))
    second.refresh_from_db()
    pay(actor=world["facilitator"], instalment=second, amount=Decimal("333.32"))
    pay(actor=world["facilitator"], instalment=third, amount=Decimal("333.34"))
    restitution.refresh_from_db()
    assert restitution.status == "met"
    assert selectors.ledger_for(restitution).remaining == Decimal("0.00")


def test_it_lets_an_obligation_be_waived_only_as_the_survivors_choice(world):
    agreement = binding_agreement(world, ready_process(world), due=DUE)
    letter = Obligation.objects.get(item__agreement=agreement, item__kind="apology_letter")
    with pytest.raises(ValidationError):
        services.obligation_mark(actor=world["facilitator"], obligation=letter, status="waived")
    letter.refresh_from_db()
    assert letter.status == "pending"
    services.obligation_mark(actor=world["facilitator"], obligation=letter, status="waived", survivor_chose=True)
    letter.refresh_from_db()
    assert letter.status == "waived" and letter.waived_by_survivor


def test_it_computes_the_completion_rate_leaving_out_waived_and_varied(world):
    process = ready_process(world)
    assert selectors.completion_rate(process).rate is None
    agreement = draft_with_items(world, process, due=DUE)
    services.item_add(actor=world["facilitator"], agreement=agreement, kind="service_hours",
                      description="Community garden", hours=Decimal("20"))  # fmt: skip
    services.item_add(actor=world["facilitator"], agreement=agreement, kind="commitment", description="No contact")
    services.agreement_propose(actor=world["facilitator"], agreement=agreement)
    accept(world, agreement, "survivor")
    accept(world, agreement, "responsible")
    obligations = {o.item.kind: o for o in Obligation.objects.filter(item__agreement=agreement)}
    mark = services.obligation_mark
    mark(actor=world["facilitator"], obligation=obligations["apology_letter"], status="met")
    mark(actor=world["facilitator"], obligation=obligations["commitment"], status="waived", survivor_chose=True)
    rate = selectors.completion_rate(process)
    assert (rate.met, rate.counted, rate.percent) == (1, 3, 33)


def test_it_refuses_writes_from_the_responsible_side_only(world):
    process = ready_process(world)
    with pytest.raises(PermissionDenied):
        services.agreement_draft(actor=world["cosa_volunteer"], process=process)


def test_it_writes_audit_rows_without_personal_data(world):
    agreement = binding_agreement(world, ready_process(world), due=DUE)
    actions = set(AuditEvent.objects.filter(object_id=str(agreement.pk)).values_list("action", flat=True))
    assert {"agreement.drafted", "agreement.item_added", "agreement.proposed", "agreement.accepted",
            "agreement.binding"} <= actions  # fmt: skip
    details = " ".join(str(d) for d in AuditEvent.objects.values_list("detail", flat=True))
    assert "Lost wages" not in details and "names the harm" not in details


def test_it_runs_the_reminder_as_a_background_task(world):
    """Enqueued through django-tasks (the immediate backend in tests stands in for `manage.py db_worker`)."""
    process = ready_process(world)
    agreement = binding_agreement(world, process, due=DUE)
    result = send_overdue_reminders_task.enqueue((DUE + datetime.timedelta(days=1)).isoformat())
    assert str(result.status).upper().endswith("SUCCESSFUL") and result.return_value == 2
    assert set(Obligation.objects.filter(item__agreement=agreement).values_list("status", flat=True)) == {"late"}
    assert Task.objects.filter(case=process.case, owner=world["facilitator"]).count() == 2


def test_restitution_keeps_its_own_due_date_apart_from_the_first_instalment(world):
    process = ready_process(world)
    agreement = services.agreement_draft(actor=world["facilitator"], process=process)
    item = services.item_add(
        actor=world["facilitator"], agreement=agreement, kind="restitution", description="Lost wages",
        amount=Decimal("300.00"), currency="EUR", instalment_count=3,
        first_instalment_on=datetime.date(2026, 1, 15), due_date=datetime.date(2026, 6, 30),
    )  # fmt: skip
    assert item.due_date == datetime.date(2026, 6, 30) and item.first_instalment_on == datetime.date(2026, 1, 15)
    services.agreement_propose(actor=world["facilitator"], agreement=agreement)
    accept(world, agreement, "responsible")
    accept(world, agreement, "survivor")
    obligation = Obligation.objects.get(item=item)
    assert obligation.due_date == datetime.date(2026, 6, 30)  # what was agreed, not an instalment's date
    assert list(obligation.instalments.values_list("due_date", flat=True)) == [
        datetime.date(2026, 1, 15), datetime.date(2026, 2, 15), datetime.date(2026, 3, 15),
    ]  # fmt: skip


def test_it_refuses_instalments_that_end_after_the_due_date(world):
    agreement = services.agreement_draft(actor=world["facilitator"], process=ready_process(world))
    with pytest.raises(ValidationError) as info:
        services.item_add(
            actor=world["facilitator"], agreement=agreement, kind="restitution", description="Lost wages",
            amount=Decimal("300.00"), currency="EUR", instalment_count=3,
            first_instalment_on=datetime.date(2026, 1, 15), due_date=datetime.date(2026, 2, 1),
        )  # fmt: skip
    assert "The last instalment would be due on 15 Mar 2026" in " ".join(info.value.messages)
    assert not agreement.items.exists()
