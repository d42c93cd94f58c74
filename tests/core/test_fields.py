import base64
import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from hypothesis import given, settings
from hypothesis import strategies as st

from reparo.accounts.models import User
from reparo.core import crypto
from reparo.core.fields import blind_lookup
from reparo.core.rotation import values_not_under_primary
from tests.crypto_app.models import KeyedSecret, Secret

CANARY = "Zephyrine-Canary-7731"
K1 = {"k1": b"\x01" * 32}
K12 = {"k1": b"\x01" * 32, "k2": b"\x02" * 32}
K2 = {"k2": b"\x02" * 32}


def raw_row(model, pk, *columns):
    table = model._meta.db_table
    cols = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {cols} FROM {table} WHERE id = %s", [pk.hex if connection.vendor == "sqlite" else pk])  # noqa: S608
        return cursor.fetchone()


def raw_dump(model):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {model._meta.db_table}")  # noqa: S608
        return repr(cursor.fetchall())


@pytest.mark.django_db
def test_it_round_trips_text_dates_and_json():
    secret = Secret.objects.create(
        name=CANARY, notes="line one\nlíne two ✓", born=datetime.date(1990, 2, 3), extra={"a": [1, 2], "b": None}
    )
    again = Secret.objects.get(pk=secret.pk)
    assert again.name == CANARY
    assert again.notes == "line one\nlíne two ✓"
    assert again.born == datetime.date(1990, 2, 3)
    assert again.extra == {"a": [1, 2], "b": None}


@pytest.mark.django_db
def test_it_stores_no_plaintext_of_a_canary():
    Secret.objects.create(
        name=CANARY, notes=f"notes about {CANARY}", born=datetime.date(1977, 7, 7), extra={"k": CANARY}
    )
    user = User.objects.create_user("canary@example.org", "pw-Unused-123456", full_name=CANARY)
    dump = raw_dump(Secret) + raw_dump(User)
    assert CANARY not in dump
    assert CANARY.lower() not in dump.lower()
    assert "1977-07-07" not in dump
    assert base64.b64encode(CANARY.encode()).decode() not in dump
    assert User.objects.get(pk=user.pk).full_name == CANARY


@pytest.mark.django_db
def test_it_prefixes_every_ciphertext_with_its_key_id():
    secret = Secret.objects.create(name="x", notes="y")
    name, notes = raw_row(Secret, secret.pk, "name", "notes")
    assert name.startswith(f"enc1:{crypto.primary_key_id()}:")
    assert notes.startswith(f"enc1:{crypto.primary_key_id()}:")
    assert name != notes


@pytest.mark.django_db
def test_it_refuses_a_tampered_ciphertext():
    secret = Secret.objects.create(name=CANARY)
    (token,) = raw_row(Secret, secret.pk, "name")
    prefix, key_id, body = token.split(":", 2)
    raw = bytearray(base64.urlsafe_b64decode(body))
    raw[-1] ^= 0x01
    tampered = f"{prefix}:{key_id}:{base64.urlsafe_b64encode(bytes(raw)).decode()}"
    Secret.objects.filter(pk=secret.pk).update(name=_ciphertext(tampered))
    with pytest.raises(crypto.DecryptionError):
        _ = Secret.objects.get(pk=secret.pk).name


@pytest.mark.django_db
def test_it_refuses_a_ciphertext_moved_to_another_row_or_column():
    alice = Secret.objects.create(name="Alice Secret", notes="Alice notes")
    bob = Secret.objects.create(name="Bob Secret", notes="Bob notes")
    (alice_name,) = raw_row(Secret, alice.pk, "name")
    Secret.objects.filter(pk=bob.pk).update(name=_ciphertext(alice_name), notes=_ciphertext(alice_name))
    moved = Secret.objects.get(pk=bob.pk)
    with pytest.raises(crypto.DecryptionError):
        _ = moved.name
    with pytest.raises(crypto.DecryptionError):
        _ = moved.notes
    assert Secret.objects.get(pk=alice.pk).name == "Alice Secret"


@pytest.mark.django_db
def test_it_refuses_to_filter_on_an_encrypted_field():
    with pytest.raises(TypeError, match="blind index"):
        list(Secret.objects.filter(name="Alice"))
    with pytest.raises(TypeError):
        Secret.objects.update(name="plaintext")


@pytest.mark.django_db
def test_it_finds_exact_matches_through_the_blind_index():
    target = Secret.objects.create(name="María  José Pérez", phone="+44 (0)20 7946-0018")
    Secret.objects.create(name="Maria Jose Perez", phone="+44 20 7946 0019")
    assert list(Secret.objects.filter(**blind_lookup(Secret, "name_bidx", "maría josé PÉREZ"))) == [target]
    assert list(Secret.objects.filter(**blind_lookup(Secret, "phone_bidx", "+44 0 20 7946 0018"))) == [target]
    assert not Secret.objects.filter(**blind_lookup(Secret, "name_bidx", "María")).exists()
    assert not Secret.objects.filter(**blind_lookup(Secret, "name_bidx", "")).exists()
    (digest,) = raw_row(Secret, target.pk, "name_bidx")
    assert len(digest) == 64 and "mar" not in digest.lower()


