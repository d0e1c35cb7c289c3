"""Every test has one clock. A module passes ``now`` to the services, or freezes time with
``frozen`` where requests, pages or tasks read the clock themselves, or takes its dates
relative to the real clock (the live worker runs in a process of its own, which no frozen
clock reaches)."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import timezone


def frozen(moment: datetime.datetime) -> pytest.MarkDecorator:
    """Mark a test or module to run with the clock standing at ``moment`` (time-machine, in
    every thread). Given in Django's time zone, so that time-machine keeps the process's
    TZ as Django set it."""
    return pytest.mark.time_machine(moment.astimezone(ZoneInfo(settings.TIME_ZONE)), tick=False)


def last_sunday(year: int, month: int) -> datetime.date:
    """Europe/Berlin's daylight-saving time begins on March's last Sunday and ends on
    October's."""
    day = datetime.date(year, month, 31)
    return day - datetime.timedelta(days=(day.weekday() + 1) % 7)


def next_year() -> int:
    """A year whose every day lies ahead of the real clock."""
    return timezone.localdate().year + 1
