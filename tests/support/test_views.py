from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from reparo.audit.models import AuditEvent
from reparo.cases import services as case_services
from reparo.consent.models import Consent, ConsentPurpose
from reparo.consent.services import consent_withdraw
from reparo.support import services
from reparo.support.models import Goal, Progress, SupportCircle, SupportMeeting, Worry
from tests.cases.factories import alice_case
from tests.conftest import page_title, sign_in
from tests.safety.factories import screen
from tests.support.factories import circle, meeting, support_process

pytestmark = pytest.mark.django_db

CANARIES = ("Canaryfamily", "7700 912345", "valentina.canary", "Hidden Street", "Secret Town", "CanaryHarm",
            "CanaryNote", "CanarySecretGoal")  # fmt: skip


def url(name, c, **kwargs):
    return reverse(f"support:{name}", kwargs={"pk": c.pk, **kwargs})


@pytest.fixture
def canary_circle(world):
    """A circle whose survivor's surname, phone, e-mail and address, case harms and notes are canaries, and whose
    goal kept from the volunteers is one too."""
    case = alice_case(world, survivor_name=("Valentina", "Canaryfamily"), phone="+44 7700 912345",
                      email="valentina.canary@mail.example")  # fmt: skip
    case_services.harm_add(actor=world["coordinator"], case=case, description="CanaryHarm in the kitchen")
    case_services.note_add(actor=world["coordinator"], case=case, body="CanaryNote about the family")
    c = circle(world, process=support_process(world, case), known_as="Vale")
    services.goal_set(actor=world["coordinator"], circle=c, area="housing", words="A room with a window")
    services.goal_set(actor=world["coordinator"], circle=c, area="legal_status", words="CanarySecretGoal papers",
                      shared_with_volunteers=False)  # fmt: skip
    screen(world, c.process, "survivor_readiness", person=c.survivor)
    return c


# --- the coordinator -------------------------------------------------------------------------------------------


def test_a_coordinator_opens_a_circle_from_its_process(client, world):
    process = support_process(world)
    survivor = process.case.participants.get(role="survivor").person
    sign_in(client, world["coordinator"])
    page = client.get(reverse("support:for_process", kwargs={"process_pk": process.pk}))
    assert page.status_code == 200 and page_title(page.content.decode()).startswith("Support circle")
    response = client.post_form(
        reverse("support:for_process", kwargs={"process_pk": process.pk}),
        {"survivor": survivor.pk, "known_as": "Sunny", "survivor_joins_meetings": "on", "consent_method": "written",
         "consent_given_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")},
    )  # fmt: skip
    c = SupportCircle.objects.get(process=process)
    assert response.status_code == 302 and response["Location"] == url("detail", c)
    assert Consent.objects.filter(person=survivor, purpose=ConsentPurpose.SUPPORT_CIRCLE).exists()
    html = client.get(url("detail", c)).content.decode()
    assert "Support circle with Sunny" in html and process.case.reference in html
    again = client.get(reverse("support:for_process", kwargs={"process_pk": process.pk}))
    assert again.status_code == 302


