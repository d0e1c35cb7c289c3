"""A fast in-memory pass over the matching engine's hard rules, so that the demo's bookings
are plausible without running the engine ~150 times: language (and dialect), level, vetting,
police certificate for settings with children, declined topics, weekly availability in local
time, absences, no clash (travel gaps from ``bookings.matching.rules``), travel range and
weekly hours. Among the eligible it prefers the least busy mediator.
"""

from __future__ import annotations

import random
from collections import defaultdict

from bookings.matching.rules import Appointment, clashes_with_any, within_travel_range
from bookings.models import Booking
from core.time import BERLIN
from mediators.constants import USABLE_LEVEL
from mediators.models import Mediator


def appointment_of(booking: Booking) -> Appointment:
    location = booking.location
    return Appointment(
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
        mode=booking.mode,
        latitude=location.latitude if location else None,
        longitude=location.longitude if location else None,
        booking_id=booking.pk,
    )


class DemoPlanner:
    def __init__(self, mediators: list[Mediator], rng: random.Random) -> None:
        self.rng = rng
        self.mediators = [
            m
            for m in Mediator.objects.filter(pk__in=[m.pk for m in mediators]).prefetch_related(
                "languages", "availability", "absences"
            )
        ]
        self.held: dict[int, list[Appointment]] = defaultdict(list)
        self.week_minutes: dict[tuple[int, int, int], int] = defaultdict(int)
        self.total_minutes: dict[int, int] = defaultdict(int)

    def eligible(self, booking: Booking, mediator: Mediator) -> bool:
        local_start = booking.starts_at.astimezone(BERLIN)
        local_end = booking.ends_at.astimezone(BERLIN)
        day = local_start.date()
        speaks = any(
            ml.language_id == booking.language_id
            and ml.level >= USABLE_LEVEL
            and (booking.dialect_id is None or ml.dialect_id == booking.dialect_id)
            for ml in mediator.languages.all()
        )
        if not (speaks and mediator.active and mediator.is_vetted):
            return False
        if booking.with_children and not mediator.police_certificate_valid_on(day):
            return False
        if booking.topic and booking.topic in (mediator.declined_topics or []):
            return False
        if booking.gender_preference and booking.gender_preference != mediator.gender:
            return False
        if not any(
            slot.weekday == day.weekday()
            and slot.start_time <= local_start.time()
            and local_end.date() == day
            and local_end.time() <= slot.end_time
            for slot in mediator.availability.all()
        ):
            return False
        if any(a.starts_on <= day <= a.ends_on for a in mediator.absences.all()):
            return False
        appointment = appointment_of(booking)
        if clashes_with_any(appointment, self.held[mediator.pk]):
            return False
        week = (mediator.pk, *local_start.isocalendar()[:2])
        if self.week_minutes[week] + booking.duration_minutes > mediator.max_hours_per_week * 60:
            return False
        home = (
            (mediator.home_latitude, mediator.home_longitude)
            if mediator.home_latitude is not None and mediator.home_longitude is not None
            else None
        )
        return within_travel_range(
            home=home, appointment=appointment, max_travel_km=mediator.max_travel_km
        )

    def pick(
        self,
        booking: Booking,
        *,
        prefer: int | None = None,
        exclude: set[int] | frozenset[int] = frozenset(),
    ) -> Mediator | None:
        candidates = [
            m for m in self.mediators if m.pk not in exclude and self.eligible(booking, m)
        ]
        if not candidates:
            return None
        preferred = [m for m in candidates if m.pk == prefer]
        if preferred:
            return preferred[0]
        self.rng.shuffle(candidates)
        return min(candidates, key=lambda m: self.total_minutes[m.pk])

    def hold(self, booking: Booking, mediator: Mediator) -> None:
        self.held[mediator.pk].append(appointment_of(booking))
        local_start = booking.starts_at.astimezone(BERLIN)
        self.week_minutes[(mediator.pk, *local_start.isocalendar()[:2])] += booking.duration_minutes
        self.total_minutes[mediator.pk] += booking.duration_minutes

    def release(self, booking: Booking, mediator: Mediator) -> None:
        self.held[mediator.pk] = [a for a in self.held[mediator.pk] if a.booking_id != booking.pk]
        local_start = booking.starts_at.astimezone(BERLIN)
        self.week_minutes[(mediator.pk, *local_start.isocalendar()[:2])] -= booking.duration_minutes
        self.total_minutes[mediator.pk] -= booking.duration_minutes
