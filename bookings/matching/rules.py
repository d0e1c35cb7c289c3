"""The hard rules of matching as pure functions: no database, no Django models.

The eligibility selector evaluates the same rules in the database; the batch planner and
the property tests use these functions directly. Times are aware datetimes (UTC in the
database); weekly availability and absences are local wall-clock time in Europe/Berlin.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from core.time import BERLIN, local_date, time_of_day

EARTH_RADIUS_KM = 6371.0088
# Roads are longer than the great circle; 1.3 is the usual detour factor for rural districts.
ROAD_FACTOR = 1.3
# Average door-to-door speed by car or bus in a rural district, and a fixed allowance for
# parking, walking and finding the room.
TRAVEL_SPEED_KMH = 40.0
TRAVEL_FIXED_MINUTES = 5

ON_SITE = "on_site"


# --- Snapshots ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Slot:
    """A weekly availability slot in local time; weekday 0 is Monday; [start, end). An end
    of 00:00 is 24:00 (``core.time.MIDNIGHT``)."""

    weekday: int
    start: datetime.time
    end: datetime.time


@dataclass(frozen=True, slots=True)
class DateSlot:
    """One-off availability: a date with hours in local time; [start, end). An end of 00:00
    is 24:00. It covers an appointment on its own (not joined with the weekly slots)."""

    day: datetime.date
    start: datetime.time
    end: datetime.time


@dataclass(frozen=True, slots=True)
class Absence:
    """Whole local days, both inclusive."""

    starts_on: datetime.date
    ends_on: datetime.date


@dataclass(frozen=True, slots=True)
class Appointment:
    """What the rules need to know of a booking (the request or one the mediator holds)."""

    starts_at: datetime.datetime
    ends_at: datetime.datetime
    mode: str = ON_SITE
    latitude: float | None = None
    longitude: float | None = None
    booking_id: int | None = None

    def __post_init__(self) -> None:
        # In UTC, so that the travel gap and the minutes are elapsed time (a datetime with
        # Europe/Berlin would add and subtract on the wall clock across a DST switch).
        object.__setattr__(self, "starts_at", self.starts_at.astimezone(datetime.UTC))
        object.__setattr__(self, "ends_at", self.ends_at.astimezone(datetime.UTC))

    @property
    def on_site(self) -> bool:
        return self.mode == ON_SITE

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


@dataclass(frozen=True, slots=True)
class SlotWindow:
    """The local wall-clock window the weekly slots must cover for an appointment to be
    covered; an end of 00:00 is 24:00 (the appointment ends at midnight)."""

    weekday: int
    start: datetime.time
    end: datetime.time
    # The local date (for one-off availability, ``DateSlot``); not compared: the weekly
    # window is the same on every such weekday.
    day: datetime.date | None = field(default=None, compare=False)


# --- Travel -------------------------------------------------------------------------------


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance on the mean Earth sphere."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def road_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Estimated road distance: the great circle times the road factor."""
    return great_circle_km(lat1, lon1, lat2, lon2) * ROAD_FACTOR


def travel_minutes(km: float) -> int:
    """Estimated travel time for a road distance; zero for the same place."""
    if km <= 0.05:
        return 0
    return TRAVEL_FIXED_MINUTES + math.ceil(km / TRAVEL_SPEED_KMH * 60)


def within_travel_range(
    *,
    home: tuple[float, float] | None,
    appointment: Appointment,
    max_travel_km: float,
) -> bool:
    """On site only: the road distance from home to the place is within the range.
    Phone and video need no travel; an unknown home or place cannot be judged (False)."""
    if not appointment.on_site:
        return True
    if home is None or appointment.latitude is None or appointment.longitude is None:
        return False
    return road_km(home[0], home[1], appointment.latitude, appointment.longitude) <= max_travel_km


def travel_gap_minutes(a: Appointment, b: Appointment) -> int:
    """Minutes needed between two appointments: travel between the places when both are on
    site; phone and video need none."""
    if not (a.on_site and b.on_site):
        return 0
    if None in (a.latitude, a.longitude, b.latitude, b.longitude):
        return 0
    return travel_minutes(road_km(a.latitude, a.longitude, b.latitude, b.longitude))  # type: ignore[arg-type]


