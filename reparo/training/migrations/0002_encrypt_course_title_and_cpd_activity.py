"""Course titles and continuing-development activities are encrypted; existing rows are converted (and back,
reversed). A course's integer key comes from the database, so each course gets a row key for the title to be
bound to. Courses are no longer ordered by title in SQL. The facilitator's own workload cap is at most 50."""

import django.core.validators
import reparo.core.fields
import uuid
from django.db import migrations, models

from reparo.core.migrating import encrypt_existing


class Migration(migrations.Migration):

    dependencies = [
        ('training', '0001_initial'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='course',
            options={'ordering': ['created_at', 'id']},
        ),
        migrations.AddField(
            model_name='course',
            name='row_key',
            field=reparo.core.fields.RowKeyField(default=None, editable=False, null=True, unique=False),
        ),
        migrations.AlterField(
            model_name='course',
            name='title',
            field=reparo.core.fields.EncryptedCharField(max_length=200, verbose_name='title'),
        ),
        migrations.AlterField(
            model_name='cpdentry',
            name='activity',
            field=reparo.core.fields.EncryptedCharField(max_length=300, verbose_name='activity'),
        ),
        encrypt_existing('training', 'course', 'title'),
        encrypt_existing('training', 'cpdentry', 'activity'),
        migrations.AlterField(
            model_name='course',
            name='row_key',
            field=reparo.core.fields.RowKeyField(default=uuid.uuid4, editable=False, unique=True),
        ),
        migrations.AlterField(
            model_name='facilitatorprofile',
            name='open_process_cap',
            field=models.PositiveSmallIntegerField(blank=True, null=True, validators=[django.core.validators.MaxValueValidator(50)], verbose_name="most open processes (leave empty for the program's)"),
        ),
    ]