def test_the_open_form_keeps_what_was_typed_when_the_agreement_is_missing(client, world):
    process = support_process(world)
    survivor = process.case.participants.get(role="survivor").person
    sign_in(client, world["coordinator"])
    response = client.post_form(
        reverse("support:for_process", kwargs={"process_pk": process.pk}), {"survivor": survivor.pk, "known_as": "Sol"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "agreed to have a support circle" in html and 'value="Sol"' in html
    assert not SupportCircle.objects.exists()


def test_the_process_page_links_to_its_support_circle(client, world):
    process = support_process(world)
    sign_in(client, world["facilitator"])
    html = client.get(reverse("processes:detail", kwargs={"pk": process.pk})).content.decode()
    assert reverse("support:for_process", kwargs={"process_pk": process.pk}) in html


def test_the_coordinator_sees_worries_and_confirms_progress_for_the_survivor(client, world, canary_circle):
    c = canary_circle
    goal = Goal.objects.get(circle=c, area="housing")
    progress = services.progress_propose(actor=world["support_volunteer"], goal=goal, kind="goal_met")
    services.worry_raise(actor=world["support_volunteer"], circle=c, level="urgent", words="He phoned her again")
    sign_in(client, world["coordinator"])
    html = client.get(url("detail", c)).content.decode()
    assert "He phoned her again" in html and "Awaiting the survivor" in html
    response = client.post_form(url("answer", c, progress_pk=progress.pk), {"confirmed": "yes"})
    assert response.status_code == 302
    goal.refresh_from_db()
    assert goal.met_on == timezone.localdate()
    assert Progress.objects.get(pk=progress.pk).answered_via == "staff"
    home = client.get(reverse("support:home")).content.decode()
    assert "1 worry to read" in home


def test_an_outsider_gets_404_for_everything(client, world, canary_circle):
    c = canary_circle
    sign_in(client, world.charlie)
    assert client.get(url("detail", c)).status_code == 404
    assert client.get(url("meeting_record", c)).status_code == 404
    assert client.post_form(url("worry", c), {"level": "soon", "words": "x"}).status_code == 404
    assert client.post_form(url("goal_set", c), {"area": "housing", "words": "x"}).status_code == 404
    assert not Worry.objects.exists()


def test_a_cosa_volunteer_of_the_case_never_reaches_the_circle(client, world, canary_circle):
    c = canary_circle
    sign_in(client, world["cosa_volunteer"])  # supports this case's responsible person
    assert client.get(url("detail", c)).status_code == 404
    assert client.get(reverse("processes:detail", kwargs={"pk": c.process.pk})).status_code == 404
    assert client.get(reverse("support:for_process", kwargs={"process_pk": c.process.pk})).status_code == 404


# --- the volunteers --------------------------------------------------------------------------------------------


def test_volunteers_get_404_for_the_case_notes_harms_screenings_and_other_circles(client, world, canary_circle):
    c = canary_circle
    case = c.process.case
    other = circle(world, volunteers=3)  # the world's volunteer is in it: use a circle they are not in
    other_volunteers = other.volunteers.exclude(user=world["support_volunteer"])
    services.volunteer_update(actor=world["coordinator"], member=other.volunteers.get(user=world["support_volunteer"]),
                              screening_done_on=None, training_hours=0, active=False)  # fmt: skip
    note = case.notes.first()
    screening = c.process.screenings.first()
    sign_in(client, world["support_volunteer"])
    for path in (
        reverse("cases:detail", kwargs={"pk": case.pk}),
        reverse("cases:responsible_side", kwargs={"pk": case.pk}),
        reverse("cases:timeline", kwargs={"pk": case.pk}),
        reverse("cases:note_edit", kwargs={"pk": case.pk, "note_pk": note.pk}),
        reverse("cases:form", kwargs={"pk": case.pk, "name": "harm"}),
        reverse("safety:case", kwargs={"pk": case.pk}),
        reverse("safety:process", kwargs={"pk": c.process.pk}),
        reverse("processes:detail", kwargs={"pk": c.process.pk}),
        reverse("consent:person", kwargs={"person_pk": c.survivor.pk}),
        reverse("people:detail", kwargs={"pk": c.survivor.pk}),
        reverse("support:for_process", kwargs={"process_pk": c.process.pk}),
        url("detail", other),
        url("meeting_record", other),
    ):
        assert client.get(path).status_code == 404, path
    assert client.post_form(reverse("cases:harm_add", kwargs={"pk": case.pk}), {"description": "x"}).status_code == 404
    assert client.post_form(reverse("safety:sign_off", kwargs={"pk": screening.pk})).status_code == 404
    assert client.post_form(url("goal_set", c), {"area": "housing", "words": "x"}).status_code == 404
    assert client.post_form(url("worry", other), {"level": "soon", "words": "x"}).status_code == 404
    assert other_volunteers.count() == 2


def test_volunteers_see_the_chosen_name_only_and_no_surname_contact_or_address(client, world, canary_circle):
    c = canary_circle
    m = meeting(world, c, held_at=timezone.now() - datetime.timedelta(hours=3))
    goal = Goal.objects.get(circle=c, area="housing")
    sign_in(client, world["support_volunteer"])
    pages = [
        reverse("support:home"),
        url("detail", c),
        url("meeting_record", c),
        url("minutes", c, meeting_pk=m.pk),
        url("worry", c),
        url("progress", c, goal_pk=goal.pk),
    ]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        assert "Vale" in html
        for canary in (*CANARIES, c.survivor.display_code, c.process.case.reference, "Valentina"):
            assert canary not in html, (path, canary)
        assert page_title(html) in {"Support circles · Reparo", "Support circle · Reparo"}
    detail = client.get(url("detail", c)).content.decode()
    assert "A room with a window" in detail
    secret = Goal.objects.get(circle=c, area="legal_status")
    assert client.get(url("progress", c, goal_pk=secret.pk)).status_code == 404
    assert AuditEvent.objects.filter(action="support.circle_viewed", actor=world["support_volunteer"]).exists()


def test_consent_withdrawal_ends_the_volunteers_access_on_the_next_request(client, world, canary_circle):
    c = canary_circle
    sign_in(client, world["support_volunteer"])
    assert client.get(url("detail", c)).status_code == 200
    assert "Vale" in client.get(reverse("support:home")).content.decode()
    consent = Consent.objects.get(person=c.survivor, purpose=ConsentPurpose.SUPPORT_CIRCLE)
    consent_withdraw(actor=world["coordinator"], consent=consent)
    assert client.get(url("detail", c)).status_code == 404
    assert client.get(url("meeting_record", c)).status_code == 404
    assert client.post_form(url("worry", c), {"level": "soon", "words": "x"}).status_code == 404
    assert "Vale" not in client.get(reverse("support:home")).content.decode()
    sign_in(client, world["coordinator"])
    html = client.get(url("detail", c)).content.decode()
    assert "agreement to this circle is not in force" in html


def test_a_volunteer_records_a_meeting_and_hands_in_the_minutes(client, world, canary_circle):
    c = canary_circle
    sign_in(client, world["support_volunteer"])
    members = list(c.volunteers.filter(active=True))
    held = (timezone.localtime() - datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post_form(url("meeting_record", c), {"held_at": held, "attendees": [m.pk for m in members],
                                                           "survivor_came": "on"})  # fmt: skip
    assert response.status_code == 302
    m = SupportMeeting.objects.get(circle=c)
    assert m.survivor_came and m.minutes_submitted_at is None and m.attendance.count() == 3
    home = client.get(reverse("support:home")).content.decode()
    assert url("minutes", c, meeting_pk=m.pk) in home
    response = client.post_form(url("minutes", c, meeting_pk=m.pk),
                                {"what_was_done": "Looked at flats", "next_steps": "Call the agency"})  # fmt: skip
    assert response.status_code == 302
    m.refresh_from_db()
    assert m.what_was_done == "Looked at flats" and m.minutes_by == world["support_volunteer"]


def test_a_worry_is_seen_by_the_coordinator_and_not_by_the_other_volunteers(client, world, canary_circle):
    c = canary_circle
    sign_in(client, world["support_volunteer"])
    response = client.post_form(url("worry", c), {"level": "today", "words": "She seemed frightened of a car"})
    assert response.status_code == 302
    assert "frightened" not in client.get(url("detail", c)).content.decode()  # not even to the one who raised it
    other = c.volunteers.exclude(user=world["support_volunteer"]).first().user
    sign_in(client, other)
    html = client.get(url("detail", c)).content.decode()
    assert "frightened" not in html and "Worries you raised" not in html
    sign_in(client, world["coordinator"])
    assert "She seemed frightened of a car" in client.get(url("detail", c)).content.decode()


def test_the_volunteers_pages_read_in_spanish(client, world, canary_circle):
    c = canary_circle
    sign_in(client, world["support_volunteer"])
    client.cookies["django_language"] = "es"
    response = client.get(url("detail", c), HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 200
    assert '<html lang="es" dir="ltr">' in response.content.decode()


def test_the_navigation_leads_volunteers_and_coordinators_to_their_circles(client, world):
    for who in ("support_volunteer", "coordinator"):
        sign_in(client, world[who])
        html = client.get(reverse("home:index")).content.decode()
        assert html.count(reverse("support:home") + '"') == 1, who
    sign_in(client, world["support_volunteer"])
    html = client.get(reverse("support:home")).content.decode()
    assert "You are not in a circle at the moment" in html


def test_the_coordinator_sets_where_the_next_meeting_is_and_the_volunteers_see_it(client, world, canary_circle):
    c = canary_circle
    at = (timezone.localtime() + datetime.timedelta(days=3)).replace(second=0, microsecond=0)
    sign_in(client, world["coordinator"])
    data = {"known_as": "Vale", "survivor_joins_meetings": "on", "next_meeting_at": at.strftime("%Y-%m-%dT%H:%M"),
            "next_meeting_place": "Back room of the Elm Street library"}  # fmt: skip
    assert client.post_form(url("settings", c), data).status_code == 302
    c.refresh_from_db()
    assert c.next_meeting_place == "Back room of the Elm Street library" and c.next_meeting_at == at
    assert "Back room of the Elm Street library" in client.get(url("detail", c)).content.decode()
    sign_in(client, world["support_volunteer"])
    assert "Back room of the Elm Street library" in client.get(url("detail", c)).content.decode()
    # Too long a place is refused in plain words, and nothing changes.
    sign_in(client, world["coordinator"])
    client.post_form(url("settings", c), data | {"next_meeting_place": "x" * 201})
    c.refresh_from_db()
    assert c.next_meeting_place == "Back room of the Elm Street library"
