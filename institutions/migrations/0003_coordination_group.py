"""The "Koordination" group with the permissions coordinators need in the admin."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from institutions.coordination import coordination_group_sync


def forwards(apps, schema_editor):
    # Permissions are normally created after all migrations ran; create them now.
    for label in ("institutions", "mediators", "bookings"):
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    coordination_group_sync(
        group_model=apps.get_model("auth", "Group"),
        permission_model=apps.get_model("auth", "Permission"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("institutions", "0002_seed_kreis_viersen"),
        ("mediators", "0002_seed_languages"),
        ("bookings", "0002_no_overlapping_held_bookings"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
