import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from reparo.audit.models import AuditEvent
from reparo.messaging import services, tasks
from reparo.messaging.models import Attachment, Message, Relay, RelayStatus
from reparo.organisations.models import Program
from tests.cases.factories import open_case
from tests.messaging.factories import PDF, dialogue

pytestmark = pytest.mark.django_db


def age(days, *rows):
    """Move rows ``days`` into the past (as if written then)."""
    then = timezone.now() - datetime.timedelta(days=days)
    for row in rows:
        type(row).objects.filter(pk=row.pk).update(created_at=then)


def post(world, d, body, files=()):
    thread = services.thread_open(actor=world["facilitator"], case=d.case, person=d.survivor)
    return services.message_post(actor=world["facilitator"], thread=thread, body=body, files=files)


def test_it_erases_texts_and_files_past_the_keeping_period_and_keeps_the_rest(world):
    d = dialogue(world)
    services.retention_set(actor=world["coordinator"], program=world.program, days=30)
    old = post(world, d, "Old words", files=[("old.pdf", PDF)])
    new = post(world, d, "New words")
    queued = services.relay_submit(actor=d.as_survivor(), process=d.process, body="Old letter", kind="letter")
    age(31, old, queued)

    counts = services.messages_erase_expired()

    assert (counts.messages, counts.attachments, counts.relays) == (1, 1, 1)
    old = Message.objects.get(pk=old.pk)
    assert old.body is None and old.erased_at is not None
    assert old.author_user == world["facilitator"] and old.thread_id  # who wrote where, and when, stays
    attachment = Attachment.objects.get(message=old)
    assert attachment.content is None and attachment.filename is None
    assert attachment.size == len(PDF) and attachment.content_type == "application/pdf"
    assert Message.objects.get(pk=new.pk).body == "New words"
    relay = Relay.objects.get(pk=queued.pk)
    assert relay.body is None and relay.status == RelayStatus.EXPIRED and relay.author == d.survivor
    event = AuditEvent.objects.get(action="messaging.retention_erased")
    assert event.detail["messages"] == 1 and "Old" not in str(event.detail)


def test_it_erases_once(world):
    d = dialogue(world)
    age(400, post(world, d, "Old words", files=[("old.pdf", PDF)]))
    first = services.messages_erase_expired()
    erased_at = Message.objects.get().erased_at
    second = services.messages_erase_expired()
    assert (first.messages, second.messages, second.attachments, second.relays) == (1, 0, 0, 0)
    assert Message.objects.get().erased_at == erased_at
    assert AuditEvent.objects.filter(action="messaging.retention_erased").count() == 1


def test_it_keeps_each_programs_own_period(world):
    d = dialogue(world)
    other = Program.objects.create(organisation=world.alice_org, name="Circles")
    other_case = open_case(actor=world["coordinator"], program=other, team=[(world["facilitator"], "lead_facilitator")])
    services.retention_set(actor=world["coordinator"], program=other, days=10)
    mine = post(world, d, "Kept for a year")
    thread = services.thread_open(actor=world["facilitator"], case=other_case)
    theirs = services.message_post(actor=world["facilitator"], thread=thread, body="Kept ten days")
    age(20, mine, theirs)
    services.messages_erase_expired()
    assert Message.objects.get(pk=mine.pk).body == "Kept for a year"
    assert Message.objects.get(pk=theirs.pk).body is None


def test_it_runs_as_a_command_and_as_a_task(world):
    d = dialogue(world)
    age(400, post(world, d, "a"))
    call_command("erase_expired_messages", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Message.objects.get().body is None
    age(400, post(world, d, "b"))
    result = tasks.erase_expired_messages_task.enqueue()
    assert result.return_value == {"messages": 1, "attachments": 0, "relays": 0}


def test_it_lets_only_coordinators_and_admins_set_the_period(world):
    for who in ("facilitator", "case_worker", "supervisor"):
        with pytest.raises(PermissionDenied):
            services.retention_set(actor=world[who], program=world.program, days=5)
    with pytest.raises(PermissionDenied):
        services.retention_set(actor=world.charlie, program=world.program, days=5)
    for days in (0, 3651, "many"):
        with pytest.raises(ValidationError):
            services.retention_set(actor=world["org_admin"], program=world.program, days=days)
    assert services.retention_set(actor=world["org_admin"], program=world.program, days=90).retention_days == 90
