"""The dates and local times the product accepts from outside (the API, the pages, the
services they call).

**Range.** Every date, period and instant lies between ``FIRST_DAY`` (2000-01-01) and
``LAST_DAY`` (2100-12-31), both inclusive, as local (Europe/Berlin) calendar days. That is far
enough for every appointment, absence, statement and vetting date, and near enough that date
arithmetic (the day after the last day, the week before the first, the month of an instant in
any offset) never overflows Python's or the database's range. Outside it the answer is 400
with ``OUT_OF_RANGE``, never a 500. Periods have their own longest length where one makes sense
(statistics: ten years; the batch planner: 62 days), named by their owners.

**Wall times.** A local time without an offset must exist in Berlin: the spring gap (02:00 to
03:00 on the last Sunday of March) does not, and the autumn hour (02:00 to 03:00 on the last
Sunday of October) happens twice. Both are refused with the messages below, by the API's
fields and by the pages' forms alike.
"""

from __future__ import annotations

import datetime

from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from .exceptions import DomainError
from .time import BERLIN

FIRST_DAY = datetime.date(2000, 1, 1)
LAST_DAY = datetime.date(2100, 12, 31)
FIRST_YEAR = FIRST_DAY.year
LAST_YEAR = LAST_DAY.year

#: The first instant of ``FIRST_DAY`` and the first instant after ``LAST_DAY`` in Berlin.
FIRST_INSTANT = datetime.datetime.combine(FIRST_DAY, datetime.time(), tzinfo=BERLIN)
END_INSTANT = datetime.datetime.combine(
    LAST_DAY + datetime.timedelta(days=1), datetime.time(), tzinfo=BERLIN
)

#: Said of a date, a period or an instant outside the range (the years are whole years).
OUT_OF_RANGE = lazy(
    lambda: str(_("Give a date between the years {min_year} and {max_year}.")).format(
        min_year=FIRST_YEAR, max_year=LAST_YEAR
    ),
    str,
)()

#: The range in words, for the API's schema and the pages' help texts.
RANGE_TEXT = f"Between {FIRST_DAY.isoformat()} and {LAST_DAY.isoformat()} (both inclusive)."

NONEXISTENT = _(
    "This local time does not exist in Europe/Berlin (the clocks jump forward at the "
    "change to summer time). Choose another time."
)
AMBIGUOUS = _(
    "This local time occurs twice in Europe/Berlin (the clocks go back at the change "
    "to winter time). Give it with an offset: +02:00 for the first, +01:00 for the "
    "second time."
)
#: The same for a form that has no field for an offset.
AMBIGUOUS_WITHOUT_OFFSET = _(
    "This local time occurs twice in Europe/Berlin (the clocks go back at the change "
    "to winter time). Choose a time before 02:00 or from 03:00."
)


def year_in_range(year: int) -> bool:
    return FIRST_YEAR <= year <= LAST_YEAR


def day_in_range(day: datetime.date) -> bool:
    """A calendar day (a ``datetime`` by its own calendar day) within the range."""
    if isinstance(day, datetime.datetime):
        day = day.date()
    return FIRST_DAY <= day <= LAST_DAY


def instant_in_range(moment: datetime.datetime) -> bool:
    """An aware instant (any offset) whose local day in Berlin lies within the range. The
    year is checked first, so nothing overflows."""
    if not FIRST_YEAR - 1 <= moment.year <= LAST_YEAR + 1:
        return False
    return FIRST_INSTANT <= moment < END_INSTANT


def bound_in_range(moment: datetime.datetime) -> bool:
    """An instant that bounds a search: within the range, or the first instant after it
    (an exclusive upper bound: "starts before the day after 2100-12-31")."""
    return instant_in_range(moment) or (moment.year == LAST_YEAR + 1 and moment == END_INSTANT)


def require_day_in_range(day: datetime.date, *, field: str) -> None:
    """``DomainError`` (400, naming ``field``) for a day outside the range."""
    if not day_in_range(day):
        raise DomainError(str(OUT_OF_RANGE), field=field)


def require_instant_in_range(moment: datetime.datetime, *, field: str) -> None:
    if not instant_in_range(moment):
        raise DomainError(str(OUT_OF_RANGE), field=field)


def wall_time_exists(value: datetime.datetime) -> bool:
    """A naive wall time exists in Berlin if it survives a round trip through UTC."""
    aware = value.replace(tzinfo=BERLIN)
    return aware.astimezone(datetime.UTC).astimezone(BERLIN).replace(tzinfo=None) == value


def wall_time_exists_in_its_zone(moment: datetime.datetime) -> bool:
    """An aware datetime built from a wall time (``datetime.combine(day, time,
    tzinfo=BERLIN)``) names a time its zone has; 02:30 on the day the clocks jump forward
    does not (Python would read it as 03:30)."""
    zone = moment.tzinfo
    back = moment.astimezone(datetime.UTC).astimezone(zone)
    return back.replace(tzinfo=None, fold=0) == moment.replace(tzinfo=None, fold=0)


def wall_time_is_ambiguous(value: datetime.datetime) -> bool:
    return (
        value.replace(tzinfo=BERLIN, fold=0).utcoffset()
        != value.replace(tzinfo=BERLIN, fold=1).utcoffset()
    )


def local_wall_time(
    day: datetime.date, time: datetime.time, *, field: str, offset_possible: bool = False
) -> datetime.datetime:
    """A local day and wall time as an aware Berlin datetime: ``DomainError`` (400, naming
    ``field``) for a day outside the range, a wall time Berlin skips or one it has twice."""
    require_day_in_range(day, field=field)
    naive = datetime.datetime.combine(day, time)
    if not wall_time_exists(naive):
        raise DomainError(str(NONEXISTENT), field=field)
    if wall_time_is_ambiguous(naive):
        message = AMBIGUOUS if offset_possible else AMBIGUOUS_WITHOUT_OFFSET
        raise DomainError(str(message), field=field)
    return naive.replace(tzinfo=BERLIN)
