"""Every partner organisation has a directory entry: give one to those that existed before the directory."""

from django.db import migrations


def add_profiles(apps, schema_editor):
    Organisation = apps.get_model("organisations", "Organisation")
    PartnerProfile = apps.get_model("referrals", "PartnerProfile")
    for organisation in Organisation.objects.filter(kind="partner"):
        PartnerProfile.objects.get_or_create(organisation=organisation)


class Migration(migrations.Migration):
    dependencies = [("referrals", "0001_initial")]

    operations = [migrations.RunPython(add_profiles, migrations.RunPython.noop)]
