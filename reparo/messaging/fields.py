"""An encrypted field for file contents (attachments), on the same AES-GCM keys as every encrypted text."""

from __future__ import annotations

from reparo.core import fields


class EncryptedBinaryField(fields.EncryptedBinaryField):
    """Attachments' contents: :class:`reparo.core.fields.EncryptedBinaryField`, under the name the migrations of
    messaging know it by."""
