import datetime

import pytest
from django.db import connection

from reparo.audit.concurrency import ConflictError
from reparo.audit.models import AuditEvent
from reparo.cases import services as case_services
from reparo.people import services
from reparo.people.models import Person, PersonNameIndex
from tests.cases.factories import alice_case
from tests.conftest import CsrfClient, sign_in

pytestmark = pytest.mark.django_db


def raw_person(person):
    pk = person.pk.hex if connection.vendor == "sqlite" else person.pk
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM people_person WHERE id = %s", [pk])
        return repr(cursor.fetchone())


def survivor_of(case):
    return case.participants.get(role="survivor").person


def test_it_gives_each_person_a_non_identifying_display_code(world):
    case = alice_case(world, survivor_name=("Nadia", "Codeperson"))
    person = survivor_of(case)
    assert person.display_code.startswith("S-") and len(person.display_code) == 7
    assert "Nadia" not in person.display_code
    assert case.participants.get(role="responsible").person.display_code.startswith("R-")


def test_it_stores_identity_encrypted(world):
    case = alice_case(world, survivor_name=("Zinnia", "Canaryname"), phone="+44 7700 900123")
    raw = raw_person(survivor_of(case))
    for secret in ("Zinnia", "Canaryname", "7700", "Hidden Street", "zinnia"):
        assert secret not in raw


def test_it_writes_an_audit_row_each_time_identity_is_shown(world):
    person = survivor_of(alice_case(world))
    client = sign_in(CsrfClient(), world["facilitator"])
    before = AuditEvent.objects.filter(action="person.identity_viewed", object_id=str(person.pk)).count()
    detail = client.get(f"/people/{person.pk}/").content.decode()
    assert person.given_name not in detail and person.phone not in detail  # hidden until asked for
    assert AuditEvent.objects.filter(action="person.identity_viewed", object_id=str(person.pk)).count() == before
    for n in range(1, 3):
        shown = client.get(f"/people/{person.pk}/identity/", HTTP_HX_REQUEST="true").content.decode()
        assert person.given_name in shown and person.phone in shown
        events = AuditEvent.objects.filter(action="person.identity_viewed", object_id=str(person.pk))
        assert events.count() == before + n
        assert events.first().actor == world["facilitator"] and events.first().purpose


def test_it_refuses_an_edit_based_on_an_old_version_and_shows_what_changed(world):
    person = survivor_of(alice_case(world))
    case_services.person_update(actor=world["facilitator"], person=person, version=1, phone="+44 1111 222333")
    with pytest.raises(ConflictError) as info:
        case_services.person_update(actor=world["case_worker"], person=person, version=1, phone="+44 9999 888777")
    assert info.value.changed_fields == ["phone"]
    assert info.value.changes[0].actor_label == world["facilitator"].email
    person.refresh_from_db()
    assert person.phone == "+44 1111 222333"


def test_it_shows_the_conflict_on_the_edit_page_and_keeps_the_typed_text(world):
    person = survivor_of(alice_case(world))
    facilitator = sign_in(CsrfClient(), world["facilitator"])
    case_worker = sign_in(CsrfClient(), world["case_worker"])
    form = {"version": 1, "given_name": "Sofia", "family_name": "Changed", "phone": "+44 1"}
    assert facilitator.post_form(f"/people/{person.pk}/edit/", form).status_code == 302
    typed = {**form, "family_name": "Mine", "address": "My typed address"}
    response = case_worker.post_form(f"/people/{person.pk}/edit/", typed)
    html = response.content.decode()
    assert response.status_code == 409
    assert "Someone else changed this" in html and "family_name" in html and world["facilitator"].email in html
    assert 'value="Changed"' in html  # their change is shown in the form ...
    assert "Mine" in html  # ... and what this person typed there is shown beside it, not lost
    assert "My typed address" in html  # fields nobody else changed keep what was typed
    person.refresh_from_db()
    assert person.family_name == "Changed"


