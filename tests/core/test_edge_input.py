"""Every id and number a request carries is checked at the edge: a URL with an id no column can hold is a 404,
a form field with such a value is a form error, and neither is ever a 500."""

from __future__ import annotations

import importlib
import inspect
import re
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.converters import IntConverter
from django.urls.exceptions import Resolver404
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reparo.core.converters import MAX_ID, IdConverter
from reparo.core.forms import BoundedModelChoiceField, BoundedModelMultipleChoiceField
from reparo.organisations.models import Organisation
from tests.conftest import CsrfClient, sign_in

ROOT = Path(__file__).resolve().parents[2] / "reparo"
HUGE = str(2**128)
PARAM_RE = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
EXAMPLE = {"uuid": "6f1c2e3a-7b8d-4e9f-a0b1-c2d3e4f5a6b7", "slug": "x", "str": "x", "path": "x"}


def _patterns(resolver: URLResolver | None = None, prefix: str = "") -> list[tuple[str, URLPattern]]:
    """Every URL pattern of the project as (full route with its ``<converter:name>`` parts, pattern)."""
    found = []
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            found.extend(_patterns(entry, route))
        else:
            found.append((route, entry))
    return found


def _id_routes() -> list[tuple[str, list[str]]]:
    """The routes that carry an integer id, each with the names of its integer parts."""
    routes = []
    for route, pattern in _patterns():
        names = [name for name, conv in pattern.pattern.converters.items() if isinstance(conv, IdConverter)]
        if names:
            routes.append((route, names))
    return routes


def _fill(route: str, values: dict[str, str]) -> str:
    def part(match: re.Match[str]) -> str:
        name = match["name"]
        return quote(values[name], safe="") if name in values else EXAMPLE[match["converter"] or "str"]

    return "/" + PARAM_RE.sub(part, route)


def _fits(value: str) -> bool:
    """Whether ``value`` is an id as a URL spells it: up to 19 ASCII digits, within the 64-bit range."""
    return value.isascii() and value.isdigit() and len(value) <= 19 and int(value) <= MAX_ID


def _int_fits(value: str) -> bool:
    """Whether ``value`` reads as an integer a 64-bit column holds (a form is more lenient: "+1", " 1")."""
    try:
        return -MAX_ID - 1 <= int(value) <= MAX_ID
    except ValueError:
        return False


# URLs ---------------------------------------------------------------------------------------------------------


def test_it_uses_the_bounded_id_converter_for_every_integer_in_a_url():
    plain = [route for route, p in _patterns() if any(type(c) is IntConverter for c in p.pattern.converters.values())]
    assert not plain, f"use <id:...> instead of <int:...>: {plain}"
    assert len(_id_routes()) >= 20  # the walk reaches the apps' URLconfs


def test_it_answers_404_for_an_id_no_column_can_hold():
    assert resolve("/outcomes/1/").url_name == "organisation"
    for huge in (str(MAX_ID + 1), "99999999999999999999", HUGE):
        with pytest.raises(Resolver404):
            resolve(f"/outcomes/{huge}/")
    assert resolve(f"/outcomes/{MAX_ID}/").kwargs == {"organisation_pk": MAX_ID}


def test_it_reverses_ids_as_before_and_refuses_ones_out_of_range():
    assert reverse("analytics:organisation", args=[7]) == "/outcomes/7/"
    assert reverse("analytics:organisation", args=[str(MAX_ID)]) == f"/outcomes/{MAX_ID}/"
    for wrong in (MAX_ID + 1, -1, None, "7a"):
        with pytest.raises(NoReverseMatch):
            reverse("analytics:organisation", args=[wrong])


ODD = st.sampled_from(["-1", "+1", " 1", "1.0", "1e3", "0x1f", "١٢", "1_0", "0" * 25 + "1", "9" * 400, "\x00", "%"])
NUMBERS = st.one_of(
    st.integers(min_value=MAX_ID + 1, max_value=2**256),
    st.integers(min_value=-(2**130), max_value=-1),
    st.sampled_from([0, 1, MAX_ID - 1, MAX_ID, MAX_ID + 1, 2**64, 2**128]),
).map(str)


@pytest.fixture
def staff_clients(world):
    return {role: sign_in(CsrfClient(), world[role]) for role in ("org_admin", "coordinator")}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_it_never_answers_500_to_an_odd_id_in_any_url(world, staff_clients, data):
    route, names = data.draw(st.sampled_from(_id_routes()), label="route")
    # Real ids now and then, so a path can get past its first lookup to the next id in it (never in its last
    # place: a real page, a dashboard say, only costs time and says nothing about odd ids).
    real = st.sampled_from([str(world.alice_org.pk), str(world.program.pk)])
    values = {
        name: data.draw(st.one_of(NUMBERS, ODD, real) if name != names[-1] else st.one_of(NUMBERS, ODD), label=name)
        for name in names
    }
    client = staff_clients[data.draw(st.sampled_from(sorted(staff_clients)), label="who")]
    path = _fill(route, values)
    for response in (client.get(path), client.post_form(path, {})):
        assert response.status_code < 500, path
        if not all(_fits(v) for v in values.values()):
            assert response.status_code == 404, path


# Forms --------------------------------------------------------------------------------------------------------


def _form_classes() -> list[type[forms.BaseForm]]:
    classes = []
    for path in sorted(ROOT.glob("*/forms.py")):
        module = importlib.import_module(f"reparo.{path.parent.name}.forms")
        classes.extend(
            cls
            for _, cls in inspect.getmembers(module, inspect.isclass)
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__
        )
    return classes


