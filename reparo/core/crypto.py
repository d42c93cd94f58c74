"""Field encryption (AES-GCM) and blind indexes (keyed HMAC-SHA256).

Ciphertext format, stored as text: ``enc1:<key id>:<base64url(nonce || ciphertext || tag)>``.
The key id lets several keys be configured at once so that keys rotate; the associated data binds a
ciphertext to its table, column and row, so a value copied to another row or column fails to decrypt.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import unicodedata

import phonenumbers
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

PREFIX = "enc1"
NONCE_BYTES = 12


class DecryptionError(Exception):
    """A stored ciphertext could not be decrypted: unknown key, tampering, or moved to another row."""


def _keyring() -> dict[str, bytes]:
    return settings.FIELD_ENCRYPTION_KEYS


def primary_key_id() -> str:
    return next(reversed(_keyring()))


def key_id_of(token: str) -> str | None:
    parts = token.split(":", 2)
    if len(parts) != 3 or parts[0] != PREFIX:
        return None
    return parts[1]


def encrypt(plaintext: bytes, *, associated_data: bytes) -> str:
    key_id = primary_key_id()
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(_keyring()[key_id]).encrypt(nonce, plaintext, associated_data)
    return f"{PREFIX}:{key_id}:{base64.urlsafe_b64encode(nonce + sealed).decode('ascii')}"


def decrypt(token: str, *, associated_data: bytes) -> bytes:
    parts = token.split(":", 2)
    if len(parts) != 3 or parts[0] != PREFIX:
        raise DecryptionError("Value is not an encrypted token.")
    _, key_id, body = parts
    key = _keyring().get(key_id)
    if key is None:
        raise DecryptionError(f"No configured field-encryption key has id {key_id!r}.")
    try:
        raw = base64.urlsafe_b64decode(body.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise DecryptionError("Encrypted token is not valid base64.") from exc
    if len(raw) < NONCE_BYTES + 16:
        raise DecryptionError("Encrypted token is too short.")
    try:
        return AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], associated_data)
    except InvalidTag as exc:
        raise DecryptionError("Encrypted value failed authentication (tampered, or copied from another row).") from exc


def normalise_text(value: str) -> str:
    """Normalisation for exact-match search: Unicode NFKC, case-folded, inner whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", value).casefold().split())


def normalise_phone(value: str, region: str | None = None) -> str:
    """A phone number in its international (E.164) form, "+447700900123", however it was written: with spaces,
    brackets or dashes, "00" for "+", or in the national form of ``region`` (an ISO 3166 country code: the
    organisation's country), so that "07700 900123" and "+44 7700 900123" are the same number. A number that cannot
    be read as one (too short, no country and no ``region``) keeps a leading + and its digits only."""
    value = value.strip()
    digits = "".join(ch for ch in value if ch.isdigit())
    written = "+" + digits[2:] if value.startswith("00") else value
    try:
        number = phonenumbers.parse(written, (region or "").upper() or None)
    except phonenumbers.NumberParseException:
        number = None
    if number is not None and phonenumbers.is_possible_number(number):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return ("+" if written.startswith("+") else "") + "".join(ch for ch in written if ch.isdigit())


def blind_index(value: str, *, purpose: str) -> str:
    """Keyed HMAC-SHA256 of an already-normalised value, separated by ``purpose`` (e.g. ``person.email``)."""
    message = purpose.encode("utf-8") + b"\x00" + value.encode("utf-8")
    return hmac.new(settings.BLIND_INDEX_KEY, message, hashlib.sha256).hexdigest()
