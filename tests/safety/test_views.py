import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from reparo.audit.models import AuditEvent
from reparo.processes import services as process_services
from reparo.processes.models import Process
from reparo.safety import services
from reparo.safety.models import ContactRestriction, Notice, ProgramSafetySettings, SafetyPlan, Screening
from tests.conftest import CsrfClient, page_title, sign_in
from tests.processes.factories import both, ready_process, tomorrow
from tests.safety.factories import screen

pytestmark = pytest.mark.django_db


def person(process, role):
    return process.participants.get(role=role).person


def safety_urls(process):
    case = process.case
    survivor = person(process, "survivor")
    screening = Screening.objects.filter(process=process).first()
    return [
        f"/safety/case/{case.pk}/",
        f"/safety/case/{case.pk}/trend/",
        f"/safety/case/{case.pk}/plan/{survivor.pk}/",
        f"/safety/case/{case.pk}/restrictions/",
        f"/safety/process/{process.pk}/",
        f"/safety/process/{process.pk}/screenings/survivor_readiness/",
        f"/safety/process/{process.pk}/check-in/",
    ], f"/safety/screenings/{screening.pk}/sign-off/"


@pytest.mark.parametrize("who", ["charlie", "cosa_volunteer", "partner_liaison", "evaluator"])
def test_it_answers_404_to_outsiders_and_the_responsible_person_side(world, who):
    process = ready_process(world)
    services.safety_plan_save(actor=world["case_worker"], case=process.case, person=person(process, "survivor"),
                              next_review_on=timezone.localdate() + datetime.timedelta(days=9),
                              safe_words="blue umbrella")  # fmt: skip
    user = world.charlie if who == "charlie" else world[who]
    client = sign_in(CsrfClient(), user)
    pages, sign_off = safety_urls(process)
    for url in pages:
        response = client.get(url)
        assert response.status_code == 404, url
        assert "blue umbrella" not in response.content.decode()
    assert client.post_form(sign_off).status_code == 404
    assert client.post_form(pages[3], {"kind": "no_contact_order"}).status_code == 404
    assert not ContactRestriction.objects.exists()


def test_it_never_shows_the_survivors_plan_or_screening_on_the_responsible_side(world):
    process = ready_process(world)
    services.safety_plan_save(actor=world["case_worker"], case=process.case, person=person(process, "survivor"),
                              next_review_on=timezone.localdate() + datetime.timedelta(days=9),
                              safe_words="blue umbrella")  # fmt: skip
    volunteer = sign_in(CsrfClient(), world["cosa_volunteer"])
    for url in (f"/processes/{process.pk}/", f"/cases/{process.case.pk}/responsible-side/"):
        html = volunteer.get(url).content.decode()
        assert "blue umbrella" not in html and "readiness" not in html.lower() and "/safety/" not in html


def test_it_shows_every_safety_page_to_the_team(world):
    process = ready_process(world)
    client = sign_in(CsrfClient(), world["facilitator"])
    pages, _sign_off = safety_urls(process)
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "survivor" not in page_title(response.content.decode()).lower()


def test_it_completes_a_screening_through_the_form_and_a_supervisor_signs_it_off(world):
    process = ready_process(world, safe=False)
    survivor = person(process, "survivor")
    client = sign_in(CsrfClient(), world["facilitator"])
    url = f"/safety/process/{process.pk}/screenings/survivor_readiness/"
    form = {f"item_{k}": "yes" for k in ("voluntary", "understands", "expectations", "safety", "support",
                                         "emotional", "no_pressure")}  # fmt: skip
    assert "Chooses freely to take part" in client.get(url).content.decode()
    response = client.post_form(url, {**form, "person": survivor.pk, "outcome": "ready"})
    assert response.status_code == 302
    screening = Screening.objects.get(process=process)
    assert screening.outcome == "ready" and screening.signed_off_at is None
    assert client.post_form(f"/safety/screenings/{screening.pk}/sign-off/").status_code == 404  # not a supervisor
    screening.refresh_from_db()
    assert screening.signed_off_at is None
    supervisor = sign_in(CsrfClient(), world["supervisor"])
    page = supervisor.get(f"/safety/process/{process.pk}/").content.decode()
    assert "Not signed off: not current" in page and "Sign off" in page
    supervisor.post_form(f"/safety/screenings/{screening.pk}/sign-off/")
    screening.refresh_from_db()
    assert screening.signed_off_by == world["supervisor"]


