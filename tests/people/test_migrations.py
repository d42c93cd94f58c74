"""The data migration that indexes every stored phone in its international form (people 0003)."""

import importlib

import pytest
from django.apps import apps

from reparo.core import crypto
from reparo.people.models import Person
from tests.cases.factories import open_case

pytestmark = pytest.mark.django_db

migration = importlib.import_module("reparo.people.migrations.0003_phone_index_e164")


def test_it_indexes_phones_stored_the_old_way_again_in_the_organisations_country(world):
    world.alice_org.country = "GB"
    world.alice_org.save()
    case = open_case(actor=world["coordinator"], program=world.program, phone="07700 900123")
    person = case.participants.get(role="survivor").person
    old = crypto.blind_index("07700900123", purpose="people.person.phone")
    Person.objects.filter(pk=person.pk).update(phone_bidx=old)  # as the index was before

    migration.forwards(apps, None)
    assert Person.objects.get(pk=person.pk).phone_bidx == crypto.blind_index("+447700900123", purpose=migration.PURPOSE)
    migration.backwards(apps, None)
    assert Person.objects.get(pk=person.pk).phone_bidx == old
