"""The cast of the API tests: one pool with two institutions and a mediator, and a second pool.

``own`` objects belong to the caller's own institution (or are the mediator's own), ``other``
objects to another institution of the same pool, ``foreign`` objects to another pool.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone
from rest_framework.test import APIClient

from bookings.constants import Status
from bookings.models import Booking
from institutions.constants import StaffRole
from institutions.models import Coordinator, Institution, Location, Pool, Staff
from mediators.models import Mediator
from tests.bookings.factories import BookingFactory
from tests.institutions.factories import (
    CoordinatorFactory,
    InstitutionFactory,
    LocationFactory,
    PoolFactory,
    StaffFactory,
    TownFactory,
)
from tests.mediators.factories import MediatorFactory

ROLES = ("anonymous", "coordinator", "requester", "admin", "mediator")


@dataclass
class World:
    pool: Pool
    coordinator: Coordinator
    institution: Institution
    location: Location
    requester: Staff
    admin: Staff
    mediator: Mediator
    other_institution: Institution
    other_location: Location
    other_mediator: Mediator
    foreign_pool: Pool
    foreign_institution: Institution
    foreign_location: Location
    foreign_mediator: Mediator

    def user(self, role: str):
        return {
            "anonymous": None,
            "coordinator": self.coordinator.user,
            "requester": self.requester.user,
            "admin": self.admin.user,
            "mediator": self.mediator.user,
        }[role]

    def client(self, role: str) -> APIClient:
        client = APIClient()
        user = self.user(role)
        if user is not None:
            client.force_authenticate(user=user)
        return client

    def booking(self, where: str = "own", **fields) -> Booking:
        """A booking of the own institution, another of the pool, or another pool's."""
        institution, location = {
            "own": (self.institution, self.location),
            "other": (self.other_institution, self.other_location),
            "foreign": (self.foreign_institution, self.foreign_location),
        }[where]
        fields.setdefault("starts_at", timezone.now() + datetime.timedelta(days=14))
        return BookingFactory(institution=institution, location=location, **fields)

    def confirmed_booking(self, where: str = "own", mediator: Mediator | None = None, **fields):
        mediator = mediator or (self.foreign_mediator if where == "foreign" else self.mediator)
        fields.setdefault("status", Status.CONFIRMED)
        return self.booking(where, mediator=mediator, **fields)


def build_world() -> World:
    town = TownFactory(name="Viersen", district="Kreis Viersen")
    pool = PoolFactory(name="KI Kreis Viersen")
    institution = InstitutionFactory(pool=pool, name="Grundschule Rahser", town=town)
    other_institution = InstitutionFactory(pool=pool, name="Kita Sonnenschein", town=town)
    foreign_pool = PoolFactory(name="KI Kreis Kleve", district="Kreis Kleve")
    foreign_institution = InstitutionFactory(pool=foreign_pool, name="Gesamtschule Kleve")
    return World(
        pool=pool,
        coordinator=CoordinatorFactory(pool=pool),
        institution=institution,
        location=LocationFactory(institution=institution),
        requester=StaffFactory(institution=institution, role=StaffRole.REQUESTER),
        admin=StaffFactory(institution=institution, role=StaffRole.ADMIN),
        mediator=MediatorFactory(pool=pool),
        other_institution=other_institution,
        other_location=LocationFactory(institution=other_institution),
        other_mediator=MediatorFactory(pool=pool),
        foreign_pool=foreign_pool,
        foreign_institution=foreign_institution,
        foreign_location=LocationFactory(institution=foreign_institution),
        foreign_mediator=MediatorFactory(pool=foreign_pool),
    )
