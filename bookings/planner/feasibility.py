"""The hard constraints of a plan, as pure functions over ``problem`` data.

``eligible`` decides one (request, mediator) pair on its own (language, vetting, topic,
availability, absences, travel range, gender, blocks, neutrality, held bookings);
``clash`` decides whether two appointments of one mediator are compatible (overlap, and the
travel time between two on-site places); hour limits are counted per local week and month.
``violations`` checks a whole assignment from scratch, pair by pair, independent of the
index the engines use: the proofs and the planner's final check rely on it.
"""

from __future__ import annotations

import bisect
import datetime
import math
from collections import defaultdict
from dataclasses import dataclass

from .problem import BERLIN, Assignment, Held, Mediator, Problem, Request

ROAD_FACTOR = 1.3
AVERAGE_KMH = 40.0
EARTH_RADIUS_KM = 6371.0
LONGEST_MINUTES = 8 * 60
# Travel time between two places never exceeds this in a pool (300 km range at most).
MAX_GAP_MINUTES = 12 * 60


def road_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance times a road factor."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a))) * ROAD_FACTOR


def travel_minutes(km: float) -> int:
    return math.ceil(km / AVERAGE_KMH * 60)


Interval = Request | Held


def gap_minutes(a: Interval, b: Interval) -> int:
    """Minutes needed between two appointments: travel time between two on-site places."""
    if not (a.on_site and b.on_site) or a.latitude is None or b.latitude is None:
        return 0
    return travel_minutes(road_km(a.latitude, a.longitude, b.latitude, b.longitude))  # type: ignore[arg-type]


def clash(a: Interval, b: Interval) -> bool:
    """True when one mediator cannot do both: they overlap, or leave too little travel time."""
    gap = datetime.timedelta(minutes=gap_minutes(a, b))
    return a.starts_at < b.ends_at + gap and b.starts_at < a.ends_at + gap


def _local_minutes(moment: datetime.datetime) -> tuple[datetime.date, int]:
    local = moment.astimezone(BERLIN)
    return local.date(), local.hour * 60 + local.minute


def covered_by_availability(mediator: Mediator, request: Request) -> bool:
    """Start and end lie in one weekly slot of the same local day (Europe/Berlin)."""
    day, start = _local_minutes(request.starts_at)
    end_day, end = _local_minutes(request.ends_at)
    if end_day != day:
        if end_day == day + datetime.timedelta(days=1) and end == 0:
            end = 24 * 60
        else:
            return False
    return any(lo <= start and end <= hi for lo, hi in mediator.slots.get(day.weekday(), ()))


def absent(mediator: Mediator, request: Request) -> bool:
    first = request.starts_at.astimezone(BERLIN).date()
    last = request.ends_at.astimezone(BERLIN).date()
    return any(lo <= last and first <= hi for lo, hi in mediator.absences)


def request_km(mediator: Mediator, request: Request) -> float:
    """Road distance home -> place; 0 for phone and video."""
    if not request.on_site or request.latitude is None or mediator.latitude is None:
        return 0.0
    return road_km(mediator.latitude, mediator.longitude, request.latitude, request.longitude)  # type: ignore[arg-type]


def week_left(mediator: Mediator, week: tuple[int, int]) -> int:
    """Minutes the mediator may still take in a local ISO week, after what they hold."""
    return mediator.max_minutes_per_week - mediator.held_minutes_week.get(week, 0)


def month_left(mediator: Mediator, month: tuple[int, int]) -> int:
    return mediator.max_minutes_per_month - mediator.held_minutes_month.get(month, 0)


def eligible_alone(mediator: Mediator, request: Request, km: float | None = None) -> bool:
    """Every hard constraint that depends on the pair alone, without the held bookings."""
    if not mediator.vetted or not mediator.speaks(request.language, request.dialect):
        return False
    if request.with_children and not (
        mediator.police_certificate_valid_until
        and mediator.police_certificate_valid_until >= request.day
    ):
        return False
    if request.topic and request.topic in mediator.declined_topics:
        return False
    if request.gender_preference and request.gender_preference != mediator.gender:
        return False
    if request.institution_id in mediator.blocked_institutions:
        return False
    if request.case_reference and request.case_reference in mediator.conflict_cases:
        return False
    if request.on_site:
        if mediator.latitude is None or request.latitude is None:
            return False
        if (request_km(mediator, request) if km is None else km) > mediator.max_travel_km:
            return False
    if request.duration_minutes > min(
        week_left(mediator, request.week), month_left(mediator, request.month)
    ):
        return False
    return covered_by_availability(mediator, request) and not absent(mediator, request)


