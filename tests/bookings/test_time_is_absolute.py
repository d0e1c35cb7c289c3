"""Time is absolute: a booking of n minutes ends n real minutes after its start, also on the
nights the clocks change (Europe/Berlin). Python adds a timedelta to a datetime with a
``ZoneInfo`` on the wall clock, so every end, deadline and window is computed in UTC
(``core.time.add_minutes``)."""

from __future__ import annotations

import datetime

import pytest
from django.db import transaction
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bookings.constants import Field, Mode, Status
from bookings.matching import rules
from bookings.models import Booking
from bookings.planner.problem import Request
from bookings.services import booking_create, booking_reschedule
from bookings.services.offers import fill_deadline
from core.time import BERLIN, add_minutes
from tests.bookings.lifecycle import berlin, staff_of
from tests.clock import last_sunday
from tests.mediators.factories import LanguageFactory

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
# The services' clock: before every start the tests use.
NOW = datetime.datetime(2026, 1, 1, 9, tzinfo=UTC)
MINUTE = datetime.timedelta(minutes=1)


def request(staff, *, starts_at, minutes) -> Booking:
    booking = booking_create(
        requester=staff.user,
        institution=staff.institution,
        language=LanguageFactory(),
        starts_at=starts_at,
        duration_minutes=minutes,
        mode=Mode.ON_SITE,
        location=staff.institution.locations.first(),
        field=Field.SCHOOL,
        now=NOW,
    )
    booking.refresh_from_db()
    return booking


# --- the reproducers ------------------------------------------------------------------------


def test_a_two_hour_booking_in_the_night_the_clocks_go_back_is_stored_as_two_hours():
    # 31 October 2027: 03:00 CEST becomes 02:00 CET; 01:30 + 2 h is 02:30 CET, not 03:30.
    booking = request(staff_of(), starts_at=berlin(2027, 10, 31, 1, 30), minutes=120)

    assert booking.ends_at - booking.starts_at == datetime.timedelta(minutes=120)
    assert booking.ends_at == datetime.datetime(2027, 10, 31, 1, 30, tzinfo=UTC)
    assert booking.ends_at.astimezone(BERLIN).strftime("%H:%M %Z") == "02:30 CET"


def test_a_ninety_minute_booking_in_the_night_the_clocks_go_forward_is_stored_as_ninety():
    # 28 March 2027: 02:00 CET becomes 03:00 CEST; 01:30 + 90 min is 04:00 CEST, not 03:00.
    booking = request(staff_of(), starts_at=berlin(2027, 3, 28, 1, 30), minutes=90)

    assert booking.ends_at - booking.starts_at == datetime.timedelta(minutes=90)
    assert booking.ends_at.astimezone(BERLIN).strftime("%H:%M %Z") == "04:00 CEST"


def test_a_booking_moved_into_the_night_the_clocks_go_back_keeps_its_real_duration():
    staff = staff_of()
    booking = request(staff, starts_at=berlin(2027, 10, 20, 9, 0), minutes=120)

    booking_reschedule(
        booking=booking,
        actor=staff.user,
        starts_at=berlin(2027, 10, 31, 1, 30),
        reason="Nachtschicht",
        now=NOW,
    )

    booking.refresh_from_db()
    assert booking.ends_at - booking.starts_at == datetime.timedelta(minutes=120)


# --- the helper and the rules that compute with times ---------------------------------------


def test_add_minutes_counts_elapsed_minutes_and_answers_in_utc():
    autumn = berlin(2027, 10, 31, 1, 30)

    end = add_minutes(autumn, 120)

    assert end.tzinfo is UTC
    assert end - autumn == datetime.timedelta(minutes=120)
    assert end.astimezone(BERLIN).strftime("%d.%m.%Y %H:%M %Z") == "31.10.2027 02:30 CET"
    assert end.astimezone(BERLIN).fold == 1  # the second 02:30 of that night
    with pytest.raises(ValueError):
        add_minutes(datetime.datetime(2027, 10, 31, 1, 30), 60)  # noqa: DTZ001


def test_the_planner_ends_a_request_after_its_real_duration():
    planned = Request(id=1, language="ara", starts_at=berlin(2027, 3, 28, 1, 30),
                      duration_minutes=90, on_site=False)  # fmt: skip

    # 01:30 CET is 00:30 UTC: the end is 02:00 UTC (04:00 CEST), not 03:00 CEST.
    assert planned.ends_at == datetime.datetime(2027, 3, 28, 2, 0, tzinfo=UTC)


