"""The one local time zone, and its days across the changes of daylight-saving time."""

import datetime

from django.conf import settings

from core.time import BERLIN, local_date, local_datetime

UTC = datetime.UTC


def test_the_local_time_zone_is_the_sites():
    assert BERLIN.key == settings.TIME_ZONE == "Europe/Berlin"


def test_a_local_day_starts_at_local_midnight_on_both_daylight_saving_days():
    spring, autumn = datetime.date(2026, 3, 29), datetime.date(2026, 10, 25)

    assert local_datetime(spring).astimezone(UTC) == datetime.datetime(2026, 3, 28, 23, tzinfo=UTC)
    assert local_datetime(autumn).astimezone(UTC) == datetime.datetime(2026, 10, 24, 22, tzinfo=UTC)
    assert local_datetime(spring, datetime.time(3)).utcoffset() == datetime.timedelta(hours=2)


def test_the_local_day_of_an_instant_is_berlins_not_utcs():
    just_after_midnight = datetime.datetime(2026, 6, 30, 22, 30, tzinfo=UTC)

    assert local_date(just_after_midnight) == datetime.date(2026, 7, 1)
    assert local_date(datetime.datetime(2026, 12, 31, 22, 59, tzinfo=UTC)) == datetime.date(
        2026, 12, 31
    )
