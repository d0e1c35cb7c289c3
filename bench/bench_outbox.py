"""Outbox throughput: messages through the real Celery worker into a loopback SMTP server,
against a plain ``smtplib`` loop into the same server in the same run (goal: ratio ≥ 0.5).

Needs PostgreSQL and Redis, like the live tests:

- ``DATABASE_URL=postgres://...`` — the database is migrated; the data lives in a pool of
  its own ("bench-outbox", see ``bench.database``) that is deleted again at the end, so the
  database can be reused. The worker process shares it. The 1,000 bookings are written with
  bulk_create and their tables VACUUM ANALYZEd before the clock starts.
- ``CELERY_BROKER_URL`` or ``REDIS_URL`` — the broker (required, e.g.
  ``redis://127.0.0.1:6379/3``); that Redis database is flushed, so give the bench an index
  of its own.
- ``BENCH_OUTBOX_MESSAGES`` (default 2000), ``BENCH_OUTBOX_CONCURRENCY`` (worker processes,
  default two per core).

Both sides send the same kind of message (a booking confirmation with its calendar
invitation). The plain loop sends one already rendered message over and over. The outbox
renders each e-mail (text, HTML, iCalendar, MIME) once, when the change that causes it
writes the row — in that transaction, as in production — and the worker claims the rows,
checks each is still current, sends its bytes over a reused SMTP connection and finishes
the row. The clock of the outbox starts at the commit that enqueues the tasks and stops
when the SMTP server has accepted the last message. What the writing transaction pays for
rendering is reported beside it: ``render_ms_per_message`` (rendering alone, in a loop)
and ``write_ms_per_message`` (the whole transaction of the 1,000 confirmations divided by
the rows it wrote: state machine, events, rows and their rendering). Each SMTP client runs
in a process of its own.

Prints ``{"bench": "outbox", "messages": 2000, "outbox_per_s": ..., "smtplib_per_s": ...,
"ratio": ...}``.
"""

from __future__ import annotations

import datetime
import os
import statistics
import subprocess  # runs our own interpreter on our own script  # nosec B404
import sys
import tempfile
import time
from pathlib import Path

from bench.database import BenchPool, expect

# ``python -m bench`` checks Redis before running anything when this bench is chosen.
NEEDS_REDIS = True
MESSAGES = int(os.environ.get("BENCH_OUTBOX_MESSAGES", "2000"))
# Delivery waits on SMTP and PostgreSQL more than it computes: two processes per core.
CONCURRENCY = int(os.environ.get("BENCH_OUTBOX_CONCURRENCY", str(2 * (os.cpu_count() or 2))))
SLUG = "bench-outbox"
MEDIATORS = 20


def make_bookings(count: int, *, bench: BenchPool, mediators: int = MEDIATORS) -> list:
    """In the bench's pool one school and ``mediators`` mediators; ``count`` requested
    bookings, each mediator's an hour apart (no overlaps). Returns (booking, mediator) pairs."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from bookings.constants import Field, Mode, Status
    from bookings.models import Booking
    from institutions.models import Institution, Location, Staff
    from mediators.models import Mediator

    user_model = get_user_model()
    pool, slug = bench.pool, bench.slug
    town = bench.town("Viersen")
    school = Institution.objects.create(pool=pool, name="Bench-Schule", kind="school", town=town)
    place = Location.objects.create(
        institution=school,
        name="Hauptgebäude",
        address="Schulstraße 1",
        postal_code="41747",
        town=town,
        latitude=51.25,
        longitude=6.39,
    )
    staff_user = user_model.objects.create(
        username=bench.username("staff"), email=f"{slug}-staff@bench.example", first_name="Lea"
    )
    Staff.objects.create(user=staff_user, institution=school)
    team = [
        Mediator.objects.create(
            user=user_model.objects.create(
                username=bench.username(f"m{i}"),
                email=f"{slug}-m{i}@bench.example",
                first_name=f"M{i}",
            ),
            pool=pool,
            gender="female",
            home_postal_code="41747",
            language="de" if i % 2 else "en",
        )
        for i in range(mediators)
    ]
    language = bench.language("ara")
    start = timezone.now().replace(microsecond=0) + datetime.timedelta(days=30)
    bookings = Booking.objects.bulk_create(
        Booking(
            pool=pool,
            institution=school,
            requested_by=staff_user,
            contact_name="Lea Lehrer",
            contact_phone="02162 1234",
            language=language,
            starts_at=start + datetime.timedelta(hours=n // mediators),
            ends_at=start + datetime.timedelta(hours=n // mediators, minutes=45),
            duration_minutes=45,
            mode=Mode.ON_SITE,
            location=place,
            field=Field.SCHOOL,
            case_reference=f"B-{n}",
            status=Status.REQUESTED,
        )
        for n in range(count)
    )
    return [(booking, team[n % mediators]) for n, booking in enumerate(bookings)]


def made_models() -> list:
    """The tables ``make_bookings`` fills: VACUUM ANALYZE them before timing anything."""
    from django.contrib.auth import get_user_model

    from bookings.models import Booking
    from mediators.models import Mediator

    return [get_user_model(), Mediator, Booking]


SMTPLIB_LOOP = """
import smtplib, sys, time
port, count, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
raw = open(path, "rb").read()
with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
    started = time.perf_counter()
    for n in range(count):
        client.sendmail("ki@bench.example", [f"loop{n}@bench.example"], raw)
    print(count / (time.perf_counter() - started))
