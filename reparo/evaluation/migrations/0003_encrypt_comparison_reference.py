"""Comparison-cohort references are encrypted; existing rows are converted (and back, reversed). Each row gets
a row key for the value to be bound to (the integer key comes from the database), and a blind index of the
reference takes over the uniqueness of a reference within its cohort. That index counts references that differ only
in capitals or spaces as one, which the old constraint did not: a cohort that holds such references stops the
migration before anything changes, naming the cohort."""

import reparo.core.fields
import uuid
from django.db import migrations, models

from reparo.core.crypto import normalise_text
from reparo.core.migrating import encrypt_existing


def refuse_references_the_index_would_merge(apps, schema_editor):
    """The old constraint kept references unique exactly as written; the blind index counts references that differ
    only in capitals or spaces as one. Such a cohort would make the new constraint fail half-way with a message that
    names only a hash: stop first, change nothing, and say which cohorts to tidy (never the references themselves)."""
    member = apps.get_model("evaluation", "ComparisonMember")
    seen = set()
    clashes = {}
    rows = member._base_manager.order_by("cohort_id", "pk").values_list("cohort_id", "reference")
    for cohort_id, reference in rows.iterator():
        key = (cohort_id, normalise_text(reference or ""))
        if key in seen:
            clashes[cohort_id] = clashes.get(cohort_id, 0) + 1
        seen.add(key)
    if not clashes:
        return
    cohorts = apps.get_model("evaluation", "ComparisonCohort")._base_manager.filter(pk__in=list(clashes))
    listed = "; ".join(f"{c.name!r} (id {c.pk}): {clashes[c.pk]}" for c in cohorts.order_by("name"))
    raise RuntimeError(
        "Comparison cohorts hold references that differ only in capitals or spaces, which now count as the same "
        f"reference. Nothing was changed. Cohort and how many such references: {listed}. Give those references "
        "distinct values (or remove the duplicates), then run the migration again."
    )


class Migration(migrations.Migration):

    dependencies = [
        ('evaluation', '0002_cancel_reason_withdrew'),
    ]

    operations = [
        migrations.RunPython(refuse_references_the_index_would_merge, migrations.RunPython.noop, elidable=False),
        migrations.RemoveConstraint(
            model_name='comparisonmember',
            name='comparison_member_unique_ref',
        ),
        migrations.AddField(
            model_name='comparisonmember',
            name='reference_bidx',
            field=reparo.core.fields.BlindIndexField(blank=True, db_index=True, editable=False, max_length=64, normaliser='text', null=True, source='reference'),
        ),
        migrations.AddField(
            model_name='comparisonmember',
            name='row_key',
            field=reparo.core.fields.RowKeyField(default=None, editable=False, null=True, unique=False),
        ),
        migrations.AlterField(
            model_name='comparisonmember',
            name='reference',
            field=reparo.core.fields.EncryptedCharField(max_length=64),
        ),
        encrypt_existing('evaluation', 'comparisonmember', 'reference'),
        migrations.AlterField(
            model_name='comparisonmember',
            name='row_key',
            field=reparo.core.fields.RowKeyField(default=uuid.uuid4, editable=False, unique=True),
        ),
        migrations.AddConstraint(
            model_name='comparisonmember',
            constraint=models.UniqueConstraint(fields=('cohort', 'reference_bidx'), name='comparison_member_unique_ref_bidx'),
        ),
    ]
