import datetime
import time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.http import Http404
from django.utils import timezone

from reparo.audit.models import AuditEvent
from reparo.consent.models import Consent
from reparo.consent.services import consent_withdraw
from reparo.core.once import AlreadyDone
from reparo.messaging import selectors, services
from reparo.messaging.actors import ParticipantActor
from reparo.messaging.models import Attachment, Message, Relay, RelayStatus, Thread
from reparo.processes import services as process_services
from reparo.safety import services as safety_services
from reparo.safety.models import Notice
from tests.conftest import at_once
from tests.messaging.factories import PDF, agree_to_relay, dialogue

pytestmark = pytest.mark.django_db


def thread_texts(actor, case):
    """Every message text the actor can read on the case, through the selectors a portal page would use."""
    texts = []
    for thread in selectors.threads_of_case(actor, case):
        texts += [m.body for m in selectors.messages_of(thread)]
    return texts


def submit(d, text="I want you to know how it changed my life.", **kwargs):
    return services.relay_submit(actor=d.as_survivor(), process=d.process, body=text, kind="letter", **kwargs)


# --- the relay: nothing goes direct -------------------------------------------------------------------------------


def test_it_keeps_a_survivors_letter_from_the_responsible_person_until_a_facilitator_approves_it(world):
    d = dialogue(world)
    relay = submit(d)
    assert relay.status == RelayStatus.QUEUED and relay.recipient == d.responsible
    responsible = d.as_responsible()
    assert "I want you to know how it changed my life." not in thread_texts(responsible, d.case)
    with pytest.raises(Http404):  # nor can they open the relay itself
        selectors.relay_get_for(responsible, relay.pk)
    assert selectors.relay_get_for(d.as_survivor(), relay.pk) == relay  # the author follows it

    services.relay_approve(actor=world["facilitator"], relay=relay)

    assert thread_texts(responsible, d.case) == ["I want you to know how it changed my life."]
    thread = selectors.threads_of_case(responsible, d.case).get()
    message = selectors.messages_of(thread).get()
    # The responsible person's copy names nobody: it is "from the other side, passed on by the facilitator".
    assert message.author_person is None and message.author_user is None
    assert "passed on by the facilitator" in selectors.message_author_label(message, viewer=responsible)
    assert Relay.objects.get(pk=relay.pk).status == RelayStatus.DELIVERED
    actions = list(AuditEvent.objects.filter(object_id=str(relay.pk)).order_by("id").values_list("action", flat=True))
    assert actions == ["messaging.relay_submitted", "messaging.relay_delivered"]


def test_it_never_puts_both_sides_in_one_conversation(world):
    d = dialogue(world)
    survivor_thread = services.participant_thread(actor=d.as_survivor())
    responsible_thread = services.participant_thread(actor=d.as_responsible())
    assert survivor_thread != responsible_thread
    with pytest.raises(Http404):
        selectors.thread_get_for(d.as_responsible(), survivor_thread.pk)
    with pytest.raises(Http404):
        services.message_post(actor=d.as_responsible(), thread=survivor_thread, body="Hello")
    services.message_post(actor=d.as_survivor(), thread=survivor_thread, body="Only for my facilitator")
    assert "Only for my facilitator" not in thread_texts(d.as_responsible(), d.case)


def test_it_refuses_a_relay_while_a_contact_restriction_is_in_force(world):
    d = dialogue(world)
    queued = submit(d)
    safety_services.restriction_record(
        actor=world["facilitator"], case=d.case, person_a=d.responsible, person_b=d.survivor,
        kind="no_contact_order", valid_from=timezone.localdate(),
    )  # fmt: skip
    with pytest.raises(services.RelayRefused) as refused:
        submit(d)
    assert refused.value.codes == ["restriction"]
    assert "contact restriction is in force" in refused.value.reasons[0]
    # What was queued before the restriction cannot go either, and nothing reached the other side.
    with pytest.raises(services.RelayRefused):
        services.relay_approve(actor=world["facilitator"], relay=queued)
    assert Relay.objects.get(pk=queued.pk).status == RelayStatus.QUEUED
    assert not Message.objects.filter(relay__isnull=False).exists()