class HeldIndex:
    """A mediator's held bookings sorted by start, for clash look-ups near one time."""

    def __init__(self, held: list[Held]) -> None:
        self.items = sorted(held, key=lambda h: h.starts_at)
        self.starts = [h.starts_at for h in self.items]

    def clashes(self, request: Interval) -> bool:
        reach = datetime.timedelta(minutes=LONGEST_MINUTES + MAX_GAP_MINUTES)
        lo = bisect.bisect_left(self.starts, request.starts_at - reach)
        hi = bisect.bisect_right(self.starts, request.ends_at + reach)
        return any(clash(h, request) for h in self.items[lo:hi])


def eligible(mediator: Mediator, request: Request, held: HeldIndex | None = None) -> bool:
    """The pair passes every hard constraint given what the mediator already holds."""
    if not eligible_alone(mediator, request):
        return False
    return not (held or HeldIndex(mediator.held)).clashes(request)


@dataclass(slots=True)
class Usage:
    """What a plan adds to each mediator: minutes per week/month and the appointments."""

    week: defaultdict[tuple[int, tuple[int, int]], int]
    month: defaultdict[tuple[int, tuple[int, int]], int]
    booked: defaultdict[int, list[Request]]

    @classmethod
    def empty(cls) -> Usage:
        return cls(defaultdict(int), defaultdict(int), defaultdict(list))

    def fits(self, mediator: Mediator, request: Request) -> bool:
        """Hour limits and clashes with what this plan already gave the mediator."""
        week = self.week[mediator.id, request.week] + mediator.held_minutes_week.get(
            request.week, 0
        )
        month = self.month[mediator.id, request.month] + mediator.held_minutes_month.get(
            request.month, 0
        )
        if week + request.duration_minutes > mediator.max_minutes_per_week:
            return False
        if month + request.duration_minutes > mediator.max_minutes_per_month:
            return False
        return not any(clash(other, request) for other in self.booked[mediator.id])

    def add(self, mediator: Mediator, request: Request) -> None:
        self.week[mediator.id, request.week] += request.duration_minutes
        self.month[mediator.id, request.month] += request.duration_minutes
        self.booked[mediator.id].append(request)


def violations(problem: Problem, assignment: Assignment) -> list[str]:
    """Every hard constraint the assignment breaks, checked from scratch (empty: valid)."""
    mediators = {m.id: m for m in problem.mediators}
    requests = {r.id: r for r in problem.requests}
    found: list[str] = []
    usage = Usage.empty()
    for request_id, mediator_id in sorted(assignment.items()):
        request, mediator = requests.get(request_id), mediators.get(mediator_id)
        if request is None or mediator is None:
            found.append(f"unknown pair {request_id} -> {mediator_id}")
            continue
        if not eligible_alone(mediator, request):
            found.append(f"request {request_id}: mediator {mediator_id} not eligible")
        if any(clash(h, request) for h in mediator.held):
            found.append(f"request {request_id}: clashes with a held booking of {mediator_id}")
        if any(clash(other, request) for other in usage.booked[mediator_id]):
            found.append(f"request {request_id}: clashes with another planned booking")
        usage.booked[mediator_id].append(request)
        usage.week[mediator_id, request.week] += request.duration_minutes
        usage.month[mediator_id, request.month] += request.duration_minutes
    for (mediator_id, week), minutes in usage.week.items():
        m = mediators[mediator_id]
        if minutes + m.held_minutes_week.get(week, 0) > m.max_minutes_per_week:
            found.append(f"mediator {mediator_id}: weekly hours exceeded in {week}")
    for (mediator_id, month), minutes in usage.month.items():
        m = mediators[mediator_id]
        if minutes + m.held_minutes_month.get(month, 0) > m.max_minutes_per_month:
            found.append(f"mediator {mediator_id}: monthly hours exceeded in {month}")
    return found
