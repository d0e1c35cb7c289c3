"""One-off availability: a date with hours, in addition to the weekly slots ("Saturday
16.01. 9-13"). Matching, the near misses, the other times and the planner read it; the
service refuses what cannot be meant, and saves nothing then."""

from __future__ import annotations

import datetime

import pytest
from django.utils import formats, translation

from bookings.constants import Mode, OfferStatus, Status
from bookings.matching import rules
from bookings.matching.facts import broken_rules, is_eligible
from bookings.matching.near_misses import available_times, near_misses
from bookings.models import Offer
from bookings.planner.engines import Index
from bookings.planner.problem import Mediator as PlanMediator
from bookings.planner.problem import Problem
from bookings.planner.problem import Request as PlanRequest
from bookings.services.offers import booking_match
from core.exceptions import DomainError
from core.time import BERLIN
from mediators.models import AvailabilityDate
from mediators.services import availability_date_create, availability_date_delete
from tests.clock import frozen, last_sunday

from .scenario import DAY, NOW, at, make_booking, make_mediator, make_pool

pytestmark = pytest.mark.django_db

SATURDAY = DAY + datetime.timedelta(days=(5 - DAY.weekday()) % 7)
WEEKDAYS_ONLY = tuple((weekday, 6) for weekday in range(5))  # Monday to Friday, 06:00-22:00


def t(hour: int, minute: int = 0) -> datetime.time:
    return datetime.time(hour, minute)


def saturday_volunteer(pool):
    """No weekly slot on Saturday, but a one-off Saturday 9-13."""
    mediator = make_mediator(pool, slots=WEEKDAYS_ONLY)
    availability_date_create(
        mediator=mediator, day=SATURDAY, start_time=t(9), end_time=t(13), now=NOW
    )
    return mediator


def test_a_one_off_date_makes_a_mediator_eligible_within_its_hours_only():
    pool = make_pool()
    mediator = saturday_volunteer(pool)
    inside = make_booking(pool, starts_at=at(SATURDAY, 10))  # Sat 10-11
    beyond = make_booking(pool, starts_at=at(SATURDAY, 12), minutes=120)  # Sat 12-14
    next_saturday = make_booking(pool, starts_at=at(SATURDAY + datetime.timedelta(days=7), 10))

    assert is_eligible(inside, mediator, now=NOW)
    assert broken_rules(inside, mediator) == ()
    assert not is_eligible(beyond, mediator, now=NOW)
    assert broken_rules(beyond, mediator) == ("availability",)
    assert not is_eligible(next_saturday, mediator, now=NOW)
    assert broken_rules(next_saturday, mediator) == ("availability",)


def test_the_times_of_one_date_join_but_not_with_the_weekly_slots():
    pool = make_pool()
    mediator = saturday_volunteer(pool)  # Sat 9-13
    availability_date_create(
        mediator=mediator, day=SATURDAY, start_time=t(13), end_time=t(15), now=NOW
    )
    across = make_booking(pool, starts_at=at(SATURDAY, 12), minutes=120)  # 12-14
    assert is_eligible(across, mediator, now=NOW)

    friday = SATURDAY - datetime.timedelta(days=1)
    weekly_evening = make_mediator(pool, slots=((friday.weekday(), 6),))  # Fri 06-22
    availability_date_create(
        mediator=weekly_evening, day=friday, start_time=t(22), end_time=t(0), now=NOW
    )
    late = make_booking(pool, starts_at=at(friday, 21), minutes=120, mode=Mode.PHONE)
    # Covered only by both together: a date's hours stand on their own.
    assert not is_eligible(late, weekly_evening, now=NOW)
    assert broken_rules(late, weekly_evening) == ("availability",)
    until_midnight = make_booking(pool, starts_at=at(friday, 22), minutes=120, mode=Mode.PHONE)
    assert is_eligible(until_midnight, weekly_evening, now=NOW)


@pytest.mark.parametrize("month", [3, 10])
def test_a_one_off_date_is_wall_clock_time_on_the_daylight_saving_days(month):
    """On the spring day 01:30-03:30 local is one real hour; in autumn 01:30-02:30 local
    runs two real hours (02:00-03:00 happens twice). A date 01:00-04:00 covers both."""
    pool = make_pool()
    day = last_sunday(2027, month)
    mediator = make_mediator(pool, slots=())
    availability_date_create(mediator=mediator, day=day, start_time=t(1), end_time=t(4), now=NOW)
    starts_at = datetime.datetime.combine(day, t(1, 30), tzinfo=BERLIN)
    booking = make_booking(pool, starts_at=starts_at, minutes=60 if month == 3 else 120)
    late = make_booking(pool, starts_at=datetime.datetime.combine(day, t(3), tzinfo=BERLIN),
                        minutes=120)  # fmt: skip

    window = rules.required_slot_window(booking.starts_at, booking.ends_at)
    assert window is not None and window.day == day
    assert is_eligible(booking, mediator, now=NOW)
    assert broken_rules(booking, mediator) == ()
    assert not is_eligible(late, mediator, now=NOW)
    assert broken_rules(late, mediator) == ("availability",)


