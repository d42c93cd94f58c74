"""Eligibility: each reason alone makes a facilitator ineligible, with that reason; expiry between now and a
session date counts; assignment refuses the ineligible through every entry point; the gate asks too."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from reparo.core.dates import day
from reparo.processes import services as process_services
from reparo.processes.gate import joint_meeting_gate
from reparo.processes.models import ProcessFacilitator
from reparo.training import services
from reparo.training.eligibility import eligible_facilitators, facilitator_eligibility
from reparo.training.models import Certification, ConflictOfInterest, FacilitatorPreference, FacilitatorProfile
from tests.conftest import CsrfClient, sign_in
from tests.processes.factories import both, one_side, ready_process, tomorrow
from tests.training.factories import certify

pytestmark = pytest.mark.django_db

TODAY = None


def _days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def _profile(world, user=None, **values):
    profile, _c = FacilitatorProfile.objects.get_or_create(
        organisation=world.alice_org, user=user or world["facilitator"]
    )
    for key, value in values.items():
        setattr(profile, key, value)
    profile.save()
    return profile


def _survivor(process):
    return process.participants.get(role="survivor").person


def test_it_finds_the_certified_facilitator_eligible_with_reasons_for(world):
    process = ready_process(world)
    candidates = {c.user: c for c in eligible_facilitators(process)}
    assert set(candidates) == {world["facilitator"], world["supervisor"]}
    fit = candidates[world["facilitator"]]
    assert fit.eligible and {r.code for r in fit.reasons} == {
        "certification",
        "language",
        "preference",
        "conflict",
        "workload",
    }


@pytest.mark.parametrize("reason", ["certification", "language", "preference", "conflict", "workload"])
def test_it_makes_each_reason_alone_ineligible_with_that_reason(world, reason):
    process = ready_process(world)
    user = world["facilitator"]
    assert facilitator_eligibility(process, user).eligible
    if reason == "certification":
        Certification.objects.filter(user=user).delete()
        expected = "No current certification"
    elif reason == "language":
        person = _survivor(process)
        person.languages = ["ar"]
        person.save()
        _profile(world, languages=["en", "es"])
        expected = "Shares no language"
    elif reason == "preference":
        FacilitatorPreference.objects.create(person=_survivor(process), facilitator_gender="Feminine")
        _profile(world, gender="Masculine")
        expected = "The survivor asked for a facilitator who is: Feminine"
    elif reason == "conflict":
        ConflictOfInterest.objects.create(organisation=world.alice_org, user=user, case=process.case)
        expected = "conflict of interest"
    else:
        ready_process(world)  # a second open process for the same facilitator
        _profile(world, open_process_cap=1)
        expected = "Already facilitates 1 open processes (the most is 1)"
    fit = facilitator_eligibility(process, user)
    assert not fit.eligible
    assert fit.codes_against == {reason}
    assert expected in fit.against[0].text


def test_it_accepts_a_booked_interpreter_instead_of_a_shared_language(world):
    process = ready_process(world)
    person = _survivor(process)
    person.languages = ["ar"]
    person.save()
    _profile(world, languages=["en"])
    assert facilitator_eligibility(process, world["facilitator"]).codes_against == {"language"}
    process_services.session_schedule(
        actor=world["facilitator"],
        process=process,
        starts_at=tomorrow(),
        duration_minutes=60,
        mode="in_person",
        invited=one_side(process, "survivor"),
        interpreter_language="ar",
    )
    assert facilitator_eligibility(process, world["facilitator"]).eligible


def test_it_counts_an_expiry_between_now_and_the_session_date(world):
    process = ready_process(world)
    user = world["facilitator"]
    # A session booked while the certification still covered it ...
    starts = timezone.make_aware(datetime.datetime.combine(_days(20), datetime.time(10)))
    process_services.session_schedule(
        actor=user,
        process=process,
        starts_at=starts,
        duration_minutes=60,
        mode="in_person",
        invited=one_side(process, "survivor"),
    )
    # ... and then the certification turns out to end sooner.
    Certification.objects.filter(user=user).update(expires_on=_days(10))
    assert facilitator_eligibility(process, user, dates=[_days(5)]).eligible
    late = facilitator_eligibility(process, user, dates=[_days(20)])
    assert late.codes_against == {"certification"}
    assert f"expires on {day(_days(10))}, before the session on {day(_days(20))}" in late.against[0].text
    # Without explicit dates, the process's scheduled sessions count.
    assert facilitator_eligibility(process, user).codes_against == {"certification"}
    # And no further session can be booked after the expiry.
    with pytest.raises(ValidationError):
        process_services.session_schedule(
            actor=user, process=process, starts_at=starts + datetime.timedelta(days=1), duration_minutes=60,
            mode="in_person", invited=one_side(process, "survivor"),
        )  # fmt: skip


def test_it_checks_the_levels_the_process_type_needs(world):
    process = ready_process(world)
    Certification.objects.filter(user=world["facilitator"]).update(levels={"trauma_informed": 3})
    fit = facilitator_eligibility(process, world["facilitator"])
    assert fit.codes_against == {"certification"}
    assert "does not cover" in fit.against[0].text and "Mediation and dialogue technique" in fit.against[0].text


def test_it_refuses_a_suspended_certification(world):
    process = ready_process(world)
    Certification.objects.filter(user=world["facilitator"]).update(status="suspended")
    assert "suspended" in facilitator_eligibility(process, world["facilitator"]).against[0].text


def test_the_service_refuses_an_ineligible_facilitator_with_the_reasons(world):
    process = ready_process(world)
    Certification.objects.filter(user=world["supervisor"]).delete()
    with pytest.raises(ValidationError) as exc:
        process_services.facilitator_assign(
            actor=world["coordinator"], process=process, user=world["supervisor"], role="co_facilitator"
        )
    assert "No current certification for this program." in exc.value.messages
    assert not ProcessFacilitator.objects.filter(process=process, user=world["supervisor"]).exists()
    certify(world["supervisor"], world.program)
    process_services.facilitator_assign(
        actor=world["coordinator"], process=process, user=world["supervisor"], role="co_facilitator"
    )
    assert ProcessFacilitator.objects.filter(process=process, user=world["supervisor"]).exists()


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_the_assign_form_refuses_an_ineligible_facilitator_with_the_reasons(world, htmx):
    process = ready_process(world)
    ConflictOfInterest.objects.create(organisation=world.alice_org, user=world["supervisor"], case=process.case)
    client = sign_in(CsrfClient(), world["coordinator"])
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = client.post_form(
        reverse("processes:facilitator_assign", args=[process.pk]),
        {"user": world["supervisor"].pk, "role": "co_facilitator"},
        follow=True,
        **headers,
    )
    assert "declared a conflict of interest" in response.content.decode()
    assert not ProcessFacilitator.objects.filter(process=process, user=world["supervisor"]).exists()


def test_the_process_page_shows_who_may_facilitate_and_why(world):
    process = ready_process(world)
    Certification.objects.filter(user=world["supervisor"]).delete()
    client = sign_in(CsrfClient(), world["coordinator"])
    page = client.get(reverse("processes:detail", args=[process.pk])).content.decode()
    assert reverse("training:eligibility", args=[process.pk]) in page
    fragment = client.get(reverse("training:eligibility", args=[process.pk]), HTTP_HX_REQUEST="true")
    html = fragment.content.decode()
    assert "<html" not in html and "No current certification for this program." in html
    assert world["supervisor"].display_name in html
    assert (
        sign_in(CsrfClient(), world.charlie).get(reverse("training:eligibility", args=[process.pk])).status_code == 404
    )


def test_the_gate_asks_for_a_certified_facilitator(world):
    process = ready_process(world)
    assert joint_meeting_gate(process).open
    Certification.objects.filter(user=world["facilitator"]).update(expires_on=timezone.localdate())
    gate = joint_meeting_gate(process)
    assert not gate.open and gate.codes == ["facilitator_certified"]
    assert "not certified for this process" in gate.reasons[0]
    with pytest.raises(process_services.GateClosedError):
        process_services.session_schedule(
            actor=world["facilitator"],
            process=process,
            starts_at=tomorrow(),
            duration_minutes=60,
            mode="in_person",
            invited=both(process),
        )


def test_it_lists_candidates_without_a_query_per_candidate(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reparo.accounts.models import Membership
    from tests.conftest import make_user

    process = ready_process(world)
    eligible_facilitators(process)  # the framework and program settings exist from here on
    with CaptureQueriesContext(connection) as few:
        assert len(eligible_facilitators(process)) == 2
    for n in range(5):
        user = make_user(f"extra{n}@alice.example")
        Membership.objects.create(user=user, organisation=world.alice_org, role="facilitator")
        certify(user, world.program)
    with CaptureQueriesContext(connection) as many:
        assert len(eligible_facilitators(process)) == 7
    assert len(many) == len(few)


def test_staff_record_the_survivors_preference_on_the_eligibility_page(world):
    process = ready_process(world)
    _profile(world, gender="Masculine")
    client = sign_in(CsrfClient(), world["coordinator"])
    url = reverse("training:preference", args=[process.pk])
    client.post_form(url, {"facilitator_gender": "Feminine"})
    assert facilitator_eligibility(process, world["facilitator"]).codes_against == {"preference"}
    page = client.get(reverse("training:eligibility", args=[process.pk])).content.decode()
    assert "The survivor asked for a facilitator who is: Feminine" in page
    assert sign_in(CsrfClient(), world.charlie).post_form(url, {"facilitator_gender": ""}).status_code == 404
    assert facilitator_eligibility(process, world["facilitator"]).codes_against == {"preference"}


def test_a_coordinator_sets_the_workload_cap_and_languages(world):
    process = ready_process(world)
    ready_process(world)
    client = sign_in(CsrfClient(), world["coordinator"])
    url = reverse("training:profile_for", args=[world["facilitator"].pk])
    client.post_form(url, {"languages": ["en", "fr"], "gender": "", "open_process_cap": "1"})
    assert facilitator_eligibility(process, world["facilitator"]).codes_against == {"workload"}
    # The facilitator's own profile form keeps the cap; they cannot set it for anyone.
    mine = sign_in(CsrfClient(), world["facilitator"])
    mine.post_form(reverse("training:profile"), {"languages": ["en"]})
    assert FacilitatorProfile.objects.get(user=world["facilitator"]).open_process_cap == 1
    assert mine.post_form(url, {"languages": ["en"], "open_process_cap": "9"}).status_code == 404


def test_the_workload_cap_is_at_most_fifty(world):
    client = sign_in(CsrfClient(), world["coordinator"])
    url = reverse("training:profile_for", args=[world["facilitator"].pk])
    assert client.post_form(url, {"languages": ["en"], "open_process_cap": "50"}).status_code == 302
    for too_many in ("51", "40000"):
        response = client.post_form(url, {"languages": ["en"], "open_process_cap": too_many}, follow=True)
        assert response.status_code == 200 and "less than or equal to 50" in response.content.decode()
    assert FacilitatorProfile.objects.get(user=world["facilitator"]).open_process_cap == 50
    with pytest.raises(ValidationError, match="less than or equal to 50"):
        services.profile_update(
            actor=world["coordinator"], organisation=world.alice_org, user=world["facilitator"], languages=["en"],
            open_process_cap=51,
        )  # fmt: skip
    assert FacilitatorProfile.objects.get(user=world["facilitator"]).open_process_cap == 50


def test_only_those_who_assign_see_the_reasons(world):
    process = ready_process(world)
    url = reverse("training:eligibility", args=[process.pk])
    assert sign_in(CsrfClient(), world["case_worker"]).get(url).status_code == 404
    assert sign_in(CsrfClient(), world["facilitator"]).get(url).status_code == 200  # the lead facilitator


@pytest.mark.parametrize(
    ("reason", "anchor", "words"),
    [
        ("certification", "certifications", "Their certifications"),
        ("language", "profile", "Their languages"),
        ("conflict", "profile", "Their declared conflicts"),
        ("workload", "profile", "Their workload limit"),
    ],
)
def test_each_reason_against_links_to_the_facilitators_record(world, reason, anchor, words):
    process = ready_process(world)
    user = world["facilitator"]
    if reason == "certification":
        Certification.objects.filter(user=user).delete()
    elif reason == "language":
        person = _survivor(process)
        person.languages = ["ar"]
        person.save()
        _profile(world, languages=["en"])
    elif reason == "conflict":
        ConflictOfInterest.objects.create(organisation=world.alice_org, user=user, case=process.case)
    else:
        ready_process(world)
        _profile(world, open_process_cap=1)
    against = facilitator_eligibility(process, user).against[0]
    assert (against.fix_url, against.fix_text) == (f"/training/people/{user.pk}/#{anchor}", words)
    html = sign_in(CsrfClient(), world["coordinator"]).get(f"/training/processes/{process.pk}/eligibility/")
    assert f'<a href="/training/people/{user.pk}/#{anchor}">{words}</a>' in html.content.decode()


def test_the_survivors_preference_links_to_where_it_is_recorded(world):
    process = ready_process(world)
    FacilitatorPreference.objects.create(person=_survivor(process), facilitator_gender="Feminine")
    _profile(world, gender="Masculine")
    against = facilitator_eligibility(process, world["facilitator"]).against[0]
    assert against.fix_url == f"/training/processes/{process.pk}/eligibility/#preferences"


def test_the_gate_links_an_uncertified_facilitator_to_their_certifications(world):
    process = ready_process(world)
    Certification.objects.filter(user=world["facilitator"]).delete()
    gate = joint_meeting_gate(process)
    reason = gate.reasons[gate.codes.index("facilitator_certified")]
    assert reason.fix_url == f"/training/people/{world['facilitator'].pk}/#certifications"
