"""The district's local time. Datetimes are stored aware in UTC; rules about days, weeks,
months and wall-clock hours (availability, notice, budgets, statistics) and everything shown
to a reader use Europe/Berlin, converted at the edges with these."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")


def local_date(moment: datetime.datetime) -> datetime.date:
    """The local calendar day of an instant."""
    return moment.astimezone(BERLIN).date()


def local_datetime(day: datetime.date, time: datetime.time = datetime.time()) -> datetime.datetime:
    """Wall-clock time in Europe/Berlin (midnight by default) as an aware datetime."""
    return datetime.datetime.combine(day, time, tzinfo=BERLIN)


def add_duration(moment: datetime.datetime, duration: datetime.timedelta) -> datetime.datetime:
    """The instant ``duration`` of real (elapsed) time after ``moment``, aware, in UTC.

    Python adds a timedelta to a datetime with a ``ZoneInfo`` on the wall clock:
    ``01:30 Europe/Berlin + 2 h`` on the night the clocks go back gives 03:30 local, which is
    three hours later. Every end, deadline and window computed from a start goes through
    here (or ``add_minutes``), so it is the same on every day of the year."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("add_duration needs an aware datetime")
    return moment.astimezone(datetime.UTC) + duration


def add_minutes(start: datetime.datetime, minutes: int) -> datetime.datetime:
    """The instant ``minutes`` real minutes after ``start`` (e.g. a booking's end), in UTC."""
    return add_duration(start, datetime.timedelta(minutes=minutes))


# Weekly availability is kept as wall-clock times of one day. A slot that runs to the end of
# the day ends at 24:00, which ``datetime.time`` cannot hold: it is stored as an end of
# 00:00 (``MIDNIGHT``), and an end of 00:00 always means 24:00 (a slot cannot end at the
# start of its own day).
MIDNIGHT = datetime.time(0)
END_OF_DAY = datetime.timedelta(days=1)


def time_of_day(value: datetime.time, *, end: bool = False) -> datetime.timedelta:
    """The wall-clock time as the span since local midnight; an end of 00:00 is 24:00."""
    if end and value == MIDNIGHT:
        return END_OF_DAY
    return datetime.timedelta(
        hours=value.hour, minutes=value.minute, seconds=value.second, microseconds=value.microsecond
    )


def time_label(value: datetime.time, *, end: bool = False) -> str:
    """HH:MM, and 24:00 for an end at midnight."""
    if end and value == MIDNIGHT:
        return "24:00"
    return f"{value:%H:%M}"