def test_it_refuses_a_relay_after_either_side_stopped(world):
    d = dialogue(world)
    queued = submit(d)
    participant = d.process.participants.get(person=d.responsible)
    process_services.participant_withdraw(actor=world["facilitator"], participant=participant)
    with pytest.raises(services.RelayRefused) as refused:
        submit(d)
    assert "stopped" in refused.value.codes
    assert "This process has stopped" in " ".join(refused.value.reasons)
    with pytest.raises(services.RelayRefused):
        services.relay_approve(actor=world["facilitator"], relay=queued)
    assert thread_texts(d.as_responsible(), d.case) == []


def test_it_refuses_a_relay_after_the_survivor_stopped(world):
    d = dialogue(world)
    participant = d.process.participants.get(person=d.survivor)
    process_services.participant_withdraw(actor=world["facilitator"], participant=participant)
    with pytest.raises(services.RelayRefused) as refused:
        services.relay_submit(actor=d.as_responsible(), process=d.process, body="I am sorry.", kind="apology")
    assert "stopped" in refused.value.codes


def test_it_refuses_a_relay_while_the_process_is_paused(world):
    d = dialogue(world)
    queued = submit(d)
    process_services.process_pause(actor=world["facilitator"], process=d.process, why="distress_threshold")
    with pytest.raises(services.RelayRefused) as refused:
        submit(d)
    assert refused.value.codes == ["paused"]
    assert refused.value.reasons == ["The process is paused, so nothing is passed on until it resumes."]
    with pytest.raises(services.RelayRefused):
        services.relay_approve(actor=world["facilitator"], relay=queued)
    process_services.process_resume(actor=world["facilitator"], process=d.process)
    services.relay_approve(actor=world["facilitator"], relay=queued)
    assert len(thread_texts(d.as_responsible(), d.case)) == 1


def test_it_refuses_a_relay_without_the_authors_consent(world):
    d = dialogue(world, consent=False)
    with pytest.raises(services.RelayRefused) as refused:
        submit(d)
    assert refused.value.codes == ["consent"]
    assert "needs the author's agreement" in refused.value.reasons[0]
    assert not Relay.objects.exists()
    # Agreeing lets it through; withdrawing the agreement stops the next one at once, and what waits in the queue.
    consent = agree_to_relay(world, d.survivor, d.case)
    queued = submit(d)
    consent_withdraw(actor=world["facilitator"], consent=Consent.objects.get(pk=consent.pk))
    with pytest.raises(services.RelayRefused) as refused:
        services.relay_approve(actor=world["facilitator"], relay=queued)
    assert "withdrew" in refused.value.reasons[0]


def test_it_gives_every_reason_at_once(world):
    d = dialogue(world, consent=False)
    process_services.process_pause(actor=world["facilitator"], process=d.process, why="distress_threshold")
    safety_services.restriction_record(
        actor=world["facilitator"], case=d.case, person_a=d.survivor, person_b=d.responsible,
        kind="court_condition", valid_from=timezone.localdate(),
    )  # fmt: skip
    with pytest.raises(services.RelayRefused) as refused:
        submit(d)
    assert refused.value.codes == ["restriction", "consent", "paused"]
    assert all(reason.endswith(".") for reason in refused.value.reasons)


def test_it_passes_messages_only_between_the_two_sides(world):
    d = dialogue(world)
    with pytest.raises(services.RelayRefused) as refused:
        services.relay_submit(
            actor=world["facilitator"], process=d.process, body="x", author=d.survivor, recipient=d.survivor
        )
    assert "sides" in refused.value.codes


# --- edits need the author's agreement ---------------------------------------------------------------------------


def test_it_sends_an_edit_only_once_the_author_agrees(world):
    d = dialogue(world)
    relay = submit(d, "You are a monster and I know where you live.")
    services.relay_propose_edit(
        actor=world["facilitator"], relay=relay, text="I want you to understand how much you hurt me.",
        note="I took out the part about where they live, to keep you safe.",
    )  # fmt: skip
    relay.refresh_from_db()
    assert relay.status == RelayStatus.EDIT_PROPOSED
    # The author sees the edit and the note.
    mine = selectors.relay_get_for(d.as_survivor(), relay.pk)
    assert mine.proposed_body == "I want you to understand how much you hurt me." and "keep you safe" in mine.note
    # The facilitator cannot send it past the author, and nothing reached the other side.
    with pytest.raises(ValidationError, match="agree"):
        services.relay_approve(actor=world["facilitator"], relay=relay)
    assert thread_texts(d.as_responsible(), d.case) == []

    services.relay_answer_edit(actor=d.as_survivor(), relay=relay, agree=True)

    assert thread_texts(d.as_responsible(), d.case) == ["I want you to understand how much you hurt me."]
    assert Relay.objects.get(pk=relay.pk).status == RelayStatus.DELIVERED


