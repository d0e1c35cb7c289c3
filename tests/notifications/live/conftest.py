"""Real parts: a Celery worker process, the Redis broker, PostgreSQL and SMTP on loopback.

The worker must share the database with the test, so these tests need PostgreSQL
(``DATABASE_URL=postgres://...``; CI always sets it). On the default in-memory SQLite they
are deselected, and the run says so at the end. When PostgreSQL or Redis is configured but
not reachable, they fail.

Broker: ``CELERY_BROKER_URL`` or ``REDIS_URL`` (required; e.g. ``redis://127.0.0.1:6379/3``).
The tests flush that Redis database, so it must be theirs alone, instead of restarting the
Redis server other developers share: for the worker, an emptied database is what a restart
of a Redis that keeps nothing on disk looks like. In CI, which owns its Redis, a full
restart would do as well.
"""

from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from notifications.testing import (
    CeleryWorker,
    RecordingSmtpServer,
    broker_url,
    database_url,
    flush_broker,
    use_broker,
)

HERE = Path(__file__).parent
LEASE_SECONDS = 3
GRACE_SECONDS = 1
WORKER_ENV = {
    "NOTIFICATIONS_LEASE_SECONDS": str(LEASE_SECONDS),
    "NOTIFICATIONS_PENDING_GRACE_SECONDS": str(GRACE_SECONDS),
    "NOTIFICATIONS_RETRY_BASE_SECONDS": "1",
}
_deselected: list[str] = []


def _on_postgresql() -> bool:
    return django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def pytest_collection_modifyitems(config, items):
    if _on_postgresql():
        return
    live = [item for item in items if Path(str(item.fspath)).is_relative_to(HERE)]
    if live:
        _deselected.extend(item.nodeid for item in live)
        items[:] = [item for item in items if item not in live]
        config.hook.pytest_deselected(items=live)


def pytest_terminal_summary(terminalreporter):
    if _deselected:
        terminalreporter.write_line(
            f"NOT RUN: {len(_deselected)} live notification tests need a shared database: "
            "set DATABASE_URL=postgres://... (CI does).",
            yellow=True,
            bold=True,
        )


@dataclass
class Live:
    smtp: RecordingSmtpServer
    broker: str
    log_dir: Path
    workers: list[CeleryWorker] = field(default_factory=list)

    def start_worker(self, **kwargs) -> CeleryWorker:
        worker = CeleryWorker(
            database=database_url(),
            broker=self.broker,
            smtp_port=self.smtp.port,
            log_dir=self.log_dir,
            env=WORKER_ENV,
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
