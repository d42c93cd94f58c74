"""Canaries: every page of the portal the responsible person can load is searched for the survivor's name, contact
details, arrival and leaving times and the arrangements made for them; and every page the survivor can load for the
responsible person's. None may appear (the two have not agreed to be named to each other). The same for a supporter
of each side, who sees of a joint meeting only what the side they come with sees; and a supporter whose side is not
recorded sees neither side's times."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from reparo.agreements.models import Agreement
from reparo.cases.models import CaseParticipant, ParticipantRole
from reparo.people.services import person_create
from reparo.processes import services as process_services
from reparo.processes.models import SessionInvitation
from tests.portal.conftest import (
    JOINT_VENUE,
    PLAN_ARRANGEMENTS,
    RESPONSIBLE_MEETING_VENUE,
    SURVIVOR_MEETING_VENUE,
    PortalWorld,
    activate,
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


# --- supporters at the joint meeting ----------------------------------------------------------------------------------

SUPPORTERS = {"with_survivor": ("Philippa", "Ostrander"), "with_responsible": ("Leopold", "Wintersby")}


@pytest.fixture
def supported(portal: PortalWorld) -> PortalWorld:
    """The portal world with a supporter of each side at the joint meeting, each using the portal (the world's own
    supporter is there too, with no side recorded)."""
    p = portal
    for kind, name in SUPPORTERS.items():
        person = person_create(actor=p.world["coordinator"], organisation=p.world.alice_org, kind="other",
                               given_name=name[0], family_name=name[1])  # fmt: skip
        in_case = CaseParticipant.objects.create(case=p.case, person=person, role=ParticipantRole.SUPPORTER)
        participant = process_services.participant_add(
            actor=p.world["facilitator"], process=p.process, case_participant=in_case, role="supporter",
            supports=kind.removeprefix("with_"),
        )  # fmt: skip
        SessionInvitation.objects.create(session=p.joint, participant=participant)
        p.people[kind], p.users[kind] = person, activate(p.world, p.case, person)
    return p


def _supporter_pages(p: PortalWorld, kind: str) -> dict[str, str]:
    """Every portal page a supporter can load (GET only)."""
    client = p.client(kind)
    urls = [reverse(f"portal:{name}") for name in
            ("home", "appointments", "choices", "questionnaires", "checkin", "agreements", "stop", "talk",
             "messages")]  # fmt: skip
    urls += [reverse(f"portal:{name}", args=[p.joint.pk]) for name in ("appointment", "appointment_calendar")]
    urls.append(reverse("portal:stop_process", args=[p.process.pk]))
    urls += [reverse(f"portal:{name}", args=[p.case.pk]) for name in ("conversation", "pass_on")]
    pages = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        pages[url] = response.content.decode()
    return pages


@pytest.mark.parametrize(
    ("reader", "about"),
    [("with_responsible", "survivor"), ("with_survivor", "responsible"), ("supporter", "survivor"),
     ("supporter", "responsible")],
)  # fmt: skip
def test_it_shows_a_supporter_nothing_of_the_side_they_do_not_come_with(supported, reader, about):
    canaries = _canaries(supported, about)
    for url, html in _supporter_pages(supported, reader).items():
        for canary in canaries:
            assert canary not in html, f"{about}'s {canary!r} on {reader}'s page {url}"


@pytest.mark.parametrize("side", ["survivor", "responsible"])
def test_it_shows_a_supporter_the_times_of_the_side_they_come_with(supported, side):
    p = supported
    client = p.client(f"with_{side}")
    arrives, leaves = getattr(p.joint, f"{side}_arrives_at"), getattr(p.joint, f"{side}_leaves_at")
    page = client.get(reverse("portal:appointment", args=[p.joint.pk])).content.decode()
    assert _hhmm(arrives) in page and _hhmm(leaves) in page and JOINT_VENUE not in page
    ics = client.get(reverse("portal:appointment_calendar", args=[p.joint.pk])).content.decode()
    assert arrives.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ") in ics
    # Never a name of either side, even once both sides agreed to be named to each other.
    type(p.case).objects.filter(pk=p.case.pk).update(mutual_naming_recorded_at=timezone.now())
    page = client.get(reverse("portal:appointment", args=[p.joint.pk])).content.decode()
    assert p.people["survivor"].given_name not in page and p.people["responsible"].given_name not in page


def test_it_tells_a_supporter_of_no_recorded_side_the_day_only(supported):
    p = supported
    client = p.client("supporter")
    page = client.get(reverse("portal:appointment", args=[p.joint.pk])).content.decode()
    assert "your facilitator will tell you when to come" in page
    assert _hhmm(p.joint.starts_at) not in page and _hhmm(p.joint.ends_at) not in page
    ics = client.get(reverse("portal:appointment_calendar", args=[p.joint.pk])).content.decode()
    day = timezone.localtime(p.joint.starts_at).strftime("%Y%m%d")
    assert f"DTSTART;VALUE=DATE:{day}\r\n" in ics
    assert "DTSTART:" not in ics and "DTEND:" not in ics  # no time of day at all
