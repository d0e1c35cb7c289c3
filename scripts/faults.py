"""``make faults``: the production stack on loopback, and the faults it must survive.

It starts a PostgreSQL cluster and a Redis of its own (tests/support/private_stack.py says
why: the machine's shared servers are never restarted or flushed), migrates, loads a little
data, and starts what the Procfile starts, through scripts/serve with the production
settings: gunicorn (config/gunicorn.py), two Celery workers and one beat, delivering to an
aiosmtpd sink that counts every accepted message by its Message-ID. Then, while requests run
(the API with tokens, a page, /readyz) and deliveries are written (alerts to a coordinator,
each through the outbox and its own task, as a web process writes them), one fault at a time:

- ``postgres_restart``  PostgreSQL stops (``pg_ctl -m fast``), stays down, starts again.
- ``redis_restart``     Redis restarts without persistence while deliveries are queued.
- ``worker_kill``       a worker is SIGKILLed while the SMTP server has accepted a message
                        and not yet answered; the second worker goes on.
- ``beat_kill``         beat is SIGKILLed, stays away, and is started again.
- ``disk_full``         a small tmpfs holding the web's log and the e-mail file back-end's
                        folder runs full.

One JSON line per fault: messages queued, delivered, duplicated (receipts of a Message-ID
beyond its first), lost, seconds from the fault until every message queued was delivered and
the web answered 200 again, and the HTTP answers seen. ``--smoke`` is the short version CI
runs (tests/ops/test_faults.py): shorter outages and shorter timers (lease, grace, sweep
interval, retry back-off); the full run keeps production's timers.

    python -m scripts.faults [--smoke] [--only postgres_restart,...] [--keep]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess  # runs our own scripts, pg_ctl, redis-server, mount: fixed lists, never a shell  # nosec B404
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support.fault_traffic import (  # noqa: E402
    HELD,
    Data,
    Producer,
    Requests,
    file_counts,
    file_fragments,
    last_pk,
    load_data,
    queue_alert,
    retrying,
    tally,
    wait_delivered,
)
from tests.support.private_stack import (  # noqa: E402
    PrivatePostgres,
    PrivateRedis,
    SmtpSink,
    StackProcess,
    free_port,
    http_get,
    wait_until,
)

FAULTS = ("postgres_restart", "redis_restart", "worker_kill", "beat_kill", "disk_full")


@dataclass(frozen=True)
class Profile:
    name: str
    pg_down_seconds: float  # how long PostgreSQL stays stopped
    redis_down_seconds: float
    beat_down_seconds: float
    disk_full_seconds: float
    lease_seconds: int  # NOTIFICATIONS_* timers of the stack
    grace_seconds: int
    sweep_seconds: float
    retry_base_seconds: int
    messages_per_second: float
    before_seconds: float  # load before the fault, and after it
    after_seconds: float
    backlog: int  # deliveries queued in Redis when it restarts
    deliver_timeout: float
    settle_seconds: float  # after the last delivery, wait for a late duplicate


FULL = Profile(
    "full",
    pg_down_seconds=10,
    redis_down_seconds=2,
    beat_down_seconds=30,
    disk_full_seconds=15,
    lease_seconds=300,
    grace_seconds=30,
    sweep_seconds=20,
    retry_base_seconds=60,
    messages_per_second=4,
    before_seconds=5,
    after_seconds=15,
    backlog=30,
    deliver_timeout=480,
    settle_seconds=25,
)
SMOKE = Profile(
    "smoke",
    pg_down_seconds=3,
    redis_down_seconds=1,
    beat_down_seconds=3,
    disk_full_seconds=4,
    lease_seconds=15,
    grace_seconds=2,
    sweep_seconds=3,
    retry_base_seconds=1,
    messages_per_second=3,
    before_seconds=2,
    after_seconds=3,
    backlog=12,
    deliver_timeout=60,
    settle_seconds=4,
)


def say(text: str) -> None:
    print(f"# {time.strftime('%H:%M:%S', time.gmtime())} {text}", file=sys.stderr, flush=True)


# -- the stack -------------------------------------------------------------------------------


def stack_env(
    *,
    pg: PrivatePostgres,
    redis: PrivateRedis,
    smtp_port: int,
    web_port: int,
    folder: Path,
    profile: Profile,
) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "REDIS_", "CELERY_", "EMAIL_", "NOTIFICATIONS_"))
    }
    env.update(
        PATH=f"{ROOT / '.venv' / 'bin'}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        SITE_URL=f"http://127.0.0.1:{web_port}",
        DJANGO_SECURE_COOKIES="false",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DATABASE_URL=pg.url,
        DATABASE_CONN_MAX_AGE="60",
        REDIS_URL=redis.url(0),
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp_port),
        WEB_BIND=f"127.0.0.1:{web_port}",
        PROMETHEUS_MULTIPROC_DIR=str(folder / "prometheus"),
        NOTIFICATIONS_LEASE_SECONDS=str(profile.lease_seconds),
        NOTIFICATIONS_PENDING_GRACE_SECONDS=str(profile.grace_seconds),
        NOTIFICATIONS_SWEEP_SECONDS=str(profile.sweep_seconds),
        NOTIFICATIONS_RETRY_BASE_SECONDS=str(profile.retry_base_seconds),
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    return env


@dataclass
class Stack:
    env: dict[str, str]
    folder: Path
    web_port: int
    disk: Path  # the small tmpfs: the web's log and the file back-end's mail folder
    web: StackProcess = field(init=False)
    workers: list[StackProcess] = field(init=False)
    beat: StackProcess = field(init=False)

    def __post_init__(self) -> None:
        logs = self.folder / "logs"
        logs.mkdir(exist_ok=True)
        self.web = StackProcess("web", env=self.env, log_dir=logs)
        self.workers = [
            StackProcess("worker", env=self.env, log_dir=logs, name=f"worker-{n}") for n in (1, 2)
        ]
        self.beat = StackProcess("beat", env=self.env, log_dir=logs)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.web_port}{path}"

    def start(self) -> None:
        # The web's output goes to the small disk, so that disk_full fills what it writes to.
        self.web.start(log_path=self.disk / "web.log")
        for worker in self.workers:
            worker.start()
        self.beat.start()
        self.wait_web()
        for worker in self.workers:
            worker.wait_for_line(" ready.", timeout=120)
        self.beat.wait_for_line("beat: Starting", timeout=120)

    def wait_web(self) -> None:
        wait_until(
            lambda: http_get(self.url("/readyz"), timeout=5)[0] == 200,
            timeout=180,
            what="the web to answer /readyz",
            every=0.5,
        )

    def processes(self) -> list[StackProcess]:
        return [self.web, *self.workers, self.beat]

    def stop(self) -> None:
        for process in self.processes():
            process.stop()


# -- the faults ------------------------------------------------------------------------------


@dataclass
class Run:
    profile: Profile
    stack: Stack
    data: Data
    sink: SmtpSink
    pg: PrivatePostgres
    redis: PrivateRedis

    @contextlib.contextmanager
    def traffic(self, *, produce: bool = True) -> Iterator[tuple[Requests, Producer]]:
        producer = Producer(self.data.stream_pool, self.profile.messages_per_second)
        with Requests(self.stack.url(""), self.data.tokens) as requests:
            if produce:
                producer.start()
            try:
                yield requests, producer
            finally:
                producer.halt.set()
                if produce:
                    producer.join(timeout=60)

    def web_ok(self) -> float:
        wait_until(
            lambda: (
                http_get(
                    self.stack.url("/api/v1/languages/"),
                    headers={"Authorization": f"Token {self.data.tokens[0]}"},
                    timeout=10,
                )[0]
                == 200
            ),
            timeout=120,
            what="the web to answer 200",
            every=0.2,
        )
        return time.monotonic()

    def line(
        self,
        fault: str,
        *,
        first_pk: int,
        t0: float,
        done: float,
        requests: Requests,
        counts: Counter[str] | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        return {
            "bench": "fault",
            "fault": fault,
            "profile": self.profile.name,
            **tally(first_pk, counts if counts is not None else self.sink.counts()),
            "recover_seconds": round(done - t0, 1),
            **requests.summary(),
            "processes_died": len(self.dead()),
            **({"died": self.dead()} if self.dead() else {}),
            **extra,
        }

    def dead(self) -> list[str]:
        """The stack's processes that stopped by themselves (with their exit status)."""
        return [
            f"{p.name} ({p.process.returncode})"
            for p in self.stack.processes()
            if p.process is not None and not p.running()
        ]

    def revive(self) -> list[str]:
        """Start again what exited by itself, as compose's ``restart: unless-stopped`` does
        (a worker can exit on a Redis restart: kombu's "Unrecoverable error:
        AttributeError ... 'hostname'", docs/operations.md); returns their names."""
        revived = []
        for process in self.stack.processes():
            if process.process is not None and not process.running():
                revived.append(f"{process.name} ({process.process.returncode})")
                process.start(log_path=process.log_path)
                if process is self.stack.web:
                    self.stack.wait_web()
                elif process is self.stack.beat:
                    process.wait_for_line("beat: Starting", timeout=120)
                else:
                    process.wait_for_line(" ready.", timeout=120)
        return revived

    def settle(self) -> None:
        time.sleep(self.profile.settle_seconds)

    # a. PostgreSQL
    def postgres_restart(self) -> dict[str, Any]:
        p = self.profile
        first_pk = last_pk()
        with self.traffic() as (requests, producer):
            time.sleep(p.before_seconds)
            t0 = time.monotonic()
            self.pg.restart(down_seconds=p.pg_down_seconds)
            up = time.monotonic()
            web = self.web_ok()
            time.sleep(p.after_seconds)
        delivered = wait_delivered(first_pk, self.sink.counts, timeout=p.deliver_timeout)
        self.settle()
        return self.line(
            "postgres_restart",
            first_pk=first_pk,
            t0=t0,
            done=max(web, delivered),
            requests=requests,
            down_seconds=round(up - t0, 1),
            web_recover_seconds=round(web - up, 1),
            writes_refused=producer.refused,
        )

    # b. Redis
    def redis_restart(self) -> dict[str, Any]:
        p = self.profile
        first_pk = last_pk()
        import redis as redis_client

        broker = redis_client.Redis.from_url(self.redis.url(0))
        self.sink.set_delay(0.5)  # slow SMTP: a backlog waits in Redis
        with self.traffic(produce=False) as (requests, _producer):
            for n in range(p.backlog):
                retrying(lambda n=n: queue_alert(self.data.stream_pool, f"fault backlog {n}"))
            queued = broker.llen("celery")
            t0 = time.monotonic()
            self.redis.stop()
            time.sleep(p.redis_down_seconds)
            self.redis.start()
            self.sink.set_delay(0)
            web = self.web_ok()
            delivered = wait_delivered(first_pk, self.sink.counts, timeout=p.deliver_timeout)
        self.settle()
        return self.line(
            "redis_restart",
            first_pk=first_pk,
            t0=t0,
            done=max(web, delivered),
            requests=requests,
            tasks_in_redis_when_flushed=queued,
        )

    # c. a worker killed mid-SMTP, and a killed beat
    def worker_kill(self) -> dict[str, Any]:
        p = self.profile
        first_pk = last_pk()
        entered = self.sink.hold(HELD, after_accepting=True)
        with self.traffic() as (requests, _producer):
            time.sleep(p.before_seconds)
            retrying(lambda: queue_alert(self.data.held_pool, "fault held"))
            wait_until(entered.is_set, timeout=60, what="a worker held mid-SMTP")
            client = self.sink.held_client_port(HELD)
            (victim,) = [w for w in self.stack.workers if w.holds_socket(client)]
            t0 = time.monotonic()
            victim.kill()
            self.sink.release_all()
            time.sleep(p.after_seconds)
        delivered = wait_delivered(first_pk, self.sink.counts, timeout=p.deliver_timeout)
        self.settle()
        line = self.line(
            "worker_kill",
            first_pk=first_pk,
            t0=t0,
            done=delivered,
            requests=requests,
            killed=victim.name,
            processes_died=0,
        )
        victim.start()
        victim.wait_for_line(" ready.", timeout=120)
        return line

    def beat_kill(self) -> dict[str, Any]:
        from core.heartbeat import BEAT, last_beat

        p = self.profile
        first_pk = last_pk()
        with self.traffic() as (requests, _producer):
            time.sleep(p.before_seconds)
            t0 = time.monotonic()
            self.stack.beat.kill()
            time.sleep(p.beat_down_seconds)
            healthz_meanwhile = http_get(self.stack.url("/healthz"))[0]
            stamped = retrying(lambda: last_beat(BEAT))
            self.stack.beat.start()
            self.stack.beat.wait_for_line("beat: Starting", timeout=120)
            wait_until(
                lambda: retrying(lambda: last_beat(BEAT)) != stamped,
                timeout=120,
                what="beat's heartbeat after its restart",
                every=0.5,
            )
            beat_back = time.monotonic()
        delivered = wait_delivered(first_pk, self.sink.counts, timeout=p.deliver_timeout)
        self.settle()
        return self.line(
            "beat_kill",
            first_pk=first_pk,
            t0=t0,
            done=max(beat_back, delivered),
            requests=requests,
            healthz_while_beat_away=healthz_meanwhile,
            healthz_after=http_get(self.stack.url("/healthz"))[0],
        )

    # d. the disk runs full
    def disk_full(self) -> dict[str, Any]:
        p = self.profile
        mail = self.stack.disk / "mail"
        mail.mkdir(exist_ok=True)
        # The SMTP workers pause (SIGSTOP) for one that writes e-mails as files to the small
        # disk; what they had reserved goes out by SMTP once they go on (counted as well).
        for worker in self.stack.workers:
            worker.signal(signal.SIGSTOP)
        files = StackProcess(
            "worker",
            env={
                **self.stack.env,
                "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
                "EMAIL_FILE_PATH": str(mail),
            },
            log_dir=self.stack.folder / "logs",
            name="worker-files",
        )
        files.start()
        files.wait_for_line(" ready.", timeout=120)
        first_pk = last_pk()
        filler = self.stack.disk / "filler"
        log_before = (self.stack.disk / "web.log").stat().st_size
        try:
            with self.traffic() as (requests, _producer):
                time.sleep(p.before_seconds)
                t0 = time.monotonic()
                fill(filler)
                free_while_full = os.statvfs(self.stack.disk).f_bavail
                answers_before = len(requests.answers)
                time.sleep(p.disk_full_seconds)
                answered_while_full = requests.summary()
                answered_while_full_count = len(requests.answers) - answers_before
                filler.unlink()
                web = self.web_ok()
                time.sleep(p.after_seconds)

            def both() -> Counter[str]:
                return file_counts(mail) + self.sink.counts()

            delivered = wait_delivered(first_pk, both, timeout=p.deliver_timeout)
            self.settle()
            return self.line(
                "disk_full",
                first_pk=first_pk,
                t0=t0,
                done=max(web, delivered),
                requests=requests,
                counts=both(),
                bytes_free_while_full=free_while_full,
                mail_cut_short=file_fragments(mail),
                requests_while_full=answered_while_full_count,
                http_5xx_while_full=answered_while_full["http_5xx_non_503"]
                + answered_while_full["answered_503"],
                web_log_grew=(self.stack.disk / "web.log").stat().st_size > log_before,
                processes_died=sum(
                    not p.running() for p in (self.stack.web, self.stack.beat, files)
                ),
            )
        finally:
            filler.unlink(missing_ok=True)
            files.stop()
            for worker in self.stack.workers:
                worker.signal(signal.SIGCONT)