def test_the_near_miss_names_the_hours_of_the_date():
    pool = make_pool()
    mediator = saturday_volunteer(pool)
    beyond = make_booking(pool, starts_at=at(SATURDAY, 12), minutes=120)

    with translation.override("en"):
        (miss,) = near_misses(beyond)
        day = formats.date_format(SATURDAY, "SHORT_DATE_FORMAT")
    assert miss.name == str(mediator) and miss.rules == ("availability",)
    assert [r.text for r in miss.reasons] == [f"available on {day} only 09:00–13:00"]


def test_other_times_include_the_hours_of_a_one_off_date():
    pool = make_pool()
    saturday_volunteer(pool)
    booking = make_booking(pool, starts_at=at(SATURDAY, 15), status=Status.UNFILLED)

    times = available_times(booking, now=NOW, days=1)

    local = [moment.starts_at.astimezone(BERLIN) for moment in times]
    assert local, "the mediator is free on Saturday morning"
    assert all(moment.date() == SATURDAY and 9 <= moment.hour < 13 for moment in local)


def test_the_planner_assigns_within_a_one_off_date_only():
    saturday_start = datetime.datetime.combine(SATURDAY, t(10), tzinfo=BERLIN)
    volunteer = PlanMediator(
        id=1, languages=frozenset({("ara", None)}), gender="female", latitude=None,
        longitude=None, max_travel_km=50, max_minutes_per_week=600,
        max_minutes_per_month=2400, slots=(),
        dated_slots=(rules.DateSlot(SATURDAY, t(9), t(13)),),
    )  # fmt: skip
    inside = PlanRequest(id=1, language="ara", starts_at=saturday_start, duration_minutes=60,
                         on_site=False)  # fmt: skip
    beyond = PlanRequest(id=2, language="ara", duration_minutes=120, on_site=False,
                         starts_at=saturday_start + datetime.timedelta(hours=2))  # fmt: skip
    index = Index(Problem(requests=[inside, beyond], mediators=[volunteer]))

    assert [c.mediator.id for c in index.candidates[1]] == [1]
    assert index.candidates[2] == []


def test_the_service_refuses_past_dates_reversed_hours_and_overlaps_and_saves_nothing():
    pool = make_pool()
    mediator = saturday_volunteer(pool)  # Sat 9-13
    today = NOW.astimezone(BERLIN).date()
    cases = [
        (today - datetime.timedelta(days=1), t(9), t(10), "day", "past"),
        (SATURDAY, t(13), t(9), "end_time", "end after it starts"),
        (SATURDAY, t(10), t(10), "end_time", "end after it starts"),
        (SATURDAY, t(12), t(14), "start_time", "overlaps"),
        (SATURDAY, t(8), t(0), "start_time", "overlaps"),
    ]
    for day, start, end, field, words in cases:
        with translation.override("en"), pytest.raises(DomainError) as refused:
            availability_date_create(
                mediator=mediator, day=day, start_time=start, end_time=end, now=NOW
            )
        assert refused.value.field == field
        assert words in str(refused.value.message)
    assert list(AvailabilityDate.objects.values_list("day", "start_time", "end_time")) == [
        (SATURDAY, t(9), t(13))
    ]
    # Today and touching hours are fine; another day's hours do not clash.
    availability_date_create(mediator=mediator, day=today, start_time=t(9), end_time=t(10),
                             now=NOW)  # fmt: skip
    availability_date_create(mediator=mediator, day=SATURDAY, start_time=t(13), end_time=t(14),
                             now=NOW)  # fmt: skip
    assert AvailabilityDate.objects.count() == 3


@frozen(NOW)  # the withdrawal reads the clock
def test_removing_a_date_withdraws_the_offer_it_was_needed_for():
    pool = make_pool()
    mediator = saturday_volunteer(pool)
    booking = make_booking(pool, starts_at=at(SATURDAY, 10))
    (offer,) = booking_match(booking_id=booking.pk, now=NOW)
    assert offer.mediator_id == mediator.pk

    availability_date_delete(dated=AvailabilityDate.objects.get(mediator=mediator))

    assert Offer.objects.get(pk=offer.pk).status == OfferStatus.WITHDRAWN
