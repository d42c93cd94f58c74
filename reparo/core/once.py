"""The same request twice makes one change: a double tap, a form sent again after a slow answer, two tabs.

Two ways, whichever is sound for the write:

- **By state.** A service whose effect is a state (a consent in force, a letter passed on, access suspended) checks
  that state under its row lock and, when it already holds, changes nothing and raises :class:`AlreadyDone`: the
  page says so in friendly words ("already given"), not as an error.
- **By a one-time form token.** A service that makes a new record each time (a message, something to pass on, a
  check-in) cannot tell a second message from a repeat of the first by its contents. Its form carries a random
  token (:class:`OnceForm`, a hidden field, new each time the form is shown); the service stores the token's keyed
  digest (:func:`submission_key`) on the record it makes, in a column that is unique, inside its own transaction.
  The second request with the same token finds the first one's record (or waits for it on the unique index, and
  then finds it) and raises :class:`AlreadyDone` with it. A refused first attempt rolls its record back, so the same
  form, corrected, can be sent again.
"""

from __future__ import annotations

import secrets
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.crypto import salted_hmac

TOKEN_MAX_LENGTH = 64


class AlreadyDone(ValidationError):
    """What was asked already holds, or was already done by the same form sent before: nothing changed. ``result``
    is the record concerned (the first request's), for the page to go to. A ``ValidationError`` (nothing changed),
    which pages show as information rather than as a refusal."""

    def __init__(self, message: Any, *, result: Any = None) -> None:
        super().__init__(message)
        self.result = result


def new_token() -> str:
    """A fresh one-time token for a form (random, URL-safe)."""
    return secrets.token_urlsafe(18)


def submission_key(token: str | None, *, scope: str) -> str | None:
    """The digest a record keeps of the token its form carried: keyed with the secret key and bound to ``scope`` (who
    sent it and where), so that one person's token never matches another's record. ``None`` without a token."""
    token = str(token or "").strip()
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return None
    return salted_hmac("reparo.core.once", f"{scope}\x1f{token}", algorithm="sha256").hexdigest()


def already_made(model: type[models.Model], key: str | None, message: Any) -> None:
    """Raise :class:`AlreadyDone` (with the record) when a record of ``model`` was already made with ``key``."""
    if key is None:
        return
    found = model._default_manager.filter(submission_key=key).first()
    if found is not None:
        raise AlreadyDone(message, result=found)


def create_once(model: type[models.Model], key: str | None, message: Any, **fields: Any) -> Any:
    """Create a record of ``model`` made by the form whose key is ``key`` (its ``submission_key`` column is unique):
    the first request makes it; a second one, even at the same moment, raises :class:`AlreadyDone` with the first
    one's record. Call it inside the service's transaction, before anything else the service writes."""
    already_made(model, key, message)
    if key is None:
        return model._default_manager.create(**fields)
    try:
        with transaction.atomic():
            return model._default_manager.create(submission_key=key, **fields)
    except IntegrityError:
        found = model._default_manager.filter(submission_key=key).first()
        if found is None:
            raise
        raise AlreadyDone(message, result=found) from None


def submission_key_field() -> models.CharField[Any, Any]:
    """The column a record made from a form keeps its token's digest in (empty for records made otherwise)."""
    return models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)


class OnceForm(forms.Form):
    """A form that makes a record: a hidden one-time token, new each time the form is shown (a form shown again
    with its errors keeps the token it was sent with)."""

    once = forms.CharField(required=False, max_length=TOKEN_MAX_LENGTH, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.fields["once"].initial = new_token()

    @property
    def token(self) -> str:
        return str(self.cleaned_data.get("once") or "") if hasattr(self, "cleaned_data") else ""
