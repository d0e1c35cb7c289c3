"""A series of appointments: one request for the same appointment every n weeks (every
Tuesday 08:00 for the school year, every second week until a day), made into one booking per
date in one transaction.

- The dates follow the first date's weekday and local wall-clock time in the pool's time zone
  (``core.time.BERLIN``), expanded with ``dateutil.rrule`` on the wall clock: 08:00 stays 08:00
  across the October and March changes of the clocks.
- Each date goes through ``booking_create``, i.e. every intake rule of a single request
  (values, kind of appointment, approval, the budget - each date counts the dates before it).
  The minimum notice is the first date's: every later date is further ahead, so it keeps it
  too; a coordinator's reason for shorter notice covers the first date.
- All dates or none: one transaction; a date a rule refuses is named with the reason and
  nothing is written (``SeriesRefused``). The requester may leave out dates (school holidays)
  from the preview before sending (``skip``).
- Each date is its own booking with its own calendar UID (``notifications.ical.
  booking_uid``): calendar programs handle a change of one date better than exceptions to an
  RRULE.
- ``booking_series_cancel_from`` cancels the dates from a day onwards, each through
  ``booking_cancel`` (the normal rules: late cancellation, the mediator paid, offers ended),
  in one transaction.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from itertools import islice
from typing import Any

from dateutil.relativedelta import relativedelta
from dateutil.rrule import WEEKLY, rrule
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.constants import ActorRole
from core.exceptions import DomainError
from core.roles import actor_role_of
from core.time import BERLIN, local_date
from institutions.models import Institution

from ..access import is_cancellable
from ..constants import SERIES_MAX_DATES, SERIES_MAX_INTERVAL_WEEKS, SERIES_MAX_MONTHS
from ..exceptions import IntakeRefused
from ..models import Booking, BookingSeries
from .booking import booking_cancel, booking_create


@dataclass(frozen=True)
class SeriesRule:
    """Every ``interval_weeks`` weeks from ``first`` (aware), until a local day or for a
    number of dates (one of the two)."""

    first: datetime.datetime
    interval_weeks: int = 1
    until: datetime.date | None = None
    count: int | None = None


class SeriesRefused(DomainError):
    """Dates of a series that the intake rules refuse: one line per date, nothing written."""

    code = "series_refused"

    def __init__(self, rows: list[tuple[datetime.date, str]]):
        self.rows = rows
        lines = [f"{day:%d.%m.%Y}: {message}" for day, message in rows]
        super().__init__(
            _("These dates cannot be booked, so none was: %(dates)s") % {"dates": "; ".join(lines)},
            field="series",
        )

    def as_dict(self) -> dict[str, list[str]]:
        return {self.field: [f"{day:%d.%m.%Y}: {message}" for day, message in self.rows]}


def series_dates(rule: SeriesRule, *, now: datetime.datetime) -> list[datetime.datetime]:
    """The dates of the rule as aware datetimes at the first date's local wall-clock time.
    Refuses a rule without an end, with more than ``SERIES_MAX_DATES`` dates or with a date
    more than ``SERIES_MAX_MONTHS`` months after ``now``, naming the limit."""
    if timezone.is_naive(rule.first):
        raise DomainError(_("Give the start with a time zone offset."), field="starts_at")
    if not 1 <= rule.interval_weeks <= SERIES_MAX_INTERVAL_WEEKS:
        raise DomainError(
            _("A series repeats every 1 to %(max)d weeks.") % {"max": SERIES_MAX_INTERVAL_WEEKS},
            field="interval_weeks",
        )
    if (rule.until is None) == (rule.count is None):
        raise DomainError(
            _("End the series either on a day or after a number of dates."), field="until"
        )
    if rule.count is not None and not 2 <= rule.count <= SERIES_MAX_DATES:
        raise DomainError(
            _("A series has 2 to %(max)d dates.") % {"max": SERIES_MAX_DATES}, field="count"
        )
    first_local = rule.first.astimezone(BERLIN).replace(tzinfo=None)
    limit = local_date(now) + relativedelta(months=SERIES_MAX_MONTHS)
    if rule.until is not None:
        if rule.until <= first_local.date():
            raise DomainError(_("The last day lies before the second date."), field="until")
        if rule.until > limit:
            raise DomainError(
                _("A series reaches at most %(months)d months ahead, until %(day)s.")
                % {"months": SERIES_MAX_MONTHS, "day": limit.strftime("%d.%m.%Y")},
                field="until",
            )
    # On the wall clock: 08:00 stays 08:00 whatever the offset of the day.
    until = None
    if rule.until is not None:
        until = datetime.datetime.combine(rule.until, datetime.time.max)
    # At most one date more than allowed, to say that there are too many.
    dates = rrule(WEEKLY, interval=rule.interval_weeks, dtstart=first_local, until=until,
                  count=rule.count)  # fmt: skip
    wall = list(islice(dates, SERIES_MAX_DATES + 1))
    if len(wall) > SERIES_MAX_DATES:
        raise DomainError(
            _("A series has at most %(max)d dates; end it earlier.") % {"max": SERIES_MAX_DATES},
            field="until",
        )
    if len(wall) < 2:
        raise DomainError(_("A series has at least two dates."), field="until")
    if wall[-1].date() > limit:
        raise DomainError(
            _("A series reaches at most %(months)d months ahead, until %(day)s.")
            % {"months": SERIES_MAX_MONTHS, "day": limit.strftime("%d.%m.%Y")},
            field="count",
        )
    # fold=0: an ambiguous time in October is its first occurrence, as for a single request
    # (booking_request_validate refuses a time that does not exist).
    return [moment.replace(tzinfo=BERLIN) for moment in wall]


def booking_series_create(
    *,
    requester: AbstractBaseUser,
    institution: Institution,
    starts_at: datetime.datetime,
    interval_weeks: int = 1,
    until: datetime.date | None = None,
    count: int | None = None,
    skip: frozenset[datetime.date] | set[datetime.date] = frozenset(),
    now: datetime.datetime | None = None,
    **request: Any,
) -> BookingSeries:
    """Request the same appointment on every date of the rule but the ``skip``ped local
    days: one booking per date, all or none (``SeriesRefused`` names every refused date).
    ``request`` holds the other arguments of ``booking_create`` (language, duration, mode,
    location, ...)."""
    now = now or timezone.now()
    rule = SeriesRule(first=starts_at, interval_weeks=interval_weeks, until=until, count=count)
    dates = [d for d in series_dates(rule, now=now) if d.date() not in skip]
    if len(dates) < 2:
        raise DomainError(_("Leave at least two dates in the series."), field="skip")
    refused: list[tuple[datetime.date, str]] = []
    with transaction.atomic():
        series = BookingSeries.objects.create(
            institution=institution,
            interval_weeks=interval_weeks,
            until=until,
            count=count,
            created_by_id=requester.pk if getattr(requester, "is_authenticated", False) else None,
            created_at=now,
        )
        for position, moment in enumerate(dates, start=1):
            try:
                with transaction.atomic():  # a savepoint: a refused date leaves nothing
                    booking_create(
                        requester=requester, institution=institution, starts_at=moment,
                        series=series, series_position=position, now=now, **request,
                    )  # fmt: skip
            except IntakeRefused as error:
                if position == 1 and error.field == "starts_at":
                    raise  # the notice: the whole series starts too early
                refused.append((moment.date(), str(error.message)))
            except DomainError as error:
                refused.append((moment.date(), str(error.message)))
        if refused:
            raise SeriesRefused(refused)  # rolls back the series and every date
    return series


def series_dates_from(
    series: BookingSeries, *, day: datetime.date, now: datetime.datetime
) -> list[Booking]:
    """The dates of the series that cancelling from ``day`` on cancels: from that local day,
    not yet begun, not over."""
    start = datetime.datetime.combine(day, datetime.time(), tzinfo=BERLIN)
    rows = (
        series.bookings.filter(starts_at__gte=max(start, now))
        .select_related("pool", "mediator__user", "language", "institution")
        .order_by("starts_at", "pk")
    )
    return [b for b in rows if is_cancellable(b)]


def booking_series_cancel_from(
    *,
    series: BookingSeries,
    day: datetime.date,
    actor: AbstractBaseUser,
    reason: str,
    now: datetime.datetime | None = None,
) -> list[Booking]:
    """Cancel every date of the series from the local ``day`` on that has not begun and is
    not over, each as ``booking_cancel`` would (late cancellation, offers, the mediator told),
    in one transaction: all of them or none. Mediators give back single dates instead."""
    now = now or timezone.now()
    if actor_role_of(actor) == ActorRole.MEDIATOR:
        raise DomainError(_("Give back the dates one by one."), field="day")
    if not (reason or "").strip():
        raise DomainError(_("Say why the appointments are cancelled."), field="reason")
    with transaction.atomic():
        dates = series_dates_from(series, day=day, now=now)
        if not dates:
            raise DomainError(_("No date of the series is left to cancel from this day."),
                              field="day")  # fmt: skip
        return [
            booking_cancel(booking=booking, actor=actor, reason=reason, now=now)
            for booking in dates
        ]
