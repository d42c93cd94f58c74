"""The one "visible to this actor, or 404" helper every lookup is built on, and the register of lookups.

Each object type has exactly one lookup, ``<thing>_get_for(actor, pk, *, need=...)``, registered with
:func:`lookup`: it starts from the rows the actor may see (a selector's ``*_visible_to(actor)``) and answers
"not found" for what is missing and for what is not the actor's alike. A read that only scopes a child by its
already-checked parent is named ``<thing>_in(parent, pk)`` and goes through :func:`one_or_404` too.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models
from django.db.models import QuerySet
from django.http import Http404

T = TypeVar("T", bound=models.Model)
F = TypeVar("F", bound=Callable[..., Any])

# Integer keys beyond a signed 64-bit column cannot exist; asking the database for one is an error on some engines.
MAX_INT_PK = 2**63 - 1

LOOKUPS: dict[str, Callable[..., Any]] = {}


def lookup(object_type: str) -> Callable[[F], F]:
    """Register ``function`` as the one lookup for ``object_type`` (a model's ``app_label.ModelName``)."""

    def register(function: F) -> F:
        existing = LOOKUPS.get(object_type)
        if existing is not None and existing.__qualname__ != function.__qualname__:
            raise RuntimeError(f"{object_type} already has a lookup: {existing.__module__}.{existing.__qualname__}")
        LOOKUPS[object_type] = function
        return function

    return register


def clean_pk(model: type[models.Model], pk: Any) -> Any:
    """``pk`` as the model's key type, or Http404 for anything no row could have (wrong type, out of range)."""
    field = model._meta.pk
    if isinstance(field, models.UUIDField):
        if isinstance(pk, uuid.UUID):
            return pk
        try:
            return uuid.UUID(str(pk))
        except (ValueError, TypeError, AttributeError):
            raise Http404 from None
    if isinstance(field, models.AutoField | models.BigAutoField | models.IntegerField):
        if isinstance(pk, bool):
            raise Http404
        try:
            value = int(pk)
        except (ValueError, TypeError, OverflowError):
            raise Http404 from None
        if not 0 < value <= MAX_INT_PK:
            raise Http404
        return value
    return pk


def one_or_404(queryset: QuerySet[T], pk: Any, **conditions: Any) -> T:
    """The row of ``queryset`` with ``pk`` (and ``conditions``), or Http404: for a missing row, a row outside the
    queryset, and a key no row could have, alike."""
    try:
        return queryset.get(pk=clean_pk(queryset.model, pk), **conditions)
    except (ObjectDoesNotExist, ValidationError, ValueError, TypeError, OverflowError):
        raise Http404 from None


def refuse() -> Http404:
    """The answer for "not yours": the same as for "not there"."""
    return Http404()