def test_it_shows_the_screening_form_in_spanish(world):
    process = ready_process(world, safe=False)
    client = sign_in(CsrfClient(), world["facilitator"])
    client.cookies["django_language"] = "es"
    html = client.get(f"/safety/process/{process.pk}/screenings/risk_assessment/", HTTP_ACCEPT_LANGUAGE="es").content
    assert "Amenaza de una red de trata" in html.decode()


def test_it_saves_a_safety_plan_and_shows_review_due(world):
    process = ready_process(world)
    survivor = person(process, "survivor")
    client = sign_in(CsrfClient(), world["case_worker"])
    url = f"/safety/case/{process.case.pk}/plan/{survivor.pk}/"
    review = timezone.localdate() + datetime.timedelta(days=14)
    response = client.post_form(url, {"warning_signs": "Unknown cars outside", "next_review_on": review.isoformat()})
    assert response.status_code == 302
    plan = SafetyPlan.objects.get(person=survivor)
    assert plan.warning_signs == "Unknown cars outside"
    SafetyPlan.objects.filter(pk=plan.pk).update(next_review_on=timezone.localdate())
    assert "Review due" in client.get(f"/safety/case/{process.case.pk}/").content.decode()
    assert "Review due" in client.get(url).content.decode()


def test_it_records_and_lifts_a_restriction_through_the_screen(world):
    process = ready_process(world)
    client = sign_in(CsrfClient(), world["case_worker"])
    url = f"/safety/case/{process.case.pk}/restrictions/"
    response = client.post_form(url, {
        "person_a": person(process, "survivor").pk, "person_b": person(process, "responsible").pk,
        "kind": "court_condition", "source": "Bail condition", "valid_from": timezone.localdate().isoformat(),
    })  # fmt: skip
    assert response.status_code == 302
    restriction = ContactRestriction.objects.get()
    facilitator = sign_in(CsrfClient(), world["facilitator"])
    assert "contact restriction in force" in facilitator.get(f"/processes/{process.pk}/").content.decode()
    assert "Lift</button>" not in client.get(url).content.decode()
    response = client.post_form(f"{url}{restriction.pk}/lift/", follow=True)
    assert "Only a supervisor, a coordinator or an organisation admin" in response.content.decode()
    restriction.refresh_from_db()
    assert restriction.lifted_at is None  # a case worker cannot reopen the gate
    supervisor = sign_in(CsrfClient(), world["supervisor"])
    assert "Lift</button>" in supervisor.get(url).content.decode()
    supervisor.post_form(f"{url}{restriction.pk}/lift/")
    restriction.refresh_from_db()
    assert restriction.lifted_at is not None


def test_it_records_a_check_in_from_the_session_page_and_pauses_at_the_threshold(world):
    process = ready_process(world)
    session = process_services.session_schedule(
        actor=world["facilitator"], process=process, starts_at=tomorrow(), duration_minutes=60, mode="in_person",
        invited=both(process),
    )  # fmt: skip
    client = sign_in(CsrfClient(), world["facilitator"])
    session_page = client.get(f"/processes/{process.pk}/sessions/{session.pk}/").content.decode()
    link = f"/safety/process/{process.pk}/check-in/?session={session.pk}"
    assert link in session_page
    assert client.get(link).status_code == 200
    response = client.post_form(
        f"/safety/process/{process.pk}/check-in/",
        {"person": person(process, "survivor").pk, "moment": "before", "rating": 8, "session": session.pk},
        follow=True,
    )
    assert "at or above the threshold" in response.content.decode()
    assert Process.objects.get(pk=process.pk).paused


def test_it_shows_discreet_notices_and_marks_them_read(world):
    process = ready_process(world)
    services.distress_record(actor=world["case_worker"], process=process, person=person(process, "survivor"),
                             moment="after", rating=10)  # fmt: skip
    client = sign_in(CsrfClient(), world["supervisor"])
    html = client.get("/safety/notices/").content.decode()
    assert "A check-in needs your attention." in html
    assert "10/10" not in html and "distress" not in html.lower()  # the notice says only that something waits
    notice = Notice.objects.get(user=world["supervisor"])
    assert (
        sign_in(CsrfClient(), world["facilitator"]).post_form(f"/safety/notices/{notice.pk}/read/").status_code == 404
    )
    client.post_form(f"/safety/notices/{notice.pk}/read/")
    notice.refresh_from_db()
    assert notice.read_at is not None


