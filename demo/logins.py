"""The demo logins' own appointments, so that each login has something to do on any day the
demo is loaded: amira and yusuf at the two demo institutions (schule, jugendamt).

- yesterday's appointment of each waits for the mediator's report;
- the one of the working day before is reported and waits for the institution's confirmation;
- two of each in the previous calendar month are closed, so last month's statement shows
  what they earned (three weeks back from the 31st would not reach the previous month).

They are booked first, before the rest of the story fills the mediators' weeks.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from bookings.constants import Status
from bookings.matching.rules import road_km
from bookings.services import booking_approve
from core.time import BERLIN
from institutions.models import Institution
from mediators.models import Mediator

from .aftermath import CLOSED, REPORTED, UNREPORTED

if TYPE_CHECKING:
    from .bookings import BookingStory

DAY = datetime.timedelta(days=1)


def book_for_the_logins(story: BookingStory) -> None:
    mediators = {m.user.username: m for m in story.demo_mediators}
    amira, yusuf = mediators["amira"], mediators["yusuf"]
    schule, jugendamt = _institution_of(story, "schule"), _institution_of(story, "jugendamt")
    today = story.now.astimezone(BERLIN).date()
    yesterday = _working_day_before(today)
    before = _working_day_before(yesterday)
    last_month = _working_days_of_previous_month(today)  # at least 20
    plan = (
        (amira, jugendamt, yesterday, 10, UNREPORTED),
        (yusuf, schule, yesterday, 14, UNREPORTED),
        (amira, schule, before, 11, REPORTED),
        (yusuf, jugendamt, before, 9, REPORTED),
        (amira, schule, last_month[5], 10, CLOSED),
        (yusuf, jugendamt, last_month[7], 10, CLOSED),
        (amira, jugendamt, last_month[12], 14, CLOSED),
        (yusuf, schule, last_month[14], 11, CLOSED),
    )
    for mediator, institution, day, hour, fate in plan:
        starts_at = datetime.datetime.combine(day, datetime.time(hour), tzinfo=BERLIN)
        requested_at = starts_at - story.rng.randint(14, 25) * DAY
        booking = story.request(institution, starts_at, requested_at, minutes=60, suits=mediator)
        if booking.status == Status.AWAITING_APPROVAL:  # the school's budget is small
            booking_approve(booking=booking, actor=story.coordinator, reason="Budget aufgestockt.")
            story.timeline.step(requested_at + DAY)
        assigned_at = requested_at + story.rng.randint(1, 4) * DAY
        holder = story.assign(booking, assigned_at, prefer=mediator.pk)
        if holder is None:
            story.unfilled(booking)
            continue
        story.took_place(booking)
        if holder.pk == mediator.pk:
            story.fates[booking.pk] = fate


def within_reach(mediator: Mediator, institution: Institution) -> bool:
    """Every place of the institution lies within the mediator's travel range."""
    if mediator.home_latitude is None or mediator.home_longitude is None:
        return False
    return all(
        road_km(mediator.home_latitude, mediator.home_longitude, loc.latitude, loc.longitude)
        <= mediator.max_travel_km
        for loc in institution.locations.all()
        if loc.latitude is not None and loc.longitude is not None
    )


def _institution_of(story: BookingStory, username: str) -> Institution:
    return next(
        institution
        for institution in story.cast.institutions
        if any(staff.user.username == username for staff in story.cast.requesters[institution.pk])
    )


def _working_day_before(day: datetime.date) -> datetime.date:
    day -= DAY
    while day.weekday() >= 5:
        day -= DAY
    return day


def _working_days_of_previous_month(today: datetime.date) -> list[datetime.date]:
    last = today.replace(day=1) - DAY
    first = last.replace(day=1)
    days = (first + n * DAY for n in range((last - first).days + 1))
    return [day for day in days if day.weekday() < 5]
