"""The dates the product accepts (core.dates): one range, 2000-01-01 to 2100-12-31, checked
without overflow for any offset; local wall times that Berlin skips or has twice are refused
by the pages' forms and the request service, never stored shifted by an hour."""

import datetime

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from core.dates import (
    END_INSTANT,
    FIRST_INSTANT,
    bound_in_range,
    day_in_range,
    instant_in_range,
    local_wall_time,
    require_day_in_range,
    wall_time_exists_in_its_zone,
)
from core.exceptions import DomainError
from core.time import BERLIN
from tests.clock import last_sunday

DST_DAYS = [last_sunday(year, month) for year in (2026, 2027, 2028) for month in (3, 10)]


@pytest.mark.parametrize(
    "day, inside",
    [
        (datetime.date(1, 1, 1), False),
        (datetime.date(1999, 12, 31), False),
        (datetime.date(2000, 1, 1), True),
        (datetime.date(2100, 12, 31), True),
        (datetime.date(2101, 1, 1), False),
        (datetime.date(9999, 12, 31), False),
    ],
)
def test_the_range_holds_its_edges(day, inside):
    assert day_in_range(day) is inside
    if inside:
        require_day_in_range(day, field="to")
    else:
        with pytest.raises(DomainError) as refused:
            require_day_in_range(day, field="to")
        assert refused.value.field == "to"


@given(
    moment=st.datetimes(timezones=st.just(datetime.UTC)),
    minutes=st.integers(-(24 * 60 - 1), 24 * 60 - 1),
)
def test_any_instant_in_any_offset_is_judged_without_overflow(moment, minutes):
    zone = datetime.timezone(datetime.timedelta(minutes=minutes))
    local = moment.replace(tzinfo=zone)

    inside = instant_in_range(local)

    assert inside == (FIRST_INSTANT <= local < END_INSTANT)
    if 2 <= local.year <= 9998:  # Berlin's day of year 1 or 9999 may lie outside Python's
        assert inside == day_in_range(local.astimezone(BERLIN).date())
    assert bound_in_range(local) == (FIRST_INSTANT <= local <= END_INSTANT)


@given(
    day=st.sampled_from(DST_DAYS),
    time=st.times().map(lambda t: t.replace(second=0, microsecond=0)),
)
def test_a_wall_time_of_a_change_day_is_kept_or_refused_never_shifted(day, time):
    in_the_changing_hour = datetime.time(2) <= time < datetime.time(3)
    try:
        with translation.override("en"):
            moment = local_wall_time(day, time, field="time")
    except DomainError as refused:
        assert in_the_changing_hour
        assert refused.field == "time"
        expected = "does not exist" if day.month == 3 else "occurs twice"
        assert expected in refused.message
    else:
        assert not in_the_changing_hour
        assert moment.astimezone(datetime.UTC).astimezone(BERLIN).time() == time


def test_an_aware_start_in_the_spring_gap_is_noticed():
    gap = datetime.datetime.combine(DST_DAYS[0], datetime.time(2, 30), tzinfo=BERLIN)
    after = datetime.datetime.combine(DST_DAYS[0], datetime.time(3, 30), tzinfo=BERLIN)

    assert not wall_time_exists_in_its_zone(gap)
    assert wall_time_exists_in_its_zone(after)
    assert wall_time_exists_in_its_zone(gap.astimezone(datetime.UTC))


@pytest.mark.django_db
def test_the_request_service_refuses_a_start_in_the_spring_gap_and_stores_nothing():
    from bookings.constants import Field, Mode
    from bookings.models import Booking
    from bookings.services import booking_create
    from tests.institutions.factories import LocationFactory, StaffFactory
    from tests.mediators.factories import LanguageFactory

    spring = last_sunday(2027, 3)
    staff = StaffFactory(institution__pool__min_notice_working_days=0)
    location = LocationFactory(institution=staff.institution)

    with pytest.raises(DomainError) as refused, translation.override("en"):
        booking_create(
            requester=staff.user,
            institution=staff.institution,
            language=LanguageFactory(),
            starts_at=datetime.datetime.combine(spring, datetime.time(2, 30), tzinfo=BERLIN),
            duration_minutes=60,
            mode=Mode.ON_SITE,
            location=location,
            field=Field.SCHOOL,
            now=datetime.datetime(2027, 1, 4, 9, tzinfo=BERLIN),
        )

    assert refused.value.field == "starts_at"
    assert "does not exist" in refused.value.message
    assert not Booking.objects.exists()
