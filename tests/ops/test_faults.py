"""The production stack survives its faults: ``make faults``' smoke run (``scripts/faults.py
--smoke``), one fault of each kind, each bounded in time, while requests and deliveries run.

The run starts a PostgreSQL cluster and a Redis of its own (tests/support/private_stack.py):
the shared servers are never restarted or flushed. It needs the PostgreSQL 15 server binaries,
redis-server, and the right to mount a small tmpfs (root, as in CI), hence the ``postgres``
and ``redis`` marks. The smoke run shortens the outages and the delivery timers (lease, grace,
sweep interval, back-off); ``make faults`` runs the full ones with production's timers.
"""

import json
import subprocess
import sys

import pytest

from tests.support.private_stack import ROOT

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.timeout(900)]


@pytest.fixture(scope="module")
def faults():
    run = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-m", "scripts.faults", "--smoke"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=840,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-6000:]
    lines = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    return {line["fault"]: line for line in lines}


def assert_exactly_once(line, *, duplicates_allowed=0):
    assert line["messages_queued"] > 0, line
    assert line["lost"] == 0, line
    assert line["delivered"] == line["messages_queued"], line
    assert line["duplicated"] <= duplicates_allowed, line


def assert_answered_cleanly(line, *, a_worker_may_exit=False):
    """No 500 page, no refused connection; every 503 says when to come back (JSON under
    /api/); and no process had to be restarted to recover."""
    assert line["requests"] > 0, line
    assert line["http_5xx_non_503"] == 0, line
    assert line["no_answer"] == 0, line
    assert line["answered_503_badly"] == 0, line
    if a_worker_may_exit:
        assert all(name.startswith("worker") for name in line.get("died", [])), line
    else:
        assert line["processes_died"] == 0, line


def test_a_postgres_restart_answers_503_meanwhile_and_loses_and_doubles_no_message(faults):
    line = faults["postgres_restart"]

    assert_answered_cleanly(line)
    assert line["answered_503"] > 0, line  # requests did run into the outage
    assert_exactly_once(line)
    assert line["web_recover_seconds"] < 5, line


def test_a_redis_restart_that_lost_the_queue_delivers_everything_once_within_a_minute(faults):
    line = faults["redis_restart"]

    # Mitigated (workers run without gossip, mingle and event heartbeat), not proven gone: a
    # worker finishing a task as the connection drops could exit on kombu's "Unrecoverable
    # error: AttributeError ... 'hostname'" (docs/operations.md, "Outages"); compose restarts
    # it, and the other worker and the sweep deliver meanwhile.
    assert_answered_cleanly(line, a_worker_may_exit=True)
    assert line["answered_503"] == 0, line  # reads do not need Redis
    assert_exactly_once(line)
    assert line["recover_seconds"] < 60, line


def test_a_worker_killed_mid_smtp_repeats_at_most_its_one_message_and_the_other_goes_on(faults):
    line = faults["worker_kill"]

    assert_answered_cleanly(line)
    # The server had accepted the held message when the worker died, before it could record
    # it: the documented repeat, with the same Message-ID (notifications/delivery.py). Each
    # of the killed worker's two pool processes can repeat at most the one message it was
    # sending (the other one may have been just as far with a message of its own).
    assert line["duplicated"] >= 1, line  # the held one
    assert_exactly_once(line, duplicates_allowed=2)


def test_a_killed_beat_is_started_again_and_nothing_is_lost(faults):
    line = faults["beat_kill"]

    assert_answered_cleanly(line)
    assert_exactly_once(line)
    assert line["healthz_after"] == 200, line


def test_a_full_disk_under_the_logs_and_the_mail_files_does_not_stop_the_web(faults):
    line = faults["disk_full"]

    assert line["bytes_free_while_full"] == 0, line
    assert line["requests_while_full"] > 0 and line["http_5xx_while_full"] == 0, line
    assert_answered_cleanly(line)
    assert_exactly_once(line)
