"""Encrypted model fields and blind indexes.

Values are encrypted in ``pre_save`` with the row's identity bound in as associated data, and are
decrypted lazily when the attribute is first read. Models that use them need an identity that is
known before the first save: inherit :class:`reparo.core.models.UUIDModel`, or, for an older table whose
integer primary key the database assigns, add a :class:`RowKeyField` (its random UUID is bound in instead).

Encrypted fields cannot be filtered on, updated with ``QuerySet.update()`` or ``bulk_update()`` with
plaintext: that raises ``TypeError``. Exact-match search goes through a :class:`BlindIndexField`.
"""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Callable
from typing import Any

from django import forms
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.query_utils import DeferredAttribute

from reparo.core import crypto


class Ciphertext(str):
    """A value as stored in the database (still encrypted)."""


class EncryptedAttribute(DeferredAttribute):
    """Data descriptor: decrypts the stored token on first read and keeps the plaintext on the instance."""

    def __get__(self, instance: Any, cls: Any = None) -> Any:
        if instance is None:
            return self
        value = super().__get__(instance, cls)
        if isinstance(value, Ciphertext):
            value = self.field.open(instance, value)  # type: ignore[attr-defined]
            instance.__dict__[self.field.attname] = value
        return value

    def __set__(self, instance: Any, value: Any) -> None:
        instance.__dict__[self.field.attname] = value


class EncryptedFieldMixin:
    """Shared behaviour: text storage, encryption on save, lazy decryption, no plaintext in queries."""

    descriptor_class = EncryptedAttribute
    encrypted = True
    attname: str
    column: str
    model: type[models.Model]

    def get_internal_type(self) -> str:
        return "TextField"

    def db_type(self, connection: Any) -> str | None:
        return models.TextField().db_type(connection)

    def encode(self, value: Any) -> bytes:
        return str(value).encode("utf-8")

    def decode(self, raw: bytes) -> Any:
        return raw.decode("utf-8")

    def identity_attname(self) -> str:
        """The attribute bound into the associated data: the model's row key if it has one, else ``pk``."""
        cached = self.__dict__.get("_reparo_identity")
        if cached is None or cached[0] is not self.model:
            cached = self.__dict__["_reparo_identity"] = (self.model, row_identity_attname(self.model))
        return cached[1]  # type: ignore[no-any-return]

    def associated_data(self, instance: models.Model) -> bytes:
        identity = getattr(instance, self.identity_attname())
        if identity is None:
            raise ValueError(
                f"{type(instance).__name__} has no primary key yet; encrypted fields need one before saving "
                "(inherit reparo.core.models.UUIDModel, or add a RowKeyField)."
            )
        label = self.model._meta.concrete_model._meta.label_lower  # type: ignore[union-attr]
        return f"{label}.{self.column}:{identity}".encode()

    def seal(self, instance: models.Model, value: Any) -> Ciphertext | None:
        if value is None:
            return None
        return Ciphertext(crypto.encrypt(self.encode(value), associated_data=self.associated_data(instance)))

    def open(self, instance: models.Model, token: str) -> Any:
        return self.decode(crypto.decrypt(token, associated_data=self.associated_data(instance)))

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return None if value is None else Ciphertext(value)

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        return self.seal(model_instance, getattr(model_instance, self.attname))

    def get_prep_value(self, value: Any) -> Any:
        if value is None or isinstance(value, Ciphertext):
            return None if value is None else str(value)
        raise TypeError(
            f"{self.model.__name__}.{self.attname} is encrypted: it cannot be used in a query filter or a "
            "bulk update. Search through its blind index instead."
        )

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        return value if prepared else self.get_prep_value(value)


class EncryptedTextField(EncryptedFieldMixin, models.TextField):
    pass


class EncryptedCharField(EncryptedFieldMixin, models.CharField):
    """A short encrypted text; ``max_length`` limits the plaintext (the column is unbounded text)."""


class EncryptedDateField(EncryptedFieldMixin, models.DateField):
    def encode(self, value: Any) -> bytes:
        if isinstance(value, datetime.datetime):
            value = value.date()
        if not isinstance(value, datetime.date):
            value = self.to_python(value)
        return value.isoformat().encode("ascii")

    def decode(self, raw: bytes) -> datetime.date:
        return datetime.date.fromisoformat(raw.decode("ascii"))

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        return EncryptedFieldMixin.pre_save(self, model_instance, add)


