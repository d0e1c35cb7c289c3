"""Yearly budgets of hours per institution and funding source."""

from __future__ import annotations

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Sum

from institutions.models import Budget, FundingSource, Institution

from ..constants import Status
from ..models import Booking

BERLIN = ZoneInfo("Europe/Berlin")

# Bookings whose hours count against a budget.
COUNTED_STATUSES = (
    Status.REQUESTED,
    Status.OFFERED,
    Status.CONFIRMED,
    Status.COMPLETED,
    Status.CLOSED,
)


def budget_hours_used(
    *,
    institution: Institution,
    funding_source: FundingSource,
    year: int,
    exclude_booking_id: int | None = None,
) -> Decimal:
    start = datetime.datetime(year, 1, 1, tzinfo=BERLIN)
    end = datetime.datetime(year + 1, 1, 1, tzinfo=BERLIN)
    qs = Booking.objects.filter(
        institution=institution,
        funding_source=funding_source,
        starts_at__gte=start,
        starts_at__lt=end,
        status__in=COUNTED_STATUSES,
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
) -> bool:
    """True when the request would use more hours than the budget has left.

    No funding source, or no budget for that year: nothing limits the request.
    """
    if funding_source is None:
        return False
    year = starts_at.astimezone(BERLIN).year
    budget = Budget.objects.filter(
        institution=institution, funding_source=funding_source, year=year
    ).first()
    if budget is None:
        return False
    used = budget_hours_used(
        institution=institution,
        funding_source=funding_source,
        year=year,
        exclude_booking_id=exclude_booking_id,
    )
    return used + Decimal(duration_minutes) / Decimal(60) > budget.hours
