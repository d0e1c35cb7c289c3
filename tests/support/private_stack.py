"""The production stack on loopback, against a PostgreSQL and a Redis of its own (``make
faults``; never used by the product).

Why servers of its own: the fault runs restart PostgreSQL and restart (and so flush) Redis.
The machine's PostgreSQL (5432) and Redis (6379) are shared by other people and other test
runs, so they are never restarted, stopped or flushed. Instead:

- ``PrivatePostgres``: ``initdb`` into a temporary folder, ``pg_ctl start`` on a free loopback
  port with trust authentication; ``restart()`` is ``pg_ctl restart -m fast``, which is what
  ``pg_ctlcluster ... restart`` runs. initdb and the server refuse to run as root: as root
  (CI) they run as the ``postgres`` user of the Debian package (``runuser``), in a folder
  owned by it.
- ``PrivateRedis``: ``redis-server --save "" --appendonly no`` on a free port; a restart
  starts it empty, as a Redis without persistence comes back.
- ``StackProcess``: ``scripts/serve web|worker|beat``, the commands of the Procfile and
  docker-compose.yml, each in a process group of its own (so SIGKILL takes its children).
- ``SmtpSink``: an aiosmtpd server that records every accepted message by Message-ID and can
  hold a recipient's DATA before or after accepting it (to kill a worker mid-conversation).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check: Callable[[], Any], *, timeout: float, what: str, every: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(every)
    raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")


def _run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603  # nosec B603 - our own arguments
        command, check=True, capture_output=True, text=True, **kwargs
    )


# -- PostgreSQL ------------------------------------------------------------------------------


class PrivatePostgres:
    """A PostgreSQL cluster of our own in a temporary folder, on a free loopback port."""

    def __init__(self, *, database: str = "smp_faults") -> None:
        self.database = database
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="spm-faults-pg-"))
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self.as_user: list[str] = []
        self.options = ""
        if os.geteuid() == 0:
            # initdb: "cannot be run as root". The Debian package's postgres user owns the folder.
            owner = pwd.getpwnam("postgres")
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]

    def _pg(self, tool: str, *args: str) -> subprocess.CompletedProcess[str]:
        return _run([*self.as_user, str(PG_BIN / tool), *args])

    def start(self) -> PrivatePostgres:
        self._pg(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
            "--locale=C.UTF-8",
        )
        self.options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder}"
            # Speed on a shared 2-core machine; a restart is still a clean shutdown and start.
            " -c fsync=off -c full_page_writes=off -c max_connections=60"
        )
        self._pg(
            "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", self.options, "-w", "start"
        )
        _run(
            [
                str(PG_BIN / "createdb"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                self.database,
            ]
        )
        return self

    def restart(self, *, down_seconds: float = 0) -> None:
        """``pg_ctl restart -m fast``: every connection is cut, the server comes back; with
        ``down_seconds`` it stays stopped that long in between (a slow restart)."""
        if not down_seconds:
            self._pg(
                "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-m", "fast", "-w", "restart"
            )
            return
        self._pg("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        time.sleep(down_seconds)
        self._pg(
            "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", self.options, "-w", "start"
        )

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(subprocess.CalledProcessError):
                self._pg("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{self.database}"


# -- Redis -----------------------------------------------------------------------------------


class PrivateRedis:
    """A redis-server of our own that keeps nothing on disk: a restart flushes everything."""

    def __init__(self) -> None:
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="spm-faults-redis-"))
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> PrivateRedis:
        log = (self.folder / "redis.log").open("ab")
        self.process = subprocess.Popen(  # noqa: S603  # nosec B603 - our own arguments
            [
                shutil.which("redis-server") or "/usr/bin/redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        wait_until(self._answers, timeout=20, what="redis-server")
        return self

    def _answers(self) -> bool:
        with (
            contextlib.suppress(OSError),
            socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock,
        ):
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
        return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)

    def restart(self) -> None:
        """Stopped and started again, empty (no persistence): queued tasks are gone."""
        self.stop()
        self.start()

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, index: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{index}"


# -- SMTP ------------------------------------------------------------------------------------


@dataclass
class _SinkHandler:
    message_ids: Counter[str] = field(default_factory=Counter)
    delay: float = 0.0
    hold_before: dict[str, threading.Event] = field(default_factory=dict)
    hold_after: dict[str, threading.Event] = field(default_factory=dict)
    entered: dict[str, threading.Event] = field(default_factory=dict)
    peers: dict[str, int] = field(default_factory=dict)  # held recipient -> client's port
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        loop = asyncio.get_running_loop()
        if self.delay:
            await asyncio.sleep(self.delay)
        for rcpt in envelope.rcpt_tos:
            gate = self.hold_before.get(rcpt)
            if gate is not None:
                self.peers[rcpt] = session.peer[1]
                self.entered[rcpt].set()
                # The client may die meanwhile: aiosmtpd cancels us, nothing is accepted.
                await loop.run_in_executor(None, gate.wait, 600)
        message_id = str(message_from_bytes(bytes(envelope.content))["Message-ID"])
        with self.lock:
            self.message_ids[message_id] += 1
        for rcpt in envelope.rcpt_tos:
            gate = self.hold_after.get(rcpt)
            if gate is not None:
                # Accepted (counted) but not yet answered: a client killed now never hears
                # "250" - the window notifications/delivery.py documents.
                self.peers[rcpt] = session.peer[1]
                self.entered[rcpt].set()
                await loop.run_in_executor(None, gate.wait, 600)
        return "250 2.0.0 OK: queued"


class SmtpSink:
    """aiosmtpd on a free loopback port, counting accepted messages by Message-ID."""

    def __init__(self) -> None:
        import logging

        from aiosmtpd.controller import Controller

        logging.getLogger("mail.log").setLevel(logging.WARNING)
        self.handler = _SinkHandler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpSink:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release_all()
        self.controller.stop()

    def counts(self) -> Counter[str]:
        with self.handler.lock:
            return Counter(self.handler.message_ids)

    def set_delay(self, seconds: float) -> None:
        self.handler.delay = seconds

    def hold(self, address: str, *, after_accepting: bool = False) -> threading.Event:
        """Hold DATA for ``address`` (before accepting it, or after counting it without
        answering); returns the event set once a client is held."""
        gates = self.handler.hold_after if after_accepting else self.handler.hold_before
        gates[address] = threading.Event()
        self.handler.entered[address] = threading.Event()
        return self.handler.entered[address]

    def held_client_port(self, address: str) -> int:
        """The local port of the client whose DATA for ``address`` is held."""
        return self.handler.peers[address]

    def release_all(self) -> None:
        for gates in (self.handler.hold_before, self.handler.hold_after):
            for gate in gates.values():
                gate.set()
            gates.clear()


# -- the processes of scripts/serve ----------------------------------------------------------


class StackProcess:
    """``scripts/serve <role>`` in a process group of its own, its output in a log file."""

    def __init__(self, role: str, *, env: dict[str, str], log_dir: Path, name: str = "") -> None:
        self.role = role
        self.name = name or role
        self.env = env
        self.log_path = log_dir / f"{self.name}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.offset = 0

    def start(self, *, log_path: Path | None = None) -> StackProcess:
        """Start; its output goes to ``log_path`` (default: the stack's log folder)."""
        self.log_path = log_path or self.log_path
        self.offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(  # noqa: S603  # nosec B603 - our own script
            [str(ROOT / "scripts" / "serve"), self.role],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        return self

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log(self) -> str:
        """What it wrote since its last start."""
        try:
            with self.log_path.open("rb") as log:
                log.seek(self.offset)
                return log.read().decode(errors="replace")
        except FileNotFoundError:
            return ""

    def wait_for_line(self, text: str, *, timeout: float) -> None:
        def seen() -> bool:
            if not self.running():
                raise RuntimeError(f"{self.name} exited early:\n{self.log()[-4000:]}")
            return text in self.log()

        wait_until(seen, timeout=timeout, what=f"{self.name} to log {text!r}", every=0.3)

    def holds_socket(self, local_port: int) -> bool:
        """Whether a process of this group holds the TCP socket bound to ``local_port``."""
        if not self.running():
            return False
        assert self.process is not None  # noqa: S101  # nosec B101 - for mypy
        return bool(_group_pids(self.process.pid) & _pids_with_local_port(local_port))

    def signal(self, number: int) -> None:
        if self.running():
            assert self.process is not None  # noqa: S101  # nosec B101 - for mypy
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, number)

    def kill(self) -> None:
        """SIGKILL the whole group (main process and pool children alike)."""
        self.signal(signal.SIGKILL)
        if self.process is not None:
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if not self.running():
            return
        self.signal(signal.SIGTERM)
        assert self.process is not None  # noqa: S101  # nosec B101 - for mypy
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()


def _group_pids(group: int) -> set[int]:
    pids = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if os.getpgid(int(entry.name)) == group:
                    pids.add(int(entry.name))
    return pids


def _pids_with_local_port(port: int) -> set[int]:
    """The processes holding a TCP socket whose local port is ``port`` (from /proc)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if int(fields[1].rsplit(":", 1)[1], 16) == port:
                    inodes.add(fields[9])
    pids = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            for fd in (entry / "fd").iterdir():
                target = os.readlink(fd)
                if target.startswith("socket:[") and target[8:-1] in inodes:
                    pids.add(int(entry.name))
                    break
    return pids


def http_get(
    url: str, *, headers: dict[str, str] | None = None, timeout: float = 35
) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body; an HTTP error status is an answer too. A connection that
    fails (refused, reset, timed out) answers status 0."""
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310  # nosec B310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310  # nosec B310
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()
    except (OSError, urllib.error.URLError):
        return 0, {}, b""
