"""Yearly budgets of hours per institution and funding source.

A booking's hours count against the budget of its institution, funding source and local
year while the appointment may still take place or took place (``COUNTED_STATUSES``);
requests waiting for approval are shown apart (``selectors.budgets``). Hours are the booked
durations.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Q, Sum

from core.time import BERLIN
from institutions.models import Budget, FundingSource, Institution

from ..constants import Status
from ..models import Booking

# Bookings whose hours count against a budget.
COUNTED_STATUSES = (
    Status.REQUESTED,
    Status.OFFERED,
    Status.CONFIRMED,
    Status.COMPLETED,
    Status.CLOSED,
    Status.UNFILLED,
)


def year_bounds(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    """The local calendar year as aware datetimes [start, end)."""
    return (
        datetime.datetime(year, 1, 1, tzinfo=BERLIN),
        datetime.datetime(year + 1, 1, 1, tzinfo=BERLIN),
    )


def counted_in_year(year: int, prefix: str = "") -> Q:
    """Bookings (reached through ``prefix``) whose hours count against a budget of ``year``."""
    start, end = year_bounds(year)
    return Q(
        **{
            f"{prefix}starts_at__gte": start,
            f"{prefix}starts_at__lt": end,
            f"{prefix}status__in": COUNTED_STATUSES,
        }
    )


def budget_hours_used(
    *,
    institution: Institution,
    funding_source: FundingSource,
    year: int,
    exclude_booking_id: int | None = None,
) -> Decimal:
    qs = Booking.objects.filter(
        counted_in_year(year), institution=institution, funding_source=funding_source
    )
    if exclude_booking_id:
        qs = qs.exclude(pk=exclude_booking_id)
    minutes = qs.aggregate(m=Sum("duration_minutes"))["m"] or 0
    return (Decimal(minutes) / Decimal(60)).quantize(Decimal("0.01"))


def budget_exceeded_by(
    *,
    institution: Institution,
    funding_source: FundingSource | None,
    starts_at: datetime.datetime,
    duration_minutes: int,
    exclude_booking_id: int | None = None,
    lock: bool = False,
) -> bool:
    """True when the request would use more hours than the budget has left.

    No funding source, or no budget for that year: nothing limits the request. With
    ``lock`` (inside a transaction) the budget row is locked, so two requests at the same
    time cannot both take the last hours.
    """
    if funding_source is None:
        return False
    year = starts_at.astimezone(BERLIN).year
    budgets = Budget.objects.filter(
        institution=institution, funding_source=funding_source, year=year
    )
    if lock:
        budgets = budgets.select_for_update()
    budget = budgets.first()
    if budget is None:
        return False
    used = budget_hours_used(
        institution=institution,
        funding_source=funding_source,
        year=year,
        exclude_booking_id=exclude_booking_id,
    )
    return used + Decimal(duration_minutes) / Decimal(60) > budget.hours