def test_it_keeps_both_changes_when_saving_again_after_a_conflict(world):
    person = survivor_of(alice_case(world))
    first = sign_in(CsrfClient(), world["facilitator"])
    second = sign_in(CsrfClient(), world["case_worker"])
    base = {"version": 1, "given_name": person.given_name, "family_name": person.family_name,
            "phone": person.phone, "email": person.email, "address": person.address}  # fmt: skip
    assert first.post_form(f"/people/{person.pk}/edit/", {**base, "phone": "+44 2222 333444"}).status_code == 302
    response = second.post_form(f"/people/{person.pk}/edit/", {**base, "address": "New safe address"})
    assert response.status_code == 409
    # Submit the form exactly as it was shown again.
    form = response.context["form"]
    resubmit = {name: form[name].value() for name in form.fields}
    resubmit = {k: v for k, v in resubmit.items() if v not in (None, [])}
    assert second.post_form(f"/people/{person.pk}/edit/", resubmit).status_code == 302
    person.refresh_from_db()
    assert person.phone == "+44 2222 333444" and person.address == "New safe address"


def test_it_reindexes_names_and_aliases(world):
    person = survivor_of(alice_case(world, survivor_name=("Old", "Name")))
    case_services.person_update(actor=world["facilitator"], person=person, version=1, aliases=["Street Name"])
    digests = set(PersonNameIndex.objects.filter(person=person).values_list("digest", flat=True))
    assert digests == {services.name_digest("Old Name"), services.name_digest("street name")}


def test_it_erases_identity_on_request_and_keeps_de_identified_facts(world):
    case = alice_case(world, survivor_name=("Erasa", "Forgotten"), phone="+44 7700 900555")
    person = survivor_of(case)
    case_services.person_update(
        actor=world["facilitator"], person=person, version=1, date_of_birth=datetime.date(1990, 5, 1),
        gender="Feminine", languages=["es"],
    )  # fmt: skip
    client = sign_in(CsrfClient(), world["org_admin"])
    assert client.post_form(f"/people/{person.pk}/erase/", {"confirm": "on"}).status_code == 302
    raw = raw_person(person)
    for secret in ("Erasa", "Forgotten", "7700", "1990", "Hidden Street", "enc1:"):
        assert secret not in raw
    person = Person.objects.get(pk=person.pk)
    assert person.erased_at and person.gender == "Feminine" and person.languages == ["es"]
    assert person.birth_year_band in {"30-39", "40-49"}
    assert not PersonNameIndex.objects.filter(person=person).exists()
    assert case.participants.filter(person=person, role="survivor").exists()
    event = AuditEvent.objects.get(action="person.erased")
    assert event.actor == world["org_admin"] and event.object_id == str(person.pk)


def test_it_lets_only_an_organisation_admin_erase(world):
    person = survivor_of(alice_case(world))
    for role in ("coordinator", "facilitator", "supervisor"):
        response = sign_in(CsrfClient(), world[role]).post_form(f"/people/{person.pk}/erase/", {"confirm": "on"})
        assert response.status_code == 404
    person.refresh_from_db()
    assert person.erased_at is None and person.given_name


def test_it_asks_for_confirmation_before_erasing(world):
    person = survivor_of(alice_case(world))
    sign_in(CsrfClient(), world["org_admin"]).post_form(f"/people/{person.pk}/erase/", {})
    person.refresh_from_db()
    assert person.erased_at is None


def test_it_lets_the_responsible_side_volunteer_read_but_not_act(world):
    case = alice_case(world)
    responsible = case.participants.get(role="responsible").person
    client = sign_in(CsrfClient(), world["cosa_volunteer"])
    assert client.get(f"/people/{responsible.pk}/").status_code == 200
    assert client.get(f"/people/{responsible.pk}/edit/").status_code == 404
    response = client.post_form(
        f"/consent/people/{responsible.pk}/record/",
        {"purpose": "evaluation", "method": "written", "given_at": "2026-01-01T10:00"},
    )
    assert response.status_code == 404
    assert not responsible.consents.exists()
