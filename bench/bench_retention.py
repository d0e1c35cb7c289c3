"""Retention: anonymising 100,000 bookings past their pool's retention period.

Uses the database of DATABASE_URL (PostgreSQL, migrated first). The bookings are bulk-created
in a pool of their own ("bench-retention", see ``bench.database``), deleted again at the end.
Each booking carries what the job removes: a case reference, notes, the institution's
contact, an event with a reason and its author, an access-log row and a sent message; two in
five also a report with a dispute reason and a feedback comment. The tables filled are
VACUUM ANALYZEd before the timing.

Prints ``{"bench": "retention", "bookings": 100000, "seconds": ..., "rows_anonymised": ...}``:
``seconds`` is the nightly job's service (``pool_bookings_anonymise``, batches of
``BATCH_SIZE`` bookings, one transaction each), ``rows_anonymised`` every row it changed or
deleted (bookings, events, reports, feedback, access-log rows, messages). Also on the line:
``rerun_seconds``, the second run, which finds nothing to do (the job is idempotent), and as
the baseline ``baseline_update_seconds``: one plain UPDATE of the same bookings' personal
columns in a single statement, the floor of what touching 100,000 booking rows costs.
"""

from __future__ import annotations

import datetime
import os
import random
import time

from bench.database import BenchPool, expect

BOOKINGS = int(os.environ.get("BENCH_RETENTION_BOOKINGS", "100000"))
MEDIATORS = 400
INSTITUTIONS = 40
SLUG = "bench-retention"
LANGUAGES = ["ara", "prs", "fas", "tir", "ukr", "kmr", "tur", "rus"]


def _filled_models() -> list:
    from django.contrib.auth import get_user_model

    from bookings.models import AccessLog, Allowance, Booking, BookingEvent, Feedback, Report
    from institutions.models import Institution, Location
    from mediators.models import Mediator
    from notifications.models import Message

    return [
        Institution,
        Location,
        get_user_model(),
        Mediator,
        Booking,
        BookingEvent,
        Report,
        Feedback,
        Allowance,
        AccessLog,
        Message,
    ]


