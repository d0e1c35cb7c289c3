"""Real parts: a Celery worker process, the Redis broker, PostgreSQL and SMTP on loopback.

The worker must share the database with the test, so these tests need PostgreSQL
(``DATABASE_URL=postgres://...``) and Redis: they are marked ``postgres`` and ``redis``
(tests/services.py): deselected on a local run without them, and the run says so at the end;
an error in CI. When PostgreSQL or Redis is configured but not reachable, they fail.

Broker: ``CELERY_BROKER_URL`` or ``REDIS_URL`` (required; e.g. ``redis://127.0.0.1:6379/3``).
The tests flush that Redis database, so it must be theirs alone, instead of restarting the
Redis server other developers share: for the worker, an emptied database is what a restart
of a Redis that keeps nothing on disk looks like. In CI, which owns its Redis, a full
restart would do as well.
"""

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.live import (
    CeleryWorker,
    RecordingSmtpServer,
    broker_url,
    database_url,
    flush_broker,
    use_broker,
)

LEASE_SECONDS = 3
GRACE_SECONDS = 1
WORKER_ENV = {
    "NOTIFICATIONS_LEASE_SECONDS": str(LEASE_SECONDS),
    "NOTIFICATIONS_PENDING_GRACE_SECONDS": str(GRACE_SECONDS),
    "NOTIFICATIONS_RETRY_BASE_SECONDS": "1",
}


@dataclass
class Live:
    smtp: RecordingSmtpServer
    broker: str
    log_dir: Path
    workers: list[CeleryWorker] = field(default_factory=list)

    def start_worker(self, env_extra: dict[str, str] | None = None, **kwargs) -> CeleryWorker:
        worker = CeleryWorker(
            database=database_url(),
            broker=self.broker,
            smtp_port=self.smtp.port,
            log_dir=self.log_dir,
            env={**WORKER_ENV, **(env_extra or {})},
            **kwargs,
        )
        self.workers.append(worker)
        return worker.start()


@pytest.fixture
def live(transactional_db, settings, tmp_path):
    settings.NOTIFICATIONS_LEASE_SECONDS = LEASE_SECONDS
    settings.NOTIFICATIONS_PENDING_GRACE_SECONDS = GRACE_SECONDS
    broker = broker_url()
    flush_broker(broker)  # also: fails loudly when Redis is not there
    with RecordingSmtpServer() as smtp, use_broker(broker):
        state = Live(smtp=smtp, broker=broker, log_dir=tmp_path)
        try:
            yield state
        finally:
            for worker in state.workers:
                worker.stop()
            flush_broker(broker)
