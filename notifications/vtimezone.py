"""VTIMEZONE in RRULE form, derived from the POSIX rule in the zone's TZif footer.

icalendar 7's ``Timezone.from_tzinfo`` writes one RDATE per transition for a fixed span of
years and puts the DAYLIGHT DTSTART at 03:00 (the local time after the change), where
RFC 5545 counts DTSTART in TZOFFSETFROM time (02:00). The two components built here, each
with a yearly RRULE (``CET-1CEST,M3.5.0,M10.5.0/3`` for Europe/Berlin), hold for every year
the rule holds. Used by ``notifications.ical``.
"""

from __future__ import annotations

import datetime
import re
from functools import lru_cache
from importlib import resources

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard, vRecur

_POSIX = re.compile(
    r"^(?P<std><[^>]+>|[A-Za-z]{3,})(?P<stdoff>[+-]?[\d:]+)"
    r"(?:(?P<dst><[^>]+>|[A-Za-z]{3,})(?P<dstoff>[+-]?[\d:]+)?"
    r",(?P<start>M[\d.]+(?:/[+-]?[\d:]+)?),(?P<end>M[\d.]+(?:/[+-]?[\d:]+)?))?$"
)
_WEEKDAYS = ["SU", "MO", "TU", "WE", "TH", "FR", "SA"]


@lru_cache(maxsize=8)
def vtimezone(key: str) -> Timezone:
    """VTIMEZONE with one STANDARD and one DAYLIGHT component, each with a yearly RRULE."""
    rule = _posix_rule(key)
    match = _POSIX.match(rule)
    if match is None:
        raise ValueError(f"Unsupported POSIX TZ rule for {key}: {rule!r}")
    std_name = match["std"].strip("<>")
    std = -_hours(match["stdoff"])
    tz = Timezone()
    tz.add("tzid", key)
    tz.add("x-lic-location", key)
    if not match["dst"]:
        part = TimezoneStandard()
        part.add("dtstart", datetime.datetime.combine(datetime.date(1970, 1, 1), datetime.time()))
        part.add("tzoffsetfrom", std)
        part.add("tzoffsetto", std)
        part.add("tzname", std_name)
        tz.add_component(part)
        return tz
    dst = -_hours(match["dstoff"]) if match["dstoff"] else std + datetime.timedelta(hours=1)
    for component, name, start, offset_from, offset_to in (
        (TimezoneDaylight(), match["dst"].strip("<>"), match["start"], std, dst),
        (TimezoneStandard(), std_name, match["end"], dst, std),
    ):
        dtstart, recur = _m_rule(start)
        component.add("tzoffsetfrom", offset_from)
        component.add("tzoffsetto", offset_to)
        component.add("tzname", name)
        component.add("dtstart", dtstart)
        component.add("rrule", recur)
        tz.add_component(component)
    return tz


def _posix_rule(key: str) -> str:
    """The POSIX TZ string in the footer of the zone's TZif file (tzdata package)."""
    parts = key.split("/")
    data = resources.files("tzdata.zoneinfo").joinpath(*parts).read_bytes()
    return data.rstrip(b"\n").rsplit(b"\n", 1)[-1].decode("ascii")


def _hours(text: str) -> datetime.timedelta:
    sign = -1 if text.startswith("-") else 1
    pieces = [int(p) for p in text.lstrip("+-").split(":")] + [0, 0]
    return sign * datetime.timedelta(hours=pieces[0], minutes=pieces[1], seconds=pieces[2])


def _m_rule(text: str) -> tuple[datetime.datetime, vRecur]:
    """``Mm.w.d[/time]`` → the first occurrence in 1970 (local time before the change)
    and the yearly RRULE."""
    date_part, _sep, time_part = text[1:].partition("/")
    month, week, weekday = (int(p) for p in date_part.split("."))
    at = _hours(time_part) if time_part else datetime.timedelta(hours=2)
    if not datetime.timedelta(0) <= at < datetime.timedelta(days=1):
        raise ValueError(f"Transition time outside the day: {text}")
    day = _nth_weekday(1970, month, week, weekday)
    byday = f"{-1 if week == 5 else week}{_WEEKDAYS[weekday]}"
    recur = vRecur({"FREQ": "YEARLY", "BYMONTH": month, "BYDAY": byday})
    return datetime.datetime.combine(day, datetime.time()) + at, recur


def _nth_weekday(year: int, month: int, week: int, weekday: int) -> datetime.date:
    """POSIX: weekday 0 is Sunday; week 5 is the last one in the month."""
    first = datetime.date(year, month, 1)
    python_weekday = (weekday - 1) % 7
    day = first + datetime.timedelta(days=(python_weekday - first.weekday()) % 7)
    day += datetime.timedelta(weeks=week - 1)
    while day.month != month:
        day -= datetime.timedelta(weeks=1)
    return day
