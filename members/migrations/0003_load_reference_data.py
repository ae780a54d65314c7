"""Load the shared reference data (members/reference_data/*.csv) into the tables made by 0002."""

from django.db import migrations


def load(apps, schema_editor):
    from members.reference import load_reference_data

    load_reference_data(apps=apps)


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0002_profiles_lifecycle_and_reference_data"),
    ]

    # Unapplying keeps the rows: 0002's reverse drops the tables anyway.
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
