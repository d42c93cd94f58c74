"""Canaries: every page of the portal the responsible person can load is searched for the survivor's name, contact
details, arrival and leaving times and the arrangements made for them; and every page the survivor can load for the
responsible person's. None may appear (the two have not agreed to be named to each other)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from reparo.agreements.models import Agreement
from tests.portal.conftest import (
    JOINT_VENUE,
    PLAN_ARRANGEMENTS,
    RESPONSIBLE_MEETING_VENUE,
    SURVIVOR_MEETING_VENUE,
    PortalWorld,
)

pytestmark = pytest.mark.django_db


def _hhmm(value: Any) -> str:
    return timezone.localtime(value).strftime("%H:%M")


def _pages(p: PortalWorld, kind: str) -> dict[str, str]:
    """Every portal page ``kind`` can load, with their own objects in it (GET only)."""
    client = p.client(kind)
    urls = [reverse(f"portal:{name}") for name in
            ("home", "appointments", "choices", "questionnaires", "checkin", "agreements", "stop", "talk")]  # fmt: skip
    sessions = [p.joint, p.own_meeting[kind]]
    urls += [reverse("portal:appointment", args=[s.pk]) for s in sessions]
    urls += [reverse("portal:appointment_calendar", args=[s.pk]) for s in sessions]
    urls += [reverse("portal:agreement", args=[p.process.pk]), reverse("portal:stop_process", args=[p.process.pk])]
    urls.append(reverse("portal:questionnaire", args=[p.assignment(kind).pk]))
    urls.append(reverse("portal:messages"))
    urls += [reverse(f"portal:{name}", args=[p.case.pk]) for name in ("conversation", "pass_on")]
    if kind == "survivor":
        urls.append(reverse("portal:safety_plan", args=[p.plan.pk]))
    pages = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        pages[url] = response.content.decode()
    return pages


def _canaries(p: PortalWorld, kind: str) -> list[str]:
    person = p.people[kind]
    joint = p.joint
    own = p.own_meeting[kind]
    words = [person.given_name, person.family_name, person.phone, person.email, person.address, person.display_code]
    if kind == "survivor":
        words += [_hhmm(joint.survivor_arrives_at), _hhmm(joint.survivor_leaves_at), PLAN_ARRANGEMENTS,
                  SURVIVOR_MEETING_VENUE]  # fmt: skip
    else:
        words += [_hhmm(joint.responsible_arrives_at), _hhmm(joint.responsible_leaves_at), RESPONSIBLE_MEETING_VENUE]
    words += [_hhmm(own.starts_at), JOINT_VENUE]
    return [str(w) for w in words if w]


@pytest.mark.parametrize(("reader", "about"), [("responsible", "survivor"), ("survivor", "responsible")])
def test_it_shows_one_side_nothing_of_the_other(portal, reader, about):
    canaries = _canaries(portal, about)
    assert len(canaries) >= 9
    for url, html in _pages(portal, reader).items():
        for canary in canaries:
            assert canary not in html, f"{about}'s {canary!r} on {reader}'s page {url}"


def test_it_shows_each_side_its_own_times_and_its_own_meeting_place(portal):
    p = portal
    survivor = p.client("survivor")
    joint = survivor.get(reverse("portal:appointment", args=[p.joint.pk])).content.decode()
    assert _hhmm(p.joint.survivor_arrives_at) in joint and _hhmm(p.joint.survivor_leaves_at) in joint
    own = survivor.get(reverse("portal:appointment", args=[p.own_meeting["survivor"].pk])).content.decode()
    assert SURVIVOR_MEETING_VENUE in own
    ics = survivor.get(reverse("portal:appointment_calendar", args=[p.joint.pk])).content.decode()
    assert "SUMMARY:Appointment" in ics
    assert p.joint.survivor_arrives_at.astimezone(datetime.UTC).strftime("T%H%M") in ics
    for secret in (p.people["survivor"].given_name, JOINT_VENUE, p.case.reference, p.world.program.name, "Reparo"):
        assert str(secret).lower() not in ics.lower()


def test_it_names_the_other_side_only_once_both_agreed(portal):
    p = portal
    page = reverse("portal:appointment", args=[p.joint.pk])
    assert p.people["survivor"].given_name not in p.client("responsible").get(page).content.decode()
    type(p.case).objects.filter(pk=p.case.pk).update(mutual_naming_recorded_at=timezone.now())
    assert p.people["survivor"].given_name in p.client("responsible").get(page).content.decode()
    assert p.people["responsible"].given_name in p.client("survivor").get(page).content.decode()
    # A supporter is never told either side's name.
    supporter = p.client("supporter").get(page).content.decode()
    assert p.people["survivor"].given_name not in supporter and p.people["responsible"].given_name not in supporter


def test_it_shows_the_survivor_restitution_received_and_the_responsible_person_payments_due(portal):
    p = portal
    url = reverse("portal:agreement", args=[p.process.pk])
    survivor = p.client("survivor").get(url).content.decode()
    assert "Received so far: 100.00" in survivor and "Payments still due" not in survivor
    responsible = p.client("responsible").get(url).content.decode()
    assert "Payments still due" in responsible and "Received so far" not in responsible
    assert Agreement.objects.get(pk=p.agreement.pk).is_binding
    for html in (survivor, responsible):
        assert "A letter that names the harm" in html
