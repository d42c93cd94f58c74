"""Who reaches what in the portal: every portal URL, for each kind of participant (survivor, responsible person,
supporter), with their own object, the other side's object on the same case, and another case's object. Only their
own answers; everything else is 404, as for what does not exist. Staff never use the portal; a participant never
reaches the staff side."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from django.urls import reverse

from reparo.consent.models import Consent
from reparo.evaluation.models import SurveyAssignment
from reparo.portal.models import Invitation
from tests.conftest import CsrfClient, sign_in
from tests.core.test_edge_input import _fill, _patterns
from tests.portal.conftest import PortalWorld

pytestmark = pytest.mark.django_db

KINDS = ("survivor", "responsible", "supporter")
OTHER_SIDE = {"survivor": "responsible", "responsible": "survivor", "supporter": "survivor"}


def _status(client: CsrfClient, url: str, method: str = "get") -> int:
    if method == "post":
        return int(client.post_form(url).status_code)
    return int(client.get(url).status_code)


def _objects(p: PortalWorld, kind: str) -> dict[str, dict[str, Any]]:
    """For each portal URL with an object: the participant's own object (None where they have none), the other
    side's on the same case, and another case's."""
    other = OTHER_SIDE[kind]
    own_survey = SurveyAssignment.objects.filter(person=p.people[kind], case=p.case).first()
    other_case_survey = SurveyAssignment.objects.get(case=p.other_case)
    other_case_consent = Consent.objects.filter(person__participations__case=p.other_case, purpose="evaluation").get()
    # Each side's own meeting is "the other side's" for the other; the supporter is invited to the joint session only.
    own_meeting = p.own_meeting.get(kind) or p.joint
    return {
        "portal:appointment": {"own": p.joint, "other": p.own_meeting[other], "elsewhere": p.other_session},
        "portal:appointment_calendar": {
            "own": own_meeting,
            "other": p.own_meeting[other],
            "elsewhere": p.other_session,
        },
        "portal:questionnaire": {"own": own_survey, "other": p.assignment(other), "elsewhere": other_case_survey},
        # The agreement is the two parties': a supporter has none.
        "portal:agreement": {
            "own": p.process if kind != "supporter" else None,
            "other": None,
            "elsewhere": p.other_process,
        },
        "portal:stop_process": {"own": p.process, "other": None, "elsewhere": p.other_process},
        "portal:safety_plan": {
            "own": p.plan if kind == "survivor" else None,
            "other": p.plan if kind != "survivor" else None,
            "elsewhere": p.other_plan,
        },
        "portal:choice_withdraw": {
            "own": p.consent(kind, "portal") if kind == "supporter" else p.consent(kind),
            "other": p.consent(other),
            "elsewhere": other_case_consent,
        },
    }


def test_it_answers_each_participant_with_their_own_objects_only(portal):
    p = portal
    withdrew: set[Any] = set()
    for kind in KINDS:
        client = p.client(kind)
        for name, objects in _objects(p, kind).items():
            method = "post" if name == "portal:choice_withdraw" else "get"
            for where in ("other", "elsewhere"):
                obj = objects[where]
                if obj is None:
                    continue
                url = reverse(name, args=[obj.pk])
                assert _status(client, url, method) == 404, f"{kind} reached {where} {name}"
            own = objects["own"]
            if own is not None:
                expected = 302 if method == "post" else 200
                assert _status(client, reverse(name, args=[own.pk]), method) == expected, f"{kind} own {name}"
        # Each withdrew their own consent; the refused posts changed nobody else's.
        withdrew.add(p.people[kind].pk)
        assert set(Consent.objects.filter(withdrawn_at__isnull=False).values_list("person_id", flat=True)) == withdrew


def test_it_refuses_objects_that_do_not_exist_or_cannot(portal):
    client = portal.client("survivor")
    for name in ("portal:appointment", "portal:questionnaire", "portal:agreement", "portal:safety_plan"):
        assert client.get(reverse(name, args=[uuid.uuid4()])).status_code == 404
    assert client.get("/my/appointments/not-a-uuid/").status_code == 404


def test_it_gives_each_participant_the_pages_without_objects(portal):
    for kind in KINDS:
        client = portal.client(kind)
        for name in ("home", "appointments", "choices", "questionnaires", "checkin", "agreements", "stop", "talk"):
            response = client.get(reverse(f"portal:{name}"))
            assert response.status_code == 200, (kind, name)


def test_it_lists_only_the_participants_own_things(portal):
    p = portal
    responsible = p.client("responsible")
    html = responsible.get("/my/appointments/").content.decode()
    assert str(p.joint.pk) in html and str(p.own_meeting["responsible"].pk) in html
    assert str(p.own_meeting["survivor"].pk) not in html and str(p.other_session.pk) not in html
    html = responsible.get("/my/questionnaires/").content.decode()
    assert str(p.assignment("responsible").pk) in html and str(p.assignment("survivor").pk) not in html
    html = responsible.get("/my/choices/").content.decode()
    assert str(p.consent("responsible").pk) in html and str(p.consent("survivor").pk) not in html
    home = p.client("survivor").get("/my/").content.decode()
    assert reverse("portal:safety_plan", args=[p.plan.pk]) in home
    assert reverse("portal:safety_plan", args=[p.other_plan.pk]) not in home
    assert "/my/safety-plan/" not in responsible.get("/my/").content.decode()


def test_it_keeps_an_unshared_safety_plan_from_the_survivor(portal):
    from reparo.safety.services import safety_plan_share

    client = portal.client("survivor")
    url = reverse("portal:safety_plan", args=[portal.plan.pk])
    assert client.get(url).status_code == 200
    safety_plan_share(actor=portal.world["facilitator"], plan=portal.plan, shared=False)
    assert client.get(url).status_code == 404


def test_it_keeps_staff_out_of_the_portal(portal):
    world = portal.world
    for role in ("coordinator", "facilitator", "org_admin"):
        client = sign_in(CsrfClient(), world[role])
        for url in ("/my/", "/my/sign-in/", "/my/start/", f"/my/appointments/{portal.joint.pk}/", "/my/choices/"):
            assert client.get(url).status_code == 404, (role, url)


def _staff_urls() -> list[str]:
    values = {"pk": str(uuid.uuid4())}
    urls = []
    for route, pattern in _patterns():
        if route.startswith("my/"):
            continue
        filled = _fill(route, {name: "1" for name in pattern.pattern.converters if name not in values} | values)
        urls.append(filled)
    return urls


def test_it_never_lets_a_participant_reach_the_staff_side(portal, world):
    client = portal.client("survivor")
    case_url = f"/cases/{portal.case.pk}/"
    person_url = f"/people/{portal.people['survivor'].pk}/"
    urls = [*_staff_urls(), case_url, f"/processes/{portal.process.pk}/", person_url]
    public = {"/exit/", "/healthz", "/i18n/set-language/", "/sign-in/", "/password-reset/", "/password-reset/sent/",
              "/password-reset/done/", "/sign-out/"}  # fmt: skip
    for url in urls:
        if url in public or url.startswith("/password-reset/"):
            continue
        if url.startswith("/api/"):  # token-only: 401 to any session; its schema and reference are public, no data
            assert client.get(url).status_code in (200, 401, 404, 405), url
            continue
        response = client.get(url)
        assert response.status_code in (404, 405), (url, response.status_code)
    # Its session still works on its own side, and its staff-looking requests changed nothing.
    assert client.get("/my/").status_code == 200


def test_it_refuses_a_participant_on_the_staff_sign_in(portal):
    client = CsrfClient()
    user = portal.users["survivor"]
    response = client.post_form("/sign-in/", {"username": user.email, "password": "correct horse battery staple 42"})
    assert response.status_code == 200
    assert "did not work" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_shows_staff_the_panel_only_with_the_right_to_manage_access(portal):
    world = portal.world
    case_url = f"/cases/{portal.case.pk}/"
    html = sign_in(CsrfClient(), world["facilitator"]).get(case_url).content.decode()
    assert 'id="portal"' in html
    assert re.search(r"status--active", html)
    for role in ("cosa_volunteer", "evaluator"):
        response = sign_in(CsrfClient(), world[role]).get(case_url)
        assert 'id="portal"' not in response.content.decode()
    charlie = sign_in(CsrfClient(), world.charlie)
    person = portal.people["survivor"]
    for action in ("invite", "suspend"):
        url = reverse(f"portal_staff:{action}", args=[portal.case.pk, person.pk])
        assert charlie.post_form(url, {"channel": "in_person"}).status_code == 404
        volunteer = sign_in(CsrfClient(), world["cosa_volunteer"])
        assert volunteer.post_form(url, {"channel": "in_person"}).status_code == 404
    assert Invitation.objects.filter(account__person=person).count() == 1
