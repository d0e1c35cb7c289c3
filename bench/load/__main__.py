"""``make loadtest``: a Monday morning on the production stack, on loopback, with Locust.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/smp_loadtest \\
    REDIS_URL=redis://127.0.0.1:6379/1 python -m bench.load

What it does, in order (progress on stderr, the report as JSON lines on stdout):

1. **Data.** A template database ``<name>_tpl_<sizes>_<day>`` is filled once per day and
   size (bench/load/data.py: ``LOAD_SIZE=state``, 10 pools, 2,000 mediators, 400
   institutions, 200,000 past bookings, bulk-loaded, then VACUUM ANALYZE; ``smoke`` is
   small). Every run starts from a fresh copy (``CREATE DATABASE ... TEMPLATE``) in the
   database of ``DATABASE_URL`` (dropped and made again: give it a database of its own). The
   shared PostgreSQL and Redis servers are never stopped or restarted.
2. **Sign-in.** Every simulated person is signed in before the clock starts: staff and
   mediators hold an API token (knox, issued by the runner as ``POST /api/v1/auth/token/``
   would), coordinators a session that passed the second factor. A sign-in hashes the
   password (PBKDF2, 0.8 s of CPU here): 200 of them would measure the hashing, not the
   morning. So the lock-out (django-axes) never sees a failed attempt, and the sign-in
   throttle is not touched. The per-user API throttle stays on (1,200/minute, each person
   makes about one request a second); ``API_THROTTLE_ANON`` is raised to 100000/minute,
   because every simulated person comes from 127.0.0.1, and one address would otherwise
   throttle the anonymous calendar polls of 30 clients.
3. **The stack** (tests/support/stack.py): gunicorn with ``config.settings.production`` and
   ``config/gunicorn.py`` (``WEB_CONCURRENCY``, ``WEB_WORKER_CLASS``, ``WEB_THREADS`` from the
   environment), a Celery worker, one beat, and an aiosmtpd server on loopback as the mail
   sink. Redis database ``REDIS_URL`` is flushed first (never index 0).
4. **Locust**, headless, ``LOAD_USERS`` (200) for ``LOAD_SECONDS`` (180), the mix of
   bench/load/locustfile.py, every pause times ``LOAD_PAUSE`` (1; ``bench.load.pause_scale``:
   0.5 halves them, to find a node's limit). Meanwhile ``pg_stat_activity`` is sampled
   every second.
5. **Checks** after the run: answers with 5xx; bookings confirmed twice (SQL over the
   events of the run); every message due by the end delivered to the SMTP sink within
   60 s, exactly once (by Message-ID: every row sent in the run reached the sink, none
   twice; a row claimed just before the start may add one from before); the most
   connections the database had (the runner's own one included), and the most of them
   waiting for a lock at one moment; where the CPU went while Locust ran - web, worker,
   beat, PostgreSQL, Locust, other - and the stack's CPU per request (bench/load/cpu.py).

Then one JSON line per endpoint class and one ``"class": "all"`` with the checks
(bench/load/report.py). ``LOAD_STRICT=1`` exits 1 when a check fails (CI's smoke does).
``LOAD_PROFILE=1`` samples the web and worker processes with py-spy while Locust runs and
adds one ``"bench": "load_profile"`` line for each: what they spent their time on, by
library (bench/load/profile.py).
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import subprocess  # runs our own locust with a fixed argument list  # nosec B404
import sys
import threading
import time
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


BEGAN = time.monotonic()
WEB_APP_NAME = "spm-web"


def _say(text: str) -> None:
    print(f"# load [{time.monotonic() - BEGAN:.0f} s]: {text}", file=sys.stderr, flush=True)


def sizes_from_env() -> Any:
    from dataclasses import replace

    from bench.load.data import SMOKE, STATE

    base = {"state": STATE, "smoke": SMOKE}[os.environ.get("LOAD_SIZE", "state")]
    overrides = {}
    for field in ("pools", "mediators", "institutions", "past", "open_requests"):
        value = os.environ.get(f"LOAD_{field.upper()}")
        if value:
            overrides[field] = int(value)
    return replace(base, **overrides)


class Postgres:
    """The server of ``DATABASE_URL``, through its maintenance database (autocommit)."""

    def __init__(self, url: str) -> None:
        import psycopg
        from django.db import connection

        s = connection.settings_dict
        self.target = s["NAME"]
        self.conn = psycopg.connect(
            host=s["HOST"] or "127.0.0.1",
            port=s["PORT"] or 5432,
            user=s["USER"] or "postgres",
            password=s["PASSWORD"] or None,
            dbname="postgres",
            autocommit=True,
        )

    def exists(self, name: str) -> bool:
        return bool(
            self.conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        )

    def execute(self, sql: str) -> None:
        self.conn.execute(sql)

    def connections(self, name: str) -> tuple[int, int, int]:
        """Connections to ``name``, how many of them wait for a lock, and how many are the
        web's (``WEB_APP_NAME``)."""
        row = self.conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE wait_event_type = 'Lock'),"
            " count(*) FILTER (WHERE application_name = %s)"
            " FROM pg_stat_activity WHERE datname = %s",
            [WEB_APP_NAME, name],
        ).fetchone()
        return int(row[0]), int(row[1]), int(row[2])

    def templates(self, prefix: str) -> list[str]:
        rows = self.conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", [prefix + "%"]
        ).fetchall()
        return [name for (name,) in rows]


