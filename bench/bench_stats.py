"""Statistics summary over 100,000 bookings (target on PostgreSQL: median < 300 ms).

Uses the database of DATABASE_URL (PostgreSQL, migrated first). The bookings are
bulk-created in a pool of their own ("bench-stats", see ``bench.database``), which is deleted
again at the end, so a bench database can be reused. Prints ``{"bench": "stats", "bookings":
100000, "median_ms": ..., "queries": ..., "vacuum_analyzed": true}``, ``queries`` being every
statement one summary sends (BEGIN, SET and COMMIT included).

Nothing is cached, here or in ``bookings.stats``: each of the seven runs computes every
figure from the bookings again. The tables filled are VACUUM ANALYZEd after loading, before
the first run, as autovacuum would have done in production.
"""

from __future__ import annotations

import datetime
import os
import random
import statistics
import time
from decimal import Decimal

from bench.database import BenchPool, expect

BOOKINGS = int(os.environ.get("BENCH_STATS_BOOKINGS", "100000"))
RUNS = 7
MEDIATORS = 400
INSTITUTIONS = 60
LANGUAGES = ["ara", "prs", "fas", "tir", "ukr", "kmr", "tur", "rus", "sqi", "pus", "som", "kur"]
SLUG = "bench-stats"


def _status_mix(rng: random.Random) -> str:
    from bookings.constants import Status

    roll = rng.random()
    for status, share in (
        (Status.CLOSED, 0.40),
        (Status.COMPLETED, 0.15),
        (Status.CONFIRMED, 0.10),
        (Status.CANCELLED, 0.12),
        (Status.UNFILLED, 0.08),
        (Status.REQUESTED, 0.08),
        (Status.OFFERED, 0.04),
        (Status.NO_SHOW, 0.02),
    ):
        if roll < share:
            return status
        roll -= share
    return Status.AWAITING_APPROVAL


def _filled_models() -> list:
    from django.contrib.auth import get_user_model

    from bookings.models import Allowance, Booking, BookingEvent, Report
    from institutions.models import Institution, Location
    from mediators.models import Mediator

    return [
        Institution,
        Location,
        get_user_model(),
        Mediator,
        Booking,
        Report,
        Allowance,
        BookingEvent,
    ]


