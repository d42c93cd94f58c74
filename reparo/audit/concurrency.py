"""Optimistic version checks: an edit based on an old version is refused, with what changed meanwhile.

Models carry a ``version`` integer. Every audited update records ``{"version": n, "fields": [...]}`` in its
audit row's detail, so a refused edit can say who changed which fields since the version the user saw.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import models
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from reparo.audit.models import AuditEvent
from reparo.core.actions import form_page


@dataclass(frozen=True)
class ChangeSince:
    actor_label: str
    at: datetime
    fields: list[str]


class ConflictError(Exception):
    """Someone else changed the record since it was opened for editing."""

    def __init__(self, *, current_version: int, changes: list[ChangeSince]) -> None:
        self.current_version = current_version
        self.changes = changes
        super().__init__(_("Someone else changed this while you were editing. Your changes have not been saved yet."))

    @property
    def changed_fields(self) -> list[str]:
        seen: list[str] = []
        for change in self.changes:
            seen.extend(f for f in change.fields if f not in seen)
        return seen


def check_version(obj: models.Model, submitted: int | str | None) -> None:
    """Raise :class:`ConflictError` unless ``submitted`` is the object's current version.

    Call it on a row locked with ``select_for_update()`` inside the write's transaction.
    """
    current = int(getattr(obj, "version"))  # noqa: B009
    try:
        seen = int(submitted) if submitted not in (None, "") else None  # type: ignore[arg-type]
    except (TypeError, ValueError):
        seen = None
    if seen == current:
        return
    events = AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).order_by("at", "id")
    changes = [
        ChangeSince(actor_label=e.actor_label or "—", at=e.at, fields=list(e.detail.get("fields", [])))
        for e in events
        if isinstance(e.detail, dict) and int(e.detail.get("version", 0) or 0) > (seen or 0)
    ]
    raise ConflictError(current_version=current, changes=changes)


def apply_changes(obj: models.Model, changes: dict[str, Any]) -> list[str]:
    """Set the given attributes; return the names of those whose value really changed."""
    changed = []
    for name, value in changes.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed.append(name)
    return changed


def rebase_form_data(
    data: Any, *, conflict: ConflictError, current: dict[str, Any], labels: dict[str, Any]
) -> tuple[Any, list[tuple[Any, Any]]]:
    """After a conflict, the form to show again: the fields someone else changed now hold their current values,
    every other field keeps what the user typed, and the version is the current one. Returns that form data and,
    for each field taken from the current record, the label and what the user had typed there, so nothing they
    wrote is lost. Saving again then keeps both people's changes unless the user re-applies their own."""
    rebased = data.copy()
    yours: list[tuple[Any, Any]] = []
    for name in conflict.changed_fields:
        if name not in current:
            continue
        typed = rebased.getlist(name)
        value = current[name]
        values = value if isinstance(value, (list, tuple)) else [value]
        as_text = ["" if v is None else (v.isoformat() if hasattr(v, "isoformat") else str(v)) for v in values]
        if typed != as_text:
            yours.append((labels.get(name, name), ", ".join(t for t in typed if t)))
        rebased.setlist(name, as_text)
    rebased["version"] = str(conflict.current_version)
    return rebased, yours


def edit_page(
    request: HttpRequest,
    form_class: Any,
    *,
    record: Any,
    reread: Callable[[], Any],
    values: Callable[[Any], dict[str, Any]],
    template: str,
    context: Callable[[Any], dict[str, Any]],
    call: Callable[[Any], Any],
    success: str,
    back_to: str,
    form_kwargs: dict[str, Any] | None = None,
) -> HttpResponse:
    """The page that edits ``record``: a :func:`~reparo.core.actions.form_page` that opens with ``values(record)``
    (its ``version`` among them) and is safe against concurrent edits. When someone else saved the record since it
    was opened (the service raises :class:`ConflictError`), the record is read again (``reread()``) and the form is
    shown again, answered 409, rebased on it (:func:`rebase_form_data`); ``yours`` lists what the user had typed
    where it was replaced. ``context(record)`` is what the page shows beside the form, from the record as last
    read, with ``conflict`` and ``yours``."""

    def rebase(conflict: ConflictError, form: Any) -> tuple[Any, dict[str, Any]]:
        fresh = reread()
        data, yours = rebase_form_data(
            request.POST,
            conflict=conflict,
            current=values(fresh),
            labels={name: field.label for name, field in form.fields.items()},
        )
        again = form_class(data, **(form_kwargs or {}))
        again.is_valid()
        return again, {**context(fresh), "conflict": conflict, "yours": yours}

    return form_page(
        request,
        form_class,
        template=template,
        context=lambda: {**context(record), "conflict": None, "yours": []},
        call=call,
        success=success,
        back_to=back_to,
        form_kwargs=form_kwargs,
        initial=values(record) if request.method != "POST" else None,
        conflicts={ConflictError: rebase},
    )
