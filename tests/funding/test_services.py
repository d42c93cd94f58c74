"""Funding writes: who may keep grants and record spending, allocations that stay within the grant, a restricted
allocation that cannot be overdrawn except by an organisation admin with a reason (audited), and reminders of
funders' reports that are sent once per stage."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from reparo.audit.models import AuditEvent
from reparo.funding import selectors, services
from reparo.funding.models import Category, Grant, ReportingDeadline, SpendLine
from reparo.organisations.models import Program
from tests.funding.factories import END, START, funder, grant

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 6, 30)


def spend(world, g, amount, *, who="coordinator", category=Category.FACILITATION, program=None, **kwargs):
    return services.spend_record(
        actor=world[who],
        grant=g,
        program=program or world.program,
        category=category,
        spent_on=kwargs.pop("spent_on", datetime.date(2026, 3, 1)),
        amount=Decimal(amount),
        today=TODAY,
        **kwargs,
    )


def test_only_organisation_admins_keep_funders_grants_and_allocations(world):
    with pytest.raises(PermissionDenied):
        services.funder_create(actor=world["coordinator"], organisation=world.alice_org, name="X")
    with pytest.raises(PermissionDenied):
        services.funder_create(actor=world.charlie, organisation=world.alice_org, name="X")
    f = funder(world)
    for who in ("coordinator", "facilitator", "partner_liaison"):
        with pytest.raises(PermissionDenied):
            services.grant_create(
                actor=world[who], funder=f, reference="R", restricted=True, amount=Decimal("1"), currency="EUR",
                starts_on=START, ends_on=END,
            )  # fmt: skip
    g = grant(world, by=f)
    with pytest.raises(PermissionDenied):
        services.allocation_set(
            actor=world["coordinator"], grant=g, program=world.program, category=Category.TRAVEL, amount="1"
        )
    assert AuditEvent.objects.filter(action="funding.grant_created", object_id=str(g.pk)).exists()


def test_it_keeps_the_conditions_encrypted(world):
    g = grant(world)
    with connection.cursor() as cursor:
        cursor.execute("SELECT conditions FROM funding_grant WHERE id = %s", [g.pk.hex])
        stored = cursor.fetchone()[0]
    assert "Quarterly" not in stored
    assert Grant.objects.get(pk=g.pk).conditions.startswith("Quarterly")


def test_it_refuses_amounts_a_currency_cannot_hold(world):
    f = funder(world)
    with pytest.raises(ValidationError) as error:
        grant(world, by=f, currency="JPY", amount="100.50", reference="JP-1")
    assert "amount" in error.value.message_dict
    with pytest.raises(ValidationError):
        grant(world, by=f, currency="XXX", reference="X-1")
    kwd = grant(world, by=f, currency="KWD", amount="100.125", reference="KW-1")
    assert str(kwd.amount) == "100.125 KWD"


def test_allocations_stay_within_the_grant(world):
    g = grant(world, amount="1000.00")
    services.allocation_set(
        actor=world["org_admin"], grant=g, program=world.program, category=Category.FACILITATION, amount="600"
    )
    with pytest.raises(ValidationError, match=r"400\.00 EUR"):
        services.allocation_set(
            actor=world["org_admin"], grant=g, program=world.program, category=Category.TRAVEL, amount="400.01"
        )
    services.allocation_set(
        actor=world["org_admin"], grant=g, program=world.program, category=Category.TRAVEL, amount="400"
    )
    assert selectors.allocated_minor(g) == 100000
    # Another organisation's program is refused.
    other = Program.objects.create(organisation=world.charlie_org, name="Charlie's")
    with pytest.raises(ValidationError):
        services.allocation_set(actor=world["org_admin"], grant=g, program=other, category=Category.TRAVEL, amount="0")


def test_a_spend_line_that_would_overdraw_a_restricted_allocation_is_refused(world):
    g = grant(world)
    services.allocation_set(
        actor=world["org_admin"], grant=g, program=world.program, category=Category.FACILITATION, amount="500.00"
    )
    spend(world, g, "499.99")
    with pytest.raises(ValidationError, match=r"0\.01 EUR more than is allocated"):
        spend(world, g, "0.02")
    # Nothing allocated to travel: any travel spending overdraws it.
    with pytest.raises(ValidationError):
        spend(world, g, "1.00", category=Category.TRAVEL)
    spend(world, g, "0.01")
    assert selectors.spent_minor(g) == 50000
    assert SpendLine.objects.count() == 2


def test_an_admin_overrides_with_a_reason_and_the_override_is_audited(world):
    g = grant(world)
    services.allocation_set(
        actor=world["org_admin"], grant=g, program=world.program, category=Category.INTERPRETERS, amount="100.00"
    )
    with pytest.raises(ValidationError):  # an admin too needs a reason
        spend(world, g, "150.00", who="org_admin", category=Category.INTERPRETERS)
    line = spend(
        world, g, "150.00", who="org_admin", category=Category.INTERPRETERS,
        override_reason="Two extra sessions; the funder agreed by e-mail.",
    )  # fmt: skip
    assert line.overridden_by == world["org_admin"]
    assert line.override_reason.startswith("Two extra sessions")
    override = AuditEvent.objects.get(action="funding.spend_override")
    assert (override.actor, override.object_id) == (world["org_admin"], str(line.pk))
    assert override.detail["over_minor"] == 5000 and override.detail["currency"] == "EUR"
    assert "agreed" not in str(override.detail)  # the reason stays on the line, encrypted
    with connection.cursor() as cursor:
        cursor.execute("SELECT override_reason FROM funding_spendline WHERE id = %s", [line.pk.hex])
        assert "agreed" not in cursor.fetchone()[0]


def test_a_coordinator_cannot_override(world):
    g = grant(world)
    services.allocation_set(
        actor=world["org_admin"], grant=g, program=world.program, category=Category.TRAVEL, amount="10.00"
    )
    with pytest.raises(ValidationError, match="Only an organisation admin"):
        spend(world, g, "20.00", category=Category.TRAVEL, override_reason="Urgent taxi")
    assert not SpendLine.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="funding.spend").exists()


def test_a_reason_given_when_no_override_is_needed_is_not_kept(world):
    g = grant(world)
    services.allocation_set(
        actor=world["org_admin"], grant=g, program=world.program, category=Category.TRAVEL, amount="10.00"
    )
    line = spend(world, g, "5.00", category=Category.TRAVEL, override_reason="Just in case")
    assert line.override_reason is None and line.overridden_by is None
    assert not AuditEvent.objects.filter(action="funding.spend_override").exists()


def test_an_unrestricted_grant_may_be_spent_beyond_its_plan(world):
    g = grant(world, restricted=False)
    line = spend(world, g, "12000.00", category=Category.ADMINISTRATION)
    assert line.override_reason is None
    assert selectors.budget(g).total.over


def test_only_coordinators_and_admins_record_spending_within_the_grant(world):
    g = grant(world, restricted=False)
    for who in ("facilitator", "case_worker", "evaluator", "partner_liaison"):
        with pytest.raises(PermissionDenied):
            spend(world, g, "1.00", who=who)
    with pytest.raises(PermissionDenied):
        services.spend_record(
            actor=world.charlie, grant=g, program=world.program, category=Category.TRAVEL,
            spent_on=datetime.date(2026, 3, 1), amount=Decimal("1"), today=TODAY,
        )  # fmt: skip
    with pytest.raises(ValidationError, match="outside the grant's period"):
        spend(world, g, "1.00", spent_on=datetime.date(2025, 12, 31))
    with pytest.raises(ValidationError, match="once it has happened"):
        spend(world, g, "1.00", spent_on=TODAY + datetime.timedelta(days=1))
    with pytest.raises(ValidationError):
        spend(world, g, "0")
    with pytest.raises(ValidationError):
        spend(world, g, "1.001")
    assert not SpendLine.objects.exists()


def test_a_grant_change_keeps_what_is_allocated_and_spent(world):
    g = grant(world, amount="1000")
    services.allocation_set(
        actor=world["org_admin"], grant=g, program=world.program, category=Category.TRAINING, amount="800"
    )
    spend(world, g, "100", category=Category.TRAINING)
    with pytest.raises(ValidationError):
        services.grant_update(actor=world["org_admin"], grant=g, version=1, amount=Decimal("799.99"))
    with pytest.raises(ValidationError):
        services.grant_update(actor=world["org_admin"], grant=g, version=1, currency="USD")
    with pytest.raises(ValidationError):
        services.grant_update(actor=world["org_admin"], grant=g, version=1, starts_on=datetime.date(2026, 4, 1))
    changed = services.grant_update(actor=world["org_admin"], grant=g, version=1, amount=Decimal("1200"))
    assert (changed.amount_minor, changed.version) == (120000, 2)
    from reparo.audit.concurrency import ConflictError

    with pytest.raises(ConflictError):  # someone edits from the old version
        services.grant_update(actor=world["org_admin"], grant=g, version=1, purpose="Other")
    with pytest.raises(PermissionDenied):
        services.grant_update(actor=world["coordinator"], grant=g, version=2, purpose="Other")


def test_a_linked_session_must_be_of_the_same_organisation(world):
    from reparo.training import services as training

    g = grant(world, restricted=False)
    course = training.course_create(
        actor=world["coordinator"], organisation=world.alice_org, title="Law update", competencies=[]
    )
    session = training.course_session_add(
        actor=world["coordinator"], course=course,
        starts_at=datetime.datetime(2026, 3, 2, 10, tzinfo=datetime.UTC), hours=2,
    )  # fmt: skip
    line = spend(world, g, "80.00", category=Category.TRAINING, course_session=session)
    assert line.course_session == session
    theirs = training.course_create(
        actor=world.charlie, organisation=world.charlie_org, title="Charlie's course", competencies=[]
    )
    other = training.course_session_add(
        actor=world.charlie, course=theirs, starts_at=datetime.datetime(2026, 3, 2, 10, tzinfo=datetime.UTC), hours=2
    )
    with pytest.raises(ValidationError):
        spend(world, g, "80.00", category=Category.TRAINING, course_session=other)


# Reminders --------------------------------------------------------------------------------------------------


def test_reminders_go_once_per_stage_and_say_only_that_something_is_waiting(
    world, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    g = grant(world)
    soon = services.deadline_add(actor=world["org_admin"], grant=g, due_on=datetime.date(2026, 7, 15), what="Interim")
    later = services.deadline_add(actor=world["org_admin"], grant=g, due_on=datetime.date(2026, 10, 1), what="Final")
    sent = services.deadline_add(actor=world["org_admin"], grant=g, due_on=datetime.date(2026, 7, 1), what="Budget")
    services.deadline_mark_sent(actor=world["org_admin"], deadline=sent, sent_on=datetime.date(2026, 6, 20))
    with pytest.raises(PermissionDenied):
        services.deadline_add(actor=world["coordinator"], grant=g, due_on=datetime.date(2026, 7, 15), what="X")

    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_deadline_reminders(today=datetime.date(2026, 6, 30)) == 1
        assert services.send_deadline_reminders(today=datetime.date(2026, 6, 30)) == 0  # idempotent
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [world["org_admin"].email]  # those who manage funding; not the coordinator
    assert "Interim" not in message.body and "Northern" not in message.body and g.reference not in message.body
    assert message.subject == "Something is waiting for you in Reparo"
    # Once overdue, one more reminder; the later one enters its window.
    assert services.send_deadline_reminders(today=datetime.date(2026, 9, 1)) == 2
    assert services.send_deadline_reminders(today=datetime.date(2026, 9, 2)) == 0
    soon.refresh_from_db()
    later.refresh_from_db()
    assert soon.reminded_at and soon.overdue_reminded_at and later.reminded_at and not later.overdue_reminded_at
    assert AuditEvent.objects.filter(action="funding.deadline_reminder_sent").count() == 3
    assert ReportingDeadline.objects.get(pk=sent.pk).reminded_at is None  # a report already sent is left alone


def test_the_command_and_the_task_run_the_same_reminders(world, settings):
    from django.core.management import call_command

    from reparo.funding.tasks import send_deadline_reminders_task

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    g = grant(world)
    services.deadline_add(actor=world["org_admin"], grant=g, due_on=datetime.date(2026, 7, 15), what="Interim")
    services.deadline_add(actor=world["org_admin"], grant=g, due_on=datetime.date(2026, 5, 15), what="Late")
    call_command("send_funding_reminders", "--today", "2026-06-30")
    assert ReportingDeadline.objects.filter(reminded_at__isnull=False).count() == 1
    result = send_deadline_reminders_task.call("2026-06-30")
    assert result == 0
