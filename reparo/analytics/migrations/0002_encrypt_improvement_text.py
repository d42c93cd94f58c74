"""The improvement log's finding and action are encrypted; existing rows are converted (and back, reversed)."""

import reparo.core.fields
from django.db import migrations

from reparo.core.migrating import encrypt_existing


class Migration(migrations.Migration):

    dependencies = [
        ('analytics', '0001_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='improvementaction',
            name='action',
            field=reparo.core.fields.EncryptedTextField(verbose_name='action'),
        ),
        migrations.AlterField(
            model_name='improvementaction',
            name='finding',
            field=reparo.core.fields.EncryptedTextField(verbose_name='finding'),
        ),
        encrypt_existing('analytics', 'improvementaction', 'finding', 'action'),
    ]
