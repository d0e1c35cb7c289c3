"""The load test (``make loadtest``): its report, and CI's smoke version - 20 users for 20 s
on small data against the real production stack (gunicorn, a Celery worker, one beat, the
aiosmtpd sink) - with no error, no 5xx, no booking confirmed twice and every message
delivered exactly once, sampled by py-spy meanwhile (``LOAD_PROFILE=1``)."""

import json
import os
import subprocess
import sys
import time

import pytest

from bench.load import CALENDAR_PAUSE, PERSON_PAUSE, LoadSettingError, pause_scale, scaled
from bench.load.report import percentile, summarize
from tests.support.live import ROOT, broker_url


def sample(name, client_ms, *, server_ms=1.0, status=200, failed=False, ended=1_800_000_000.0):
    return [name, client_ms, server_ms, status, failed, ended]


def test_the_report_is_one_line_per_class_and_one_for_all_with_the_ratio_to_the_trivial_p95():
    samples = [sample("trivial", ms) for ms in (10, 10, 10, 20)] + [
        sample("accept", 30, server_ms=12.0),
        sample("accept", 50, server_ms=14.0),
        sample("accept", 70, server_ms=20.0, status=409),
        sample("accept", 90, server_ms=None, status=502, failed=True),
    ]

    lines = summarize(samples, users=20, seconds=20, extra={"double_confirmed": 0})

    assert [line["class"] for line in lines] == ["accept", "trivial", "all"]
    accept, trivial, every = lines
    assert accept == {
        "bench": "load",
        "users": 20,
        "class": "accept",
        "seconds": 20,
        "requests": 4,
        "rps": 0.2,
        "errors": 1,
        "conflicts": 1,
        "status_5xx": 1,
        "p50_ms": 50.0,
        "p95_ms": 90.0,
        "server_p50_ms": 14.0,
        "trivial_p95_ms": 20.0,
        "p95_ratio": 4.5,
    }
    assert trivial["p95_ratio"] == 1.0 and trivial["errors"] == 0
    assert every["requests"] == 8 and every["rps"] == 0.4 and every["errors"] == 1
    assert every["double_confirmed"] == 0 and "double_confirmed" not in accept
    assert all(json.loads(json.dumps(line)) == line for line in lines)


def test_a_run_without_the_trivial_endpoint_reports_no_ratio_rather_than_a_made_up_one():
    (accept, every) = summarize([sample("accept", 30)], users=1, seconds=10)

    assert accept["trivial_p95_ms"] is None and accept["p95_ratio"] is None
    assert every["class"] == "all"


def test_percentiles_are_by_nearest_rank():
    values = list(range(1, 101))

    assert percentile(values, 0.5) == 50
    assert percentile(values, 0.95) == 95
    assert percentile([7], 0.95) == 7
    assert percentile([], 0.5) is None


def run_load_test(env: dict[str, str], *, timeout: int) -> subprocess.CompletedProcess:
    """``python -m bench.load`` (what ``make loadtest`` runs) with ``env``; its output kept."""
    return subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "bench.load"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def database_of_its_own() -> str:
    url = os.environ["DATABASE_URL"].split("?", 1)[0]
    base, name = url.rsplit("/", 1)
    return f"{base}/{name}_loadsmoke"