def test_it_loads_the_trend_on_demand_and_keeps_the_case_page_query_count_flat(world):
    quiet = ready_process(world)
    busy = ready_process(world)
    for rating in range(10):
        services.distress_record(actor=world["facilitator"], process=busy, person=person(busy, "survivor"),
                                 moment="after", rating=rating % 5)  # fmt: skip
    client = sign_in(CsrfClient(), world["facilitator"])
    client.get(f"/cases/{quiet.case.pk}/")  # the first page of a session also fills its process's access copies
    counts = []
    for process in (quiet, busy):
        with CaptureQueriesContext(connection) as ctx:
            html = client.get(f"/cases/{process.case.pk}/").content.decode()
        counts.append(len(ctx))
        assert f"/safety/case/{process.case.pk}/trend/" in html
    assert counts[0] == counts[1], counts
    fragment = client.get(f"/safety/case/{busy.case.pk}/trend/", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment and fragment.count("<meter") == 10


def test_it_records_a_withdrawal_with_an_explicit_choice_to_close_the_case(world):
    process = ready_process(world)
    survivor = process.participants.get(role="survivor")
    client = sign_in(CsrfClient(), world["facilitator"])
    assert "ask to close the case" in client.get(f"/processes/{process.pk}/").content.decode()
    client.post_form(f"/processes/{process.pk}/participants/{survivor.pk}/withdraw/")
    process.refresh_from_db()
    assert process.stage == "ended_early" and process.case.is_open


def test_it_tells_the_responsible_side_only_that_the_process_has_ended(world):
    process = ready_process(world)
    process_services.session_schedule(
        actor=world["facilitator"], process=process, starts_at=tomorrow(), duration_minutes=60, mode="in_person",
        invited=both(process),
    )  # fmt: skip
    survivor = process.participants.get(role="survivor")
    sign_in(CsrfClient(), world["facilitator"]).post_form(
        f"/processes/{process.pk}/participants/{survivor.pk}/withdraw/"
    )
    html = sign_in(CsrfClient(), world["cosa_volunteer"]).get(f"/processes/{process.pk}/").content.decode()
    assert "The process has ended." in html
    main = html.split("<main", 1)[-1]
    for word in ("withdr", "participant", "stopped", "Ended early", "survivor", survivor.person.display_code):
        assert word.lower() not in main.lower().replace("never shows who the survivor is", ""), word
    assert "Nothing scheduled." in html


def test_it_lets_only_coordinators_change_the_programs_threshold(world):
    url = f"/safety/program/{world.program.pk}/threshold/"
    for user in (world["facilitator"], world["supervisor"], world.charlie):
        client = sign_in(CsrfClient(), user)
        assert client.get(url).status_code == 404
        assert client.post_form(url, {"threshold": 3}).status_code == 404
    coordinator = sign_in(CsrfClient(), world["coordinator"])
    assert "7 or more" in coordinator.get(url).content.decode()
    assert coordinator.post_form(url, {"threshold": 11}).status_code == 400
    assert coordinator.post_form(url, {"threshold": 5}).status_code == 302
    assert ProgramSafetySettings.objects.get(program=world.program).distress_threshold == 5


def _plan(world, process, safe_words="blue umbrella"):
    return services.safety_plan_save(
        actor=world["case_worker"], case=process.case, person=person(process, "survivor"),
        next_review_on=timezone.localdate() + datetime.timedelta(days=30), safe_words=safe_words,
    )  # fmt: skip


def test_it_refuses_a_stale_form_opened_before_the_plan_existed(world):
    process = ready_process(world)
    survivor = person(process, "survivor")
    client = sign_in(CsrfClient(), world["facilitator"])
    url = f"/safety/case/{process.case.pk}/plan/{survivor.pk}/"
    assert 'name="version"' in client.get(url).content.decode()  # opened while there is no plan: blank version
    _plan(world, process)  # meanwhile a colleague writes the plan
    review = (timezone.localdate() + datetime.timedelta(days=14)).isoformat()
    response = client.post_form(url, {"version": "", "safe_words": "red kite", "next_review_on": review})
    assert response.status_code == 409
    assert "Someone else changed this while you were editing" in response.content.decode()
    plan = SafetyPlan.objects.get(person=survivor)
    assert plan.safe_words == "blue umbrella" and plan.version == 1
    response = client.post_form(url, {"version": "1", "safe_words": "red kite", "next_review_on": review})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.safe_words == "red kite" and plan.version == 2


def test_it_audits_opening_a_plan_and_showing_screenings(world):
    process = ready_process(world)  # safe: its screenings are done and signed off
    plan = _plan(world, process)
    client = sign_in(CsrfClient(), world["facilitator"])
    html = client.get(f"/safety/case/{process.case.pk}/plan/{person(process, 'survivor').pk}/").content.decode()
    assert "blue umbrella" in html
    row = AuditEvent.objects.get(action="safety.plan_viewed")
    assert row.actor == world["facilitator"] and row.object_id == str(plan.pk)
    for url in (f"/safety/process/{process.pk}/", f"/safety/case/{process.case.pk}/"):
        before = AuditEvent.objects.filter(action="safety.screenings_viewed", actor=world["facilitator"]).count()
        client.get(url)
        after = AuditEvent.objects.filter(action="safety.screenings_viewed", actor=world["facilitator"]).count()
        assert after == before + 1, url


def test_it_pages_screenings_and_restrictions_instead_of_cutting_them_off(world):
    process = ready_process(world)
    survivor, responsible = person(process, "survivor"), person(process, "responsible")
    for _ in range(30):
        services.restriction_record(
            actor=world["case_worker"], case=process.case, person_a=survivor, person_b=responsible,
            kind="no_contact_order", valid_from=timezone.localdate(),
        )  # fmt: skip
    for _ in range(27):
        screen(world, process, "risk_assessment", sign=False)
    client = sign_in(CsrfClient(), world["facilitator"])
    restrictions = f"/safety/case/{process.case.pk}/restrictions/"
    shown = [client.get(f"{restrictions}?page={n}").content.decode().count("↔") for n in (1, 2)]
    assert sum(shown) == 30 and "Page 1 of 2" in client.get(restrictions).content.decode()
    total = Screening.objects.filter(process=process).count()
    pages = [client.get(f"/safety/process/{process.pk}/?page={n}").content.decode() for n in (1, 2)]
    assert sum(p.count("(v1)") for p in pages) == total
    overview = client.get(f"/safety/case/{process.case.pk}/").content.decode()
    assert "Showing 10 of 30 restrictions." in overview and "Page 1 of 2" in overview


def test_it_shows_the_risk_and_new_screening_labels_as_whole_sentences_in_spanish(world):
    process = ready_process(world)
    client = sign_in(CsrfClient(), world["facilitator"])
    client.cookies["django_language"] = "es"
    html = client.get(f"/safety/process/{process.pk}/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Riesgo: " in html and "Nueva: " in html
    with translation.override("es"):  # whole sentences with a placeholder, so word order can change
        assert translation.gettext("Risk: %(level)s") == "Riesgo: %(level)s"
        assert translation.gettext("New: %(label)s") == "Nueva: %(label)s"


def test_it_lets_the_team_show_the_survivor_their_own_plan_in_the_portal(world):
    process = ready_process(world)
    case, survivor = process.case, person(process, "survivor")
    plan = services.safety_plan_save(actor=world["facilitator"], case=case, person=survivor,
                                     next_review_on=timezone.localdate() + datetime.timedelta(days=30))  # fmt: skip
    assert not plan.shared_with_person
    url = f"/safety/case/{case.pk}/plan/{survivor.pk}/share/"
    for who in ("cosa_volunteer", "evaluator"):
        assert sign_in(CsrfClient(), world[who]).post_form(url, {"shared": "yes"}).status_code == 404
    client = sign_in(CsrfClient(), world["facilitator"])
    assert (
        "Show it to the survivor in the portal"
        in client.get(f"/safety/case/{case.pk}/plan/{survivor.pk}/").content.decode()
    )
    client.post_form(url, {"shared": "yes"})
    plan.refresh_from_db()
    assert plan.shared_with_person
    client.post_form(url, {"shared": "no"})
    plan.refresh_from_db()
    assert not plan.shared_with_person
    actions = list(AuditEvent.objects.filter(object_id=str(plan.pk)).values_list("action", flat=True))
    assert "safety.plan_shared" in actions and "safety.plan_unshared" in actions


def test_a_screening_has_no_outcome_until_someone_chooses_one(world):
    process = ready_process(world, safe=False)
    survivor = person(process, "survivor")
    client = sign_in(CsrfClient(), world["facilitator"])
    url = f"/safety/process/{process.pk}/screenings/survivor_readiness/"
    html = client.get(url).content.decode()
    assert '<option value="" selected>Choose the outcome</option>' in html
    assert '<option value="ready" selected>' not in html
    form = {f"item_{k}": "yes" for k in ("voluntary", "understands", "expectations", "safety", "support",
                                         "emotional", "no_pressure")}  # fmt: skip
    response = client.post_form(url, {**form, "person": survivor.pk})
    assert response.status_code == 400
    assert not Screening.objects.filter(process=process).exists()
    risk = client.get(f"/safety/process/{process.pk}/screenings/risk_assessment/").content.decode()
    assert '<option value="" selected>Choose the risk level</option>' in risk
