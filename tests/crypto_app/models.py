from django.db import models

from reparo.core.fields import (
    BlindIndexField,
    EncryptedCharField,
    EncryptedDateField,
    EncryptedJSONField,
    EncryptedTextField,
    RowKeyField,
)
from reparo.core.models import UUIDModel


class Secret(UUIDModel):
    name = EncryptedCharField(max_length=100, null=True, blank=True)
    notes = EncryptedTextField(null=True, blank=True)
    born = EncryptedDateField(null=True, blank=True)
    extra = EncryptedJSONField(null=True, blank=True)
    phone = EncryptedCharField(max_length=40, null=True, blank=True)
    name_bidx = BlindIndexField(source="name")
    phone_bidx = BlindIndexField(source="phone", normaliser="phone")
    plain = models.CharField(max_length=20, blank=True)


class KeyedSecret(models.Model):
    """An integer primary key from the database: its encrypted field is bound to the row key instead."""

    row_key = RowKeyField()
    name = EncryptedCharField(max_length=100, null=True, blank=True)

    def __str__(self) -> str:
        return f"keyed:{self.pk}"
