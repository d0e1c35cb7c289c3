"""A pool with a past year of bookings holding every kind of personal data: the ground of
the retention, erasure and export tests."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest

from bookings.constants import AllowanceKind, Field, ReportStatus, Status
from bookings.models import AccessLog, Allowance, BookingEvent, Feedback, Report
from bookings.stats.selectors import StatsPeriod, stats_summary
from core.constants import ActorRole
from institutions.models import Pool
from notifications.constants import MessageKind, MessageStatus
from notifications.models import Message
from tests.bookings.factories import BookingFactory
from tests.institutions.factories import CoordinatorFactory, InstitutionFactory, StaffFactory
from tests.mediators.factories import LanguageFactory, MediatorFactory
from tests.support.people import local

# The clock of these tests: every service gets it as ``now``.
NOW = local(2026, 6, 1, 3, 0)
PAST_YEAR = StatsPeriod(start=datetime.date(2024, 1, 1), end=datetime.date(2024, 12, 31))
LANGUAGES = ["ara", "fas", "ukr", "tur", "tir"]  # seeded by the languages' data migration
THIS_YEAR = StatsPeriod(start=datetime.date(2026, 1, 1), end=datetime.date(2026, 12, 31))


@dataclass
class History:
    pool: Pool
    coordinator: object
    staff: object
    mediator: object
    old: list  # bookings of 2024: past the retention period of 365 days on NOW
    recent: list  # bookings of 2026: within it


def summary(pool: Pool, period: StatsPeriod) -> dict:
    return stats_summary(pools=Pool.objects.filter(pk=pool.pk), period=period, language_code="en")


def personal_booking(pool, *, institution, staff, mediator, starts_at, status, n: int):
    """A booking with everything personal a booking can hold, its report, feedback,
    allowance, events, access-log row and a sent message."""
    booking = BookingFactory(
        pool=pool,
        institution=institution,
        language=LanguageFactory(code=LANGUAGES[n % len(LANGUAGES)]),
        starts_at=starts_at,
        duration_minutes=90,
        field=Field.SCHOOL if n % 2 else Field.HEALTH,
        status=status,
        mediator=mediator if status != Status.UNFILLED else None,
        requested_by=staff.user,
        case_reference=f"AZ-{n}-Familie",
        notes=f"Vater spricht nur Dari ({n})",
        contact_name="Frau Beispiel",
        contact_phone="02162 123456",
        cancellation_reason="Familie verzogen" if status == Status.CANCELLED else "",
        confirmed_at=starts_at - datetime.timedelta(days=3),
    )
    BookingEvent.objects.create(
        booking=booking,
        actor=staff.user,
        actor_role=ActorRole.INSTITUTION,
        from_status="",
        to_status=Status.REQUESTED,
        reason="Gespräch mit Herrn Nachname",
    )
    if status == Status.CLOSED:
        Report.objects.create(
            booking=booking,
            actual_minutes=75,
            travel_km=Decimal("12.5"),
            travel_minutes=20,
            status=ReportStatus.CONFIRMED,
            dispute_reason="Herr X kam später",
            reviewed_by=staff.user,
        )
        Feedback.objects.create(
            booking=booking, rating=4, comment="Frau Y hat toll gedolmetscht", created_by=staff.user
        )
        Allowance.objects.create(
            mediator=mediator,
            booking=booking,
            kind=AllowanceKind.APPOINTMENT,
            day=starts_at.date(),
            amount_cents=3000 + n,
            breakdown={"minutes": 75},
        )
    AccessLog.objects.create(booking=booking, pool=pool, user=staff.user, action="read")
    Message.objects.create(
        pool=pool,
        kind=MessageKind.BOOKING_CONFIRMED,
        idempotency_key=f"test-{booking.pk}",
        status=MessageStatus.SENT,
        recipient_email=staff.user.email or "staff@example.org",
        recipient_name="Frau Beispiel",
        recipient_user=staff.user,
        booking=booking,
        sent_at=starts_at - datetime.timedelta(days=2),
    )
    return booking


@pytest.fixture
def history(db) -> History:
    pool = CoordinatorFactory().pool
    Pool.objects.filter(pk=pool.pk).update(retention_days=365)
    pool.refresh_from_db()
    coordinator = pool.coordinators.get()
    institution = InstitutionFactory(pool=pool)
    staff = StaffFactory(institution=institution)
    mediator = MediatorFactory(pool=pool, phone="0176 555")
    statuses = [Status.CLOSED, Status.CLOSED, Status.CANCELLED, Status.UNFILLED, Status.CLOSED]
    old = [
        personal_booking(
            pool,
            institution=institution,
            staff=staff,
            mediator=mediator,
            starts_at=local(2024, 3 + n, 10 + n, 9, 0),
            status=status,
            n=n,
        )
        for n, status in enumerate(statuses)
    ]
    recent = [
        personal_booking(
            pool,
            institution=institution,
            staff=staff,
            mediator=mediator,
            starts_at=local(2026, 2, 10 + n, 9, 0),
            status=Status.CLOSED,
            n=10 + n,
        )
        for n in range(2)
    ]
    return History(pool, coordinator, staff, mediator, old, recent)
