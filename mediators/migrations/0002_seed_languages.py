"""Seed the languages most asked for in refugee and migration work (idempotent)."""

from django.db import migrations

from mediators.data.languages import seed_languages


def forwards(apps, schema_editor):
    seed_languages(apps.get_model("mediators", "Language"), apps.get_model("mediators", "Dialect"))


class Migration(migrations.Migration):
    dependencies = [("mediators", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