def _populate(bench: BenchPool, rng: random.Random) -> tuple[datetime.date, datetime.date]:  # noqa: PLR0915
    from django.contrib.auth import get_user_model

    from bookings.constants import HOLDING_STATUSES, AllowanceKind, Field, Mode, Status
    from bookings.models import Allowance, Booking, BookingEvent, Report
    from core.constants import ActorRole
    from institutions.constants import InstitutionKind
    from institutions.models import Institution, Location
    from mediators.models import Mediator

    pool = bench.pool
    towns = [bench.town(f"Bench-Stadt {n}", latitude=51.2, longitude=6.4) for n in range(9)]
    kinds = list(InstitutionKind.values)
    institutions = Institution.objects.bulk_create(
        [
            Institution(
                pool=pool,
                name=f"Einrichtung {n}",
                kind=kinds[n % len(kinds)],
                town=towns[n % len(towns)],
            )
            for n in range(INSTITUTIONS)
        ]
    )
    locations = Location.objects.bulk_create(
        [
            Location(
                institution=inst,
                name="Haus",
                address="Weg 1",
                postal_code="41747",
                town=inst.town,
                latitude=51.2,
                longitude=6.4,
            )
            for inst in institutions
        ]
    )
    languages = [bench.language(code) for code in LANGUAGES]
    users = get_user_model().objects.bulk_create(
        [
            get_user_model()(username=bench.username(n), first_name="M", last_name=str(n))
            for n in range(MEDIATORS)
        ]
    )
    mediators = Mediator.objects.bulk_create(
        [
            Mediator(user=user, pool=pool, gender="female", home_postal_code="41747")
            for user in users
        ]
    )
    start = datetime.datetime(2025, 1, 6, 8, 0, tzinfo=datetime.UTC)
    fields = list(Field.values)
    now = datetime.datetime.now(tz=datetime.UTC)
    bookings = []
    for n in range(BOOKINGS):
        status = _status_mix(rng)
        # Each mediator's bookings lie three hours apart: never overlapping.
        mediator_index = n % MEDIATORS
        starts_at = start + datetime.timedelta(
            hours=3 * (n // MEDIATORS), minutes=mediator_index % 60
        )
        duration = rng.choice([30, 60, 90, 120])
        has_mediator = status in (*HOLDING_STATUSES, Status.NO_SHOW) or (
            status == Status.CANCELLED and rng.random() < 0.5
        )
        institution_index = rng.randrange(INSTITUTIONS)
        bookings.append(
            Booking(
                pool=pool,
                institution=institutions[institution_index],
                location=locations[institution_index],
                language=languages[rng.randrange(len(languages))],
                starts_at=starts_at,
                duration_minutes=duration,
                ends_at=starts_at + datetime.timedelta(minutes=duration),
                mode=Mode.ON_SITE,
                field=fields[n % len(fields)],
                status=status,
                mediator=mediators[mediator_index] if has_mediator else None,
                confirmed_at=now + datetime.timedelta(hours=rng.randint(1, 96))
                if has_mediator
                else None,
                cancelled_by_role=rng.choice([ActorRole.INSTITUTION, ActorRole.COORDINATOR])
                if status == Status.CANCELLED
                else "",
                late_cancellation=status == Status.CANCELLED and rng.random() < 0.2,
            )
        )
    bookings = Booking.objects.bulk_create(bookings, batch_size=5000)
    reports, allowances, events = [], [], []
    for booking in bookings:
        if booking.status in (Status.COMPLETED, Status.CLOSED):
            reports.append(
                Report(
                    booking=booking,
                    actual_minutes=booking.duration_minutes + 15,
                    travel_km=Decimal("7.5"),
                )
            )
            allowances.append(
                Allowance(
                    mediator=booking.mediator,
                    booking=booking,
                    kind=AllowanceKind.APPOINTMENT,
                    day=booking.starts_at.date(),
                    amount_cents=1500,
                )
            )
        elif booking.status == Status.CANCELLED and booking.mediator is None:
            events.append(
                BookingEvent(
                    booking=booking,
                    actor_role=ActorRole.SYSTEM,
                    from_status=Status.REQUESTED,
                    to_status=Status.UNFILLED,
                )
            )
    Report.objects.bulk_create(reports, batch_size=5000)
    Allowance.objects.bulk_create(allowances, batch_size=5000)
    BookingEvent.objects.bulk_create(events, batch_size=5000)
    last = max(b.starts_at for b in bookings).date()
    return start.date(), last


def run():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench.database import bench_pool, vacuum_analyze
    from bookings.stats.selectors import StatsPeriod, stats_summary
    from institutions.models import Pool

    rng = random.Random(6)  # noqa: S311  # reproducible bench data, not security  # nosec B311
    with bench_pool(SLUG, name="Bench pool") as bench:
        first, last = _populate(bench, rng)
        vacuum_analyze(*_filled_models())
        pools = Pool.objects.filter(pk=bench.pool.pk)
        period = StatsPeriod(start=first, end=last)
        timings = []
        for _ in range(RUNS):
            with CaptureQueriesContext(connection) as queries:
                began = time.perf_counter()
                summary = stats_summary(pools=pools, period=period, language_code="de")
                timings.append((time.perf_counter() - began) * 1000)
        expect(summary["requests"] == BOOKINGS, summary["requests"])
    yield {
        "bench": "stats",
        "bookings": BOOKINGS,
        "median_ms": round(statistics.median(timings), 1),
        "queries": len(queries.captured_queries),
        "vacuum_analyzed": True,
    }
