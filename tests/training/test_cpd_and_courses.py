"""Continuing development: the yearly progress sums logged activities and attended course hours against each
program's requirement."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from reparo.organisations.models import Program
from reparo.training import selectors, services
from reparo.training.eligibility import program_settings
from tests.conftest import CsrfClient, sign_in

pytestmark = pytest.mark.django_db


def test_it_sums_this_years_hours_against_each_program(world):
    user = world["facilitator"]
    org = world.alice_org
    today = timezone.localdate()
    this_year = today.replace(month=1, day=1)  # never in the future, even on 1 January
    services.cpd_add(actor=user, organisation=org, done_on=this_year, hours="3.5", activity="Reading group")
    services.cpd_add(
        actor=user, organisation=org, done_on=this_year, hours=2, activity="Peer supervision", evidence="Minutes 14"
    )
    services.cpd_add(
        actor=user, organisation=org, done_on=this_year.replace(year=today.year - 1), hours=9, activity="Last year"
    )
    services.cpd_add(actor=world["supervisor"], organisation=org, done_on=this_year, hours=7, activity="Not mine")
    course = services.course_create(actor=world["coordinator"], organisation=org, title="Law update", competencies=[])
    starts = timezone.make_aware(datetime.datetime.combine(this_year, datetime.time.min))  # started, at any hour
    attended = services.course_session_add(actor=world["coordinator"], course=course, starts_at=starts, hours=3)
    missed = services.course_session_add(actor=world["coordinator"], course=course, starts_at=starts, hours=4)
    services.enrol(actor=user, course=course, user=user)
    services.attendance_record(actor=world["coordinator"], session=attended, attended=[user])
    services.attendance_record(actor=world["coordinator"], session=missed, attended=[])
    strict = Program.objects.create(organisation=org, name="Strict program")
    services.program_settings_update(actor=world["org_admin"], program=strict, cpd_hours_per_year=Decimal("30"))
    services.program_settings_update(actor=world["org_admin"], program=world.program, cpd_hours_per_year=Decimal("8"))
    progress = selectors.cpd_progress(user, org, year=today.year)
    assert (progress.logged, progress.courses, progress.total) == (Decimal("5.5"), Decimal("3"), Decimal("8.5"))
    assert {(p.program.name, p.required, p.met) for p in progress.programs} == {
        ("Dialogue program", Decimal("8"), True),
        ("Strict program", Decimal("30"), False),
    }
    page = sign_in(CsrfClient(), user).get(reverse("training:mine")).content.decode()
    assert "8.5 hours (5.5 logged, 3 in courses)" in page or "8.5 hours (5.5 logged, 3.0 in courses)" in page


def test_it_refuses_future_or_empty_development(world):
    user = world["facilitator"]
    with pytest.raises(ValidationError):
        services.cpd_add(
            actor=user,
            organisation=world.alice_org,
            done_on=timezone.localdate() + datetime.timedelta(days=1),
            hours=1,
            activity="Later",
        )
    with pytest.raises(ValidationError):
        services.cpd_add(
            actor=user, organisation=world.alice_org, done_on=timezone.localdate(), hours=0, activity="Nothing"
        )
    with pytest.raises(PermissionDenied):
        services.cpd_add(
            actor=world.charlie,
            organisation=world.alice_org,
            done_on=timezone.localdate(),
            hours=1,
            activity="Outsider",
        )


def test_only_enrolled_people_are_marked_present_and_only_managers_mark(world):
    course = services.course_create(
        actor=world["coordinator"], organisation=world.alice_org, title="Circles", competencies=[]
    )
    session = services.course_session_add(actor=world["coordinator"], course=course, starts_at=timezone.now(), hours=2)
    with pytest.raises(ValidationError):
        services.attendance_record(actor=world["coordinator"], session=session, attended=[world["facilitator"]])
    services.enrol(actor=world["facilitator"], course=course, user=world["facilitator"])
    with pytest.raises(PermissionDenied):
        services.attendance_record(actor=world["facilitator"], session=session, attended=[world["facilitator"]])
    with pytest.raises(PermissionDenied):
        services.course_create(actor=world["facilitator"], organisation=world.alice_org, title="Mine", competencies=[])


def test_the_course_pages_enrol_and_record_attendance(world):
    coordinator = sign_in(CsrfClient(), world["coordinator"])
    from reparo.training.framework import competencies_of

    competency = competencies_of(world.alice_org)[0]
    coordinator.post_form(reverse("training:courses"), {"title": "Trauma basics", "competencies": [competency.pk]})
    course = selectors.courses_of(world.alice_org).get()
    coordinator.post_form(
        reverse("training:course_session_add", args=[course.pk]), {"starts_at": "2026-01-10T10:00", "hours": "6"}
    )
    session = course.sessions.get()
    facilitator = sign_in(CsrfClient(), world["facilitator"])
    facilitator.post_form(reverse("training:course_enrol", args=[course.pk]))
    coordinator.post_form(reverse("training:attendance", args=[session.pk]), {"present": [world["facilitator"].pk]})
    assert selectors.course_hours(world["facilitator"], world.alice_org) == Decimal("6")
    assert facilitator.post_form(reverse("training:attendance", args=[session.pk]), {}).status_code == 404
    listed = facilitator.get(reverse("training:courses")).content.decode().split("<h1>")[1]
    assert f"Trauma basics</a> · {escape(competency.label)} · enrolled" in listed
    page = coordinator.get(reverse("training:course", args=[course.pk])).content.decode()
    assert escape(competency.label) in page.split("<h1>")[1].split("<form")[0] and "10 Jan 2026" in page
    who = world["facilitator"].pk
    assert f'value="{who}" id="present-{session.pk}-{who}" checked' in page
    assert sign_in(CsrfClient(), world.charlie).get(reverse("training:course", args=[course.pk])).status_code == 404
    assert program_settings(world.program).cpd_hours_per_year == Decimal("20")


def _raw(sql):
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def test_course_titles_are_stored_encrypted_and_listed_by_title(world):
    from reparo.training.framework import competencies_of

    coordinator = sign_in(CsrfClient(), world["coordinator"])
    competency = competencies_of(world.alice_org)[0]
    for title in ("Zeta circles", "Ofelia-Canary-3310 debrief", "alpha basics"):
        coordinator.post_form(reverse("training:courses"), {"title": title, "competencies": [competency.pk]})
    raw = _raw("SELECT title FROM training_course")
    assert len(raw) == 3 and all(title.startswith("enc1:") for (title,) in raw)
    assert "Canary" not in repr(raw) and "zeta" not in repr(raw).lower()
    page = coordinator.get(reverse("training:courses")).content.decode()
    positions = [page.index(title) for title in ("alpha basics", "Ofelia-Canary-3310 debrief", "Zeta circles")]
    assert positions == sorted(positions), "sorted by title, whatever the capitals"
    course = next(c for c in selectors.courses_listed(world.alice_org) if c.title.startswith("Ofelia"))
    assert (
        "Ofelia-Canary-3310 debrief" in coordinator.get(reverse("training:course", args=[course.pk])).content.decode()
    )


def test_development_activities_are_stored_encrypted_and_shown_on_the_record(world):
    facilitator = sign_in(CsrfClient(), world["facilitator"])
    facilitator.post_form(
        reverse("training:cpd_add"),
        {"done_on": timezone.localdate().isoformat(), "hours": "2", "activity": "Webinar with Teodora-Canary-8812"},
    )
    raw = _raw("SELECT activity FROM training_cpdentry")
    assert len(raw) == 1 and raw[0][0].startswith("enc1:") and "Canary" not in raw[0][0]
    assert "Webinar with Teodora-Canary-8812" in facilitator.get(reverse("training:mine")).content.decode()
