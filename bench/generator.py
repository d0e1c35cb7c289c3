"""A seeded instance generator for the matching benchmarks and the planner's property tests.

``instance(size, seed)`` returns a ``bookings.planner.problem.Problem``: mediators spread
over the towns of a region with one or two languages, weekly slots, absences, hour limits
and bookings they already hold; open requests by language, time, mode and place. Demand per
language is skewed against supply, so some languages have more requests than free hours:
these tight spots are where one request after another (greedy) loses fill rate to the
optimum. Sizes: small (50 mediators, 200 requests), medium (500, 2,000), large (5,000
mediators, 20,000 requests, 100,000 existing bookings); ``custom(...)`` for tests.
The period starts on Monday 2027-03-22 and runs over the change to summer time (28 March).
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from dataclasses import dataclass

from bookings.matching.rules import Absence, Slot
from bookings.planner.feasibility import clash
from bookings.planner.problem import Held, Mediator, Problem, Request, Weights, local_keys
from core.time import BERLIN

PERIOD_START = datetime.date(2027, 3, 22)
# (code, share of demand, share of supply): supply lags demand in the first four.
LANGUAGES = [
    ("ara", 0.24, 0.22),
    ("ukr", 0.18, 0.12),
    ("tir", 0.10, 0.05),
    ("prs", 0.10, 0.07),
    ("fas", 0.08, 0.10),
    ("tur", 0.10, 0.18),
    ("kmr", 0.08, 0.10),
    ("rus", 0.12, 0.16),
]
DIALECTS = {"ara": ["levantine", "maghrebi"], "kmr": ["badini"]}
TOPICS = ["parents_teacher", "child_protection", "mental_health", "residence", "housing", "debt"]


@dataclass(frozen=True)
class Size:
    mediators: int
    requests: int
    existing: int
    weeks: int
    towns: int
    region_km: float
    start: datetime.date = PERIOD_START
    weekends: bool = False
    # Pareto shape of the towns' sizes: smaller means a few big towns hold most people.
    town_shape: float = 1.5


SIZES = {
    "small": Size(mediators=50, requests=200, existing=1_000, weeks=2, towns=9, region_km=35),
    "medium": Size(mediators=500, requests=2_000, existing=10_000, weeks=2, towns=40, region_km=90),
    "large": Size(
        mediators=5_000,
        requests=20_000,
        existing=100_000,
        weeks=2,
        towns=400,
        region_km=400,
        town_shape=3.0,
    ),
}


def _time(minute: int) -> datetime.time:
    return datetime.time(minute // 60, minute % 60)


def _at(day: datetime.date, minute: int) -> datetime.datetime:
    local = datetime.datetime.combine(day, datetime.time(minute // 60, minute % 60), tzinfo=BERLIN)
    return local.astimezone(datetime.UTC)


def _pick(rng: random.Random, column: int) -> str:
    return rng.choices([lang[0] for lang in LANGUAGES], [lang[column] for lang in LANGUAGES])[0]


def custom(
    *,
    mediators: int,
    requests: int,
    existing: int = 0,
    weeks: int = 1,
    towns: int = 5,
    region_km: float = 30.0,
    seed: int = 1,
    start: datetime.date = PERIOD_START,
    weekends: bool = False,
) -> Problem:
    """A small instance for tests; ``weekends`` also books Saturdays and Sundays (so the
    days daylight-saving time begins and ends are covered)."""
    size = Size(mediators, requests, existing, weeks, towns, region_km, start, weekends)
    return _generate(size, seed)


def instance(size: str, seed: int = 2027) -> Problem:
    return _generate(SIZES[size], seed)


def _generate(size: Size, seed: int) -> Problem:
    rng = random.Random(seed)  # reproducible instances, not security  # nosec B311
    lat0, lon0 = 51.26, 6.39  # Viersen
    deg = size.region_km / 111.0
    towns = [
        (lat0 + rng.uniform(-deg, deg) / 2, lon0 + rng.uniform(-deg, deg) / 1.3)
        for _ in range(size.towns)
    ]
    town_weight = [rng.paretovariate(size.town_shape) for _ in towns]
    every_day = [size.start + datetime.timedelta(days=d) for d in range(size.weeks * 7)]
    days = [d for d in every_day if size.weekends or d.weekday() < 5]
    open_days = 7 if size.weekends else 5

    def near_town() -> tuple[float, float]:
        lat, lon = rng.choices(towns, town_weight)[0]
        return lat + rng.gauss(0, 0.02), lon + rng.gauss(0, 0.03)

    mediators: list[Mediator] = []
    for i in range(size.mediators):
        first = _pick(rng, 2)
        langs = {(first, None)}
        if first in DIALECTS and rng.random() < 0.5:
            langs.add((first, rng.choice(DIALECTS[first])))
        if rng.random() < 0.35:
            langs.add((_pick(rng, 2), None))
        slots: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for weekday in rng.sample(range(open_days), rng.randint(3, open_days)):
            start = rng.choice([8 * 60, 8 * 60, 9 * 60, 12 * 60])
            slots[weekday].append((start, min(start + rng.choice([360, 480, 600]), 20 * 60)))
        weekly = tuple(
            Slot(weekday, _time(lo), _time(hi))
            for weekday, pairs in sorted(slots.items())
            for lo, hi in pairs
        )
        absences: list[Absence] = []
        if rng.random() < 0.15:
            first_day = rng.choice(days)
            last_day = first_day + datetime.timedelta(days=rng.randint(0, 6))
            absences.append(Absence(first_day, last_day))
        lat, lon = near_town()
        per_week = rng.choice([3, 4, 6, 8])
        mediators.append(
            Mediator(
                id=i + 1,
                languages=frozenset(langs),
                gender=rng.choices(["female", "male", "diverse"], [0.6, 0.38, 0.02])[0],
                latitude=lat,
                longitude=lon,
                max_travel_km=rng.choice([20, 30, 40, 50]),
                max_minutes_per_week=per_week * 60,
                max_minutes_per_month=rng.choice([2, 3, 4]) * per_week * 60,
                slots=weekly,
                absences=tuple(absences),
                vetted=rng.random() < 0.97,
                police_certificate_valid_until=(
                    datetime.date(2028, 1, 1) if rng.random() < 0.75 else None
                ),
                declined_topics=frozenset(rng.sample(TOPICS, rng.choice([0, 0, 1, 2]))),
                conflict_cases=frozenset(
                    (None, f"FALL-{rng.randint(1, max(1, size.requests // 4))}")
                    for _ in range(rng.choice([0, 0, 1]))
                ),
            )
        )
    _add_existing(rng, mediators, days, size, near_town)

    requests: list[Request] = []
    for i in range(size.requests):
        language = _pick(rng, 1)
        dialect = (
            rng.choice(DIALECTS[language]) if language in DIALECTS and rng.random() < 0.15 else None
        )
        mode = rng.choices(["on_site", "phone", "video"], [0.75, 0.15, 0.10])[0]
        lat, lon = near_town()
        duration = rng.choice([45, 60, 60, 90, 120])
        start = rng.randrange(8 * 60, 18 * 60 - duration, 15)
        requests.append(
            Request(
                id=i + 1,
                language=language,
                dialect=dialect,
                starts_at=_at(rng.choice(days), start),
                duration_minutes=duration,
                on_site=mode == "on_site",
                latitude=lat if mode == "on_site" else None,
                longitude=lon if mode == "on_site" else None,
                urgent=rng.random() < 0.2,
                with_children=rng.random() < 0.3,
                topic=rng.choice(TOPICS + [""] * 4),
                gender_preference=rng.choices(["", "female", "male"], [0.88, 0.1, 0.02])[0],
                institution_id=rng.randint(1, max(1, size.towns * 8)),
                case_reference=f"FALL-{rng.randint(1, max(1, size.requests // 4))}",
            )
        )
    return Problem(requests=requests, mediators=mediators, weights=Weights(1.0, 1.0))


def _add_existing(rng, mediators, days, size, near_town) -> None:  # type: ignore[no-untyped-def]
    """Held bookings: most in the half year before (recent hours), some in the period."""
    if not mediators:
        return
    past_days = [size.start - datetime.timedelta(days=d) for d in range(1, 180)]
    for _ in range(size.existing):
        m = rng.choice(mediators)
        in_period = rng.random() < 0.04
        if in_period:
            weekday_slots = [(d, s) for d in days for s in m.slots if s.weekday == d.weekday()]
            if not weekday_slots:
                continue
            day, slot = rng.choice(weekday_slots)
            lo = slot.start.hour * 60 + slot.start.minute
            hi = slot.end.hour * 60 + slot.end.minute
            duration = rng.choice([60, 90])
            if hi - lo < duration:
                continue
            start = rng.randrange(lo, hi - duration + 1, 15)
        else:
            day = rng.choice(past_days)
            duration, start = rng.choice([60, 90]), rng.randrange(9 * 60, 16 * 60, 15)
        starts_at = _at(day, start)
        on_site = rng.random() < 0.75
        lat, lon = near_town() if on_site else (None, None)
        held = Held(starts_at, starts_at + datetime.timedelta(minutes=duration), on_site, lat, lon)
        _, week, month = local_keys(starts_at)
        if (
            m.held_minutes_week.get(week, 0) + duration > m.max_minutes_per_week
            or m.held_minutes_month.get(month, 0) + duration > m.max_minutes_per_month
        ):
            continue
        if any(
            clash(h, held) for h in m.held if abs((h.starts_at - starts_at).total_seconds()) < 86400
        ):
            continue
        m.held.append(held)
        m.held_minutes_week[week] = m.held_minutes_week.get(week, 0) + duration
        m.held_minutes_month[month] = m.held_minutes_month.get(month, 0) + duration
        if (size.start - day).days <= 30 and day < size.start:
            m.recent_minutes += duration