def fill(path: Path) -> None:
    """Write until the file system says no space is left (ENOSPC)."""
    block = b"\0" * 65536
    with path.open("wb", buffering=0) as out:
        try:
            while True:
                out.write(block)
        except OSError:
            pass
        try:
            while True:
                out.write(b"\0")
        except OSError:
            pass


@contextlib.contextmanager
def small_disk(folder: Path, *, mount: bool, size: str = "32m") -> Iterator[Path]:
    """A small tmpfs, 32 MiB unless ``size`` says otherwise (needs the right to mount: root,
    as in CI and on this machine); without ``mount`` a plain folder."""
    disk = folder / "disk"
    disk.mkdir()
    if not mount:
        yield disk
        return
    subprocess.run(  # noqa: S603  # nosec B603 - fixed arguments
        [
            shutil.which("mount") or "/bin/mount",
            "-t",
            "tmpfs",
            "-o",
            f"size={size},mode=0777",
            "tmpfs",
            str(disk),
        ],
        check=True,
    )
    try:
        yield disk
    finally:
        subprocess.run(  # noqa: S603  # nosec B603 - fixed arguments
            [shutil.which("umount") or "/bin/umount", "-l", str(disk)], check=False
        )


# -- main ------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="the short version CI runs")
    parser.add_argument("--only", default=",".join(FAULTS), help="comma-separated faults")
    parser.add_argument("--keep", action="store_true", help="keep the logs folder")
    args = parser.parse_args(argv)
    profile = SMOKE if args.smoke else FULL
    chosen = [name for name in args.only.split(",") if name]
    unknown = set(chosen) - set(FAULTS)
    if unknown:
        parser.error(f"unknown faults: {', '.join(sorted(unknown))}")

    if "disk_full" in chosen and os.geteuid() != 0:
        parser.error(
            "disk_full mounts a small tmpfs, which needs root (as in CI); leave it out with "
            "--only postgres_restart,redis_restart,worker_kill,beat_kill"
        )
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="spm-faults-"))
    pg, redis = PrivatePostgres(), PrivateRedis()
    failed = False
    try:
        say(f"private PostgreSQL and Redis, logs in {folder}")
        pg.start()
        redis.start()
        with SmtpSink() as sink, small_disk(folder, mount="disk_full" in chosen) as disk:
            web_port = free_port()
            env = stack_env(
                pg=pg,
                redis=redis,
                smtp_port=sink.port,
                web_port=web_port,
                folder=folder,
                profile=profile,
            )
            os.environ.update(env, LOG_LEVEL="WARNING", DATABASE_CONN_MAX_AGE="0")
            import django

            django.setup()
            from django.core.management import call_command

            say("migrate and load data")
            call_command("migrate", "--noinput", verbosity=0)
            data = load_data()
            stack = Stack(env=env, folder=folder, web_port=web_port, disk=disk)
            say("start web, two workers and beat (scripts/serve)")
            try:
                stack.start()
                run = Run(profile=profile, stack=stack, data=data, sink=sink, pg=pg, redis=redis)
                for name in chosen:
                    say(f"fault: {name}")
                    revived = run.revive()
                    line = getattr(run, name)()
                    if revived:
                        line["revived_before"] = revived
                    print(json.dumps(line), flush=True)
                    # Something went wrong: keep the logs (and the disk's mail files) to read.
                    # The worker kill's repeats are expected (tests/ops/test_faults.py).
                    failed = failed or bool(
                        line["lost"]
                        or line["processes_died"]
                        or (line["duplicated"] and name != "worker_kill")
                    )
            except BaseException:
                failed = True
                for process in stack.processes():
                    say(f"{process.name} log tail:\n{process.log()[-3000:]}")
                raise
            finally:
                stack.stop()
                from django.db import connections

                connections.close_all()
                if args.keep or failed:  # the small disk goes with its mount
                    with contextlib.suppress(OSError):  # never hide what went wrong
                        shutil.copytree(disk, folder / "disk-kept")
    finally:
        redis.close()
        pg.stop()
        if args.keep or failed:
            say(f"kept {folder} (the logs; the small disk's files in disk-kept)")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    sys.exit(main())
