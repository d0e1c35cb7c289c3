"""Seed the towns and postal codes of Kreis Viersen with coordinates (idempotent)."""

from django.db import migrations

from institutions.data.kreis_viersen import seed_towns


def forwards(apps, schema_editor):
    seed_towns(apps.get_model("institutions", "Town"), apps.get_model("institutions", "PostalCode"))


class Migration(migrations.Migration):
    dependencies = [("institutions", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