def smoke(**settings: str) -> dict[str, str]:
    """The environment of a smoke run on small data in a database and broker of its own."""
    env = {
        **os.environ,
        "DATABASE_URL": database_of_its_own(),
        "REDIS_URL": broker_url(),
        "LOAD_SIZE": "smoke",
        "LOAD_STRICT": "1",
        **settings,
    }
    env.pop("CELERY_BROKER_URL", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.timeout(300)
def test_twenty_users_for_twenty_seconds_on_the_production_stack_leave_nothing_wrong():
    env = smoke(LOAD_USERS="20", LOAD_SECONDS="20", LOAD_PROFILE="1")
    started = time.time()

    done = run_load_test(env, timeout=280)

    assert done.returncode == 0, done.stderr[-4000:]
    # Each request is kept with the time it ended, within the run (samples.json by time).
    kept = json.loads((ROOT / "var" / "loadtest" / "samples.json").read_text())
    assert kept and all(started < row[5] < time.time() for row in kept)
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    profiles = {line["part"]: line for line in lines if line["bench"] == "load_profile"}
    lines = [line for line in lines if line["bench"] == "load"]
    classes = {line["class"] for line in lines}
    assert {"all", "trivial", "create", "bookings_list", "offers_list", "worklist"} <= classes
    every = lines[-1]
    assert every["class"] == "all" and every["users"] == 20 and every["requests"] > 0
    assert every["errors"] == 0 and every["status_5xx"] == 0
    assert every["double_confirmed"] == 0
    assert every["messages_undelivered"] == 0 and every["messages_failed"] == 0
    assert every["messages_duplicated"] == 0 and every["messages_missing"] == 0
    assert every["messages_received"] >= every["messages_sent"] > 0
    assert every["vacuum_analyzed"] is True
    # One connection per sync web worker, kept (3 workers), no pool.
    assert 1 <= every["db_connections_web_max"] <= 3 and every["web_database_pool"] is None
    assert all(line["server_p50_ms"] is not None for line in lines)
    # Where the CPU went: every part of the stack did some work, and Locust too.
    for part in ("web", "worker", "postgres", "locust"):
        assert every[f"cpu_{part}_seconds"] > 0, part
    assert 0 < every["cpu_busy_ratio"] <= 1.05
    assert every["cpu_per_request_ms"] > 0
    # What the web and worker processes did (LOAD_PROFILE=1): both sampled, both ran
    # statements through the ORM, and the figures add up.
    assert set(profiles) == {"web", "worker"}
    for part, profile in profiles.items():
        assert profile["samples"] > 0, part
        assert 0 < profile["waiting_ratio"] < 1, part
        assert profile["orm_ratio"] > 0, part
        libraries = [v for k, v in profile.items() if k.endswith("_ratio") and k != "waiting_ratio"]
        assert sum(libraries) == pytest.approx(1.0, abs=0.01), part
    assert profiles["web"]["drf_ratio"] > 0
    # Which tasks the worker's samples were in: the bookings made were matched and their
    # messages delivered.
    tasks = profiles["worker"]["task_ratios"]
    assert tasks["booking_match_task"] > 0 and tasks["deliver_messages"] > 0
    assert sum(tasks.values()) <= 1.0 + 1e-9


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.timeout(300)
def test_the_gevent_worker_serves_the_monday_morning_with_a_bounded_pool_of_connections():
    """The worker model measured against sync (docs/operations.md, "gunicorn"): each of its
    three workers serves its users' requests at once in one thread and takes the database
    connections from a pool of two; without the pool each of 24 users would hold one."""
    env = smoke(
        LOAD_USERS="24", LOAD_SECONDS="15", WEB_WORKER_CLASS="gevent", WEB_DATABASE_POOL_SIZE="2"
    )

    done = run_load_test(env, timeout=280)

    assert done.returncode == 0, done.stderr[-4000:]
    every = json.loads(done.stdout.splitlines()[-1])
    assert every["class"] == "all" and every["worker_class"] == "gevent"
    assert every["web_database_pool"] == 2
    assert every["requests"] > 0 and every["errors"] == 0 and every["status_5xx"] == 0
    assert every["double_confirmed"] == 0
    assert every["messages_duplicated"] == 0 and every["messages_missing"] == 0
    assert every["messages_undelivered"] == 0
    assert 1 <= every["db_connections_web_max"] <= 3 * 2


def test_the_pauses_default_to_the_monday_morning_and_scale_with_load_pause():
    assert pause_scale({}) == 1.0
    assert pause_scale({"LOAD_PAUSE": " "}) == 1.0
    assert pause_scale({"LOAD_PAUSE": "0.5"}) == 0.5
    assert scaled(PERSON_PAUSE, 0.5) == (0.25, 1.0)
    assert scaled(CALENDAR_PAUSE, 2) == (4.0, 12.0)


@pytest.mark.parametrize("raw", ["fast", "0", "-1", "11", "nan", "inf"])
def test_a_pause_factor_the_runner_cannot_use_is_refused_with_its_reason(raw):
    with pytest.raises(LoadSettingError, match="LOAD_PAUSE must be"):
        pause_scale({"LOAD_PAUSE": raw})


def test_the_runner_refuses_a_bad_pause_factor_before_it_touches_any_database():
    env = {**os.environ, "LOAD_PAUSE": "fast", "DATABASE_URL": "postgres://x/none"}
    env["REDIS_URL"] = "redis://127.0.0.1:6379/15"
    done = run_load_test(env, timeout=120)

    assert done.returncode == 2
    assert "LOAD_PAUSE must be a number" in done.stderr


# Locust patches the interpreter (gevent) when imported: the locustfile is read in a process
# of its own, as the runner starts it.
WAITS = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("locustfile", sys.argv[1])
locustfile = importlib.util.module_from_spec(spec)
spec.loader.exec_module(locustfile)
print(json.dumps({
    "pause": locustfile.PAUSE,
    "person": [locustfile.Staff.wait_time(None) for _ in range(500)],
    "calendar": [locustfile.CalendarClient.wait_time(None) for _ in range(500)],
}))
"""


def test_the_locustfile_waits_the_scaled_pauses(tmp_path):
    credentials = tmp_path / "credentials.json"
    credentials.write_text(json.dumps({"staff": [], "mediators": [], "coordinators": []}))
    env = {
        **os.environ,
        "LOAD_CREDENTIALS": str(credentials),
        "LOAD_PAUSE": "0.5",
        "PYTHONPATH": str(ROOT),
    }
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", WAITS, str(ROOT / "bench" / "load" / "locustfile.py")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    waits = json.loads(done.stdout.splitlines()[-1])

    assert waits["pause"] == 0.5
    person, calendar = waits["person"], waits["calendar"]
    assert 0.25 <= min(person) and max(person) <= 1.0 and max(person) > 0.6
    assert 1.0 <= min(calendar) and max(calendar) <= 3.0 and max(calendar) > 2.0
