"""A small stand-in for the matching engine, so that the demo's bookings are plausible:
language (and dialect), level, vetting, police certificate for settings with children,
declined topics, weekly availability in local time, absences, no overlap (with a travel gap),
travel range and weekly hours. Among the eligible it prefers the least busy mediator.
"""

from __future__ import annotations

import datetime
import math
import random
from collections import defaultdict
from zoneinfo import ZoneInfo

from bookings.constants import Mode
from bookings.models import Booking
from mediators.constants import USABLE_LEVEL
from mediators.models import Mediator

BERLIN = ZoneInfo("Europe/Berlin")
TRAVEL_GAP = datetime.timedelta(minutes=30)


def km_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine) in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


class DemoPlanner:
    def __init__(self, mediators: list[Mediator], rng: random.Random) -> None:
        self.rng = rng
        self.mediators = [
            m
            for m in Mediator.objects.filter(pk__in=[m.pk for m in mediators]).prefetch_related(
                "languages", "availability", "absences"
            )
        ]
        self.held: dict[int, list[tuple[datetime.datetime, datetime.datetime]]] = defaultdict(list)
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
        if any(
            start < booking.ends_at + TRAVEL_GAP and booking.starts_at < end + TRAVEL_GAP
            for start, end in self.held[mediator.pk]
        ):
            return False
        week = (mediator.pk, *local_start.isocalendar()[:2])
        if self.week_minutes[week] + booking.duration_minutes > mediator.max_hours_per_week * 60:
            return False
        if booking.mode == Mode.ON_SITE and booking.location and mediator.home_latitude:
            distance = km_between(
                mediator.home_latitude,
                mediator.home_longitude or 0.0,
                booking.location.latitude,
                booking.location.longitude,
            )
            if distance > mediator.max_travel_km:
                return False
        return True

    def pick(
        self, booking: Booking, *, prefer: int | None = None, exclude: int | None = None
    ) -> Mediator | None:
        candidates = [m for m in self.mediators if m.pk != exclude and self.eligible(booking, m)]
        if not candidates:
            return None
        preferred = [m for m in candidates if m.pk == prefer]
        if preferred:
            return preferred[0]
        self.rng.shuffle(candidates)
        return min(candidates, key=lambda m: self.total_minutes[m.pk])

    def hold(self, booking: Booking, mediator: Mediator) -> None:
        self.held[mediator.pk].append((booking.starts_at, booking.ends_at))
        local_start = booking.starts_at.astimezone(BERLIN)
        self.week_minutes[(mediator.pk, *local_start.isocalendar()[:2])] += booking.duration_minutes
        self.total_minutes[mediator.pk] += booking.duration_minutes

    def release(self, booking: Booking, mediator: Mediator) -> None:
        self.held[mediator.pk].remove((booking.starts_at, booking.ends_at))
        local_start = booking.starts_at.astimezone(BERLIN)
        self.week_minutes[(mediator.pk, *local_start.isocalendar()[:2])] -= booking.duration_minutes
        self.total_minutes[mediator.pk] -= booking.duration_minutes
