"""An encrypted field for file contents (attachments), on the same AES-GCM keys as every encrypted text."""

from __future__ import annotations

from typing import Any

from django.db import models

from reparo.core.fields import EncryptedFieldMixin


class EncryptedBinaryField(EncryptedFieldMixin, models.TextField):
    """Bytes, sealed like :class:`reparo.core.fields.EncryptedTextField` (the row's identity bound in) and stored as
    the usual text token. Read lazily: defer it in lists, so a page of attachments does not decrypt their contents."""

    def encode(self, value: Any) -> bytes:
        if isinstance(value, str):
            raise TypeError("EncryptedBinaryField holds bytes, not text.")
        return bytes(value)

    def decode(self, raw: bytes) -> bytes:
        return raw

    def formfield(self, form_class: Any = None, choices_form_class: Any = None, **kwargs: Any) -> Any:
        return None