@pytest.mark.django_db
def test_it_separates_blind_indexes_by_purpose():
    secret = Secret.objects.create(name="+441234", phone="+441234")
    name_digest, phone_digest = raw_row(Secret, secret.pk, "name_bidx", "phone_bidx")
    assert name_digest != phone_digest


@pytest.mark.django_db
def test_it_decrypts_with_the_old_key_during_rotation_and_rotates_every_value():
    with override_settings(FIELD_ENCRYPTION_KEYS=K1):
        old = Secret.objects.create(name="old name", notes="old notes", born=datetime.date(2000, 1, 1))
        user = User.objects.create_user("rotate@example.org", "pw-Unused-123456", full_name="Rotating Person")
    with override_settings(FIELD_ENCRYPTION_KEYS=K12):
        # During rotation: the old key still decrypts; new writes use the newest key.
        assert Secret.objects.get(pk=old.pk).name == "old name"
        new = Secret.objects.create(name="new name")
        assert raw_row(Secret, new.pk, "name")[0].startswith("enc1:k2:")
        assert values_not_under_primary() >= 4
        call_command("rotate_field_keys", "--batch", "1", stdout=_Sink())
        assert values_not_under_primary() == 0
        name, notes, born = raw_row(Secret, old.pk, "name", "notes", "born")
        assert all(v.startswith("enc1:k2:") for v in (name, notes, born))
    with override_settings(FIELD_ENCRYPTION_KEYS=K2):
        # The old key can now be removed: everything still reads.
        again = Secret.objects.get(pk=old.pk)
        assert (again.name, again.notes, again.born) == ("old name", "old notes", datetime.date(2000, 1, 1))
        assert User.objects.get(pk=user.pk).full_name == "Rotating Person"
    with override_settings(FIELD_ENCRYPTION_KEYS=K1), pytest.raises(crypto.DecryptionError):
        _ = Secret.objects.get(pk=old.pk).name


@pytest.mark.django_db
def test_it_keeps_blind_index_lookups_working_across_rotation():
    with override_settings(FIELD_ENCRYPTION_KEYS=K1):
        secret = Secret.objects.create(name="Findable Name")
    with override_settings(FIELD_ENCRYPTION_KEYS=K12):
        call_command("rotate_field_keys", stdout=_Sink())
        assert Secret.objects.get(**blind_lookup(Secret, "name_bidx", "findable name")) == secret


@pytest.mark.django_db
def test_it_binds_a_row_key_where_the_database_assigns_the_primary_key():
    first = KeyedSecret.objects.create(name=CANARY)
    second = KeyedSecret.objects.create(name="Second Secret")
    assert first.row_key != second.row_key
    assert CANARY not in raw_dump(KeyedSecret)
    assert KeyedSecret.objects.get(pk=first.pk).name == CANARY
    token = KeyedSecret.objects.filter(pk=first.pk).values_list("name", flat=True).get()
    KeyedSecret.objects.filter(pk=second.pk).update(name=_ciphertext(token))
    with pytest.raises(crypto.DecryptionError):
        _ = KeyedSecret.objects.get(pk=second.pk).name
    KeyedSecret.objects.filter(pk=first.pk).update(row_key=second.row_key.hex[::-1])
    with pytest.raises(crypto.DecryptionError):
        _ = KeyedSecret.objects.get(pk=first.pk).name


@pytest.mark.django_db
def test_it_rotates_values_bound_to_a_row_key():
    with override_settings(FIELD_ENCRYPTION_KEYS=K1):
        keyed = KeyedSecret.objects.create(name="Keyed Name")
    with override_settings(FIELD_ENCRYPTION_KEYS=K12):
        call_command("rotate_field_keys", stdout=_Sink())
        assert values_not_under_primary() == 0
    with override_settings(FIELD_ENCRYPTION_KEYS=K2):
        assert KeyedSecret.objects.get(pk=keyed.pk).name == "Keyed Name"


@settings(max_examples=60, deadline=None)
@given(text=st.text(max_size=300), key_byte=st.integers(min_value=0, max_value=255))
def test_it_round_trips_any_text_and_refuses_other_associated_data(text, key_byte):
    with override_settings(FIELD_ENCRYPTION_KEYS={"h": bytes([key_byte]) * 32}):
        token = crypto.encrypt(text.encode(), associated_data=b"row-1")
        assert crypto.decrypt(token, associated_data=b"row-1").decode() == text
        with pytest.raises(crypto.DecryptionError):
            crypto.decrypt(token, associated_data=b"row-2")


def _ciphertext(token):
    from reparo.core.fields import Ciphertext

    return Ciphertext(token)


class _Sink:
    def write(self, *_args, **_kwargs):
        return None

    def flush(self):
        return None
