"""Joint training: a course opened to named partner organisations is seen, and joined, by their staff only; their
attendance counts in their own record; the operator sees attendance per partner organisation; partner staff see
nothing else of the operator's training, and outsiders nothing at all."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import URLPattern, get_resolver, reverse
from django.utils import timezone

from reparo.accounts.models import Membership, Role
from reparo.audit.models import AuditEvent
from reparo.organisations.models import HTCDSOrganisationType, Organisation, OrganisationKind
from reparo.training import selectors, services
from reparo.training.models import Enrolment
from tests.conftest import CsrfClient, make_user, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def joint(world):
    """Course A opened to Bob Legal Aid (the world's partner), course B opened to another partner only, course C
    opened to nobody; each has a session that has already started."""
    other = Organisation.objects.create(
        name="Dana Shelter", kind=OrganisationKind.PARTNER, htcds_type=HTCDSOrganisationType.NGO
    )
    dana = make_user("liaison@dana.example")
    Membership.objects.create(user=dana, organisation=other, role=Role.PARTNER_LIAISON)
    coordinator = world["coordinator"]
    start = timezone.now() - datetime.timedelta(days=2)
    courses = {}
    for key, title in (("a", "Trauma-informed interviewing"), ("b", "Safeguarding basics"), ("c", "Internal only")):
        course = services.course_create(actor=coordinator, organisation=world.alice_org, title=title, competencies=[])
        services.course_session_add(actor=coordinator, course=course, starts_at=start, hours=Decimal("2.5"))
        courses[key] = course
    services.course_open_to_partners(actor=coordinator, course=courses["a"], organisations=[world.partner])
    services.course_open_to_partners(actor=coordinator, course=courses["b"], organisations=[other])
    return {"other": other, "dana": dana, **courses}


def test_it_shows_partner_staff_the_courses_opened_to_their_organisation_only(world, joint):
    client = sign_in(CsrfClient(), world["partner_liaison"])
    page = client.get(reverse("training:joint"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Trauma-informed interviewing" in html
    assert "Safeguarding basics" not in html and "Internal only" not in html
    assert client.get(reverse("training:joint_course", args=[joint["a"].pk])).status_code == 200
    for key in ("b", "c"):
        assert client.get(reverse("training:joint_course", args=[joint[key].pk])).status_code == 404
        assert client.post_form(reverse("training:joint_enrol", args=[joint[key].pk])).status_code == 404
    assert not Enrolment.objects.filter(user=world["partner_liaison"]).exists()
    # The other partner sees its own course, not Bob Legal Aid's.
    dana = sign_in(CsrfClient(), joint["dana"])
    assert dana.get(reverse("training:joint_course", args=[joint["b"].pk])).status_code == 200
    assert dana.get(reverse("training:joint_course", args=[joint["a"].pk])).status_code == 404


def test_joint_training_is_in_the_partners_navigation_only(world, joint):
    liaison = sign_in(CsrfClient(), world["partner_liaison"]).get(reverse("home:index")).content.decode()
    assert reverse("training:joint") in liaison
    staff = sign_in(CsrfClient(), world["facilitator"]).get(reverse("home:index")).content.decode()
    assert reverse("training:joint") not in staff


def test_attendance_counts_in_the_partner_persons_own_record(world, joint):
    liaison = world["partner_liaison"]
    client = sign_in(CsrfClient(), liaison)
    response = client.post_form(reverse("training:joint_enrol", args=[joint["a"].pk]))
    assert response.status_code == 302
    enrolment = Enrolment.objects.get(user=liaison, course=joint["a"])
    assert enrolment.partner_organisation == world.partner
    session = joint["a"].sessions.get()
    # The operator's coordinator records attendance on the course page, as for their own staff.
    coordinator = sign_in(CsrfClient(), world["coordinator"])
    course_page = coordinator.get(reverse("training:course", args=[joint["a"].pk])).content.decode()
    assert liaison.display_name in course_page and "Bob Legal Aid" in course_page
    saved = coordinator.post_form(reverse("training:attendance", args=[session.pk]), {"present": [str(liaison.pk)]})
    assert saved.status_code == 302

    record = selectors.joint_record(liaison)
    assert record.hours == Decimal("2.5")
    assert [j.attended for j in record.sessions] == [True]
    html = client.get(reverse("training:joint")).content.decode()
    assert "2.5" in html and "Attended" in html
    # It stays in their record when the course is later closed to their organisation; the course itself is gone.
    services.course_open_to_partners(actor=world["coordinator"], course=joint["a"], organisations=[])
    assert client.get(reverse("training:joint_course", args=[joint["a"].pk])).status_code == 404
    assert selectors.joint_record(liaison).hours == Decimal("2.5")
    assert "Trauma-informed interviewing" in client.get(reverse("training:joint")).content.decode()


def test_the_operator_sees_attendance_per_partner_organisation(world, joint):
    services.course_open_to_partners(
        actor=world["coordinator"], course=joint["a"], organisations=[world.partner, joint["other"]]
    )
    services.joint_enrol(actor=world["partner_liaison"], course=joint["a"])
    services.joint_enrol(actor=joint["dana"], course=joint["a"])
    session = joint["a"].sessions.get()
    services.attendance_record(actor=world["coordinator"], session=session, attended=[world["partner_liaison"]])
    rows = {r.organisation.name: r for r in selectors.attendance_by_partner(world.alice_org)}
    assert (rows["Bob Legal Aid"].enrolled, rows["Bob Legal Aid"].attended_people) == (1, 1)
    assert rows["Bob Legal Aid"].hours == Decimal("2.5")
    assert (rows["Dana Shelter"].enrolled, rows["Dana Shelter"].attended_people, rows["Dana Shelter"].hours) == (
        1,
        0,
        Decimal("0"),
    )
    page = sign_in(CsrfClient(), world["coordinator"]).get(reverse("training:partner_attendance"))
    html = page.content.decode()
    assert page.status_code == 200 and "Bob Legal Aid" in html and "Dana Shelter" in html
    # Partner staff cannot see it; nor can a facilitator, who does not manage training.
    for user in (world["partner_liaison"], world["facilitator"]):
        assert sign_in(CsrfClient(), user).get(reverse("training:partner_attendance")).status_code == 404
    # Charlie's admin sees their own organisation's (empty) page, nothing of Alice's.
    charlie = sign_in(CsrfClient(), world.charlie).get(reverse("training:partner_attendance")).content.decode()
    assert "Bob Legal Aid" not in charlie and "Dana Shelter" not in charlie


def test_only_those_who_manage_training_open_a_course_and_only_to_partners(world, joint):
    with pytest.raises(PermissionDenied):
        services.course_open_to_partners(actor=world["facilitator"], course=joint["c"], organisations=[world.partner])
    with pytest.raises(PermissionDenied):
        services.course_open_to_partners(actor=world.charlie, course=joint["c"], organisations=[world.partner])
    with pytest.raises(ValidationError):
        services.course_open_to_partners(
            actor=world["coordinator"], course=joint["c"], organisations=[world.charlie_org]
        )
    client = sign_in(CsrfClient(), world["coordinator"])
    url = reverse("training:course_open", args=[joint["c"].pk])
    # An operator organisation is not among the choices: a form error, nothing opened, never a 500.
    assert client.post_form(url, {"organisations": [str(world.charlie_org.pk)]}).status_code == 302
    assert client.post_form(url, {"organisations": ["99999999999999999999999"]}).status_code == 302
    assert not selectors.open_partner_ids(joint["c"])
    assert client.post_form(url, {"organisations": [str(world.partner.pk)]}).status_code == 302
    assert selectors.open_partner_ids(joint["c"]) == {world.partner.pk}
    opened = AuditEvent.objects.filter(action="training.course_opened_to_partners", object_id=str(joint["c"].pk))
    assert opened.get().detail == {"opened": [world.partner.pk], "closed": []}
    # Charlie's admin cannot open Alice's course.
    charlie = sign_in(CsrfClient(), world.charlie)
    assert charlie.post_form(url, {"organisations": [str(world.partner.pk)]}).status_code == 404


def test_partner_staff_cannot_enrol_through_the_operators_own_enrolment(world, joint):
    with pytest.raises(PermissionDenied):
        services.enrol(actor=world["partner_liaison"], course=joint["a"], user=world["partner_liaison"])
    with pytest.raises(PermissionDenied):
        services.joint_enrol(actor=world["facilitator"], course=joint["a"])


def _training_urls(world, joint, *, with_ids_only: bool = False) -> list[str]:
    """Every training URL that is not joint training's, with real ids of Alice's organisation filled in (only those
    that carry an id, with ``with_ids_only``)."""
    values = {
        "pk": joint["c"].pk,
        "user_pk": world["facilitator"].pk,
        "session_pk": joint["c"].sessions.get().pk,
        "scenario_id": "pressured-to-forgive",
    }
    urls = []
    for pattern in get_resolver().url_patterns:
        if getattr(pattern, "pattern", None) is None or str(pattern.pattern) != "training/":
            continue
        for sub in pattern.url_patterns:
            assert isinstance(sub, URLPattern)
            if sub.name in {"joint", "joint_course", "joint_enrol"}:
                continue
            kwargs = {k: values[k] for k in sub.pattern.converters}
            if with_ids_only and (not kwargs or "scenario_id" in kwargs):  # scenarios are everyone's library
                continue
            if sub.name == "program_settings":
                kwargs["pk"] = world.program.pk
            if "pk" in kwargs and sub.pattern.converters["pk"].__class__.__name__ == "UUIDConverter":
                kwargs["pk"] = uuid.uuid4()
            urls.append(reverse(f"training:{sub.name}", kwargs=kwargs))
    return urls


@pytest.mark.parametrize("who", ["partner_liaison", "charlie"])
def test_partner_staff_and_outsiders_see_nothing_else_of_the_operators_training(world, joint, who):
    """Partner staff: every page of the operator's training is 404. Charlie (another operator) has training pages of
    his own; every one that names something of Alice's is 404."""
    user = world.charlie if who == "charlie" else world[who]
    client = sign_in(CsrfClient(), user)
    urls = _training_urls(world, joint, with_ids_only=who == "charlie")
    assert len(urls) > (15 if who == "charlie" else 25)
    for url in urls:
        response = client.get(url)
        if response.status_code == 405:
            response = client.post_form(url, {})
        assert response.status_code == 404, url


def test_outsiders_see_no_joint_training(world, joint):
    client = sign_in(CsrfClient(), world.charlie)
    assert client.get(reverse("training:joint")).status_code == 404
    for key in ("a", "b", "c"):
        assert client.get(reverse("training:joint_course", args=[joint[key].pk])).status_code == 404
        assert client.post_form(reverse("training:joint_enrol", args=[joint[key].pk])).status_code == 404
    # Nor do the operator's own staff: joint training is the partners' door.
    staff = sign_in(CsrfClient(), world["coordinator"])
    assert staff.get(reverse("training:joint")).status_code == 404
    assert staff.get(reverse("training:joint_course", args=[joint["a"].pk])).status_code == 404


def test_a_partner_whose_role_ended_sees_nothing(world, joint):
    Membership.objects.filter(user=world["partner_liaison"]).update(is_active=False)
    client = sign_in(CsrfClient(), world["partner_liaison"])
    assert client.get(reverse("training:joint")).status_code == 404
    assert client.get(reverse("training:joint_course", args=[joint["a"].pk])).status_code == 404
