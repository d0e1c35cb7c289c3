"""The pool's intake rules: minimum notice in working days and refused kinds of appointment."""

from __future__ import annotations

import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.utils.translation import gettext as _

from institutions.models import Pool

from ..exceptions import IntakeRefused

BERLIN = ZoneInfo("Europe/Berlin")


@lru_cache(maxsize=64)
def _public_holidays(state: str, year: int) -> frozenset[datetime.date]:
    return frozenset(holidays.country_holidays("DE", subdiv=state, years=year).keys())


def is_working_day(day: datetime.date, *, state: str) -> bool:
    """Monday to Friday and not a public holiday of the federal state."""
    return day.weekday() < 5 and day not in _public_holidays(state, day.year)


def working_days_between(start: datetime.date, end: datetime.date, *, state: str) -> int:
    """Working days strictly after ``start`` up to and including ``end``."""
    count = 0
    day = start + datetime.timedelta(days=1)
    while day <= end:
        if is_working_day(day, state=state):
            count += 1
        day += datetime.timedelta(days=1)
    return count


def earliest_start_day(pool: Pool, *, now: datetime.datetime) -> datetime.date:
    """The first local day on which a request made ``now`` may start: the n-th working day
    after today (a request on Monday with five days' notice may start next Monday)."""
    day = now.astimezone(BERLIN).date()
    counted = 0
    while counted < pool.min_notice_working_days:
        day += datetime.timedelta(days=1)
        if is_working_day(day, state=pool.state):
            counted += 1
    return day


def check_intake_rules(
    *,
    pool: Pool,
    starts_at: datetime.datetime,
    kind: str,
    now: datetime.datetime,
    by_coordinator: bool,
) -> None:
    """Raise ``IntakeRefused`` with a message that says why; coordinators skip the notice."""
    if kind in (pool.refused_kinds or []):
        from ..constants import AppointmentKind

        label = AppointmentKind(kind).label if kind in AppointmentKind.values else kind
        raise IntakeRefused(
            _("This pool does not serve this kind of appointment: %(kind)s.") % {"kind": label},
            field="kind",
        )
    if by_coordinator or not pool.min_notice_working_days:
        return
    earliest = earliest_start_day(pool, now=now)
    if starts_at.astimezone(BERLIN).date() < earliest:
        raise IntakeRefused(
            _(
                "Requests need at least %(days)s working days' notice (weekends and public "
                "holidays do not count); the earliest possible day is %(day)s."
            )
            % {
                "days": pool.min_notice_working_days,
                "day": earliest.strftime("%d.%m.%Y"),
            },
            field="starts_at",
        )
