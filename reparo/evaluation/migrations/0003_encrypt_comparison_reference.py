"""Comparison-cohort references are encrypted; existing rows are converted (and back, reversed). Each row gets
a row key for the value to be bound to (the integer key comes from the database), and a blind index of the
reference takes over the uniqueness of a reference within its cohort."""

import reparo.core.fields
import uuid
from django.db import migrations, models

from reparo.core.migrating import encrypt_existing


class Migration(migrations.Migration):

    dependencies = [
        ('evaluation', '0002_cancel_reason_withdrew'),
    ]

    operations = [
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
