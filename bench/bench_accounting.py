"""Accounting read paths on a pool-sized instance.

Figures: every budget's use for a pool and year (one aggregated query), a mediator's monthly
statement, the pool's monthly totals, and the pure allowance computation.

Uses the database of ``DATABASE_URL`` (PostgreSQL, migrated first); the data lives in a pool
of its own ("bench-accounting", see ``bench.database``) that is deleted again at the end. The
20,000 bookings are bulk-created and their tables VACUUM ANALYZEd before anything is timed.
"""

from __future__ import annotations

import datetime
import statistics
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from bench.database import BenchPool, expect
from core.time import BERLIN, add_minutes

INSTITUTIONS = 100
MEDIATORS = 200
BOOKINGS = 20_000
REPEAT = 15
SLUG = "bench-accounting"


def _median_ms(fn: Callable[[], Any], repeat: int = REPEAT) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(samples), 3)


def _filled_models() -> list:
    from django.contrib.auth import get_user_model

    from bookings.models import Allowance, Booking
    from institutions.models import Budget, Institution
    from mediators.models import Mediator

    return [Institution, Budget, get_user_model(), Mediator, Booking, Allowance]


def _instance(bench: BenchPool) -> dict[str, Any]:
    from django.contrib.auth import get_user_model

    from bookings.constants import AllowanceKind, Field, Mode, Status
    from bookings.models import Allowance, Booking
    from institutions.models import Budget, FundingSource, Institution
    from mediators.models import Mediator

    pool = bench.pool
    town = bench.town("Bench-Stadt")
    sources = [FundingSource.objects.create(pool=pool, name=f"Quelle {i}") for i in range(2)]
    institutions = Institution.objects.bulk_create(
        Institution(pool=pool, name=f"Schule {i}", kind="school", town=town)
        for i in range(INSTITUTIONS)
    )
    Budget.objects.bulk_create(
        Budget(institution=inst, funding_source=src, year=2027, hours=Decimal(200))
        for inst in institutions
        for src in sources
    )
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=bench.username(f"m{i}")) for i in range(MEDIATORS)
    )
    mediators = Mediator.objects.bulk_create(
        Mediator(user=user, pool=pool, gender="female", home_postal_code="41747") for user in users
    )
    language = bench.language("ara")
    start = datetime.datetime(2027, 1, 4, 9, 0, tzinfo=BERLIN)
    statuses = [Status.CLOSED, Status.CONFIRMED, Status.REQUESTED, Status.AWAITING_APPROVAL]
    bookings = []
    for i in range(BOOKINGS):
        # each mediator one booking every three days: no overlaps (PostgreSQL constraint)
        starts_at = start + datetime.timedelta(days=3 * (i // MEDIATORS), hours=i % 8)
        status = statuses[(i // INSTITUTIONS) % len(statuses)]
        held = status in (Status.CLOSED, Status.CONFIRMED)
        bookings.append(
            Booking(
                pool=pool,
                institution=institutions[i % INSTITUTIONS],
                language=language,
                starts_at=starts_at,
                duration_minutes=60,
                ends_at=add_minutes(starts_at, 60),
                mode=Mode.PHONE,
                field=Field.SCHOOL,
                funding_source=sources[(i // (INSTITUTIONS * len(statuses))) % 2],
                status=status,
                mediator=mediators[i % MEDIATORS] if held else None,
            )
        )
    bookings = Booking.objects.bulk_create(bookings, batch_size=1000)
    Allowance.objects.bulk_create(
        (
            Allowance(
                mediator_id=b.mediator_id,
                booking=b,
                kind=AllowanceKind.APPOINTMENT,
                day=b.starts_at.astimezone(BERLIN).date(),
                amount_cents=1500,
            )
            for b in bookings
            if b.status == Status.CLOSED
        ),
        batch_size=1000,
    )
    return {"pool": pool, "mediator": mediators[0]}


def run() -> Iterator[dict[str, Any]]:
    from bench.database import bench_pool, vacuum_analyze
    from bookings.selectors.budgets import budget_use_for_pool
    from bookings.selectors.statements import mediator_statement, pool_statement_totals
    from bookings.services import allowance_compute
    from institutions.models import CompensationRule

    with bench_pool(SLUG) as bench:
        started = time.perf_counter()
        world = _instance(bench)
        built = time.perf_counter() - started
        vacuum_analyze(*_filled_models())
        pool, mediator = world["pool"], world["mediator"]
        uses = budget_use_for_pool(pool=pool, year=2027)
        expect(len(uses) == 2 * INSTITUTIONS, "two budget uses per institution")
        yield {
            "bench": "accounting.budget_use_for_pool",
            "budgets": len(uses),
            "bookings": BOOKINGS,
            "build_seconds": round(built, 2),
            "vacuum_analyzed": True,
            "median_ms": _median_ms(lambda: budget_use_for_pool(pool=pool, year=2027)),
        }
        yield {
            "bench": "accounting.mediator_statement",
            "rows": len(mediator_statement(mediator=mediator, year=2027, month=3).rows),
            "vacuum_analyzed": True,
            "median_ms": _median_ms(
                lambda: mediator_statement(mediator=mediator, year=2027, month=3)
            ),
        }
        yield {
            "bench": "accounting.pool_statement_totals",
            "mediators": len(pool_statement_totals(pool=pool, year=2027, month=3)),
            "vacuum_analyzed": True,
            "median_ms": _median_ms(lambda: pool_statement_totals(pool=pool, year=2027, month=3)),
        }
        rule = CompensationRule(valid_from=datetime.date(2027, 1, 1))
        n = 20_000
        started = time.perf_counter()
        for minutes in range(n):
            allowance_compute(
                rule=rule, actual_minutes=15 + minutes % 465, travel_minutes=20, travel_km=12
            )
        yield {
            "bench": "accounting.allowance_compute",
            "per_s": round(n / (time.perf_counter() - started)),
        }