"""


def _smtplib_loop(port: int, raw: bytes, count: int, log_dir: Path) -> float:
    """A plain smtplib loop over one connection, in a process of its own like the worker
    (so both pay the same round trips between processes), sending a rendered message."""
    path = log_dir / "message.eml"
    path.write_bytes(raw)
    result = subprocess.run(  # noqa: S603  # our own interpreter and script  # nosec B603
        [sys.executable, "-c", SMTPLIB_LOOP, str(port), str(count), str(path)],
        capture_output=True,
        check=True,
        timeout=600,
    )
    return float(result.stdout)


def _loaded_for_rendering():
    from bookings.messages.content import BOOKING_RELATIONS
    from notifications.models import Message

    return Message.objects.select_related("pool", *(f"booking__{r}" for r in BOOKING_RELATIONS))


def _deliver(smtp, worker, pairs):  # type: ignore[no-untyped-def]
    """Start the worker, confirm every booking in one transaction, wait until the SMTP
    server has every message. Returns (seconds from the commit to the last message, seconds
    of the writing transaction, messages, the clock's marks)."""
    from django.db import transaction

    from bookings.constants import Status
    from bookings.state_machine import transition
    from core.constants import ActorRole
    from notifications.constants import MessageStatus
    from notifications.models import Message
    from tests.support.live import wait_until

    worker.start()
    clock: dict[str, float] = {"worker": time.perf_counter()}
    write_started = time.perf_counter()
    with transaction.atomic():
        transaction.on_commit(lambda: clock.setdefault("start", time.perf_counter()))
        for booking, mediator in pairs:
            transition(
                booking,
                to=Status.CONFIRMED,
                actor_role=ActorRole.SYSTEM,
                changes={"mediator": mediator},
            )
    total = Message.objects.filter(pool__slug=SLUG).count()
    write_seconds = clock["start"] - write_started
    wait_until(
        lambda: len(smtp.handler.received) >= total,
        timeout=600,
        what="the outbox to be delivered",
        every=0.01,
    )
    outbox_seconds = time.perf_counter() - clock["start"]
    wait_until(
        lambda: Message.objects.filter(pool__slug=SLUG, status=MessageStatus.SENT).count() == total,
        timeout=60,
        what="every row to be marked sent",
    )
    expect(len(smtp.received) == total, (total, len(smtp.received)))
    return outbox_seconds, write_seconds, total, clock


def run():
    from bench.database import bench_pool, require_redis, vacuum_analyze
    from notifications.rendering import rendered_bytes
    from tests.support.live import (
        CeleryWorker,
        RecordingSmtpServer,
        database_url,
        flush_broker,
        use_broker,
    )

    broker = require_redis()
    flush_broker(broker)
    log_dir = Path(tempfile.mkdtemp(prefix="bench-outbox-"))
    with bench_pool(SLUG, mail_sender="ki@bench.example", mail_footer="KI Bench") as bench:
        setup_started = time.perf_counter()
        pairs = make_bookings(MESSAGES // 2, bench=bench)
        vacuum_analyze(*made_models())
        with RecordingSmtpServer() as smtp, use_broker(broker):
            worker = CeleryWorker(
                database=database_url(),
                broker=broker,
                smtp_port=smtp.port,
                log_dir=log_dir,
                concurrency=CONCURRENCY,
            )
            try:
                outbox_seconds, write_seconds, total, clock = _deliver(smtp, worker, pairs)
                rows = list(_loaded_for_rendering().filter(pool__slug=SLUG)[:200])
                render_started = time.perf_counter()
                raw = [rendered_bytes(row) for row in rows][0]
                render_ms = (time.perf_counter() - render_started) * 1000 / len(rows)
                # The baseline is short (a second or two): the median of three runs, so
                # that a moment of load from elsewhere does not decide the ratio.
                smtplib_runs = [_smtplib_loop(smtp.port, raw, total, log_dir) for _ in range(3)]
                smtplib_per_s = statistics.median(smtplib_runs)
            finally:
                worker.stop()
                flush_broker(broker)
    outbox_per_s = total / outbox_seconds
    yield {
        "bench": "outbox",
        "messages": total,
        "outbox_per_s": round(outbox_per_s, 1),
        "smtplib_per_s": round(smtplib_per_s, 1),
        "ratio": round(outbox_per_s / smtplib_per_s, 3),
        "render_ms_per_message": round(render_ms, 2),
        "write_ms_per_message": round(write_seconds * 1000 / total, 2),
        "worker_concurrency": CONCURRENCY,
        "setup_seconds": round(clock["start"] - setup_started, 1),
        "worker_start_seconds": round(clock["worker"] - setup_started, 1),
        "vacuum_analyzed": True,
    }
