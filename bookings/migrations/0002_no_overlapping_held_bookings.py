"""On PostgreSQL: an exclusion constraint makes overlapping held bookings of one mediator
impossible (btree_gist). Other databases rely on the same check in the service layer."""

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

CONSTRAINT_SQL = """
ALTER TABLE bookings_booking ADD CONSTRAINT booking_mediator_no_overlap
EXCLUDE USING gist (
    mediator_id WITH =,
    tstzrange(starts_at, ends_at, '[)') WITH &&
) WHERE (status IN ('confirmed', 'completed', 'closed') AND mediator_id IS NOT NULL)
"""
DROP_SQL = "ALTER TABLE bookings_booking DROP CONSTRAINT IF EXISTS booking_mediator_no_overlap"


def add_constraint(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CONSTRAINT_SQL)


def drop_constraint(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SQL)


class Migration(migrations.Migration):
    dependencies = [("bookings", "0001_initial")]

    operations = [
        BtreeGistExtension(),
        migrations.RunPython(add_constraint, drop_constraint),
    ]
