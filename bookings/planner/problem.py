"""Plain data a plan is computed from: requests, mediators with what they already hold.

Nothing here touches the database, so the same engines run on a pool loaded from the
database and on a generated benchmark instance. Requests and held bookings have the
attributes of ``bookings.matching.rules.Appointment`` (``starts_at``, ``ends_at``,
``on_site``, ``latitude``, ``longitude``), so the matching engine's pure rules apply to
them. Times are aware UTC datetimes; local keys (day, ISO week, month) are in
Europe/Berlin, where the hour limits are counted.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from bookings.matching.checks import normalise_case_reference
from bookings.matching.rules import Absence, DateSlot, Slot, SlotWindow, required_slot_window
from core.time import add_minutes, local_date

WeekKey = tuple[int, int]
MonthKey = tuple[int, int]


def local_keys(starts_at: datetime.datetime) -> tuple[datetime.date, WeekKey, MonthKey]:
    """The local day, ISO week and month a booking counts towards (by its local start)."""
    day = local_date(starts_at)
    iso = day.isocalendar()
    return day, (iso.year, iso.week), (day.year, day.month)


@dataclass(slots=True)
class Held:
    """A booking the mediator already holds (confirmed or later). Every held booking is
    listed (also outside the period): the hour limits count them by local week and month."""

    starts_at: datetime.datetime
    ends_at: datetime.datetime
    on_site: bool
    latitude: float | None = None
    longitude: float | None = None
    booking_id: int | None = None


@dataclass(slots=True)
class Request:
    id: int
    language: str
    starts_at: datetime.datetime
    duration_minutes: int
    on_site: bool
    latitude: float | None = None
    longitude: float | None = None
    dialect: str | None = None
    urgent: bool = False
    with_children: bool = False
    topic: str = ""
    gender_preference: str = ""
    institution_id: int = 0
    case_reference: str = ""
    # Derived in __post_init__.
    ends_at: datetime.datetime = field(init=False)
    day: datetime.date = field(init=False)
    week: WeekKey = field(init=False)
    month: MonthKey = field(init=False)
    # The local window one weekly slot must contain (None: spans two local days).
    window: SlotWindow | None = field(init=False)
    case_key: str = field(init=False)

    def __post_init__(self) -> None:
        # Elapsed time: the end of 01:30 + 2 h on the night the clocks go back is 02:30.
        self.starts_at = self.starts_at.astimezone(datetime.UTC)
        self.ends_at = add_minutes(self.starts_at, self.duration_minutes)
        self.day, self.week, self.month = local_keys(self.starts_at)
        self.window = required_slot_window(self.starts_at, self.ends_at)
        self.case_key = normalise_case_reference(self.case_reference)

    @property
    def booking_id(self) -> int:
        return self.id


@dataclass(slots=True)
class Mediator:
    id: int
    languages: frozenset[tuple[str, str | None]]
    gender: str
    latitude: float | None
    longitude: float | None
    max_travel_km: int
    max_minutes_per_week: int
    max_minutes_per_month: int
    # Weekly availability in local wall-clock time and absences as whole local days.
    slots: tuple[Slot, ...]
    absences: tuple[Absence, ...] = ()
    # One-off availability (dates with hours), in addition to the weekly slots.
    dated_slots: tuple[DateSlot, ...] = ()
    vetted: bool = True
    police_certificate_valid_until: datetime.date | None = None
    declined_topics: frozenset[str] = frozenset()
    blocked_institutions: frozenset[int] = frozenset()
    # (institution id or None for every institution, case reference): normalised below.
    conflict_cases: frozenset[tuple[int | None, str]] = frozenset()
    # Marked unavailable by the mediator (until a local day inclusive, or open).
    self_unavailable: bool = False
    self_unavailable_until: datetime.date | None = None
    held: list[Held] = field(default_factory=list)
    # Bookings the mediator stands by for (open standbys): their time is held like ``held``
    # (overlap, travel time), but they do not count towards the hour limits.
    standing_by: list[Held] = field(default_factory=list)
    # Minutes held per local week / month (all held bookings, also outside the period).
    held_minutes_week: dict[WeekKey, int] = field(default_factory=dict)
    held_minutes_month: dict[MonthKey, int] = field(default_factory=dict)
    # Minutes served in the 30 days before the period: the fair-spread signal.
    recent_minutes: int = 0
    # None: serves every request of the problem (of the pool or a pool sharing its
    # mediators); else the ids of the only requests it may serve, those widened to its pool
    # (``Booking.widened_to``, ``matching.eligibility.pools_serving``).
    only_requests: frozenset[int] | None = None

    def __post_init__(self) -> None:
        self.conflict_cases = frozenset(
            (institution_id, normalise_case_reference(reference))
            for institution_id, reference in self.conflict_cases
        )

    def self_unavailable_on(self, day: datetime.date) -> bool:
        return self.self_unavailable and (
            self.self_unavailable_until is None or day <= self.self_unavailable_until
        )

    def conflicts_with(self, institution_id: int, case_key: str) -> bool:
        return bool(case_key) and (
            (institution_id, case_key) in self.conflict_cases
            or (None, case_key) in self.conflict_cases
        )

    def speaks(self, language: str, dialect: str | None) -> bool:
        if dialect is None:
            return any(code == language for code, _ in self.languages)
        return (language, dialect) in self.languages


@dataclass(frozen=True, slots=True)
class Weights:
    """The pool's matching weights that the secondary objectives use."""

    travel: float = 1.0
    fairness: float = 1.0


@dataclass(slots=True)
class Problem:
    requests: list[Request]
    mediators: list[Mediator]
    weights: Weights = field(default_factory=Weights)


Assignment = dict[int, int]
"""request id -> mediator id."""
