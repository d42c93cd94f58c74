"""The outer circle's role descriptions are encrypted; existing rows are converted (and back, reversed). The
integer key comes from the database, so each row gets a row key for the value to be bound to."""

import reparo.core.fields
import uuid
from django.db import migrations

from reparo.core.migrating import encrypt_existing


class Migration(migrations.Migration):

    dependencies = [
        ('cosa', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='outermember',
            name='row_key',
            field=reparo.core.fields.RowKeyField(default=None, editable=False, null=True, unique=False),
        ),
        migrations.AlterField(
            model_name='outermember',
            name='role_description',
            field=reparo.core.fields.EncryptedCharField(max_length=200, verbose_name='role in the outer circle'),
        ),
        encrypt_existing('cosa', 'outermember', 'role_description'),
        migrations.AlterField(
            model_name='outermember',
            name='row_key',
            field=reparo.core.fields.RowKeyField(default=uuid.uuid4, editable=False, unique=True),
        ),
    ]
