"""A state-wide installation for the statistics bench: many pools, each with its towns,
institutions, funding sources with yearly budgets and mediators (bulk_create), and a
million bookings over five years written by PostgreSQL itself (``INSERT ... SELECT`` over
``generate_series``, one statement per pool and table), with the reports, allowances and
"unfilled" events the statistics read.

The mix per pool: 40 % closed, 15 % completed, 10 % confirmed, 12 % cancelled (half of those
after a mediator had confirmed, a fifth late; of the others half after nobody was found), 8 %
unfilled, 8 % requested, 4 % offered, 2 % no-show, 1 % awaiting approval; languages skewed
(the first ones asked most), 80 % of the bookings paid from one of three funding sources.
Each mediator's bookings lie days apart, so the exclusion constraint (no overlapping held
bookings of one mediator) holds. ``setseed`` makes the data the same on every run.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bench.database import BenchPool

INSTITUTIONS = 60
TOWNS = 9
MEDIATORS = 100
FUNDING_SOURCES = ["Landesprogramm KOMM-AN", "Kreishaushalt", "Bildung und Teilhabe"]
LANGUAGES = ["ara", "ukr", "prs", "fas", "tir", "tur", "kmr", "rus", "sqi", "pus", "som", "kur"]


@dataclass(frozen=True)
class StateSize:
    pools: int
    bookings: int  # in all pools together
    years: int
    first_year: int

    @property
    def last_year(self) -> int:
        return self.first_year + self.years - 1


def loaded_models() -> list:
    """The tables ``load`` fills: VACUUM ANALYZE them before timing anything."""
    from django.contrib.auth import get_user_model

    from bookings.models import Allowance, Booking, BookingEvent, Report
    from institutions.models import Budget, FundingSource, Institution, Location
    from mediators.models import Mediator

    return [
        Institution,
        Location,
        FundingSource,
        Budget,
        get_user_model(),
        Mediator,
        Booking,
        Report,
        Allowance,
        BookingEvent,
    ]


def _pool_rows(bench: BenchPool, size: StateSize) -> dict[str, list[int]]:
    """Towns, institutions, locations, funding sources, budgets and mediators of one pool."""
    from django.contrib.auth import get_user_model

    from institutions.constants import InstitutionKind
    from institutions.models import Budget, FundingSource, Institution, Location
    from mediators.models import Mediator

    pool = bench.pool
    towns = [bench.town(f"Bench-Stadt {n}", latitude=51.2, longitude=6.4) for n in range(TOWNS)]
    kinds = list(InstitutionKind.values)
    institutions = Institution.objects.bulk_create(
        Institution(pool=pool, name=f"Einrichtung {n}", kind=kinds[n % len(kinds)], town=town)
        for n, town in ((n, towns[n % TOWNS]) for n in range(INSTITUTIONS))
    )
    locations = Location.objects.bulk_create(
        Location(
            institution=institution,
            name="Haus",
            address="Weg 1",
            postal_code="41747",
            town=institution.town,
            latitude=51.2,
            longitude=6.4,
        )
        for institution in institutions
    )
    sources = FundingSource.objects.bulk_create(
        FundingSource(pool=pool, name=name) for name in FUNDING_SOURCES
    )
    Budget.objects.bulk_create(
        Budget(institution=institution, funding_source=source, year=year, hours=Decimal(40))
        for institution in institutions
        for source in sources
        for year in range(size.first_year, size.last_year + 1)
    )
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=bench.username(n), first_name="M", last_name=str(n))
        for n in range(MEDIATORS)
    )
    mediators = Mediator.objects.bulk_create(
        Mediator(user=user, pool=pool, gender="female", home_postal_code="41747") for user in users
    )
    return {
        "institutions": [i.pk for i in institutions],
        "locations": [location.pk for location in locations],
        "funding": [source.pk for source in sources],
        "mediators": [m.pk for m in mediators],
    }


# One pool's bookings: %(n)s rows from generate_series, the ids as arrays (1-based).
BOOKINGS_SQL = """
INSERT INTO bookings_booking (
    contact_name, contact_phone, starts_at, duration_minutes, ends_at, mode, field, topic, kind,
    with_children, sensitive, gender_preference, case_reference, notes, status, sequence,
    cancelled_by_role, cancellation_reason, late_cancellation, created_at, updated_at,
    confirmed_at, institution_id, language_id, location_id, mediator_id, pool_id,
    funding_source_id, meeting_url, dial_in_number, dial_in_pin
)
SELECT '', '', starts_at, duration, starts_at + duration * interval '1 minute', 'on_site',
    (%(fields)s::text[])[1 + g %% cardinality(%(fields)s::text[])], '', 'conversation',
    false, false, '', '', '', status, 0,
    CASE WHEN status = 'cancelled' THEN (ARRAY['institution', 'coordinator'])[1 + g %% 2]
         ELSE '' END,
    '', status = 'cancelled' AND r_late < 0.2,
    starts_at - interval '9 days', starts_at - interval '9 days',
    CASE WHEN with_mediator THEN starts_at - interval '9 days' + r_fill * interval '96 hours' END,
    (%(institutions)s::bigint[])[1 + institution], (%(languages)s::bigint[])[1 + language],
    (%(locations)s::bigint[])[1 + institution],
    CASE WHEN with_mediator
         THEN (%(mediators)s::bigint[])[1 + g %% cardinality(%(mediators)s::bigint[])] END,
    %(pool)s,
    CASE WHEN r_funding < 0.8
         THEN (%(funding)s::bigint[])[1 + g %% cardinality(%(funding)s::bigint[])] END,
    '', '', ''
