"""Real parts for the integration tests and the benchmark (never used by the product).

- ``RecordingSmtpServer``: an aiosmtpd server on a free loopback port that records what it
  accepted and can hold a recipient's DATA until told to go on (to kill a worker mid-send).
- ``CeleryWorker``: ``celery -A config worker`` as a subprocess against the test database.
- ``use_broker``: point this process's Celery app at a real broker (tasks are not eager).

aiosmtpd is a development dependency; bench/ imports this module as ``tests.support.live``
(``python -m bench`` runs from the project folder).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check: Callable[[], Any], *, timeout: float, what: str, every: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


# -- SMTP ------------------------------------------------------------------------------------


@dataclass
class Received:
    recipients: list[str]
    raw: bytes

    @property
    def message_id(self) -> str:
        return str(message_from_bytes(self.raw)["Message-ID"])


@dataclass
class _Handler:
    received: list[Received] = field(default_factory=list)
    held: dict[str, threading.Event] = field(default_factory=dict)
    entered: dict[str, threading.Event] = field(default_factory=dict)
    abandoned: dict[str, threading.Event] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        for rcpt in envelope.rcpt_tos:
            gate = self.held.get(rcpt)
            if gate is not None:
                self.entered[rcpt].set()
                # Wait in a thread, so other connections go on. Should the client die
                # meanwhile, aiosmtpd cancels this coroutine and nothing is accepted.
                loop = asyncio.get_running_loop()
                try:
                    await loop.run_in_executor(None, gate.wait, 120)
                except asyncio.CancelledError:
                    self.abandoned[rcpt].set()
                    raise
        with self.lock:
            self.received.append(Received(list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 2.0.0 OK: queued"


class RecordingSmtpServer:
    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        # aiosmtpd logs every SMTP command at INFO: that would slow the server down.
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        self.handler = _Handler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> RecordingSmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        for gate in self.handler.held.values():
            gate.set()
        self.controller.stop()

    @property
    def received(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.received)

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.recipients]

    def hold(self, address: str) -> threading.Event:
        """Hold DATA for this recipient; returns the event set once a client is held."""
        self.handler.held[address] = threading.Event()
        self.handler.entered[address] = threading.Event()
        self.handler.abandoned[address] = threading.Event()
        return self.handler.entered[address]

    def abandoned(self, address: str) -> threading.Event:
        """Set once the client of a held DATA went away: that message was not accepted."""
        return self.handler.abandoned[address]

    def release(self, address: str) -> None:
        gate = self.handler.held.pop(address, None)
        if gate is not None:
            gate.set()


# -- database and broker ---------------------------------------------------------------------


def database_url() -> str:
    """The URL of the database this process uses now (the test database in tests)."""
    s = connection.settings_dict
    if connection.vendor != "postgresql":
        raise RuntimeError(
            "A worker process needs a database it can share: set DATABASE_URL to PostgreSQL "
            f"(this process uses {connection.vendor})."
        )
    auth = quote(s["USER"] or "postgres")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"])
    host = f"{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}"
    # A worker keeps its connection between tasks, as a production worker should.
    return f"postgres://{auth}@{host}/{s['NAME']}?conn_max_age=60"


def broker_url() -> str:
    """The Redis broker for live tests and benches: ``CELERY_BROKER_URL`` or ``REDIS_URL``.

    Its database is flushed, so it must be one of the caller's own (CI sets REDIS_URL to a
    database of its own): there is deliberately no default.
    """
    url = os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL")
    if not url or not url.startswith("redis"):
        raise RuntimeError(
            "Set REDIS_URL (or CELERY_BROKER_URL) to a Redis database of your own, e.g. "
            "redis://127.0.0.1:6379/3: the live tests and benches flush it."
        )
    return url


def redis_client(url: str) -> Any:
    import redis

    client = redis.Redis.from_url(url, socket_timeout=5)
    client.ping()  # fails loudly when Redis is not there
    return client


def flush_broker(url: str) -> None:
    """Empty the broker's database, as a restart of a Redis that keeps nothing on disk."""
    client = redis_client(url)
    index = client.connection_pool.connection_kwargs.get("db", 0)
    if not index:
        raise RuntimeError("refusing to flush Redis database 0: give the tests their own index")
    client.flushdb()


def kill_broker_clients(url: str) -> int:
    """Drop every client connection of the broker's database (ours included)."""
    client = redis_client(url)
    index = client.connection_pool.connection_kwargs.get("db", 0)
    me = client.client_id()
    killed = 0
    for entry in client.client_list():
        if int(entry.get("db", -1)) == index and int(entry["id"]) != me:
            with contextlib.suppress(Exception):
                killed += client.client_kill_filter(_id=entry["id"])
    return killed


@contextlib.contextmanager
def use_broker(url: str) -> Iterator[None]:
    """Send tasks of this process to a real broker for the duration (not eagerly)."""
    from kombu import pools

    from config.celery_app import app

    saved = (app.conf.broker_url, app.conf.task_always_eager)

    def reset_pools() -> None:
        # Drop the cached connection and producer pools, so the next task goes to ``url``.
        pools.reset()
        app._pool = None
        if "amqp" in app.__dict__:
            app.amqp._producer_pool = None

    app.conf.broker_url, app.conf.task_always_eager = url, False
    reset_pools()
    try:
        yield
    finally:
        reset_pools()
        app.conf.broker_url, app.conf.task_always_eager = saved


# -- the worker ------------------------------------------------------------------------------


class CeleryWorker:
    """``celery -A config worker`` in its own process group, killable with SIGKILL."""

    def __init__(
        self,
        *,
        database: str,
        broker: str,
        smtp_port: int,
        log_dir: Path,
        concurrency: int = 2,
        env: dict[str, str] | None = None,
    ) -> None:
        self.name = f"notify-{uuid.uuid4().hex[:8]}@%h"
        self.log_path = log_dir / f"worker-{uuid.uuid4().hex[:8]}.log"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "DJANGO_DEBUG": "false",
            "DATABASE_URL": database,
            "CELERY_BROKER_URL": broker,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_port),
            "EMAIL_TIMEOUT": "30",
            "DJANGO_SECRET_KEY": settings.SECRET_KEY,
            "SITE_URL": settings.SITE_URL,
            "LOG_LEVEL": "WARNING",
            **(env or {}),
        }
        self.concurrency = concurrency
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, *, timeout: float = 90) -> CeleryWorker:
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--loglevel=INFO",
            "--pool=prefork",
            f"--concurrency={self.concurrency}",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            self.name,
        ]
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            command,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        wait_until(self._ready, timeout=timeout, what=f"the worker to be ready ({self.log_path})")
        return self

    def _ready(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise AssertionError(f"the worker exited early:\n{self.log()}")
        return b" ready." in self.log_path.read_bytes()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-6000:]

    def kill(self) -> None:
        """SIGKILL the whole worker, main process and pool children alike."""
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()
