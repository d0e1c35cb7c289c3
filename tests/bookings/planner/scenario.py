"""A pool where planning all requests at once beats taking them one after another."""

from __future__ import annotations

from dataclasses import dataclass

from bookings.models import Booking
from mediators.models import Mediator
from tests.bookings.matching.scenario import DAY, KEMPEN, VIERSEN, at, make_booking, make_mediator
from tests.institutions.factories import CoordinatorFactory, InstitutionFactory, PoolFactory
from tests.mediators.factories import LanguageFactory, MediatorLanguageFactory


@dataclass
class Versatile:
    pool: object
    coordinator: object
    both: Mediator  # Arabic and Tigrinya, next door
    arabic_only: Mediator  # further away
    arabic: Booking
    tigrinya: Booking


def versatile_pool() -> Versatile:
    """One mediator speaks Arabic and Tigrinya and lives next door, one speaks only Arabic
    and lives further away; an Arabic and a Tigrinya request at the same time. Greedy gives
    the Arabic request to the nearest and leaves Tigrinya open; the planner fills both."""
    pool = PoolFactory()
    institution = InstitutionFactory(pool=pool)
    tigrinya = LanguageFactory(code="tir", name_de="Tigrinya", name_en="Tigrinya")
    both = make_mediator(pool, home=VIERSEN)
    MediatorLanguageFactory(mediator=both, language=tigrinya)
    arabic_only = make_mediator(pool, home=KEMPEN)
    return Versatile(
        pool=pool,
        coordinator=CoordinatorFactory(pool=pool),
        both=both,
        arabic_only=arabic_only,
        arabic=make_booking(institution=institution, starts_at=at(DAY, 10), place=VIERSEN),
        tigrinya=make_booking(
            institution=institution, starts_at=at(DAY, 10), place=VIERSEN, language=tigrinya
        ),
    )
