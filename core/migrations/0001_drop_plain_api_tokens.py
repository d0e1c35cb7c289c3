"""The API tokens of DRF's authtoken app were stored in plain text and never expired. The app
is gone (django-rest-knox keeps hashed, expiring tokens); its table goes with every token in
it: every API client signs in again (POST /api/v1/auth/token/)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("knox", "0009_extend_authtoken_field")]

    operations = [
        migrations.RunSQL(
            "DROP TABLE IF EXISTS authtoken_token",
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