class EncryptedJSONField(EncryptedFieldMixin, models.TextField):
    def encode(self, value: Any) -> bytes:
        return json.dumps(value, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":")).encode("utf-8")

    def decode(self, raw: bytes) -> Any:
        return json.loads(raw.decode("utf-8"))

    def to_python(self, value: Any) -> Any:
        return value

    def formfield(self, form_class: Any = None, choices_form_class: Any = None, **kwargs: Any) -> Any:
        return forms.JSONField(**{"required": not self.blank, "label": self.verbose_name, **kwargs})


class EncryptedBinaryField(EncryptedFieldMixin, models.TextField):
    """Bytes (file contents), sealed like :class:`EncryptedTextField` (the row's identity bound in) and stored as the
    usual text token. Read lazily: defer it in lists, so that a list of files does not decrypt their contents."""

    def encode(self, value: Any) -> bytes:
        if isinstance(value, str):
            raise TypeError("EncryptedBinaryField holds bytes, not text.")
        return bytes(value)

    def decode(self, raw: bytes) -> bytes:
        return raw

    def formfield(self, form_class: Any = None, choices_form_class: Any = None, **kwargs: Any) -> Any:
        return None


class RowKeyField(models.UUIDField):
    """A random UUID given to a row when it is made and never changed: the identity that encrypted fields bind
    in on a model whose primary key is an integer the database assigns (known only after the insert).

    One per model at most; models with a UUID primary key (:class:`reparo.core.models.UUIDModel`) need none."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("default", uuid.uuid4)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("unique", True)
        super().__init__(*args, **kwargs)


def row_identity_attname(model: type[models.Model]) -> str:
    """What encrypted fields of ``model`` bind in: its :class:`RowKeyField`'s attribute, else ``pk``."""
    keys = [f.attname for f in model._meta.concrete_fields if isinstance(f, RowKeyField)]
    if len(keys) > 1:
        raise TypeError(f"{model.__name__} has more than one RowKeyField.")
    return keys[0] if keys else "pk"


NORMALISERS: dict[str, Callable[[str], str]] = {
    "text": crypto.normalise_text,
    "email": lambda value: crypto.normalise_text(value).replace(" ", ""),
    "phone": crypto.normalise_phone,
}


class BlindIndexField(models.CharField):
    """Keyed HMAC of another (encrypted) field's normalised value, for exact-match lookups.

    ``source`` names the field it indexes; ``normaliser`` is one of ``text``, ``email``, ``phone``.
    Query with ``Model.objects.filter(**blind_lookup(Model, "field_bidx", value))``.

    A phone number is indexed in its international form (:func:`reparo.core.crypto.normalise_phone`); one written
    in a national form is read as a number of the row's ``phone_region()`` (a method of the model, if it has one:
    the country of the person's organisation), and a search asks for each region it may be from.
    """

    def __init__(self, *args: Any, source: str, normaliser: str = "text", **kwargs: Any) -> None:
        if normaliser not in NORMALISERS:
            raise ValueError(f"Unknown normaliser {normaliser!r}.")
        self.source = source
        self.normaliser = normaliser
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        kwargs["normaliser"] = self.normaliser
        return name, path, args, kwargs

    @property
    def purpose(self) -> str:
        return f"{self.model._meta.label_lower}.{self.source}"

    def digest(self, value: Any, *, region: str | None = None) -> str | None:
        if value is None:
            return None
        if self.normaliser == "phone":
            normalised = crypto.normalise_phone(str(value), region)
        else:
            normalised = NORMALISERS[self.normaliser](str(value))
        if not normalised:
            return None
        return crypto.blind_index(normalised, purpose=self.purpose)

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        region = None
        if self.normaliser == "phone" and callable(getattr(model_instance, "phone_region", None)):
            region = model_instance.phone_region()  # type: ignore[attr-defined]
        value = self.digest(getattr(model_instance, self.source), region=region)
        setattr(model_instance, self.attname, value)
        return value


def blind_lookup(model: type[models.Model], field_name: str, value: str) -> dict[str, str | None]:
    """Filter keyword arguments that find rows whose indexed field equals ``value`` (after normalising)."""
    field = model._meta.get_field(field_name)
    if not isinstance(field, BlindIndexField):
        raise TypeError(f"{model.__name__}.{field_name} is not a blind index.")
    return {field_name: field.digest(value) or "-"}


def encrypted_fields(model: type[models.Model]) -> list[EncryptedFieldMixin]:
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedFieldMixin)]