def _populate(bench: BenchPool, rng: random.Random) -> None:  # noqa: PLR0915
    from decimal import Decimal

    from django.contrib.auth import get_user_model

    from bookings.constants import AllowanceKind, Field, Mode, ReportStatus, Status
    from bookings.models import AccessLog, Allowance, Booking, BookingEvent, Feedback, Report
    from core.constants import ActorRole
    from institutions.constants import InstitutionKind
    from institutions.models import Institution, Location
    from mediators.models import Mediator
    from notifications.constants import MessageKind, MessageStatus
    from notifications.models import Message

    pool = bench.pool
    town = bench.town("Bench-Retention-Stadt")
    kinds = list(InstitutionKind.values)
    institutions = Institution.objects.bulk_create(
        [
            Institution(pool=pool, name=f"Einrichtung {n}", kind=kinds[n % len(kinds)], town=town)
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
                town=town,
                latitude=51.2,
                longitude=6.4,
            )
            for inst in institutions
        ]
    )
    user_model = get_user_model()
    staff_users = user_model.objects.bulk_create(
        [user_model(username=bench.username(f"staff-{n}")) for n in range(INSTITUTIONS)]
    )
    users = user_model.objects.bulk_create(
        [
            user_model(username=bench.username(n), first_name="M", last_name=str(n))
            for n in range(MEDIATORS)
        ]
    )
    mediators = Mediator.objects.bulk_create(
        [
            Mediator(user=user, pool=pool, gender="female", home_postal_code="41747")
            for user in users
        ]
    )
    languages = [bench.language(code) for code in LANGUAGES]
    fields = list(Field.values)
    start = datetime.datetime(2021, 1, 4, 8, 0, tzinfo=datetime.UTC)
    bookings = []
    for n in range(BOOKINGS):
        mediator_index = n % MEDIATORS
        starts_at = start + datetime.timedelta(
            hours=3 * (n // MEDIATORS), minutes=mediator_index % 60
        )
        i = rng.randrange(INSTITUTIONS)
        bookings.append(
            Booking(
                pool=pool,
                institution=institutions[i],
                location=locations[i],
                requested_by=staff_users[i],
                language=languages[rng.randrange(len(languages))],
                starts_at=starts_at,
                duration_minutes=60,
                ends_at=starts_at + datetime.timedelta(minutes=60),
                mode=Mode.ON_SITE,
                field=fields[n % len(fields)],
                status=Status.CLOSED,
                mediator=mediators[mediator_index],
                case_reference=f"AZ-{n:06d}",
                notes="Vater spricht nur Dari; Termin im Raum 2",
                contact_name="Frau Beispiel",
                contact_phone="02162 123456",
                confirmed_at=starts_at - datetime.timedelta(days=2),
            )
        )
    bookings = Booking.objects.bulk_create(bookings, batch_size=5000)
    events, logs, messages, reports, feedback, allowances = [], [], [], [], [], []
    for booking in bookings:
        staff_user_id = booking.requested_by_id
        events.append(
            BookingEvent(
                booking=booking,
                actor_id=staff_user_id,
                actor_role=ActorRole.INSTITUTION,
                to_status=Status.REQUESTED,
                reason="Gespräch mit Familie Nachname",
            )
        )
        logs.append(AccessLog(booking=booking, pool=pool, user_id=staff_user_id, action="read"))
        messages.append(
            Message(
                pool=pool,
                kind=MessageKind.BOOKING_CONFIRMED,
                idempotency_key=f"{SLUG}-{booking.pk}",
                status=MessageStatus.SENT,
                recipient_email="staff@example.org",
                recipient_name="Frau Beispiel",
                recipient_user_id=staff_user_id,
                booking=booking,
                sent_at=booking.starts_at - datetime.timedelta(days=2),
            )
        )
        allowances.append(
            Allowance(
                mediator_id=booking.mediator_id,
                booking=booking,
                kind=AllowanceKind.APPOINTMENT,
                day=booking.starts_at.date(),
                amount_cents=1500,
            )
        )
        if rng.random() < 0.4:
            reports.append(
                Report(
                    booking=booking,
                    actual_minutes=60,
                    travel_km=Decimal("7.5"),
                    status=ReportStatus.CONFIRMED,
                    dispute_reason="Herr X kam später",
                )
            )
            feedback.append(
                Feedback(
                    booking=booking,
                    rating=4,
                    comment="Frau Y war toll",
                    created_by_id=staff_user_id,
                )
            )
    for model, rows in (
        (BookingEvent, events),
        (AccessLog, logs),
        (Message, messages),
        (Allowance, allowances),
        (Report, reports),
        (Feedback, feedback),
    ):
        model.objects.bulk_create(rows, batch_size=5000)


def run():
    from django.db import transaction
    from django.utils import timezone

    from bench.database import bench_pool, vacuum_analyze
    from bookings.models import Booking
    from bookings.privacy.retention import BATCH_SIZE, pool_bookings_anonymise

    rng = random.Random(13)  # noqa: S311  # reproducible bench data, not security  # nosec B311
    with bench_pool(SLUG, name="Bench retention pool", retention_days=730) as bench:
        _populate(bench, rng)
        vacuum_analyze(*_filled_models())
        now = timezone.now()
        began = time.perf_counter()
        result = pool_bookings_anonymise(pool=bench.pool, now=now)
        seconds = time.perf_counter() - began
        began = time.perf_counter()
        again = pool_bookings_anonymise(pool=bench.pool, now=now)
        rerun_seconds = time.perf_counter() - began
        expect(result.bookings == BOOKINGS, result)
        expect((again.bookings, again.rows) == (0, 0), again)
        began = time.perf_counter()
        with transaction.atomic():
            Booking.objects.filter(pool=bench.pool).update(
                case_reference="", notes="", contact_name="", contact_phone="", requested_by=None
            )
        baseline_seconds = time.perf_counter() - began
    yield {
        "bench": "retention",
        "bookings": BOOKINGS,
        "seconds": round(seconds, 2),
        "rows_anonymised": result.rows,
        "bookings_anonymised": result.bookings,
        "batch_size": BATCH_SIZE,
        "rerun_seconds": round(rerun_seconds, 3),
        "baseline_update_seconds": round(baseline_seconds, 2),
        "vacuum_analyzed": True,
    }