def test_it_puts_the_authors_own_words_back_when_they_do_not_agree_to_an_edit(world):
    d = dialogue(world)
    relay = submit(d, "My own words.")
    services.relay_propose_edit(actor=world["facilitator"], relay=relay, text="Softer words.")
    services.relay_answer_edit(actor=d.as_survivor(), relay=relay, agree=False)
    relay.refresh_from_db()
    assert relay.status == RelayStatus.QUEUED and relay.proposed_body is None and relay.edit_refused_at
    assert relay.body == "My own words."
    assert thread_texts(d.as_responsible(), d.case) == []


def test_it_does_not_let_the_facilitator_who_edited_record_the_authors_agreement(world):
    d = dialogue(world)
    relay = submit(d)
    services.relay_propose_edit(actor=world["facilitator"], relay=relay, text="Edited.")
    with pytest.raises(ValidationError, match="You proposed this edit"):
        services.relay_answer_edit(actor=world["facilitator"], relay=relay, agree=True)
    # A colleague may write down what the author said (the author was asked, on the phone).
    services.relay_answer_edit(actor=world["case_worker"], relay=relay, agree=True)
    assert thread_texts(d.as_responsible(), d.case) == ["Edited."]
    event = AuditEvent.objects.get(action="messaging.relay_edit_agreed")
    assert event.actor == world["case_worker"] and event.detail["by"] == "staff"


def test_it_refuses_an_agreement_to_an_edit_that_was_replaced_since(world):
    """A colleague writes down the author's "yes" from a page that showed an earlier edit: the author never saw the
    words now waiting, so nothing goes."""
    d = dialogue(world)
    relay = submit(d)
    services.relay_propose_edit(actor=world["facilitator"], relay=relay, text="First edit.")
    seen = selectors.edit_version(Relay.objects.get(pk=relay.pk))
    services.relay_answer_edit(actor=d.as_survivor(), relay=relay, agree=False, edit_seen=seen)
    services.relay_propose_edit(actor=world["facilitator"], relay=relay, text="Second edit.")
    with pytest.raises(ValidationError, match="not the one on the page"):
        services.relay_answer_edit(actor=world["case_worker"], relay=relay, agree=True, edit_seen=seen)
    assert Relay.objects.get(pk=relay.pk).status == RelayStatus.EDIT_PROPOSED
    assert thread_texts(d.as_responsible(), d.case) == []
    current = selectors.edit_version(Relay.objects.get(pk=relay.pk))
    services.relay_answer_edit(actor=world["case_worker"], relay=relay, agree=True, edit_seen=current)
    assert thread_texts(d.as_responsible(), d.case) == ["Second edit."]


def test_it_declines_with_a_note_the_author_sees(world):
    d = dialogue(world)
    relay = submit(d)
    with pytest.raises(ValidationError):
        services.relay_decline(actor=world["facilitator"], relay=relay, note="  ")
    services.relay_decline(actor=world["facilitator"], relay=relay, note="Let us talk about this first.")
    mine = selectors.relay_get_for(d.as_survivor(), relay.pk)
    assert mine.status == RelayStatus.DECLINED and mine.note == "Let us talk about this first."
    assert thread_texts(d.as_responsible(), d.case) == []
    with pytest.raises(ValidationError):
        services.relay_approve(actor=world["facilitator"], relay=relay)


def test_it_lets_only_a_facilitator_on_the_case_team_review(world):
    d = dialogue(world)
    relay = submit(d)
    for who in ("case_worker", "supervisor", "coordinator", "cosa_volunteer"):
        with pytest.raises(Http404):
            services.relay_approve(actor=world[who], relay=relay)
    with pytest.raises(Http404):
        services.relay_approve(actor=world.charlie, relay=relay)
    with pytest.raises(PermissionDenied):
        services.relay_approve(actor=d.as_survivor(), relay=relay)
    assert Relay.objects.get(pk=relay.pk).status == RelayStatus.QUEUED


