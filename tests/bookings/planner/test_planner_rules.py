"""The planner's hard constraints on hand-made pools, and where it beats greedy."""

import datetime

from bookings.matching.rules import Slot
from bookings.planner.engines import Index, greedy, naive
from bookings.planner.feasibility import clash, covered_by_availability, violations
from bookings.planner.problem import Held, Mediator, Problem, Request
from bookings.planner.solver import exact, plan
from core.time import BERLIN

VIERSEN = (51.2562, 6.3905)
KEMPEN = (51.3644, 6.4194)  # about 16 km by road from Viersen


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=BERLIN).astimezone(
        datetime.UTC
    )


MONDAY = datetime.date(2027, 3, 22)


def mediator(mid: int, *languages: str, **kw) -> Mediator:
    defaults = dict(
        gender="female",
        latitude=VIERSEN[0],
        longitude=VIERSEN[1],
        max_travel_km=50,
        max_minutes_per_week=600,
        max_minutes_per_month=2400,
        slots=tuple(Slot(d, datetime.time(8), datetime.time(18)) for d in range(7)),
        police_certificate_valid_until=datetime.date(2030, 1, 1),
    )
    defaults.update(kw)
    return Mediator(id=mid, languages=frozenset((code, None) for code in languages), **defaults)


def request(rid: int, language: str, starts_at: datetime.datetime, minutes=60, place=VIERSEN, **kw):
    on_site = kw.pop("on_site", True)
    return Request(
        id=rid,
        language=language,
        starts_at=starts_at,
        duration_minutes=minutes,
        on_site=on_site,
        latitude=place[0] if on_site else None,
        longitude=place[1] if on_site else None,
        **kw,
    )


def test_two_on_site_appointments_need_the_travel_time_between_them():
    first = request(1, "ara", at(MONDAY, 9), place=VIERSEN)
    right_after_elsewhere = request(2, "ara", at(MONDAY, 10, 10), place=KEMPEN)
    well_after_elsewhere = request(3, "ara", at(MONDAY, 11), place=KEMPEN)
    by_phone_right_after = request(4, "ara", at(MONDAY, 10), on_site=False)

    assert clash(first, right_after_elsewhere)
    assert not clash(first, well_after_elsewhere)
    assert not clash(first, by_phone_right_after)


def test_availability_is_local_time_on_the_day_summer_time_begins():
    sunday = datetime.date(2027, 3, 28)  # 02:00 -> 03:00
    m = mediator(1, "ara", slots=(Slot(6, datetime.time(8), datetime.time(12)),))

    assert covered_by_availability(m, request(1, "ara", at(sunday, 9)))
    assert covered_by_availability(m, request(2, "ara", at(sunday, 11)))
    assert not covered_by_availability(m, request(3, "ara", at(sunday, 11, 30)))  # crosses 12:00
    assert not covered_by_availability(m, request(4, "ara", at(sunday, 7, 30)))


def test_a_plan_keeps_held_bookings_travel_gaps_and_weekly_hour_limits():
    held = Held(at(MONDAY, 9), at(MONDAY, 10), True, *KEMPEN)
    only = mediator(
        1, "ara", max_minutes_per_week=180, held=[held], held_minutes_week={(2027, 12): 60}
    )
    requests = [
        request(1, "ara", at(MONDAY, 10, 5)),  # too little time to travel from Kempen
        request(2, "ara", at(MONDAY, 12)),
        request(3, "ara", at(MONDAY + datetime.timedelta(days=1), 9)),
        request(4, "ara", at(MONDAY + datetime.timedelta(days=2), 9)),  # over 3 h a week
    ]
    problem = Problem(requests=requests, mediators=[only])

    for assignment in (naive(problem), greedy(problem), plan(problem, seconds=1).assignment):
        assert violations(problem, assignment) == []
        assert 1 not in assignment
        assert len(assignment) == 2


def test_the_planner_fills_what_greedy_misses_when_a_versatile_mediator_is_used_up():
    # Given one mediator who speaks Arabic and Tigrinya, living next door, and one who
    # speaks only Arabic, further away; an Arabic and a Tigrinya request at the same time.
    both = mediator(1, "ara", "tir")
    arabic_only = mediator(2, "ara", latitude=KEMPEN[0], longitude=KEMPEN[1])
    requests = [
        request(1, "ara", at(MONDAY, 9), urgent=True),
        request(2, "tir", at(MONDAY, 9)),
    ]
    problem = Problem(requests=requests, mediators=[both, arabic_only])

    greedy_plan = greedy(problem)
    planned = plan(problem, seconds=1).assignment

    assert greedy_plan == {1: 1}  # the nearest takes the Arabic request, Tigrinya stays open
    assert planned == {1: 2, 2: 1}
    assert exact(problem, index=Index(problem)).filled == 2
