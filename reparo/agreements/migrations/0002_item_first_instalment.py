"""Restitution's first instalment gets a date of its own; ``due_date`` is when the item is to be done by.

Until now a restitution item's ``due_date`` was its first instalment's date (and its obligation fell due with the
last instalment). Existing items keep their meaning: the first instalment moves to ``first_instalment_on`` and the
item is due on the last instalment's date, which its obligation already says."""

import calendar
import datetime

from django.db import migrations, models


def _add_months(day, months):
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def split_dates(apps, schema_editor):
    items = apps.get_model("agreements", "AgreementItem").objects
    rows = items.filter(kind="restitution", due_date__isnull=False, first_instalment_on__isnull=True)
    for pk, first, count in rows.values_list("pk", "due_date", "instalment_count"):
        items.filter(pk=pk).update(first_instalment_on=first, due_date=_add_months(first, max(1, count) - 1))


def join_dates(apps, schema_editor):
    items = apps.get_model("agreements", "AgreementItem").objects
    for pk, first in items.filter(first_instalment_on__isnull=False).values_list("pk", "first_instalment_on"):
        items.filter(pk=pk).update(due_date=first)


class Migration(migrations.Migration):
    dependencies = [
        ("agreements", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="agreementitem",
            name="first_instalment_on",
            field=models.DateField(blank=True, null=True, verbose_name="first instalment due"),
        ),
        migrations.AlterField(
            model_name="agreementitem",
            name="due_date",
            field=models.DateField(blank=True, null=True, verbose_name="due"),
        ),
        migrations.RunPython(split_dates, join_dates),
    ]
