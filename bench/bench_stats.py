"""Statistics summary over 100,000 bookings (target on PostgreSQL: median < 300 ms), and a
state's scale: 50 pools with 1,000,000 bookings over five years.

Uses the database of DATABASE_URL (PostgreSQL, migrated first). The bookings are
bulk-created in a pool of their own ("bench-stats", see ``bench.database``), which is deleted
again at the end, so a bench database can be reused. Prints ``{"bench": "stats", "bookings":
100000, "median_ms": ..., "queries": ..., "vacuum_analyzed": true}``, ``queries`` being every
statement one summary sends (BEGIN, SET and COMMIT included).

Nothing is cached, here or in ``bookings.stats``: each of the seven runs computes every
figure from the bookings again. The tables filled are VACUUM ANALYZEd after loading, before
the first run, as autovacuum would have done in production.

The second line is the state (``state_line``, data by ``bench.stateload``): pools
"bench-state-00" ... with their bookings, budgets, reports and allowances, bulk-loaded by
PostgreSQL and VACUUM ANALYZEd, then timed: one pool's last year (``pool_year_median_ms``,
seven runs over seven pools; goal 300 ms), every pool's last year together, the state's own
view (``state_year_median_ms``, five runs; goal 2 s), and one pool's yearly report, figures,
PDF and XLSX (``report_seconds``, median of three; goal 30 s). Sizes:
``BENCH_STATS_STATE_BOOKINGS`` (1,000,000), ``BENCH_STATS_STATE_POOLS`` (50); 0 bookings
leaves the state out.
"""

from __future__ import annotations

import datetime
import os
import random
import statistics
import time
from decimal import Decimal

from bench.database import BenchPool, expect
from bench.stateload import StateSize

BOOKINGS = int(os.environ.get("BENCH_STATS_BOOKINGS", "100000"))
STATE_BOOKINGS = int(os.environ.get("BENCH_STATS_STATE_BOOKINGS", "1000000"))
STATE_POOLS = int(os.environ.get("BENCH_STATS_STATE_POOLS", "50"))
STATE_SLUG = "bench-state"
STATE_FIRST_YEAR = 2021
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
    if STATE_BOOKINGS:
        yield state_line(
            StateSize(
                pools=STATE_POOLS, bookings=STATE_BOOKINGS, years=5, first_year=STATE_FIRST_YEAR
            )
        )


def _median_of(runs: int, measure) -> tuple[float, object]:
    """The median of ``runs`` timings of ``measure(n)`` in seconds, and its last result."""
    timings, result = [], None
    for n in range(runs):
        began = time.perf_counter()
        result = measure(n)
        timings.append(time.perf_counter() - began)
    return statistics.median(timings), result


def state_line(size: StateSize, *, runs: int = RUNS) -> dict:
    """Load the state, time a pool's year, the state's year and a yearly report."""
    from bench.database import bench_pools, vacuum_analyze
    from bench.stateload import load, loaded_models

    slugs = [f"{STATE_SLUG}-{n:02d}" for n in range(size.pools)]
    with bench_pools(slugs) as benches:
        began = time.perf_counter()
        load(benches, size)
        load_seconds = time.perf_counter() - began
        vacuum_analyze(*loaded_models())
        line = state_timings([bench.pool for bench in benches], size, runs=runs)
    return {**line, "load_seconds": round(load_seconds, 1), "vacuum_analyzed": True}


def state_timings(pool_list: list, size: StateSize, *, runs: int = RUNS) -> dict:
    """The timings on the loaded pools (``pool_list``), for their last year."""
    from bookings.models import Booking
    from bookings.stats.selectors import StatsPeriod, stats_summary
    from bookings.stats.yearly import yearly_report
    from bookings.stats.yearly_files import yearly_report_pdf, yearly_report_xlsx
    from institutions.models import Pool

    year = size.last_year
    period = StatsPeriod(start=datetime.date(year, 1, 1), end=datetime.date(year, 12, 31))
    pools = Pool.objects.filter(pk__in=[pool.pk for pool in pool_list])

    def one_pool(n: int) -> dict:
        pool = Pool.objects.filter(pk=pool_list[n % len(pool_list)].pk)
        return stats_summary(pools=pool, period=period, language_code="de")

    pool_seconds, _summary = _median_of(runs, one_pool)
    state_seconds, state = _median_of(
        max(runs - 2, 1),
        lambda n: stats_summary(pools=pools, period=period, language_code="de"),
    )
    expect(
        state["requests"]
        == Booking.objects.filter(
            pool__in=pools, starts_at__gte=period.starts_at, starts_at__lt=period.ends_before
        ).count(),
        state["requests"],
    )

    def report(n: int) -> int:
        made = yearly_report(
            pool=pool_list[n % len(pool_list)], year=year, today=datetime.date(year + 1, 1, 15)
        )
        return len(yearly_report_pdf(made)) + len(yearly_report_xlsx(made))

    report_seconds, _size = _median_of(3, report)
    return {
        "bench": "stats",
        "bookings": size.bookings,
        "pools": size.pools,
        "years": size.years,
        "pool_year_median_ms": round(pool_seconds * 1000, 1),
        "state_year_median_ms": round(state_seconds * 1000, 1),
        "state_year_bookings": state["requests"],
        "report_seconds": round(report_seconds, 2),
    }