def use_database(name: str) -> None:
    from django.db import connection

    connection.close()
    connection.settings_dict["NAME"] = name


def prepare_data(pg: Postgres, sizes: Any, now: datetime.datetime) -> dict[str, Any]:
    """A fresh copy of the day's template in the target database; the template made first
    if missing. Returns what the data is."""
    from django.core.management import call_command

    from bench.load.data import populate

    target = pg.target
    template = f"{target}_tpl_{sizes.key}_{now:%Y%m%d}"
    info: dict[str, Any] = {"template": template, "reused": pg.exists(template)}
    if not info["reused"]:
        for old in pg.templates(f"{target}_tpl_{sizes.key}_"):
            pg.execute(f'DROP DATABASE "{old}" WITH (FORCE)')
        _say(f"filling {template} (once per day and size)")
        pg.execute(f'CREATE DATABASE "{template}"')
        use_database(template)
        try:
            call_command("migrate", verbosity=0, interactive=False)
            info.update(populate(sizes, now=now))
        except BaseException:
            use_database(target)
            pg.execute(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
            raise
        use_database(target)
    else:
        _say(f"{template} exists (bulk-loaded and VACUUM ANALYZEd when made): copying it")
    pg.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
    began = time.perf_counter()
    pg.execute(f'CREATE DATABASE "{target}" TEMPLATE "{template}"')
    _say(f"copied into {target} in {time.perf_counter() - began:.0f} s")
    use_database(target)
    call_command("migrate", verbosity=0, interactive=False)  # what came after the template
    # A copy carries the template's statistics, but the visibility map is the copy's own.
    from bench.database import vacuum_analyze
    from bookings.models import Booking

    vacuum_analyze(Booking)
    info["vacuum_analyzed"] = True
    return info


def credentials(users: int) -> dict[str, Any]:
    """Tokens, sessions and feed addresses for ``users`` simulated people (enough of each)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.db.models import Count, Q
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from knox.models import AuthToken

    from bookings.constants import OfferStatus, Status
    from bookings.models import Booking
    from config.security import SIGNED_IN_AT
    from institutions.models import Coordinator, Institution, Staff
    from mediators.models import Mediator
    from notifications.feeds import calendar_feed_get, feed_token

    def feed_path(**owner: Any) -> str:
        return f"/calendar/{feed_token(calendar_feed_get(**owner))}.ics"

    enough = max(users, 10)
    staff = []
    for person in Staff.objects.select_related("institution").order_by("pk")[:enough]:
        location = person.institution.locations.order_by("pk").first()
        staff.append(
            {
                "token": AuthToken.objects.create(person.user)[1],
                "location": location.pk,
                "languages": ["ara", "ukr", "tur", "rus", "prs", "pes"],
            }
        )
    mediators = []
    ranked = Mediator.objects.annotate(
        pending=Count("offers", filter=Q(offers__status=OfferStatus.PENDING))
    ).order_by("-pending", "pk")
    for mediator in ranked.select_related("user")[:enough]:
        mediators.append(
            {
                "token": AuthToken.objects.create(mediator.user)[1],
                "feed": feed_path(mediator=mediator),
            }
        )
    engine = import_module(settings.SESSION_ENGINE)
    coordinators = []
    for coordinator in Coordinator.objects.select_related("user").order_by("pk"):
        user = coordinator.user
        device = TOTPDevice.objects.create(user=user, name="load", confirmed=True)
        session = engine.SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "accounts.backends.RoleModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session[SIGNED_IN_AT] = time.time()
        session.create()
        open_ids = list(
            Booking.objects.filter(
                pool=coordinator.pool_id, status__in=[Status.REQUESTED, Status.OFFERED]
            ).values_list("pk", flat=True)[:50]
        )
        coordinators.append({"session": session.session_key, "open": open_ids})
    feeds = [m["feed"] for m in mediators[::2]] + [
        feed_path(institution=i) for i in Institution.objects.order_by("pk")[: enough // 2]
    ]
    return {"staff": staff, "mediators": mediators, "coordinators": coordinators, "feeds": feeds}


def run_locust(*, url: str, users: int, seconds: int, workdir: Path, creds: dict) -> list:
    creds_path, samples_path = workdir / "credentials.json", workdir / "samples.json"
    creds_path.write_text(json.dumps(creds))
    samples_path.unlink(missing_ok=True)
    env = {
        **os.environ,
        "LOAD_CREDENTIALS": str(creds_path),
        "LOAD_SAMPLES": str(samples_path),
        # The locustfile imports bench.load (its pauses) from the checkout.
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    command = [
        str(Path(sys.executable).parent / "locust"),
        "-f", str(ROOT / "bench" / "load" / "locustfile.py"),
        "--headless", "--only-summary", "--loglevel", "WARNING",
        "--users", str(users), "--spawn-rate", str(max(1, users // 5)),
        "--run-time", f"{seconds}s", "--stop-timeout", "10",
        "--host", url,
    ]  # fmt: skip
    with (workdir / "locust.log").open("wb") as log:
        subprocess.run(  # noqa: S603  # our own locust and arguments  # nosec B603
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, check=False
        )
    if not samples_path.exists():
        raise RuntimeError(
            f"Locust wrote no samples: {(workdir / 'locust.log').read_text()[-3000:]}"
        )
    return json.loads(samples_path.read_text())


def double_confirmed(since: datetime.datetime) -> int:
    """Bookings confirmed more than once since ``since`` (or with two accepted offers)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM (SELECT booking_id FROM bookings_bookingevent"
            " WHERE to_status = 'confirmed' AND created_at >= %s"
            " GROUP BY booking_id HAVING count(*) > 1) AS twice",
            [since],
        )
        (events,) = cursor.fetchone()
        cursor.execute(
            "SELECT count(*) FROM (SELECT booking_id FROM bookings_offer"
            " WHERE status = 'accepted' GROUP BY booking_id HAVING count(*) > 1) AS twice"
        )
        (offers,) = cursor.fetchone()
    return int(events) + int(offers)


def delivery(smtp: Any, *, started: datetime.datetime, ended: datetime.datetime) -> dict[str, Any]:
    """Wait up to 60 s for every message due by ``ended``; compare the outbox with the sink."""
    from notifications.constants import MessageStatus
    from notifications.models import Message
    from notifications.rendering import message_id

    waiting = Message.objects.filter(
        status__in=[MessageStatus.PENDING, MessageStatus.SENDING], next_attempt_at__lte=ended
    )
    began = time.monotonic()
    # A task that began before the end may commit its messages (stamped before the end) a
    # moment later: done is three empty looks in a row, a second apart.
    empty = 0
    while empty < 3 and time.monotonic() - began < 60:
        empty = 0 if waiting.exists() else empty + 1
        time.sleep(1)
    after = time.monotonic() - began - empty
    sent = Message.objects.filter(status=MessageStatus.SENT, sent_at__gte=started).count()
    # Exactly once, by Message-ID (stable per outbox row): every row the run sent reached the
    # sink, none twice. A row claimed just before the run began is sent in it but stamped
    # before it: the sink may hold a few more than the run's rows, never a row twice.
    received = Counter(r.message_id for r in smtp.received)
    run_ids = {
        message_id(m)
        for m in Message.objects.filter(status=MessageStatus.SENT, sent_at__gte=started).only(
            "pk", "idempotency_key"
        )
    }
    return {
        "messages_queued": Message.objects.filter(created_at__gte=started).count(),
        "messages_sent": sent,
        "messages_received": len(smtp.received),
        "messages_duplicated": sum(n - 1 for n in received.values()),
        "messages_missing": len(run_ids - set(received)),
        "messages_from_before": len(set(received) - run_ids),
        "messages_undelivered": waiting.count(),
        "messages_failed": Message.objects.filter(
            status=MessageStatus.FAILED, created_at__gte=started
        ).count(),
        "delivered_within_s": round(after),
    }


def main() -> int:  # noqa: PLR0915
    from bench.load import LoadSettingError, pause_scale
    from tests.support.stack import SECRET_KEY

    users = int(os.environ.get("LOAD_USERS", "200"))
    seconds = int(os.environ.get("LOAD_SECONDS", "180"))
    profiling = os.environ.get("LOAD_PROFILE") == "1"
    try:
        pause = pause_scale()
    except LoadSettingError as bad:
        print(f"make loadtest: {bad}", file=sys.stderr)
        return 2
    database_url, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not database_url.startswith("postgres") or not redis_url.startswith("redis"):
        print(
            "make loadtest needs DATABASE_URL (PostgreSQL; the database is dropped and made "
            "again: give it one of its own, e.g. .../smp_loadtest) and REDIS_URL (an index of "
            "its own, e.g. redis://127.0.0.1:6379/1: it is flushed).",
            file=sys.stderr,
        )
        return 2
    # The runner writes sessions and feed tokens the stack must read: the stack's key. Its
    # own tasks (the seeding's matching) go nowhere: the seeding's messages count as sent.
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DJANGO_SECRET_KEY=SECRET_KEY,
        DJANGO_DEBUG="false",
        CELERY_BROKER_URL="memory://",
        CELERY_TASK_ALWAYS_EAGER="false",
        LOG_LEVEL="WARNING",
    )
    import django

    django.setup()
    from django.utils import timezone

    from bench.load.cpu import CpuMeter
    from bench.load.profile import Profiler
    from tests.support.live import RecordingSmtpServer, flush_broker
    from tests.support.stack import ProductionStack

    sizes = sizes_from_env()
    pg = Postgres(database_url)
    now = timezone.now()
    data = prepare_data(pg, sizes, now)
    creds = credentials(users)
    workdir = ROOT / "var" / "loadtest"
    shutil.rmtree(workdir / "logs", ignore_errors=True)
    workdir.mkdir(parents=True, exist_ok=True)
    flush_broker(redis_url)
    target_url = database_url.rsplit("/", 1)[0] + "/" + pg.target
    stack_env = {
        "DATABASE_URL": target_url,
        "API_THROTTLE_ANON": "100000/minute",
    }
    peak = {"connections": 0, "lock_waits": 0, "web": 0}
    sampling = threading.Event()

    def sample() -> None:
        while not sampling.wait(1.0):
            connections, lock_waits, web = pg.connections(pg.target)
            peak["connections"] = max(peak["connections"], connections)
            peak["lock_waits"] = max(peak["lock_waits"], lock_waits)
            peak["web"] = max(peak["web"], web)

    with RecordingSmtpServer() as smtp:
        stack = ProductionStack(
            database_url=target_url,
            redis_url=redis_url,
            smtp_port=smtp.port,
            log_dir=workdir / "logs",
            env=stack_env,
            serve_web=False,
            # libpq names the web's connections so: the sampler counts them apart.
            web_env={"PGAPPNAME": WEB_APP_NAME},
            migrate=False,
        )
        _say("starting the stack")
        with stack:
            started = timezone.now()
            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            _say(f"{users} users for {seconds} s against {stack.url}")
            load_before = os.getloadavg()[0]
            meter = CpuMeter({name: process.pid for name, process in stack.running.items()})
            profiler = None
            if profiling:
                roots = {part: stack.running[part].pid for part in ("web", "worker")}
                profiler = Profiler(roots, workdir=workdir, root=ROOT)
            meter.start()
            if profiler is not None:
                profiler.start()
            samples = run_locust(
                url=stack.url, users=users, seconds=seconds, workdir=workdir, creds=creds
            )
            if profiler is not None:
                profiler.stop()
            meter.stop()
            load_after = os.getloadavg()[0]
            ended = timezone.now()
            _say("run over; waiting for the deliveries")
            sent = delivery(smtp, started=started, ended=ended)
            sampling.set()
            sampler.join()
    from bench.load.report import summarize
    from config import gunicorn as web_config  # the same environment as the stack's

    checks = {
        "double_confirmed": double_confirmed(started),
        **sent,
        "db_connections_max": peak["connections"],
        "db_connections_web_max": peak["web"],
        "db_lock_waits_max": peak["lock_waits"],
        "worker_class": os.environ.get("WEB_WORKER_CLASS", "sync"),
        "pause_scale": pause,
        "web_workers": int(os.environ.get("WEB_CONCURRENCY", "3")),
        "web_threads": int(os.environ.get("WEB_THREADS", "1")),
        "web_database_pool": web_config.database_pool_size or None,
        "data": {**asdict(sizes), "template_reused": data["reused"]},
        "vacuum_analyzed": True,
        "load_avg_1min_before": round(load_before, 2),
        "load_avg_1min": round(load_after, 2),
        **meter.report(requests=len(samples)),
    }
    lines = summarize(samples, users=users, seconds=seconds, extra=checks)
    for line in lines:
        print(json.dumps(line), flush=True)
    if profiler is not None:
        if profiler.problem:
            _say(f"no profile: {profiler.problem}")
        for line in profiler.lines():
            print(json.dumps(line), flush=True)
    every = lines[-1]
    failed = [
        name
        for name, bad in (
            ("errors", every["errors"]),
            ("5xx", every["status_5xx"]),
            ("double confirmation", checks["double_confirmed"]),
            ("undelivered messages", checks["messages_undelivered"]),
            ("messages sent twice", checks["messages_duplicated"]),
            ("messages sent but not received", checks["messages_missing"]),
        )
        if bad
    ]
    if failed:
        _say("FAILED: " + ", ".join(failed))
        return 1 if os.environ.get("LOAD_STRICT") == "1" else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