def test_it_lets_the_author_take_back_what_has_not_gone(world):
    d = dialogue(world)
    relay = submit(d)
    services.relay_withdraw(actor=d.as_survivor(), relay=relay)
    assert Relay.objects.get(pk=relay.pk).status == RelayStatus.WITHDRAWN
    with pytest.raises(ValidationError):
        services.relay_approve(actor=world["facilitator"], relay=relay)
    with pytest.raises(Http404):  # the recipient cannot take back what is not theirs
        services.relay_withdraw(actor=d.as_responsible(), relay=submit(d))


def test_it_tells_the_facilitators_discreetly_that_something_waits(world):
    d = dialogue(world)
    submit(d)
    submit(d)  # a second one before the first notice was read adds nothing
    notices = Notice.objects.filter(kind=Notice.Kind.RELAY)
    assert [n.user for n in notices] == [world["facilitator"]]
    assert notices.get().process == d.process


# --- conversations --------------------------------------------------------------------------------------------


def test_it_refuses_an_impostor_participant(world):
    d = dialogue(world)
    thread = services.participant_thread(actor=d.as_survivor())
    other = dialogue(world)
    impostor = ParticipantActor(person=other.survivor, case=d.case)  # a person of another case
    with pytest.raises(Http404):
        selectors.thread_get_for(impostor, thread.pk)
    with pytest.raises(Http404):
        services.participant_thread(actor=impostor)


def test_it_keeps_message_texts_and_files_encrypted_at_rest(world):
    d = dialogue(world)
    thread = services.participant_thread(actor=d.as_survivor())
    message = services.message_post(
        actor=d.as_survivor(), thread=thread, body="Secret words about the harm", files=[("letter.pdf", PDF)]
    )
    attachment = Attachment.objects.get(message=message)
    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM messaging_message WHERE id = %s", [message.pk.hex])
        (stored,) = cursor.fetchone()
        cursor.execute("SELECT content, filename FROM messaging_attachment WHERE id = %s", [attachment.pk.hex])
        content, filename = cursor.fetchone()
    assert stored.startswith("enc1:") and "Secret" not in stored
    assert content.startswith("enc1:") and b"%PDF" not in content.encode() and "letter" not in filename
    assert Attachment.objects.get(pk=attachment.pk).content == PDF


def test_it_tells_the_case_team_and_not_the_volunteer_of_a_survivors_message(world):
    d = dialogue(world)
    services.message_post(actor=d.as_survivor(), thread=services.participant_thread(actor=d.as_survivor()), body="Hi")
    told = {n.user for n in Notice.objects.filter(kind=Notice.Kind.MESSAGE)}
    assert world["facilitator"] in told and world["case_worker"] in told
    assert world["cosa_volunteer"] not in told
    event = AuditEvent.objects.get(action="messaging.message_posted")
    assert event.actor_label.startswith("participant ") and "Hi" not in str(event.detail)


def test_it_refuses_new_messages_on_a_closed_case(world):
    d = dialogue(world)
    thread = services.thread_open(actor=world["facilitator"], case=d.case)
    from reparo.cases.services import case_transition

    case_transition(actor=world["facilitator"], case=d.case, to_status="withdrawn", reason="")
    with pytest.raises(ValidationError, match="closed"):
        services.message_post(actor=world["facilitator"], thread=thread, body="Still there?")


def test_it_gives_the_volunteer_only_the_responsible_side(world):
    d = dialogue(world)
    volunteer = world["cosa_volunteer"]
    survivor_thread = services.thread_open(actor=world["facilitator"], case=d.case, person=d.survivor)
    team = services.thread_open(actor=world["facilitator"], case=d.case)
    with pytest.raises(Http404):
        services.thread_open(actor=volunteer, case=d.case, person=d.survivor)
    responsible_thread = services.thread_open(actor=volunteer, case=d.case, person=d.responsible)
    side_team = services.thread_open(actor=volunteer, case=d.case)
    assert set(selectors.threads_of_case(volunteer, d.case)) == {responsible_thread, side_team}
    for hidden in (survivor_thread, team):
        with pytest.raises(Http404):
            selectors.thread_get_for(volunteer, hidden.pk)
    assert Thread.objects.count() == 4


def test_it_keeps_erased_texts_as_none(world):
    """An encrypted body set to nothing stays nothing (the retention sweep relies on it)."""
    d = dialogue(world)
    thread = services.thread_open(actor=world["facilitator"], case=d.case)
    message = services.message_post(actor=world["facilitator"], thread=thread, body="x")
    Message.objects.filter(pk=message.pk).update(body=None, erased_at=timezone.now() - datetime.timedelta(days=1))
    assert Message.objects.get(pk=message.pk).body is None


