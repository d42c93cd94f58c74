from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from reparo.cosa.models import Circle, CircleMeeting, Concern
from tests.conftest import page_title, sign_in
from tests.consent.conftest import record
from tests.cosa.factories import circle, cosa_process, meeting

pytestmark = pytest.mark.django_db


def url(process, name="detail", **kwargs):
    return reverse(f"cosa:{name}", kwargs={"process_pk": process.pk, **kwargs})


def test_it_shows_the_circle_page(client, world):
    c = circle(world)
    meeting(world, c, held_at=timezone.now() - datetime.timedelta(hours=50))
    sign_in(client, world["facilitator"])
    response = client.get(url(c.process))
    assert response.status_code == 200
    html = response.content.decode()
    assert page_title(html).startswith("Circle")
    assert c.core_member.display_code in html
    assert "Rex" not in html  # the core member appears by display code only
    assert "Not yet screened" not in html and "24.0" in html
    assert "Bob Legal Aid" in html
    assert "late" in html
    assert "4 volunteers present" in html
    assert "safeguarding procedure" in html


def test_it_stores_the_outer_circle_role_encrypted_and_shows_it(client, world):
    c = circle(world, outer=False)
    sign_in(client, world["facilitator"])
    response = client.post_form(
        url(c.process, "outer_add"),
        {"organisation": world.partner.pk, "role_description": "Leandro-Canary-6090 probation"},
    )
    assert response.status_code == 302
    with connection.cursor() as cursor:
        cursor.execute("SELECT role_description FROM cosa_outermember")
        raw = cursor.fetchall()
    assert len(raw) == 1 and raw[0][0].startswith("enc1:") and "Canary" not in raw[0][0]
    assert "Leandro-Canary-6090 probation" in client.get(url(c.process)).content.decode()


def test_it_answers_404_to_an_outsider(client, world):
    c = circle(world)
    sign_in(client, world.charlie)
    assert client.get(url(c.process)).status_code == 404
    response = client.post_form(url(c.process, "concern_raise"), {"risk_level": "low", "description": "x"})
    assert response.status_code == 404
    assert not Concern.objects.exists()


def test_it_shows_a_volunteer_no_survivor_data(client, world):
    c = circle(world)
    sign_in(client, world["cosa_volunteer"])
    html = client.get(url(c.process)).content.decode()
    survivor = c.process.case.participants.get(role="survivor").person
    assert survivor.display_code not in html
    assert "Survivor" not in html
    assert "Pass to the outer circle" not in html


def test_it_opens_a_circle(client, world):
    process = cosa_process(world)
    sign_in(client, world["facilitator"])
    response = client.post_form(url(process, "open"))
    assert response.status_code == 302
    assert Circle.objects.filter(process=process).exists()


def test_it_lets_a_volunteer_record_a_meeting_and_minutes(client, world):
    c = circle(world)
    sign_in(client, world["cosa_volunteer"])
    held = timezone.localtime() - datetime.timedelta(hours=2)
    members = [str(m.pk) for m in c.inner_members.all()]
    client.post_form(
        url(c.process, "meeting_record"),
        {"held_at": held.strftime("%Y-%m-%dT%H:%M"), "attendees": members, "core_member_attended": "on"},
    )
    m = CircleMeeting.objects.get()
    assert m.attendance.count() == 4 and m.core_member_attended
    client.post_form(url(c.process, "minutes", meeting_pk=m.pk), {"minutes": "Good week."})
    m.refresh_from_db()
    assert m.minutes == "Good week." and m.minutes_submitted_at is not None


def test_it_explains_a_refused_escalation(client, world):
    c = circle(world)
    concern = Concern.objects.create(circle=c, raised_at=timezone.now(), risk_level="high", description="x")
    sign_in(client, world["facilitator"])
    response = client.post_form(
        url(c.process, "escalate", concern_pk=concern.pk), {"organisation": world.partner.pk}, follow=True
    )
    assert "has not agreed" in response.content.decode()
    concern.refresh_from_db()
    assert concern.escalated_at is None

    record(world, c.core_member, "share", recipient=world.partner, data_categories=["safety"])
    client.post_form(url(c.process, "escalate", concern_pk=concern.pk), {"organisation": world.partner.pk})
    concern.refresh_from_db()
    assert concern.escalated_to == world.partner


def test_it_refuses_meetings_until_the_inner_circle_is_big_enough(client, world):
    c = circle(world, volunteers=3)
    sign_in(client, world["facilitator"])
    html = client.get(url(c.process)).content.decode()
    assert "before meetings can be recorded" in html
    held = (timezone.localtime() - datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post_form(url(c.process, "meeting_record"), {"held_at": held}, follow=True)
    assert "It has 3" in response.content.decode()
    assert not CircleMeeting.objects.exists()


def test_it_saves_the_closing_questionnaire(client, world):
    c = circle(world)
    sign_in(client, world["facilitator"])
    client.post_form(
        url(c.process, "questionnaire"),
        {"supported": "5", "accountable": "4", "safer": "3", "prepared": "4", "comment": "Thanks"},
    )
    c.refresh_from_db()
    assert c.closing.ratings["safer"] == 3
