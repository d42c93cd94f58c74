"""The safety conditions of the joint-meeting gate, and that scheduling cannot go around them."""

import datetime

import pytest
from django.utils import timezone

from reparo.audit.models import AuditEvent
from reparo.consent.models import Consent
from reparo.consent.services import consent_record, consent_withdraw
from reparo.processes import services as process_services
from reparo.processes.gate import joint_meeting_gate
from reparo.processes.models import Session, SessionStatus
from reparo.safety import services
from tests.conftest import CsrfClient, sign_in
from tests.processes.factories import both, one_side, ready_process, tomorrow
from tests.safety.factories import make_safe, screen

pytestmark = pytest.mark.django_db


def schedule(world, process, invited, **kwargs):
    return process_services.session_schedule(
        actor=world["facilitator"], process=process, starts_at=kwargs.pop("starts_at", tomorrow()),
        duration_minutes=90, mode="in_person", invited=invited, venue="Room 4", **kwargs,
    )  # fmt: skip


def person(process, role):
    return process.participants.get(role=role).person


def test_it_opens_the_gate_when_every_safety_condition_holds(world):
    process = ready_process(world)
    gate = joint_meeting_gate(process)
    assert gate.open and gate.codes == []
    assert schedule(world, process, both(process)).is_joint


CASES = {
    "survivor_readiness: missing": ("survivor_readiness", "has not been done"),
    "survivor_readiness: not signed off": ("survivor_readiness", "waiting for a supervisor"),
    "survivor_readiness: not ready": ("survivor_readiness", "does not say “ready”"),
    "survivor_readiness: newer unsigned screening": ("survivor_readiness", "waiting for a supervisor"),
    "responsible_readiness: missing": ("responsible_readiness", "has not been done"),
    "responsible_readiness: not suitable": ("responsible_readiness", "does not say “ready”"),
    "consent: missing": ("consent", "has not agreed to this"),
    "consent: withdrawn": ("consent", "consent to this process is not current"),
    "consent: other process": ("consent", "has not agreed to take part in this process"),
    "contact_restriction": ("contact_restriction", "contact restriction in force"),
    "risk: missing": ("risk", "No risk assessment"),
    "risk: high": ("risk", "high risk"),
    "risk: not signed off": ("risk", "waiting for a supervisor"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_it_closes_the_gate_for_each_safety_condition_alone_with_its_own_reason(world, case):
    code, words = CASES[case]
    process = ready_process(world, safe=False)
    survivor, responsible = person(process, "survivor"), person(process, "responsible")
    replaced = ("missing", "not signed off", "not ready", "not suitable", "high", "other process")
    skip = {code} if case.endswith(replaced) else set()
    make_safe(world, process, skip=frozenset(skip))
    if case == "survivor_readiness: not signed off":
        screen(world, process, "survivor_readiness", person=survivor, sign=False)
    elif case == "survivor_readiness: not ready":
        screen(world, process, "survivor_readiness", person=survivor, outcome="not_yet")
    elif case == "survivor_readiness: newer unsigned screening":
        screen(world, process, "survivor_readiness", person=survivor, outcome="not_yet", sign=False)
    elif case == "responsible_readiness: not suitable":
        screen(world, process, "responsible_suitability", person=responsible, outcome="not_suitable")
    elif case == "consent: withdrawn":
        consent_withdraw(actor=world["facilitator"], consent=Consent.objects.get(person=survivor))
    elif case == "consent: other process":
        consent_record(
            actor=world["facilitator"], person=survivor, purpose="process", method="written",
            given_at=timezone.now() - datetime.timedelta(minutes=1), case=process.case, process_ref="another",
        )  # fmt: skip
    elif case == "contact_restriction":
        services.restriction_record(
            actor=world["case_worker"], case=process.case, person_a=responsible, person_b=survivor,
            kind="no_contact_order", valid_from=timezone.localdate(), source="County court",
        )  # fmt: skip
    elif case == "risk: high":
        screen(world, process, "risk_assessment", risk_level="high", reasons="Network made threats.")
    elif case == "risk: not signed off":
        screen(world, process, "risk_assessment", sign=False)
    gate = joint_meeting_gate(process)
    assert not gate.open
    assert gate.codes == [code], gate.reasons
    assert words in gate.reasons[0]


def test_it_closes_the_gate_when_a_screening_expires(world):
    process = ready_process(world)
    long_ago = timezone.now() - datetime.timedelta(days=100)  # readiness is valid for 90 days
    screen(world, process, "survivor_readiness", person=person(process, "survivor"), at=long_ago)
    # The newest screening counts: make the expired one the newest by removing the fresh one.
    process.screenings.filter(kind="survivor_readiness", completed_at__gt=long_ago).delete()
    gate = joint_meeting_gate(process)
    assert gate.codes == ["survivor_readiness"]
    assert "expired" in gate.reasons[0]


def test_it_closes_the_gate_once_the_validity_period_has_passed(world):
    process = ready_process(world)
    assert joint_meeting_gate(process).open
    later = joint_meeting_gate(process, at=timezone.now() + datetime.timedelta(days=61))  # risk: 60 days
    assert later.codes == ["risk"]
    much_later = joint_meeting_gate(process, at=timezone.now() + datetime.timedelta(days=91))
    assert set(much_later.codes) >= {"survivor_readiness", "responsible_readiness", "risk"}


def test_it_opens_again_when_a_restriction_ends_or_is_lifted(world):
    process = ready_process(world)
    survivor, responsible = person(process, "survivor"), person(process, "responsible")
    ended = services.restriction_record(
        actor=world["facilitator"], case=process.case, person_a=survivor, person_b=responsible,
        kind="court_condition", valid_from=timezone.localdate() - datetime.timedelta(days=30),
        valid_to=timezone.localdate() - datetime.timedelta(days=1),
    )  # fmt: skip
    assert ended and joint_meeting_gate(process).open
    current = services.restriction_record(
        actor=world["facilitator"], case=process.case, person_a=survivor, person_b=responsible,
        kind="no_contact_order", valid_from=timezone.localdate(),
    )  # fmt: skip
    assert joint_meeting_gate(process).codes == ["contact_restriction"]
    services.restriction_lift(actor=world["supervisor"], restriction=current)
    assert joint_meeting_gate(process).open


def _close_with_a_restriction(world, process):
    services.restriction_record(
        actor=world["facilitator"], case=process.case, person_a=person(process, "survivor"),
        person_b=person(process, "responsible"), kind="no_contact_order", valid_from=timezone.localdate(),
    )  # fmt: skip


def test_it_refuses_a_joint_session_through_the_service_when_a_safety_condition_fails(world):
    process = ready_process(world)
    _close_with_a_restriction(world, process)
    with pytest.raises(process_services.GateClosedError) as info:
        schedule(world, process, both(process))
    assert info.value.codes == ["contact_restriction"]
    assert not Session.objects.filter(process=process).exists()
    assert not AuditEvent.objects.filter(action="process.session_scheduled").exists()
    assert not schedule(world, process, one_side(process, "survivor")).is_joint  # one side is still possible


def _post_session(client, process, **headers):
    return client.post_form(
        f"/processes/{process.pk}/sessions/new/",
        {"starts_at": tomorrow().strftime("%Y-%m-%dT%H:%M"), "duration_minutes": 90, "mode": "in_person",
         "invited": [p.pk for p in both(process)]},
        **headers,
    )  # fmt: skip


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_it_refuses_a_joint_session_through_the_form_and_htmx_when_a_safety_condition_fails(world, htmx):
    process = ready_process(world)
    _close_with_a_restriction(world, process)
    client = sign_in(CsrfClient(), world["facilitator"])
    response = _post_session(client, process, **({"HTTP_HX_REQUEST": "true"} if htmx else {}))
    html = response.content.decode()
    assert response.status_code == 409
    assert "contact restriction in force" in html and "shuttle dialogue" in html
    assert not Session.objects.filter(process=process).exists()


def test_it_refuses_to_move_a_joint_session_once_a_safety_condition_fails(world):
    process = ready_process(world)
    session = schedule(world, process, both(process))
    _close_with_a_restriction(world, process)
    with pytest.raises(process_services.GateClosedError):
        process_services.session_reschedule(actor=world["facilitator"], session=session, starts_at=tomorrow(16))
    client = sign_in(CsrfClient(), world["facilitator"])
    response = client.post_form(
        f"/processes/{process.pk}/sessions/{session.pk}/move/",
        {"starts_at": tomorrow(17).strftime("%Y-%m-%dT%H:%M")},
        follow=True,
    )
    assert "contact restriction in force" in response.content.decode()
    session.refresh_from_db()
    assert session.status == SessionStatus.SCHEDULED
    assert Session.objects.filter(process=process).count() == 1


def test_it_shows_the_reasons_and_the_indirect_options_on_the_process_page(world):
    process = ready_process(world, safe=False)
    client = sign_in(CsrfClient(), world["facilitator"])
    html = client.get(f"/processes/{process.pk}/").content.decode()
    assert "readiness screening has not been done" in html
    assert "No risk assessment" in html
    assert "shuttle dialogue through the facilitator, letters, recorded statements, or a surrogate" in html


def test_each_safety_reason_links_to_the_page_that_puts_it_right(world):
    process = ready_process(world, safe=False)
    survivor = person(process, "survivor")
    gate = joint_meeting_gate(process)
    links = {code: (reason.fix_url, reason.fix_text) for reason, code in zip(gate.reasons, gate.codes, strict=True)}
    assert links["survivor_readiness"] == (
        f"/safety/process/{process.pk}/screenings/survivor_readiness/",
        "Screen the survivor",
    )
    assert links["responsible_readiness"] == (
        f"/safety/process/{process.pk}/screenings/responsible_suitability/",
        "Screen the responsible person",
    )
    assert links["consent"] == (f"/consent/people/{survivor.pk}/", "Record the survivor's consent")
    assert links["risk"] == (f"/safety/process/{process.pk}/screenings/risk_assessment/", "Assess the risk")
    screen(world, process, "risk_assessment", sign=False)
    waiting = dict(zip(joint_meeting_gate(process).codes, joint_meeting_gate(process).reasons, strict=True))["risk"]
    assert waiting.fix_url == f"/safety/process/{process.pk}/"
    # Every page that shows the reasons shows the links.
    client = sign_in(CsrfClient(), world["facilitator"])
    for page in (
        f"/processes/{process.pk}/",
        f"/processes/{process.pk}/sessions/new/",
        f"/safety/process/{process.pk}/",
    ):
        html = client.get(page).content.decode()
        assert f'<a href="/consent/people/{survivor.pk}/">Record the survivor&#x27;s consent</a>' in html, page


def test_a_reason_that_holds_only_by_the_session_keeps_its_link(world):
    from reparo.processes.gate import joint_meeting_gate_for_session

    process = ready_process(world)
    later = timezone.now() + datetime.timedelta(days=61)  # the risk assessment is valid for 60 days
    gate = joint_meeting_gate_for_session(
        process, starts_at=later, ends_at=later + datetime.timedelta(hours=1), invited=both(process)
    )
    assert gate.codes == ["risk"]
    assert gate.reasons[0].startswith("By the time of the session:")
    assert gate.reasons[0].fix_url == f"/safety/process/{process.pk}/screenings/risk_assessment/"
