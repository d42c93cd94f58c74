"""Data migrations that turn a column of plaintext into encrypted values, and back.

Use after the migration's ``AlterField`` to the encrypted type (the column is then unbounded text, so a
ciphertext longer than the old ``max_length`` fits) and after any ``RowKeyField`` was added (null allowed)::

    operations = [
        migrations.AddField("course", "row_key", RowKeyField(null=True, default=None, unique=False)),
        migrations.AlterField("course", "title", EncryptedCharField(max_length=200)),
        encrypt_existing("training", "course", "title"),
        migrations.AlterField("course", "row_key", RowKeyField()),
    ]

Forward, each row gets a row key if its model has one and it is empty, each listed field's plaintext is
sealed exactly as a save would seal it (the historical model's own field, so the same key id, format and
associated data), and any blind index over a listed field is filled. Backward, the values are opened and
stored as plaintext again (blind indexes emptied), so the ``AlterField`` back to a plain column can run.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import migrations

from reparo.core.fields import BlindIndexField, Ciphertext, EncryptedFieldMixin, RowKeyField

BATCH = 500


def _plan(apps: Any, app_label: str, model_name: str, names: tuple[str, ...]) -> tuple[Any, list[Any], list[Any], Any]:
    model = apps.get_model(app_label, model_name)
    fields = [model._meta.get_field(name) for name in names]
    for f in fields:
        if not isinstance(f, EncryptedFieldMixin):
            raise TypeError(f"{model.__name__}.{f.name} is not encrypted in this migration's state.")
    indexes = [f for f in model._meta.concrete_fields if isinstance(f, BlindIndexField) and f.source in names]
    row_keys = [f for f in model._meta.concrete_fields if isinstance(f, RowKeyField)]
    return model, fields, indexes, (row_keys[0] if row_keys else None)


def _rows(model: Any, columns: list[str]) -> Any:
    """Every row's values, in primary-key order, a batch at a time."""
    last = None
    while True:
        qs = model._base_manager.order_by("pk").values_list("pk", *columns)
        if last is not None:
            qs = qs.filter(pk__gt=last)
        rows = list(qs[:BATCH])
        if not rows:
            return
        yield from rows
        last = rows[-1][0]


def encrypt_existing(app_label: str, model_name: str, *names: str) -> migrations.RunPython:
    def forward(apps: Any, schema_editor: Any) -> None:
        model, fields, indexes, row_key = _plan(apps, app_label, model_name, names)
        key_columns = [row_key.attname] if row_key else []
        for pk, *values in _rows(model, key_columns + [f.attname for f in fields]):
            changes: dict[str, Any] = {}
            probe = model(pk=pk)
            if row_key is not None:
                key = values.pop(0)
                if key is None:
                    key = changes[row_key.attname] = uuid.uuid4()
                setattr(probe, row_key.attname, key)
            plain = dict(zip(names, values, strict=True))
            for f in fields:
                if plain[f.name] is not None:
                    changes[f.attname] = f.seal(probe, str(plain[f.name]))
            for index in indexes:
                changes[index.attname] = index.digest(plain[index.source])
            if changes:
                model._base_manager.filter(pk=pk).update(**changes)

    def backward(apps: Any, schema_editor: Any) -> None:
        model, fields, indexes, row_key = _plan(apps, app_label, model_name, names)
        key_columns = [row_key.attname] if row_key else []
        for pk, *values in _rows(model, key_columns + [f.attname for f in fields]):
            probe = model(pk=pk)
            if row_key is not None:
                setattr(probe, row_key.attname, values.pop(0))
            changes: dict[str, Any] = {index.attname: None for index in indexes}
            for f, token in zip(fields, values, strict=True):
                if token is not None:
                    # Stored as it is: the column's type is still the encrypted one in this state.
                    changes[f.attname] = Ciphertext(f.open(probe, token))
            if changes:
                model._base_manager.filter(pk=pk).update(**changes)

    return migrations.RunPython(forward, backward, elidable=False)
