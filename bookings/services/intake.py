"""Intake: a request's values checked (``booking_request_validate``), and the pool's intake
rules: minimum notice in working days and refused kinds of appointment.

Working days are Monday to Friday without the public holidays of the pool's federal state,
taken from the ``holidays`` library (Kreis Viersen: Nordrhein-Westfalen, subdivision ``NW``).
"""

from __future__ import annotations

import datetime
from functools import lru_cache
from typing import Any

import holidays
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.dates import NONEXISTENT, require_instant_in_range, wall_time_exists_in_its_zone
from core.exceptions import DomainError
from core.time import local_date
from institutions.constants import FederalState
from institutions.models import FundingSource, Institution, Location, Pool
from mediators.models import Dialect, Language

from ..constants import MAX_DURATION_MINUTES, MIN_DURATION_MINUTES, AppointmentKind, Mode
from ..exceptions import IntakeRefused
from ..models import Booking

# Why a pool typically refuses a kind of appointment (shown with the refusal).
REFUSAL_REASONS: dict[str, Any] = {
    AppointmentKind.LEGAL_CONSEQUENCES: gettext_lazy(
        "Lay language mediators are not sworn interpreters; talks with legal consequences "
        "need a sworn interpreter."
    ),
    AppointmentKind.MEDICAL_TREATMENT: gettext_lazy(
        "Medical treatment needs a professional interpreter."
    ),
    AppointmentKind.PRIVATE_REQUEST: gettext_lazy(
        "The pool serves public institutions, not requests from private persons."
    ),
}


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
    day = local_date(now)
    counted = 0
    while counted < pool.min_notice_working_days:
        day += datetime.timedelta(days=1)
        if is_working_day(day, state=pool.state):
            counted += 1
    return day


def check_kind(*, pool: Pool, kind: str) -> None:
    """Refuse an unknown kind, and a kind the pool does not serve, saying which."""
    if kind not in AppointmentKind.values:
        raise DomainError(_("Unknown kind of appointment."), field="kind")
    if kind in (pool.refused_kinds or []):
        raise IntakeRefused(
            _("This pool does not serve this kind of appointment: %(kind)s. %(why)s")
            % {
                "kind": AppointmentKind(kind).label,
                "why": REFUSAL_REASONS.get(kind, _("Please ask the integration centre.")),
            },
            field="kind",
        )


def check_notice(
    *, pool: Pool, starts_at: datetime.datetime, now: datetime.datetime, by_coordinator: bool
) -> None:
    """Refuse a start before the earliest day the notice allows; coordinators skip this."""
    if by_coordinator or not pool.min_notice_working_days:
        return
    earliest = earliest_start_day(pool, now=now)
    if local_date(starts_at) < earliest:
        raise IntakeRefused(
            _(
                "Requests need at least %(days)s working days' notice (weekends and public "
                "holidays in %(state)s do not count); the earliest possible day is %(day)s."
            )
            % {
                "days": pool.min_notice_working_days,
                "state": FederalState(pool.state).label,
                "day": earliest.strftime("%d.%m.%Y"),
            },
            field="starts_at",
        )


def notice_is_met(*, pool: Pool, starts_at: datetime.datetime, now: datetime.datetime) -> bool:
    """Whether a request made ``now`` for ``starts_at`` keeps the pool's minimum notice."""
    if not pool.min_notice_working_days:
        return True
    return local_date(starts_at) >= earliest_start_day(pool, now=now)


def check_intake_rules(
    *,
    pool: Pool,
    starts_at: datetime.datetime,
    kind: str,
    now: datetime.datetime,
    by_coordinator: bool,
) -> None:
    """Raise ``IntakeRefused`` with a message that says why; coordinators skip the notice."""
    check_kind(pool=pool, kind=kind)
    check_notice(pool=pool, starts_at=starts_at, now=now, by_coordinator=by_coordinator)


def booking_request_validate(
    *,
    institution: Institution,
    language: Language,
    dialect: Dialect | None,
    starts_at: datetime.datetime,
    duration_minutes: int,
    mode: str,
    location: Location | None,
    follow_up_of: Booking | None,
    funding_source: FundingSource | None,
    now: datetime.datetime,
) -> None:
    """Refuse a request (or a change of one) whose values do not fit together, naming the
    field: an aware start in the future, a duration within the limits, a dialect of the
    language, a location of the institution (required on site), an earlier booking and a
    funding source of the institution's own."""
    if timezone.is_naive(starts_at):
        raise DomainError(_("Give the start with a time zone offset."), field="starts_at")
    require_instant_in_range(starts_at, field="starts_at")
    if not wall_time_exists_in_its_zone(starts_at):
        raise DomainError(str(NONEXISTENT), field="starts_at")
    if starts_at <= now:
        raise DomainError(_("The start lies in the past."), field="starts_at")
    if not MIN_DURATION_MINUTES <= duration_minutes <= MAX_DURATION_MINUTES:
        raise DomainError(
            _("The duration must lie between %(min)s and %(max)s minutes.")
            % {"min": MIN_DURATION_MINUTES, "max": MAX_DURATION_MINUTES},
            field="duration_minutes",
        )
    if dialect is not None and dialect.language_id != language.pk:
        raise DomainError(_("This dialect does not belong to the language."), field="dialect")
    if mode == Mode.ON_SITE:
        if location is None:
            raise DomainError(_("An appointment on site needs a location."), field="location")
        if location.institution_id != institution.pk:
            raise DomainError(
                _("This location does not belong to your institution."), field="location"
            )
    elif location is not None and location.institution_id != institution.pk:
        raise DomainError(_("This location does not belong to your institution."), field="location")
    if follow_up_of is not None and follow_up_of.institution_id != institution.pk:
        raise DomainError(_("Unknown earlier booking."), field="follow_up_of")
    if funding_source is not None and funding_source.pool_id != institution.pool_id:
        raise DomainError(_("Unknown funding source."), field="funding_source")
