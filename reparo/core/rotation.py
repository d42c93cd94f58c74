"""Re-encrypt every encrypted value under the newest field-encryption key."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.apps import apps
from django.db import models, transaction

from reparo.core import crypto
from reparo.core.fields import Ciphertext, encrypted_fields, row_identity_attname

BATCH = 500


@dataclass
class RotationReport:
    rows_seen: int = 0
    values_reencrypted: int = 0
    by_model: dict[str, int] = field(default_factory=dict)


def models_with_encrypted_fields() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if not m._meta.proxy and m._meta.managed and encrypted_fields(m)]


def rotate_model(model: type[models.Model], report: RotationReport, *, batch: int = BATCH) -> None:
    fields = encrypted_fields(model)
    if not fields:
        return
    primary = crypto.primary_key_id()
    attnames = [f.attname for f in fields]
    identity = row_identity_attname(model)
    last_pk = None
    while True:
        qs = model._base_manager.order_by("pk").values_list("pk", identity, *attnames)
        if last_pk is not None:
            qs = qs.filter(pk__gt=last_pk)
        rows = list(qs[:batch])
        if not rows:
            break
        with transaction.atomic():
            for pk, key, *tokens in rows:
                report.rows_seen += 1
                changes = {}
                for f, token in zip(fields, tokens, strict=True):
                    if token is None or crypto.key_id_of(token) == primary:
                        continue
                    probe = model(pk=pk) if identity == "pk" else model(pk=pk, **{identity: key})
                    plaintext = crypto.decrypt(token, associated_data=f.associated_data(probe))
                    changes[f.attname] = Ciphertext(crypto.encrypt(plaintext, associated_data=f.associated_data(probe)))
                if changes:
                    # Only where the stored value is still the one read: a concurrent edit (already under the
                    # newest key) is never overwritten with an older copy.
                    unchanged = {f.attname: Ciphertext(t) for f, t in zip(fields, tokens, strict=True) if t is not None}
                    model._base_manager.filter(pk=pk, **unchanged).update(**changes)
                    report.values_reencrypted += len(changes)
                    report.by_model[model._meta.label] = report.by_model.get(model._meta.label, 0) + len(changes)
        last_pk = rows[-1][0]


def rotate_all(*, batch: int = BATCH) -> RotationReport:
    report = RotationReport()
    for model in models_with_encrypted_fields():
        rotate_model(model, report, batch=batch)
    return report


def values_not_under_primary() -> int:
    """How many stored values are encrypted under a key other than the newest (0 after a rotation)."""
    primary = crypto.primary_key_id()
    count = 0
    for model in models_with_encrypted_fields():
        fields = encrypted_fields(model)
        for row in model._base_manager.values_list(*[f.attname for f in fields]).iterator():
            count += sum(1 for token in row if token is not None and crypto.key_id_of(token) != primary)
    return count