FROM (
    SELECT g, status, duration, r_late, r_fill, r_funding, institution, language,
        status IN ('confirmed', 'completed', 'closed', 'no_show')
            OR (status = 'cancelled' AND r_mediator < 0.5) AS with_mediator,
        -- Each mediator's bookings are %(step)s seconds apart (at least 12 hours, each
        -- within 12 hours of its slot's middle): they never overlap.
        %(start)s::timestamptz
            + ((g / cardinality(%(mediators)s::bigint[])) * %(step)s + %(step)s / 2 - 43200)
              * interval '1 second'
            + ((g * 7919) %% 600) * interval '1 minute' AS starts_at
    FROM (
        SELECT g,
            CASE WHEN r < 0.40 THEN 'closed' WHEN r < 0.55 THEN 'completed'
                 WHEN r < 0.65 THEN 'confirmed' WHEN r < 0.77 THEN 'cancelled'
                 WHEN r < 0.85 THEN 'unfilled' WHEN r < 0.93 THEN 'requested'
                 WHEN r < 0.97 THEN 'offered' WHEN r < 0.99 THEN 'no_show'
                 ELSE 'awaiting_approval' END AS status,
            (ARRAY[30, 60, 90, 120])[1 + floor(random() * 4)::int] AS duration,
            random() AS r_late, random() AS r_fill, random() AS r_funding,
            random() AS r_mediator,
            floor(random() * cardinality(%(institutions)s::bigint[]))::int AS institution,
            floor(power(random(), 1.8) * cardinality(%(languages)s::bigint[]))::int AS language
        FROM (SELECT g, random() AS r FROM generate_series(0, %(n)s - 1) AS g) AS draws
    ) AS drawn
) AS b
"""

REPORTS_SQL = """
INSERT INTO bookings_report (actual_minutes, travel_km, travel_minutes, ticket_cents, status,
    reported_at, dispute_reason, booking_id, debrief_note, call_back)
SELECT duration_minutes + 15, 7.5, 20, 0, 'confirmed', ends_at + interval '2 hours', '', id,
    '', false
FROM bookings_booking WHERE pool_id = %(pool)s AND status IN ('completed', 'closed')
"""

ALLOWANCES_SQL = """
INSERT INTO bookings_allowance (kind, day, amount_cents, breakdown, created_at, mediator_id,
    booking_id)
SELECT CASE WHEN status = 'cancelled' THEN 'late_cancellation' ELSE 'appointment' END,
    (starts_at AT TIME ZONE 'Europe/Berlin')::date, 1500 * ((duration_minutes + 29) / 30),
    '{}', ends_at, mediator_id, id
FROM bookings_booking
WHERE pool_id = %(pool)s AND (status IN ('completed', 'closed')
    OR (status = 'cancelled' AND late_cancellation AND mediator_id IS NOT NULL))
"""

# Every unfilled booking, and half of those cancelled without a mediator, went "unfilled".
EVENTS_SQL = """
INSERT INTO bookings_bookingevent (actor_role, from_status, to_status, reason, data,
    created_at, booking_id)
SELECT 'system', 'offered', 'unfilled', '', '{}', starts_at - interval '2 days', id
FROM bookings_booking
WHERE pool_id = %(pool)s AND (status = 'unfilled'
    OR (status = 'cancelled' AND mediator_id IS NULL AND id %% 2 = 0))
"""


def load(benches: list[BenchPool], size: StateSize, *, seed: float = 0.6) -> None:
    """Fill every pool of ``benches`` with its share of ``size.bookings``, spread over
    ``size.years`` calendar years from ``size.first_year``."""
    from django.db import connection, transaction

    from bookings.constants import Field
    from core.time import local_datetime

    start = local_datetime(datetime.date(size.first_year, 1, 1))
    end = local_datetime(datetime.date(size.last_year + 1, 1, 1))
    languages = [benches[0].language(code).pk for code in LANGUAGES]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [seed])
        for index, bench in enumerate(benches):
            ids = _pool_rows(bench, size)
            n = size.bookings // len(benches) + (index < size.bookings % len(benches))
            per_mediator = max(1, -(-n // len(ids["mediators"])))
            # Slots of at least a day: a start up to 12 hours before a slot's middle to 10
            # hours after it, and two hours long, leaves the next slot free.
            step = max(int((end - start).total_seconds()) // per_mediator, 86400)
            params: dict[str, Any] = {
                **ids,
                "languages": languages,
                "fields": list(Field.values),
                "pool": bench.pool.pk,
                "n": n,
                "start": start,
                "step": step,
            }
            for statement in (BOOKINGS_SQL, REPORTS_SQL, ALLOWANCES_SQL, EVENTS_SQL):
                cursor.execute(statement, params)