def clashes(a: Appointment, b: Appointment) -> bool:
    """True when one mediator cannot hold both: they overlap, or the gap between them is
    shorter than the travel time from one place to the other."""
    gap = datetime.timedelta(minutes=travel_gap_minutes(a, b))
    return a.starts_at < b.ends_at + gap and b.starts_at < a.ends_at + gap


def clashes_with_any(appointment: Appointment, held: Iterable[Appointment]) -> bool:
    return any(
        clashes(appointment, other)
        for other in held
        if other.booking_id is None or other.booking_id != appointment.booking_id
    )


# --- Local time: availability and absences --------------------------------------------------


def _offset_changes(start: datetime.datetime, end: datetime.datetime) -> list[datetime.datetime]:
    """The instants in (start, end) at which the local UTC offset changes (DST switches)."""
    changes: list[datetime.datetime] = []
    lo = start
    while (
        lo < end
        and lo.astimezone(BERLIN).utcoffset()
        != (end - datetime.timedelta(microseconds=1)).astimezone(BERLIN).utcoffset()
    ):
        offset_lo = lo.astimezone(BERLIN).utcoffset()
        low, high = lo, end
        # Binary search to the second; switches happen on whole hours.
        while (high - low) > datetime.timedelta(seconds=1):
            mid = low + (high - low) / 2
            if mid.astimezone(BERLIN).utcoffset() == offset_lo:
                low = mid
            else:
                high = mid
        switch = high.replace(microsecond=0)
        if switch <= lo:
            break
        changes.append(switch)
        lo = switch
    return changes


def required_slot_window(
    starts_at: datetime.datetime, ends_at: datetime.datetime
) -> SlotWindow | None:
    """The local wall-clock window [start, end] the weekly slots must cover so that the
    appointment lies inside them; None when the appointment spans two local days. One that
    ends at midnight ends at 24:00 (an end of 00:00).

    Wall-clock times are taken piece by piece between daylight-saving switches, each piece
    with its own offset. On the spring day the clock jumps forward, so 01:30–03:30 local
    (one real hour) needs a slot until 03:30. On the autumn day 02:00–03:00 happens twice;
    an appointment running through the switch passes every wall time of both pieces, so a
    slot must contain all of them.
    """
    if ends_at <= starts_at:
        return None
    # Elapsed time between the bounds (see ``core.time.add_duration``).
    starts_at, ends_at = starts_at.astimezone(datetime.UTC), ends_at.astimezone(datetime.UTC)
    bounds = [starts_at, *_offset_changes(starts_at, ends_at), ends_at]
    day: datetime.date | None = None
    lo: datetime.datetime | None = None
    hi: datetime.datetime | None = None
    for piece_start, piece_end in zip(bounds, bounds[1:], strict=False):
        offset = piece_start.astimezone(BERLIN).utcoffset()
        assert offset is not None  # noqa: S101  # zoneinfo always answers for aware datetimes; narrows the type  # nosec B101
        wall_start = (piece_start.astimezone(datetime.UTC) + offset).replace(tzinfo=None)
        wall_end = (piece_end.astimezone(datetime.UTC) + offset).replace(tzinfo=None)
        if day is None:
            day = wall_start.date()
        ends_at_midnight = wall_end == datetime.datetime.combine(
            day + datetime.timedelta(days=1), datetime.time(0)
        )
        if wall_start.date() != day or (wall_end.date() != day and not ends_at_midnight):
            return None  # spans midnight: no weekly slot contains it
        lo = wall_start if lo is None else min(lo, wall_start)
        hi = wall_end if hi is None else max(hi, wall_end)
    assert day is not None and lo is not None and hi is not None  # noqa: S101  # the loop ran at least once; narrows the type  # nosec B101
    return SlotWindow(weekday=day.weekday(), start=lo.time(), end=hi.time(), day=day)


Span = tuple[datetime.timedelta, datetime.timedelta]


def joined_spans(slots: Iterable[Slot], weekday: int) -> list[Span]:
    """The weekday's slots as spans since local midnight, those that touch (08-12, 12-16)
    or overlap joined into one (08-16); sorted. An end of 00:00 is 24:00."""
    spans = sorted(
        (time_of_day(s.start), time_of_day(s.end, end=True)) for s in slots if s.weekday == weekday
    )
    joined: list[Span] = []
    for start, end in spans:
        if end <= start:
            continue
        if joined and start <= joined[-1][1]:
            joined[-1] = (joined[-1][0], max(joined[-1][1], end))
        else:
            joined.append((start, end))
    return joined


