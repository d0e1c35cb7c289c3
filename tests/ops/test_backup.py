"""scripts/backup_restore_check.sh: dump, restore into a fresh database, equal row counts."""

import os
import subprocess

import pytest
from django.db import connection

from tests.support.live import ROOT, database_url

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_the_backup_of_the_test_database_restores_with_every_row():
    from core.heartbeat import BEAT, beat

    beat(BEAT)  # one committed row of our own at least
    result = subprocess.run(  # noqa: S603 (our script)
        [str(ROOT / "scripts" / "backup_restore_check.sh")],
        env={**os.environ, "DATABASE_URL": database_url()},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"OK: {connection.settings_dict['NAME']} dumped")
    assert "every table's count equal" in result.stdout
    with connection.cursor() as cursor:
        name = connection.settings_dict["NAME"]
        cursor.execute(
            "SELECT count(*) FROM pg_database WHERE datname LIKE %s", [f"{name}_restore_check_%"]
        )
        assert cursor.fetchone()[0] == 0  # the copy is dropped
