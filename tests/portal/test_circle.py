"""The survivor's support circle in the portal (``/my/circle/``): their goals in their words, the steps and who helps,
progress that counts only once they confirm it, the next meeting (when, where, who: volunteers by first name only),
and ending the circle in one step with no reason asked. Only the survivor the circle is formed around reaches it."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from reparo.audit.models import AuditEvent
from reparo.cases.models import Task
from reparo.consent.models import Consent
from reparo.support import selectors as support_selectors
from reparo.support import services as support_services
from reparo.support.models import Goal, Progress, ProgressStatus, Step, SupportCircle
from tests.conftest import CsrfClient, sign_in
from tests.portal.conftest import PortalWorld
from tests.support.factories import circle as make_circle
from tests.support.factories import support_process

pytestmark = pytest.mark.django_db

VOLUNTEER_NAME = ("Amara", "Quillfeather")
PLACE = "Community room, Elm Street library"
OWN_WORDS = "A flat of my own, near my sister"
KEPT_WORDS = "Sort out my papers with a lawyer"


def _next_week() -> datetime.datetime:
    return timezone.now().replace(microsecond=0) + datetime.timedelta(days=7)


def _circle(p: PortalWorld) -> dict[str, Any]:
    """A circle around the portal world's survivor, with goals (one kept from the volunteers), a step a volunteer
    helps with, progress waiting for the survivor, and the next meeting."""
    world = p.world
    volunteer = world["support_volunteer"]
    volunteer.full_name = " ".join(VOLUNTEER_NAME)
    volunteer.save()
    c = make_circle(world, process=support_process(world, p.case), known_as="Sunny")
    coordinator = world["coordinator"]
    goal = support_services.goal_set(actor=coordinator, circle=c, area="housing", words=OWN_WORDS)
    kept = support_services.goal_set(
        actor=coordinator, circle=c, area="legal_status", words=KEPT_WORDS, shared_with_volunteers=False
    )
    member = c.volunteers.get(user=volunteer)
    step = support_services.step_add(actor=coordinator, goal=goal, words="Visit the housing office", helper=member)
    met = support_services.progress_propose(actor=volunteer, goal=goal, kind="goal_met", words="Keys handed over")
    done = support_services.progress_propose(actor=volunteer, goal=goal, kind="step_done", step=step)
    c = support_services.circle_settings_update(
        actor=coordinator, circle=c, known_as="Sunny", survivor_joins_meetings=True, next_meeting_at=_next_week(),
        next_meeting_place=PLACE,
    )  # fmt: skip
    return {"circle": c, "goal": goal, "kept": kept, "step": step, "met": met, "done": done, "member": member}


def _url(c: SupportCircle, name: str = "circle", *args: Any) -> str:
    return reverse(f"portal:{name}", args=[c.pk, *args])


def test_it_shows_the_survivor_their_goals_progress_and_next_meeting(portal):
    p = portal
    made = _circle(p)
    c = made["circle"]
    survivor = p.client("survivor")
    response = survivor.get(_url(c))
    assert response.status_code == 200
    html = response.content.decode()
    # Their goals in their words, the one kept from the volunteers too, and who helps with a step (first name only).
    for words in (OWN_WORDS, KEPT_WORDS, "Visit the housing office", "Keys handed over", "with Amara"):
        assert words in html, words
    assert "Only you and your coordinator see this goal." in html
    # The next meeting: when, where, who (the coordinator by role, volunteers by first name).
    local = timezone.localtime(c.next_meeting_at)
    assert local.strftime("%H:%M") in html and PLACE in html and "Your coordinator" in html
    assert "Amara" in html and "Quillfeather" not in html
    for user in support_selectors.active_volunteers_of(c):
        assert user.user.email not in html
    assert p.world["coordinator"].email not in html and str(p.world["coordinator"].full_name) not in html
    assert "The volunteers know you as Sunny." in html
    assert AuditEvent.objects.filter(
        action="support.circle_viewed", object_id=str(c.pk), actor=p.users["survivor"]
    ).exists()
    # The page is reached from the survivor's home page.
    assert _url(c) in survivor.get(reverse("portal:home")).content.decode()


def test_it_counts_progress_only_once_the_survivor_confirms_it(portal):
    p = portal
    made = _circle(p)
    c, goal, step = made["circle"], made["goal"], made["step"]
    survivor = p.client("survivor")
    assert Goal.objects.get(pk=goal.pk).met_on is None  # proposed, not yet counted

    response = survivor.post_form(_url(c, "circle_progress", made["met"].pk), {"answer": "yes"})
    assert response.status_code == 302
    met = Progress.objects.get(pk=made["met"].pk)
    assert met.status == ProgressStatus.CONFIRMED
    assert met.answered_via == "self_service" and met.answered_by == p.users["survivor"]
    assert Goal.objects.get(pk=goal.pk).met_on == timezone.localdate()

    survivor.post_form(_url(c, "circle_progress", made["done"].pk), {"answer": "not_yet"})
    assert Progress.objects.get(pk=made["done"].pk).status == ProgressStatus.NOT_CONFIRMED
    assert Step.objects.get(pk=step.pk).done_on is None  # "not yet" counts nothing

    # Answered once: answering again (the same tap twice, or another answer) changes nothing, and says so kindly.
    for answer in ("not_yet", "yes"):
        again = survivor.post_form(_url(c, "circle_progress", made["done"].pk), {"answer": answer}, follow=True)
        assert again.status_code == 200 and "You answered this already" in again.content.decode()
        assert "message--error" not in again.content.decode()
    assert Progress.objects.get(pk=made["done"].pk).status == ProgressStatus.NOT_CONFIRMED
    assert Step.objects.get(pk=step.pk).done_on is None
    html = survivor.get(_url(c)).content.decode()
    assert 'id="waiting"' not in html and "Met" in html
    event = AuditEvent.objects.filter(action="support.progress_answered", actor=p.users["survivor"]).first()
    assert event is not None and event.detail["via"] == "self_service"


def test_it_refuses_an_answer_that_is_neither_yes_nor_not_yet(portal):
    p = portal
    made = _circle(p)
    response = p.client("survivor").post_form(_url(made["circle"], "circle_progress", made["met"].pk), {"answer": ""})
    assert response.status_code == 302
    assert Progress.objects.get(pk=made["met"].pk).status == ProgressStatus.AWAITING


def test_it_lets_the_survivor_end_the_circle_in_one_step_without_a_reason(portal):
    p = portal
    made = _circle(p)
    c = made["circle"]
    volunteer = p.world["support_volunteer"]
    assert support_selectors.support_circle_get_for(volunteer, c.pk) == c
    survivor = p.client("survivor")

    response = survivor.post_form(_url(c, "circle_end"))
    assert response.status_code == 200
    assert "Your circle has ended" in response.content.decode()
    c.refresh_from_db()
    assert not c.process.is_open and c.next_meeting_at is None and c.next_meeting_place is None
    assert c.process.participants.get(person=p.people["survivor"]).withdrawn_at is not None
    # The volunteers lose access at once; the survivor's page is gone too.
    with pytest.raises(Http404):
        support_selectors.support_circle_get_for(volunteer, c.pk)
    assert survivor.get(_url(c)).status_code == 404
    assert _url(c) not in survivor.get(reverse("portal:home")).content.decode()
    # The coordinator is told, and the audit says the survivor did it themself.
    titles = [t.title for t in Task.objects.filter(owner=p.world["coordinator"])]
    assert "A survivor ended their support circle. Check in with them and offer support." in titles
    ended = AuditEvent.objects.get(action="support.circle_ended", object_id=str(c.pk))
    assert ended.actor == p.users["survivor"] and ended.detail["via"] == "self_service"


def test_it_lets_the_survivor_withdraw_and_give_again_the_agreement_to_their_circle(portal):
    """On "Your choices" the survivor reads their circle in plain words and is offered nothing already agreed; giving
    the agreement again there is the agreement the volunteers' access hangs on (not one to take part in a process)."""
    p = portal
    c = _circle(p)["circle"]
    volunteer = p.world["support_volunteer"]
    survivor = p.client("survivor")
    choices = reverse("portal:choices")
    html = survivor.get(choices).content.decode()
    assert "Have your circle of support" in html and str(c.process_id) not in html
    assert f'value="process:{c.process_id}"' not in html  # already agreed: nothing to give

    agreement = Consent.objects.get(person=p.people["survivor"], purpose="support_circle")
    survivor.post_form(reverse("portal:choice_withdraw", args=[agreement.pk]))
    with pytest.raises(Http404):
        support_selectors.support_circle_get_for(volunteer, c.pk)
    assert f'value="process:{c.process_id}"' in survivor.get(choices).content.decode()

    survivor.post_form(reverse("portal:choice_give"), {"offer": f"process:{c.process_id}"})
    given = Consent.objects.filter(person=p.people["survivor"], purpose="support_circle").latest("given_at")
    assert given.method == "self_service" and given.process_ref == str(c.process_id)
    assert not Consent.objects.filter(person=p.people["survivor"], purpose="process",
                                      process_ref=str(c.process_id)).exists()  # fmt: skip
    assert support_selectors.support_circle_get_for(volunteer, c.pk) == c


