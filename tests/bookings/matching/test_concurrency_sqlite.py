"""Accepting is safe under concurrency on the SQLite first-look set-up too.

Two mediators accept their offers for one booking at the same moment, from two threads with
two connections to a SQLite file (``sqlite_race.py``, in a process of its own): one gets 200,
the other 409, never a 500 ("database is locked"); the booking is confirmed once, with one
event and one set of messages. It needs no PostgreSQL and runs in every run, CI included.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bookings.constants import OfferStatus, Status
from notifications.constants import MessageKind

ROOT = Path(__file__).resolve().parents[3]
ROUNDS = 5
# The first-look set-up: no Redis, tasks run eagerly in process.
NOT_FIRST_LOOK = ("REDIS_URL", "CELERY_BROKER_URL", "CELERY_TASK_ALWAYS_EAGER")


def race_on_a_sqlite_file(path: Path, rounds: int) -> list[dict]:
    env = {name: value for name, value in os.environ.items() if name not in NOT_FIRST_LOOK}
    env |= {"DATABASE_URL": f"sqlite:///{path}", "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    done = subprocess.run(  # noqa: S603 (our interpreter, our script)
        [sys.executable, "-m", "tests.bookings.matching.sqlite_race", str(rounds)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-5000:]
    return json.loads(done.stdout.splitlines()[-1])


def test_two_mediators_accepting_one_booking_at_once_on_sqlite_get_one_200_and_one_409(
    tmp_path,
):
    results = race_on_a_sqlite_file(tmp_path / "first-look.sqlite3", ROUNDS)

    assert len(results) == ROUNDS
    for round_, result in enumerate(results):
        codes = result["codes"]
        assert sorted(codes) == [200, 409], f"round {round_}: {codes} {result['errors']}"
        assert not result["errors"]
        winner = codes.index(200)
        assert result["status"] == Status.CONFIRMED
        assert result["mediator"] == result["offers"][winner]["mediator"]
        assert [offer["status"] for offer in result["offers"]] == [
            OfferStatus.ACCEPTED if index == winner else OfferStatus.WITHDRAWN
            for index in range(len(codes))
        ]
        assert result["confirmed_events"] == 1
        assert result["new_messages"] == {
            MessageKind.BOOKING_CONFIRMED: 2,  # the institution and the winner, once each
            MessageKind.OFFER_WITHDRAWN: 1,
        }
