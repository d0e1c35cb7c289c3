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