def test_it_ends_the_circle_once_when_the_end_is_sent_twice_at_once(portal, monkeypatch):
    """Both taps read the circle open; the second finds it ended: one task for the coordinator, one audit row, and
    the survivor is shown that the circle has ended, not an error."""
    p = portal
    c = _circle(p)["circle"]
    stale = SupportCircle.objects.select_related("process").get(pk=c.pk)
    survivor = p.client("survivor")
    assert survivor.post_form(_url(c, "circle_end")).status_code == 200
    tasks = Task.objects.filter(case=c.process.case).count()
    with pytest.raises(ValidationError, match="has ended"):
        support_services.support_circle_end(actor=p.users["survivor"], circle=stale)
    with pytest.raises(ValidationError, match="has ended"):
        support_services.support_circle_end(actor=p.world["coordinator"], circle=stale)
    # The second tap's page read the circle before the first ended it: it says the circle has ended.
    monkeypatch.setattr("reparo.portal.views.selectors.circle_get_for", lambda _user, _pk: stale)
    response = survivor.post_form(_url(c, "circle_end"))
    assert response.status_code == 200 and "Your circle has ended" in response.content.decode()
    assert Task.objects.filter(case=c.process.case).count() == tasks
    assert AuditEvent.objects.filter(action="support.circle_ended", object_id=str(c.pk)).count() == 1


