"""The phone's blind index holds the number in its international form (E.164), read in the person's organisation's
country when it was written in a national form, so that "07700 900123" and "+44 7700 900123" find the same person.
Every stored phone is indexed again; backward, indexed again the old way (a leading + and the digits)."""

from django.db import migrations

from reparo.core import crypto

PURPOSE = "people.person.phone"  # BlindIndexField.purpose of Person.phone_bidx


def _old_normalise(value):
    value = value.strip()
    return ("+" if value.startswith("+") else "") + "".join(ch for ch in value if ch.isdigit())


def _reindex(apps, normalise):
    Person = apps.get_model("people", "Person")
    Organisation = apps.get_model("organisations", "Organisation")
    countries = dict(Organisation.objects.values_list("pk", "country"))
    people = Person.objects.filter(phone_bidx__isnull=False).only("pk", "organisation_id", "phone")
    for person in people.iterator(chunk_size=500):
        phone = person.phone  # decrypted by the field, as any read
        normalised = normalise(str(phone), countries.get(person.organisation_id) or None) if phone else ""
        digest = crypto.blind_index(normalised, purpose=PURPOSE) if normalised else None
        Person.objects.filter(pk=person.pk).update(phone_bidx=digest)


def forwards(apps, schema_editor):
    _reindex(apps, crypto.normalise_phone)


def backwards(apps, schema_editor):
    _reindex(apps, lambda value, region: _old_normalise(value))


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0002_htcds_extra"),
        ("organisations", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