def test_it_sends_one_message_when_the_same_form_arrives_twice_at_once(world, monkeypatch):
    # Two requests with the same form, at the same moment: neither finds the other's message before writing its
    # own; the unique token digest lets one through and hands the other the first one's message.
    d = dialogue(world)
    thread = services.thread_open(actor=world["facilitator"], case=d.case, person=d.survivor)
    first = services.message_post(actor=world["facilitator"], thread=thread, body="Hello.", submission="tok-1")
    monkeypatch.setattr(services, "already_made", lambda *_a, **_k: None)
    with pytest.raises(AlreadyDone) as caught:
        services.message_post(actor=world["facilitator"], thread=thread, body="Hello.", submission="tok-1")
    assert caught.value.result == first
    assert Message.objects.filter(thread=thread).count() == 1
    # Another form (another token) is another message.
    services.message_post(actor=world["facilitator"], thread=thread, body="Hello.", submission="tok-2")
    assert Message.objects.filter(thread=thread).count() == 2


@pytest.mark.django_db(transaction=True)
def test_it_sends_a_first_message_sent_twice_at_once_once_and_answers_both_taps(world, monkeypatch):
    """A double tap on the participant's very first message: neither request finds their conversation, so both start
    one. On PostgreSQL the second waits at the unique conversation index for the first; it must then take the first's
    conversation (and find its message), not fail with a server error. On SQLite the shared in-memory test database
    answers "locked" at once, and the thread tries again (as a database file's busy timeout would)."""
    d = dialogue(world)
    assert not Thread.objects.filter(case=d.case, person=d.survivor).exists()
    slow = services.selectors.audience_of_person

    def slowly(case, person):
        time.sleep(0.3)  # both requests have looked for the conversation before either starts it
        return slow(case, person)

    monkeypatch.setattr(services.selectors, "audience_of_person", slowly)

    def tap() -> str:
        try:
            with transaction.atomic():  # as reparo.portal.services.message_write
                actor = d.as_survivor()
                thread = services.participant_thread(actor=actor)
                services.message_post(actor=actor, thread=thread, body="My first message.", submission="tok-first")
            return "sent"
        except AlreadyDone:
            return "sent already"

    assert sorted(at_once(tap)) == ["sent", "sent already"]
    assert Thread.objects.filter(case=d.case, person=d.survivor).count() == 1
    assert Message.objects.filter(author_person=d.survivor).count() == 1
    assert AuditEvent.objects.filter(action="messaging.thread_opened", detail__person=str(d.survivor.pk)).count() == 1


@pytest.mark.parametrize("with_participant", [False, True], ids=["team", "participant"])
def test_it_gives_a_conversation_two_staff_open_at_once_to_both(world, monkeypatch, with_participant):
    """Two staff open the case team's conversation (or one participant's) at the same moment: neither finds it, so
    both start it. The unique conversation index refuses the second start; that opener must get the conversation the
    first started, not a server error. Here the other opener starts it between this one's look and its start."""
    d = dialogue(world)
    person = d.survivor if with_participant else None
    look_done = services._require_open_case  # called after the look, before the start
    other: list[Thread] = []

    def the_other_opens_it_now(case):
        monkeypatch.setattr(services, "_require_open_case", look_done)
        other.append(services.thread_open(actor=world["coordinator"], case=case, person=person))
        look_done(case)

    monkeypatch.setattr(services, "_require_open_case", the_other_opens_it_now)
    thread = services.thread_open(actor=world["facilitator"], case=d.case, person=person)
    assert other and thread == other[0] and thread.created_by == world["coordinator"]
    assert Thread.objects.filter(case=d.case, person=person).count() == 1
    assert AuditEvent.objects.filter(action="messaging.thread_opened", object_id=str(thread.pk)).count() == 1
    # The second opener writes in it as in any conversation.
    services.message_post(actor=world["facilitator"], thread=thread, body="I opened it too.")
    assert [m.body for m in selectors.messages_of(thread)] == ["I opened it too."]


def test_it_keeps_an_approved_letter_approved_when_approved_again(world):
    d = dialogue(world)
    relay = submit(d)
    services.relay_approve(actor=world["facilitator"], relay=relay)
    with pytest.raises(AlreadyDone):
        services.relay_approve(actor=world["facilitator"], relay=relay)
    assert Message.objects.filter(relay=relay).count() == 1