def dated_spans(dated: Iterable[DateSlot], day: datetime.date | None) -> list[Span]:
    """The one-off times of a date as spans since local midnight, joined like
    ``joined_spans``."""
    if day is None:
        return []
    same_day = [Slot(0, d.start, d.end) for d in dated if d.day == day]
    return joined_spans(same_day, 0)


def window_span(window: SlotWindow) -> Span:
    return time_of_day(window.start), time_of_day(window.end, end=True)


def window_covered(
    slots: Iterable[Slot], window: SlotWindow, dated: Iterable[DateSlot] = ()
) -> bool:
    """The weekly slots, adjacent ones joined, cover the whole window - or the one-off
    times of its date do (``DateSlot``, joined among themselves)."""
    lo, hi = window_span(window)
    spans = [*joined_spans(slots, window.weekday), *dated_spans(dated, window.day)]
    return any(start <= lo and hi <= end for start, end in spans)


def slots_cover(
    slots: Iterable[Slot],
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    dated: Iterable[DateSlot] = (),
) -> bool:
    """True when the weekly slots (local time) cover the whole appointment [start, end), or
    the one-off times of its date do. Slots that touch join: 08:00-12:00 and 12:00-16:00
    cover 11:30-12:30. A slot may end at 24:00 (an end of 00:00); nothing covers an
    appointment that runs over midnight."""
    window = required_slot_window(starts_at, ends_at)
    if window is None:
        return False
    return window_covered(slots, window, dated)


def local_days(
    starts_at: datetime.datetime, ends_at: datetime.datetime
) -> tuple[datetime.date, ...]:
    """The local days an appointment [start, end) touches (first and last inclusive)."""
    first = local_date(starts_at)
    last = local_date(ends_at - datetime.timedelta(microseconds=1))
    days = [first]
    while days[-1] < last:
        days.append(days[-1] + datetime.timedelta(days=1))
    return tuple(days)


def absent_during(
    absences: Iterable[Absence], starts_at: datetime.datetime, ends_at: datetime.datetime
) -> bool:
    """True when an absence (whole local days) touches the appointment."""
    days = local_days(starts_at, ends_at)
    first, last = days[0], days[-1]
    return any(a.starts_on <= last and first <= a.ends_on for a in absences)


# --- Hour limits ----------------------------------------------------------------------------


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(0), tzinfo=BERLIN).astimezone(datetime.UTC)


def iso_week_bounds(at: datetime.datetime) -> tuple[datetime.datetime, datetime.datetime]:
    """[Monday 00:00, next Monday 00:00) local, as UTC instants, of the ISO week of ``at``."""
    day = local_date(at)
    monday = day - datetime.timedelta(days=day.weekday())
    return _local_midnight(monday), _local_midnight(monday + datetime.timedelta(days=7))


def month_bounds(at: datetime.datetime) -> tuple[datetime.datetime, datetime.datetime]:
    """[first 00:00, first of next month 00:00) local, as UTC instants, of the month of ``at``."""
    day = local_date(at)
    first = day.replace(day=1)
    nxt = (first + datetime.timedelta(days=32)).replace(day=1)
    return _local_midnight(first), _local_midnight(nxt)


def minutes_in(
    held: Iterable[Appointment], bounds: tuple[datetime.datetime, datetime.datetime]
) -> int:
    """Minutes of held appointments that start within the bounds."""
    lo, hi = bounds
    return sum(a.minutes for a in held if lo <= a.starts_at < hi)


def within_hour_limits(
    appointment: Appointment,
    held: Iterable[Appointment],
    *,
    max_hours_per_week: float,
    max_hours_per_month: float,
) -> bool:
    """The appointment fits into the ISO week's and the month's hour limits (each counted by
    the local day the appointments start on)."""
    others = [a for a in held if a.booking_id is None or a.booking_id != appointment.booking_id]
    week = minutes_in(others, iso_week_bounds(appointment.starts_at)) + appointment.minutes
    month = minutes_in(others, month_bounds(appointment.starts_at)) + appointment.minutes
    return week <= max_hours_per_week * 60 and month <= max_hours_per_month * 60
