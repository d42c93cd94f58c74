"""A partner user of organisation P sees the referrals addressed to P and nothing else: every case URL, every
person URL, the referrals to another organisation Q and a packet after withdrawal all answer 404. Staff see the
referrals of cases they work on; only organisation admins keep agreements."""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from reparo.consent.models import Consent
from reparo.consent.services import consent_withdraw
from reparo.referrals import services
from tests.conftest import CsrfClient, sign_in
from tests.referrals.factories import PDF, agreement, sent, share, survivor_of

pytestmark = pytest.mark.django_db

PARTNER_ROLES = ["partner_liaison", "partner_worker"]
PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def routes(prefix: str) -> list[str]:
    """Every URL pattern of the project under ``prefix`` (``cases/``, ``people/``...)."""
    found = []

    def walk(resolver: URLResolver, base: str) -> None:
        for entry in resolver.url_patterns:
            route = base + str(entry.pattern)
            if isinstance(entry, URLResolver):
                walk(entry, route)
            elif isinstance(entry, URLPattern) and route.startswith(prefix):
                found.append(route)

    walk(get_resolver(), "")
    return found


def fill(route: str, values: dict[str, str]) -> str:
    return "/" + PARAM.sub(lambda m: values.get(m["converter"] or "str", "x"), route)


@pytest.mark.parametrize("role", PARTNER_ROLES)
def test_a_partner_user_gets_404_for_every_case_and_person_url(world, sharing, role):
    case = sharing.case
    sent(world, case)  # something was sent to them: still no way into the case
    person = survivor_of(case)
    team_member = case.team.first()
    client = sign_in(CsrfClient(), world[role])
    case_routes = routes("cases/")
    person_routes = routes("people/") + routes("consent/people/")
    assert len(case_routes) >= 15 and len(person_routes) >= 4
    paths = [fill(r, {"uuid": str(case.pk), "id": str(team_member.pk), "str": "need"}) for r in case_routes]
    paths += [fill(r, {"uuid": str(person.pk)}) for r in person_routes]
    for path in paths:
        # A page only posted to (or only read) answers "method not allowed" to the other method, for everyone
        # alike: that says nothing. The method it takes answers 404.
        answers = {client.get(path).status_code, client.post_form(path, {}).status_code}
        assert 404 in answers and answers <= {404, 405}, (path, answers)


@pytest.mark.parametrize("role", PARTNER_ROLES)
def test_a_partner_user_gets_404_for_the_referrals_of_another_organisation(world, sharing, role):
    agreement(world, partner=sharing.other_partner)
    share(world, survivor_of(sharing.case), ["contact"], partner=sharing.other_partner)
    to_q = sent(world, sharing.case, categories=["contact"], partner=sharing.other_partner)
    to_p = sent(world, sharing.case)
    client = sign_in(CsrfClient(), world[role])
    inbox = client.get("/referrals/inbox/").content.decode()
    assert to_p.code in inbox and to_q.code not in inbox
    for path in (f"/referrals/inbox/{to_q.pk}/", f"/referrals/inbox/{to_q.pk}/packet/"):
        assert client.get(path).status_code == 404
    for path in (f"/referrals/inbox/{to_q.pk}/move/", f"/referrals/inbox/{to_q.pk}/update/"):
        assert client.post_form(path, {"to_status": "accepted", "note": "x"}).status_code == 404
    to_q.refresh_from_db()
    assert to_q.status == "sent" and not to_q.events.filter(kind="update").exists()
    # And Q's worker cannot see P's.
    q_client = sign_in(CsrfClient(), sharing.other_worker)
    assert q_client.get(f"/referrals/inbox/{to_p.pk}/").status_code == 404
    assert q_client.get(f"/referrals/inbox/{to_q.pk}/").status_code == 200


@pytest.mark.parametrize("role", PARTNER_ROLES)
def test_a_partner_user_gets_404_for_a_packet_after_withdrawal(world, sharing, role):
    referral = sent(world, sharing.case)
    client = sign_in(CsrfClient(), world[role])
    assert client.get(f"/referrals/inbox/{referral.pk}/packet/").status_code == 200
    consent_withdraw(actor=world["coordinator"], consent=Consent.objects.get(purpose="share"))
    assert client.get(f"/referrals/inbox/{referral.pk}/packet/").status_code == 404


