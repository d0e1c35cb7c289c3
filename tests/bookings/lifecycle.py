"""Small builders for the lifecycle rule tests: people of one pool and bookings in a state.

Bookings in a given state are written with the factory (the state's history is not the
subject); the rule under test always goes through ``bookings.services``.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from bookings.constants import Status
from bookings.models import Booking
from tests.bookings.factories import BookingFactory
from tests.institutions.factories import (
    CoordinatorFactory,
    InstitutionFactory,
    LocationFactory,
    PoolFactory,
    StaffFactory,
)
from tests.mediators.factories import MediatorFactory

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(*args: int) -> datetime.datetime:
    """An aware datetime from local wall-clock time in Europe/Berlin."""
    return datetime.datetime(*args, tzinfo=BERLIN)  # noqa: DTZ001


def staff_of(institution=None, **pool_settings):
    """Institution staff (with a location) of a fresh pool unless an institution is given."""
    if institution is None:
        institution = InstitutionFactory(pool=PoolFactory(**pool_settings))
    staff = StaffFactory(institution=institution)
    LocationFactory(institution=institution)
    return staff


def held_booking(
    *, status: str = Status.CONFIRMED, mediator=None, institution=None, **fields
) -> Booking:
    """A booking a mediator holds (confirmed, completed or closed)."""
    if institution is None:
        pool = mediator.pool if mediator is not None else PoolFactory()
        institution = InstitutionFactory(pool=pool)
    if mediator is None:
        mediator = MediatorFactory(pool=institution.pool)
    return BookingFactory(status=status, mediator=mediator, institution=institution, **fields)


def coordinator_of(pool):
    return CoordinatorFactory(pool=pool)


def spy_on(monkeypatch, *targets: str) -> list[dict]:
    """Record the calls of a notification hook where the given modules use it."""
    calls: list[dict] = []
    for target in targets:
        monkeypatch.setattr(target, lambda **kwargs: calls.append(kwargs))
    return calls
