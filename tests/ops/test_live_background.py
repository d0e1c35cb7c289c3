"""A real Celery worker and a real beat on the test database and the Redis broker: beat's
heartbeat and a worker's reach the database, /healthz says so, and a task queued under a
request id logs that id in the worker's JSON lines."""

import json
import os
import signal
import subprocess
import sys

import pytest
from django.test import Client

from core.heartbeat import BEAT, WORKER, last_beat
from ops.requestid import request_id_var
from tests.support.live import (
    ROOT,
    CeleryWorker,
    broker_url,
    database_url,
    flush_broker,
    use_broker,
    wait_until,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def background(settings, tmp_path):
    broker = broker_url()
    flush_broker(broker)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    worker = CeleryWorker(
        database=database_url(),
        broker=broker,
        smtp_port=1,
        log_dir=tmp_path,
        concurrency=1,
        env={"LOG_FORMAT": "json", "LOG_LEVEL": "INFO"},
    )
    with use_broker(broker):
        try:
            yield worker.start(), broker
        finally:
            worker.stop()
            flush_broker(broker)


def start_beat(worker: CeleryWorker, tmp_path) -> subprocess.Popen:
    log = (tmp_path / "beat.log").open("ab")
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "beat",
            "--loglevel=INFO",
            "--schedule",
            str(tmp_path / "beat-schedule"),
        ],
        cwd=ROOT,
        env=worker.env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    log.close()
    return process


def test_beat_and_a_worker_stamp_their_heartbeats_and_healthz_is_200(background, tmp_path):
    worker, _broker = background
    beat_process = start_beat(worker, tmp_path)
    try:
        # Beat sends every schedule entry once at its start; the worker runs the heartbeat.
        wait_until(lambda: last_beat(BEAT), timeout=60, what="beat's heartbeat")
        wait_until(lambda: last_beat(WORKER), timeout=60, what="a worker's heartbeat")
    finally:
        os.killpg(beat_process.pid, signal.SIGTERM)
        beat_process.wait(timeout=30)

    response = Client().get("/healthz")

    assert response.status_code == 200, response.json()
    assert response.json()["failing"] == []


def test_a_queued_task_logs_the_request_id_in_the_worker(background):
    from ops.tasks import heartbeat

    worker, _broker = background
    token = request_id_var.set("req-live-42")
    try:
        heartbeat.delay()
    finally:
        request_id_var.reset(token)

    def stamped():
        lines = [json.loads(x) for x in worker.log().splitlines() if x.startswith("{")]
        return [x for x in lines if x.get("message") == "worker heartbeat stamped"]

    (line,) = wait_until(stamped, timeout=60, what="the task's log line")
    assert line["request_id"] == "req-live-42"
    assert line["logger"] == "ops.tasks" and line["user_id"] is None