def test_an_appointment_of_the_rules_counts_real_minutes_whatever_its_time_zone():
    # Both ends with Europe/Berlin: Python's subtraction alone would give 180 minutes.
    start = berlin(2027, 10, 31, 1, 30)
    end = datetime.datetime(2027, 10, 31, 2, 30, fold=1, tzinfo=BERLIN)

    assert rules.Appointment(start, end).minutes == 120


def test_the_travel_time_between_appointments_is_real_time_across_the_switch():
    # The first ends at 02:30 CEST, half an hour before the clocks go back; the place of the
    # next is about 50 minutes away. 60 real minutes later (02:30 CET) is in time, 40 are
    # not, though on the wall clock both lie less than 50 minutes after 02:30.
    here, there = (51.2562, 6.3905), (51.2562 + 0.2, 6.3905)
    first = rules.Appointment(berlin(2027, 10, 31, 1, 30), berlin(2027, 10, 31, 2, 30),
                              "on_site", *here)  # fmt: skip
    gap = rules.travel_gap_minutes(first, rules.Appointment(NOW, NOW, "on_site", *there))
    assert 40 < gap < 60

    def next_one(after_minutes):
        start = add_minutes(berlin(2027, 10, 31, 2, 30), after_minutes).astimezone(BERLIN)
        return rules.Appointment(start, add_minutes(start, 60).astimezone(BERLIN), "on_site",
                                 *there)  # fmt: skip

    assert next_one(60).starts_at.astimezone(BERLIN).strftime("%H:%M %Z") == "02:30 CET"
    assert not rules.clashes(first, next_one(60))
    assert rules.clashes(first, next_one(40))


def test_the_offers_deadline_is_the_pools_hours_before_the_start_in_real_time():
    # Start 05:00 CEST on 28 March 2027 (03:00 UTC); four real hours before is 23:00 UTC.
    booking = Booking(starts_at=berlin(2027, 3, 28, 5, 0))
    booking.pool = staff_of(fill_deadline_hours=4).institution.pool

    assert fill_deadline(booking) == datetime.datetime(2027, 3, 27, 23, tzinfo=UTC)


# --- the property ---------------------------------------------------------------------------


def dst_week_start(year: int, month: int) -> datetime.datetime:
    """Monday 00:00 local of the week whose Sunday the clocks change, as a UTC instant."""
    sunday = last_sunday(year, month)
    monday = sunday - datetime.timedelta(days=6)
    return datetime.datetime.combine(monday, datetime.time(0), tzinfo=BERLIN).astimezone(UTC)


WEEKS = [dst_week_start(year, month) for year in (2026, 2027, 2028) for month in (3, 10)]
# Every minute of the week, in real time (the autumn week has one hour more).
instant = st.sampled_from(WEEKS).flatmap(
    lambda monday: st.integers(0, 7 * 24 * 60).map(lambda m: monday + m * MINUTE)
)
duration = st.integers(15, 480)


class Rollback(Exception):
    pass


def in_rollback(check) -> None:
    """Run one example inside a transaction that is always rolled back."""
    try:
        with transaction.atomic():
            check()
            raise Rollback
    except Rollback:
        pass


@settings(max_examples=40)
@given(start=instant, minutes=duration)
@example(start=berlin(2027, 10, 31, 1, 30).astimezone(UTC), minutes=120)
@example(start=berlin(2027, 3, 28, 1, 30).astimezone(UTC), minutes=90)
@example(start=datetime.datetime(2026, 10, 25, 1, 30, tzinfo=UTC), minutes=60)  # 02:30 CET
def test_every_booking_in_the_dst_weeks_ends_exactly_its_duration_after_its_start(start, minutes):
    def check():
        # As a reader gives it: local wall-clock time (with its fold), Europe/Berlin.
        booking = request(staff_of(), starts_at=start.astimezone(BERLIN), minutes=minutes)
        assert booking.starts_at == start
        assert booking.ends_at - booking.starts_at == datetime.timedelta(minutes=minutes)

    in_rollback(check)


@settings(max_examples=20)
@given(start=instant, minutes=duration)
@example(start=berlin(2028, 10, 29, 2, 15).astimezone(UTC), minutes=45)
def test_every_booking_moved_into_the_dst_weeks_ends_exactly_its_duration_after_its_start(
    start, minutes
):
    def check():
        staff = staff_of()
        booking = request(staff, starts_at=berlin(2026, 6, 1, 9, 0), minutes=60)
        booking_reschedule(
            booking=booking,
            actor=staff.user,
            reason="verlegt",
            now=NOW,
            starts_at=start.astimezone(BERLIN),
            duration_minutes=minutes,
        )
        booking.refresh_from_db()
        assert (booking.starts_at, booking.status) == (start, Status.REQUESTED)
        assert booking.ends_at - booking.starts_at == datetime.timedelta(minutes=minutes)

    in_rollback(check)