def test_it_checks_every_model_choice_key_before_the_database_sees_it():
    plain = [
        f"{cls.__module__}.{cls.__name__}.{name}"
        for cls in _form_classes()
        for name, field in cls.base_fields.items()
        if isinstance(field, forms.ModelChoiceField)
        and not isinstance(field, (BoundedModelChoiceField, BoundedModelMultipleChoiceField))
    ]
    assert not plain, f"use reparo.core.forms.BoundedModel(Multiple)ChoiceField: {plain}"


def test_it_bounds_every_number_field_of_every_form():
    checked, unbounded = 0, []
    for cls in _form_classes():
        for name, field in cls.base_fields.items():
            if not isinstance(field, forms.IntegerField):  # DecimalField and FloatField are IntegerFields too
                continue
            checked += 1
            for value in (HUGE, "1e30"):
                try:
                    field.clean(value)
                except ValidationError:
                    continue
                unbounded.append(f"{cls.__module__}.{cls.__name__}.{name}={value}")
    assert checked >= 15
    assert not unbounded, f"give these a max_value (or max_digits): {unbounded}"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.one_of(NUMBERS, ODD).filter(lambda v: not _int_fits(v)))
def test_it_makes_an_id_no_column_can_hold_a_form_error(world, value):
    single = BoundedModelChoiceField(queryset=Organisation.objects.all())
    multiple = BoundedModelMultipleChoiceField(queryset=Organisation.objects.all())
    with pytest.raises(ValidationError):
        single.clean(value)
    with pytest.raises(ValidationError):
        multiple.clean([str(world.alice_org.pk), value])
    assert single.clean(str(world.alice_org.pk)) == world.alice_org
    assert list(multiple.clean([str(world.partner.pk)])) == [world.partner]


def test_it_refuses_huge_cosa_meeting_attendees_with_a_form_error(client, world):
    from reparo.cosa.models import CircleMeeting
    from tests.cosa.factories import circle

    c = circle(world)
    sign_in(client, world["cosa_volunteer"])
    url = f"/cosa/process/{c.process.pk}/meetings/"
    for value in (HUGE, str(MAX_ID + 1), "abc"):
        response = client.post_form(url, {"held_at": "2026-01-10T10:00", "attendees": [value]}, follow=True)
        assert response.status_code == 200
        assert "is not a valid value" in response.content.decode()
    assert not CircleMeeting.objects.exists()


def test_it_refuses_huge_invitees_for_a_new_session_with_a_form_error(client, world):
    from reparo.processes.models import Session
    from tests.processes.factories import ready_process, tomorrow

    process = ready_process(world)
    sign_in(client, world["facilitator"])
    for value in (HUGE, str(MAX_ID + 1)):
        response = client.post_form(
            f"/processes/{process.pk}/sessions/new/",
            {"starts_at": tomorrow().strftime("%Y-%m-%dT%H:%M"), "duration_minutes": 60, "mode": "phone",
             "invited": [value]},
        )  # fmt: skip
        assert response.status_code == 400
        assert "is not a valid value" in response.content.decode()
    assert not Session.objects.exists()


def test_it_refuses_huge_competencies_for_a_course_with_a_form_error(client, world):
    from reparo.training.models import Course

    sign_in(client, world["coordinator"])
    response = client.post_form("/training/courses/", {"title": "Law update", "competencies": [HUGE]}, follow=True)
    assert response.status_code == 200
    assert "is not a valid value" in response.content.decode()
    assert not Course.objects.exists()


PROGRAM_SETTINGS = {
    "cpd_hours_per_year": "20", "certification_course_hours": "12", "certification_scenarios": "2",
    "certification_observations": "1", "open_process_cap": "8", "cosa_volunteer_hours": "20",
}  # fmt: skip


def test_it_caps_the_open_processes_of_one_facilitator(client, world):
    from reparo.training.models import FacilitatorProfile

    sign_in(client, world["coordinator"])
    url = f"/training/people/{world['facilitator'].pk}/profile/"
    for value in (HUGE, "51"):
        page = client.post_form(url, {"languages": ["en"], "open_process_cap": value}, follow=True)
        assert page.status_code == 200 and "less than or equal to 50" in page.content.decode()
    assert not FacilitatorProfile.objects.filter(open_process_cap__isnull=False).exists()
    client.post_form(url, {"languages": ["en"], "open_process_cap": "50"})
    assert FacilitatorProfile.objects.get(user=world["facilitator"]).open_process_cap == 50


def test_it_caps_the_open_processes_of_a_program(client, world):
    from reparo.training.models import ProgramTrainingSettings

    sign_in(client, world["org_admin"])
    url = f"/training/programs/{world.program.pk}/settings/"
    for value in (HUGE, "51"):
        page = client.post_form(url, {**PROGRAM_SETTINGS, "open_process_cap": value}, follow=True)
        assert page.status_code == 200 and "less than or equal to 50" in page.content.decode()
    assert not ProgramTrainingSettings.objects.filter(open_process_cap__gt=8).exists()
    client.post_form(url, {**PROGRAM_SETTINGS, "open_process_cap": "50"})
    assert ProgramTrainingSettings.objects.get(program=world.program).open_process_cap == 50


def test_it_refuses_program_hours_beyond_what_the_column_holds(client, world):
    from reparo.training.models import ProgramTrainingSettings

    sign_in(client, world["org_admin"])
    url = f"/training/programs/{world.program.pk}/settings/"
    page = client.post_form(url, {**PROGRAM_SETTINGS, "cpd_hours_per_year": str(Decimal(10) ** 9)}, follow=True)
    assert page.status_code == 200 and "no more than 5 digits" in page.content.decode()
    assert not ProgramTrainingSettings.objects.filter(cpd_hours_per_year__gt=9999).exists()