def test_it_ends_the_circle_when_the_survivor_stops_it_from_i_want_to_stop(portal):
    p = portal
    c = _circle(p)["circle"]
    survivor = p.client("survivor")
    stop = reverse("portal:stop_process", args=[c.process_id])
    assert "Support circle" in survivor.get(reverse("portal:stop")).content.decode()
    assert survivor.post_form(stop).status_code == 200
    c.refresh_from_db()
    assert not c.process.is_open and c.next_meeting_at is None
    assert AuditEvent.objects.filter(action="support.circle_ended", object_id=str(c.pk)).exists()


def test_it_answers_404_to_everyone_but_the_circles_survivor(portal):
    p = portal
    made = _circle(p)
    c = made["circle"]
    # Another case's survivor with a circle of their own: neither reaches the other's.
    other = make_circle(p.world, process=support_process(p.world, p.other_case))
    other_progress = support_services.progress_propose(
        actor=p.world["support_volunteer"],
        goal=support_services.goal_set(actor=p.world["coordinator"], circle=other, area="work", words="A job"),
        kind="note", words="An interview",
    )  # fmt: skip
    other_client = sign_in(CsrfClient(), p.other_user)
    clients = {
        "responsible": p.client("responsible"),
        "supporter": p.client("supporter"),
        "other case survivor": other_client,
        "facilitator": sign_in(CsrfClient(), p.world["facilitator"]),
        "support volunteer": sign_in(CsrfClient(), p.world["support_volunteer"]),
    }
    for who, client in clients.items():
        assert client.get(_url(c)).status_code == 404, who
        assert client.post_form(_url(c, "circle_progress", made["met"].pk), {"answer": "yes"}).status_code == 404
        assert client.post_form(_url(c, "circle_end")).status_code == 404, who
        assert _url(c) not in client.get(reverse("portal:home")).content.decode()
    # The survivor cannot answer another circle's progress under their own circle.
    survivor = p.client("survivor")
    assert survivor.post_form(_url(c, "circle_progress", other_progress.pk), {"answer": "yes"}).status_code == 404
    assert survivor.get(_url(other)).status_code == 404
    assert other_client.get(_url(other)).status_code == 200
    assert Progress.objects.get(pk=other_progress.pk).status == ProgressStatus.AWAITING
    assert Progress.objects.get(pk=made["met"].pk).status == ProgressStatus.AWAITING
    assert c.process.is_open and SupportCircle.objects.get(pk=c.pk).next_meeting_at is not None


def test_it_shows_the_circle_to_no_participant_on_the_responsible_side(portal):
    p = portal
    c = _circle(p)["circle"]
    html = p.client("responsible").get(reverse("portal:home")).content.decode()
    assert "Your circle" not in html and str(c.pk) not in html
    for url in (reverse("portal:stop"), reverse("portal:agreements"), reverse("portal:appointments")):
        assert "Support circle" not in p.client("responsible").get(url).content.decode()


def test_only_the_survivor_answers_for_themself(portal):
    """The services themselves: a participant who is not the circle's survivor (the responsible person's account),
    and a volunteer, are refused; the survivor's own answer is always recorded as given by them."""
    from django.core.exceptions import PermissionDenied

    p = portal
    made = _circle(p)
    for actor in (p.users["responsible"], p.users["supporter"], p.world["support_volunteer"]):
        with pytest.raises(PermissionDenied):
            support_services.progress_answer(actor=actor, progress=made["met"], confirmed=True)
        with pytest.raises(PermissionDenied):
            support_services.support_circle_end(actor=actor, circle=made["circle"])
    answered = support_services.progress_answer(
        actor=p.users["survivor"], progress=made["met"], confirmed=True, via="staff"
    )
    assert answered.answered_via == "self_service"
    assert made["circle"].process.is_open