@pytest.mark.parametrize("role", PARTNER_ROLES)
def test_a_partner_user_never_sees_a_draft_or_the_sending_teams_pages(world, sharing, role):
    from tests.referrals.factories import draft

    prepared = draft(world, sharing.case)
    referral = sent(world, sharing.case)
    client = sign_in(CsrfClient(), world[role])
    assert client.get(f"/referrals/inbox/{prepared.pk}/").status_code == 404
    for path in (
        f"/referrals/{referral.pk}/",
        f"/referrals/{referral.pk}/packet.pdf",
        f"/referrals/case/{sharing.case.pk}/new/",
        f"/referrals/case/{sharing.case.pk}/preview/",
        "/referrals/incoming/",
        "/partners/",
        f"/partners/{world.partner.pk}/",
        "/partners/agreements/",
    ):
        assert client.get(path).status_code == 404, path
    for path in (f"/referrals/{referral.pk}/send/", f"/referrals/{referral.pk}/move/"):
        assert client.post_form(path, {"to_status": "withdrawn"}).status_code == 404, path
    referral.refresh_from_db()
    assert referral.status == "sent"


@pytest.mark.parametrize("who", ["charlie", "evaluator", "cosa_volunteer", "facilitator_not_on_team"])
def test_staff_who_do_not_work_on_the_case_get_404_for_its_referrals(world, sharing, who):
    from reparo.cases.models import CaseTeamMember

    referral = sent(world, sharing.case)
    user = world.charlie if who == "charlie" else world[who.replace("_not_on_team", "")]
    CaseTeamMember.objects.filter(case=sharing.case, user=world["facilitator"]).delete()
    client = sign_in(CsrfClient(), user)
    for path in (
        f"/referrals/{referral.pk}/",
        f"/referrals/case/{sharing.case.pk}/new/",
        f"/referrals/inbox/{referral.pk}/",
    ):
        assert client.get(path).status_code == 404, path
    assert client.post_form(f"/referrals/{referral.pk}/move/", {"to_status": "withdrawn"}).status_code == 404


@pytest.mark.parametrize("role", ["coordinator", "facilitator", "case_worker", "evaluator", "partner_liaison"])
def test_only_organisation_admins_keep_agreements_and_the_directory(world, role):
    made = agreement(world, in_force=False)
    client = sign_in(CsrfClient(), world[role])
    for path in (
        "/partners/agreements/",
        "/partners/agreements/new/",
        f"/partners/agreements/{made.pk}/",
        f"/partners/agreements/{made.pk}/document/",
        "/partners/new/",
        f"/partners/{world.partner.pk}/edit/",
    ):
        assert client.get(path).status_code == 404, path
    assert client.post_form(f"/partners/agreements/{made.pk}/status/", {"to_status": "in_force"}).status_code == 404
    made.refresh_from_db()
    assert made.status == "draft"
    charlie = sign_in(CsrfClient(), world.charlie)  # an admin, of another organisation
    assert charlie.get(f"/partners/agreements/{made.pk}/").status_code == 404
    admin = sign_in(CsrfClient(), world["org_admin"])
    assert admin.get(f"/partners/agreements/{made.pk}/").status_code == 200
    assert PDF  # the signed copy is there; its download is tested in test_views


@pytest.mark.parametrize("role", ["facilitator", "evaluator", "partner_liaison", "cosa_volunteer"])
def test_only_staff_who_open_cases_see_the_program_inbox(world, role):
    agreement(world)
    incoming = services.incoming_submit(
        actor=world["partner_liaison"], program=world.program, person_agreed=True, given_name="Ana",
        family_name="Ruiz", phone="", email="", languages=[], about="Needs support",
    )  # fmt: skip
    client = sign_in(CsrfClient(), world[role])
    assert client.get("/referrals/incoming/").status_code == 404
    assert client.get(f"/referrals/incoming/{incoming.pk}/").status_code == 404
    assert client.post_form(f"/referrals/incoming/{incoming.pk}/accept/").status_code == 404
    incoming.refresh_from_db()
    assert incoming.status == "received"
