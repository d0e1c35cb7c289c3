"""The pure matching rules: travel, local-time availability across DST, absences, gaps, limits."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from bookings.matching import rules
from bookings.matching.rules import Absence, Appointment, Slot

BERLIN = ZoneInfo("Europe/Berlin")
UTC = datetime.UTC

VIERSEN = (51.2562, 6.3905)
NETTETAL = (51.3167, 6.2833)
KEMPEN = (51.3658, 6.4194)


def local(*args, fold=0) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=BERLIN).replace(fold=fold)


def utc(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=UTC)


def t(h, m=0) -> datetime.time:
    return datetime.time(h, m)


# --- travel ---------------------------------------------------------------------------------


def test_great_circle_distance_between_viersen_and_kempen_is_about_twelve_km():
    km = rules.great_circle_km(*VIERSEN, *KEMPEN)
    assert 12.0 < km < 12.6


def test_road_distance_is_the_great_circle_times_the_road_factor():
    assert rules.road_km(*VIERSEN, *NETTETAL) == pytest.approx(
        rules.great_circle_km(*VIERSEN, *NETTETAL) * rules.ROAD_FACTOR
    )
    assert rules.road_km(*VIERSEN, *VIERSEN) == 0


def test_travel_time_grows_with_distance_and_is_zero_for_the_same_place():
    assert rules.travel_minutes(0) == 0
    assert rules.travel_minutes(20) == rules.TRAVEL_FIXED_MINUTES + 30
    assert rules.travel_minutes(40) > rules.travel_minutes(20)


def test_on_site_needs_the_place_within_range_phone_does_not():
    on_site = Appointment(utc(2027, 1, 4, 9), utc(2027, 1, 4, 10), "on_site", *KEMPEN)
    phone = Appointment(utc(2027, 1, 4, 9), utc(2027, 1, 4, 10), "phone")
    assert rules.within_travel_range(home=VIERSEN, appointment=on_site, max_travel_km=20)
    assert not rules.within_travel_range(home=VIERSEN, appointment=on_site, max_travel_km=10)
    assert rules.within_travel_range(home=None, appointment=phone, max_travel_km=0)
    assert not rules.within_travel_range(home=None, appointment=on_site, max_travel_km=300)


# --- travel gaps ----------------------------------------------------------------------------


def test_two_on_site_bookings_need_the_travel_time_between_them():
    first = Appointment(utc(2027, 1, 4, 9), utc(2027, 1, 4, 10), "on_site", *VIERSEN)
    gap = rules.travel_minutes(rules.road_km(*VIERSEN, *KEMPEN))
    too_soon = Appointment(
        first.ends_at + datetime.timedelta(minutes=gap - 1),
        first.ends_at + datetime.timedelta(minutes=gap + 59),
        "on_site",
        *KEMPEN,
    )
    in_time = Appointment(
        first.ends_at + datetime.timedelta(minutes=gap),
        first.ends_at + datetime.timedelta(minutes=gap + 60),
        "on_site",
        *KEMPEN,
    )
    assert rules.clashes(first, too_soon) and rules.clashes(too_soon, first)
    assert not rules.clashes(first, in_time) and not rules.clashes(in_time, first)


@pytest.mark.parametrize("mode", ["phone", "video"])
def test_phone_and_video_need_no_travel_gap(mode):
    first = Appointment(utc(2027, 1, 4, 9), utc(2027, 1, 4, 10), "on_site", *VIERSEN)
    right_after = Appointment(utc(2027, 1, 4, 10), utc(2027, 1, 4, 11), mode)
    assert not rules.clashes(first, right_after)
    assert rules.clashes(first, Appointment(utc(2027, 1, 4, 9, 59), utc(2027, 1, 4, 11), mode))


def test_back_to_back_at_the_same_place_is_fine():
    first = Appointment(utc(2027, 1, 4, 9), utc(2027, 1, 4, 10), "on_site", *VIERSEN)
    second = Appointment(utc(2027, 1, 4, 10), utc(2027, 1, 4, 11), "on_site", *VIERSEN)
    assert not rules.clashes(first, second)


def test_a_booking_never_clashes_with_itself():
    a = Appointment(utc(2027, 1, 4, 9), utc(2027, 1, 4, 10), "phone", booking_id=7)
    assert not rules.clashes_with_any(a, [a])


# --- availability in local time -------------------------------------------------------------

MONDAY_MORNING = Slot(0, t(8), t(12))


def test_an_appointment_inside_a_slot_is_covered_in_local_time():
    # Monday 2027-01-04, 09:00–10:00 local = 08:00–09:00 UTC (winter).
    assert rules.slots_cover([MONDAY_MORNING], local(2027, 1, 4, 9), local(2027, 1, 4, 10))
    # Summer: 11:00–12:00 local is 09:00–10:00 UTC; still judged by the local clock.
    assert rules.slots_cover([MONDAY_MORNING], utc(2027, 7, 5, 9), utc(2027, 7, 5, 10))


def test_adjacent_slots_join_an_appointment_across_their_border_is_covered():
    afternoon = Slot(0, t(12), t(16))
    assert rules.slots_cover(
        [MONDAY_MORNING, afternoon], local(2027, 1, 4, 11, 30), local(2027, 1, 4, 12, 30)
    )
    assert rules.slots_cover([MONDAY_MORNING], local(2027, 1, 4, 11), local(2027, 1, 4, 12))


def test_slots_with_a_gap_between_them_do_not_join():
    afternoon = Slot(0, t(12, 15), t(16))
    assert not rules.slots_cover(
        [MONDAY_MORNING, afternoon], local(2027, 1, 4, 11, 30), local(2027, 1, 4, 12, 30)
    )


def test_a_slot_may_end_at_midnight():
    # An end of 00:00 is 24:00: the slot runs to the end of the day.
    evening = Slot(0, t(20), t(0))
    assert rules.slots_cover([evening], local(2027, 1, 4, 22), local(2027, 1, 5, 0))
    assert rules.required_slot_window(local(2027, 1, 4, 22), local(2027, 1, 5, 0)) == (
        rules.SlotWindow(0, t(22), t(0))
    )
    assert not rules.slots_cover(
        [Slot(0, t(20), t(23, 59))], local(2027, 1, 4, 22), local(2027, 1, 5)
    )


def test_the_slot_must_be_on_the_local_weekday():
    # Sunday 23:30 UTC is already Monday 00:30 local in winter.
    night = Slot(0, t(0), t(2))
    assert rules.slots_cover([night], utc(2027, 1, 3, 23, 30), utc(2027, 1, 4, 0, 30))
    assert not rules.slots_cover(
        [Slot(6, t(0), t(23, 59))], utc(2027, 1, 3, 23, 30), utc(2027, 1, 4, 0, 30)
    )


def test_an_appointment_over_midnight_is_never_covered():
    assert not rules.slots_cover(
        [Slot(0, t(0), t(23, 59)), Slot(1, t(0), t(23, 59))],
        local(2027, 1, 4, 23, 30),
        local(2027, 1, 5, 0, 30),
    )


SPRING_SUNDAY = 6  # 2027-03-28 is a Sunday; clocks jump 02:00 → 03:00.
AUTUMN_SUNDAY = 6  # 2026-10-25 is a Sunday; clocks go back 03:00 → 02:00.


def test_spring_dst_a_morning_appointment_is_judged_by_the_new_local_time():
    # 09:00 CEST = 07:00 UTC on the day of the switch.
    slot = Slot(SPRING_SUNDAY, t(9), t(10))
    assert rules.slots_cover([slot], utc(2027, 3, 28, 7), utc(2027, 3, 28, 8))
    # The same UTC time a day earlier is 08:00 CET, outside the slot.
    assert not rules.slots_cover([Slot(5, t(9), t(10))], utc(2027, 3, 27, 7), utc(2027, 3, 27, 8))


def test_spring_dst_one_real_hour_across_the_jump_needs_the_slot_until_the_later_wall_time():
    # 01:30 CET → 03:30 CEST is one real hour (00:30–01:30 UTC).
    start, end = utc(2027, 3, 28, 0, 30), utc(2027, 3, 28, 1, 30)
    assert rules.required_slot_window(start, end) == rules.SlotWindow(6, t(1, 30), t(3, 30))
    assert not rules.slots_cover([Slot(6, t(1), t(3))], start, end)
    assert rules.slots_cover([Slot(6, t(1), t(4))], start, end)


def test_autumn_dst_an_hour_through_the_repeated_hour_needs_the_whole_repeated_hour():
    # 02:30 CEST (00:30 UTC) → 02:30 CET (01:30 UTC): passes 02:30–03:00 and 02:00–02:30.
    start, end = utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1, 30)
    assert rules.required_slot_window(start, end) == rules.SlotWindow(6, t(2), t(3))
    assert rules.slots_cover([Slot(AUTUMN_SUNDAY, t(2), t(3))], start, end)
    assert not rules.slots_cover([Slot(AUTUMN_SUNDAY, t(2), t(2, 45))], start, end)
    assert not rules.slots_cover([Slot(AUTUMN_SUNDAY, t(2, 15), t(3))], start, end)


def test_autumn_dst_afternoon_appointment_uses_winter_offset():
    # 14:00 CET = 13:00 UTC after the switch.
    slot = Slot(AUTUMN_SUNDAY, t(14), t(15))
    assert rules.slots_cover([slot], utc(2026, 10, 25, 13), utc(2026, 10, 25, 14))
    assert not rules.slots_cover([slot], utc(2026, 10, 25, 12), utc(2026, 10, 25, 13))


def test_autumn_dst_a_long_appointment_over_the_switch_spans_seven_real_hours():
    # 00:00 CEST → 06:00 CET = 22:00 UTC (Sat) → 05:00 UTC: seven real hours, wall 00:00–06:00.
    start, end = local(2026, 10, 25, 0).astimezone(UTC), local(2026, 10, 25, 6).astimezone(UTC)
    assert end - start == datetime.timedelta(hours=7)
    assert rules.slots_cover([Slot(AUTUMN_SUNDAY, t(0), t(6))], start, end)
    assert not rules.slots_cover([Slot(AUTUMN_SUNDAY, t(0), t(5, 59))], start, end)


# --- absences -------------------------------------------------------------------------------


def test_an_absence_covers_whole_local_days():
    absence = Absence(datetime.date(2027, 3, 1), datetime.date(2027, 3, 5))
    # 23:30 UTC on 28 Feb is already 1 March local.
    assert rules.absent_during([absence], utc(2027, 2, 28, 23, 30), utc(2027, 3, 1, 0, 30))
    assert rules.absent_during([absence], local(2027, 3, 5, 22), local(2027, 3, 5, 23))
    assert not rules.absent_during([absence], local(2027, 3, 6, 0), local(2027, 3, 6, 1))
    assert not rules.absent_during([absence], local(2027, 2, 28, 22), local(2027, 2, 28, 23))


def test_an_absence_on_the_dst_day_counts_for_the_whole_local_day():
    absence = Absence(datetime.date(2027, 3, 28), datetime.date(2027, 3, 28))
    assert rules.absent_during([absence], local(2027, 3, 28, 0, 15), local(2027, 3, 28, 1))
    assert rules.absent_during([absence], local(2027, 3, 28, 23), local(2027, 3, 28, 23, 45))
    assert not rules.absent_during([absence], local(2027, 3, 29, 0), local(2027, 3, 29, 1))


# --- hour limits ----------------------------------------------------------------------------


def hour(day, h, minutes=60, booking_id=None):
    start = local(*day, h)
    return Appointment(
        start, start + datetime.timedelta(minutes=minutes), "phone", booking_id=booking_id
    )


def test_the_weekly_limit_counts_the_local_iso_week():
    held = [hour((2027, 1, 4), 9, 240), hour((2027, 1, 8), 9, 300)]  # Mon + Fri: 9 h
    assert rules.within_hour_limits(
        hour((2027, 1, 10), 9), held, max_hours_per_week=10, max_hours_per_month=99
    )
    assert not rules.within_hour_limits(
        hour((2027, 1, 10), 9, 61), held, max_hours_per_week=10, max_hours_per_month=99
    )
    # Next Monday is a new week.
    assert rules.within_hour_limits(
        hour((2027, 1, 11), 9, 480), held, max_hours_per_week=10, max_hours_per_month=99
    )


def test_the_week_starts_at_local_midnight_on_monday():
    lo, hi = rules.iso_week_bounds(utc(2027, 1, 10, 23, 30))  # Monday 00:30 local
    assert lo == local(2027, 1, 11, 0) and hi == local(2027, 1, 18, 0)


def test_the_monthly_limit_counts_the_local_month():
    held = [hour((2027, 3, 1), 9, 480), hour((2027, 3, 15), 9, 480)]  # 16 h in March
    assert rules.within_hour_limits(
        hour((2027, 3, 31), 9, 240), held, max_hours_per_week=99, max_hours_per_month=20
    )
    assert not rules.within_hour_limits(
        hour((2027, 3, 31), 9, 241), held, max_hours_per_week=99, max_hours_per_month=20
    )
    assert rules.within_hour_limits(
        hour((2027, 4, 1), 9, 480), held, max_hours_per_week=99, max_hours_per_month=20
    )


def test_the_month_bounds_follow_dst():
    lo, hi = rules.month_bounds(local(2027, 3, 15, 12))
    assert lo == utc(2027, 2, 28, 23) and hi == utc(2027, 3, 31, 22)


def test_the_booking_itself_is_not_counted_twice():
    booking = hour((2027, 1, 4), 9, 480, booking_id=1)
    assert rules.within_hour_limits(booking, [booking], max_hours_per_week=8, max_hours_per_month=8)
