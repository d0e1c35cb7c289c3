"""Small builders for matching tests: a pool, places, mediators who could take a booking."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model

from bookings.constants import Field, Mode, Status
from bookings.models import Booking
from core.time import add_minutes
from mediators.constants import Gender, LanguageLevel
from mediators.models import AvailabilitySlot, Language, Mediator, MediatorLanguage
from tests.bookings.factories import BookingFactory
from tests.institutions.factories import InstitutionFactory, LocationFactory, PoolFactory
from tests.mediators.factories import (
    AvailabilitySlotFactory,
    LanguageFactory,
    MediatorFactory,
    MediatorLanguageFactory,
)

BERLIN = ZoneInfo("Europe/Berlin")
VIERSEN = (51.2562, 6.3905)
KEMPEN = (51.3658, 6.4194)
NETTETAL = (51.3167, 6.2833)
AACHEN = (50.7753, 6.0839)

# The matching tests' clock, and a Tuesday six weeks later (10:00–11:00 local). Tests pass
# ``now=NOW`` to the services; where a request, a page or a task reads the clock itself, the
# module freezes time at NOW (``tests.clock.frozen``), so DAY is ahead on any date.
NOW = datetime.datetime(2026, 12, 1, 9, tzinfo=datetime.UTC)
DAY = datetime.date(2027, 1, 12)


def at(day: datetime.date = DAY, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=BERLIN)


def arabic() -> Language:
    return LanguageFactory(code="ara")


def make_pool(**kwargs):
    return PoolFactory(**kwargs)


EVERY_DAY_FROM_6 = tuple((weekday, 6) for weekday in range(7))


def make_mediator(pool, *, home=VIERSEN, language=None, level=LanguageLevel.FLUENT, dialect=None,
                  slots=EVERY_DAY_FROM_6, **kwargs) -> Mediator:  # fmt: skip
    """A vetted, active mediator who speaks Arabic and is available 06:00–22:00 every day."""
    mediator = MediatorFactory(
        pool=pool, home_latitude=home[0], home_longitude=home[1], max_travel_km=30, **kwargs
    )
    MediatorLanguageFactory(
        mediator=mediator, language=language or arabic(), level=level, dialect=dialect
    )
    for weekday, start in slots:
        AvailabilitySlotFactory(
            mediator=mediator,
            weekday=weekday,
            start_time=datetime.time(start),
            end_time=datetime.time(22),
        )
    return mediator


def make_booking(pool=None, *, institution=None, starts_at=None, minutes=60, place=VIERSEN,
                 mode=Mode.ON_SITE, status=Status.REQUESTED, **kwargs) -> Booking:  # fmt: skip
    institution = institution or InstitutionFactory(pool=pool or make_pool())
    starts_at = starts_at or at()
    location = None
    if mode == Mode.ON_SITE:
        location = LocationFactory(institution=institution, latitude=place[0], longitude=place[1])
    return BookingFactory(
        institution=institution,
        pool=institution.pool,
        language=kwargs.pop("language", None) or arabic(),
        starts_at=starts_at,
        duration_minutes=minutes,
        ends_at=add_minutes(starts_at, minutes),
        mode=mode,
        location=location,
        status=status,
        field=kwargs.pop("field", Field.SCHOOL),
        **kwargs,
    )


def hold(mediator, *, status=Status.CONFIRMED, **kwargs) -> Booking:
    """A booking the mediator holds (confirmed unless told otherwise)."""
    pool = kwargs.pop("pool", None) or mediator.pool
    return make_booking(pool, status=status, mediator=mediator, **kwargs)


def bulk_mediators(pool, n: int, *, language=None, prefix="bulk") -> list[Mediator]:
    """n eligible mediators written with bulk_create (for the query-count tests)."""
    user_model = get_user_model()
    users = user_model.objects.bulk_create(
        [user_model(username=f"{prefix}-{pool.pk}-{i}") for i in range(n)]
    )
    mediators = Mediator.objects.bulk_create(
        [
            Mediator(
                user=u,
                pool=pool,
                gender=Gender.FEMALE if i % 2 else Gender.MALE,
                home_postal_code="41747",
                home_latitude=VIERSEN[0] + (i % 20) * 0.002,
                home_longitude=VIERSEN[1],
                training_completed_on=datetime.date(2025, 1, 1),
                pledge_signed_on=datetime.date(2025, 1, 1),
                police_certificate_valid_until=datetime.date(2030, 1, 1),
            )
            for i, u in enumerate(users)
        ]
    )
    language = language or arabic()
    MediatorLanguage.objects.bulk_create(
        [
            MediatorLanguage(mediator=m, language=language, level=LanguageLevel.FLUENT)
            for m in mediators
        ]
    )
    AvailabilitySlot.objects.bulk_create(
        [
            AvailabilitySlot(
                mediator=m, weekday=d, start_time=datetime.time(6), end_time=datetime.time(22)
            )
            for m in mediators
            for d in range(7)
        ]
    )
    return mediators
