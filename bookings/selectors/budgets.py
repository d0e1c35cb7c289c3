"""Reading the yearly budgets of hours per institution and funding source.

A booking's hours count against the budget of its institution, funding source and local
year while the appointment may still take place or took place (``COUNTED_STATUSES``);
requests waiting for approval are shown apart. Hours are the booked durations.
Coordinators see every budget's use: hours budgeted, used, awaiting approval and left.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import F, IntegerField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce

from core.time import BERLIN
from institutions.models import Budget, FundingSource, Institution, Pool
from institutions.selectors import coordinator_of, staff_of

from ..constants import Status
from ..models import Booking

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

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


HUNDREDTH = Decimal("0.01")


@dataclass(frozen=True)
class BudgetUse:
    budget_id: int
    institution_id: int
    institution: str
    funding_source_id: int
    funding_source: str
    year: int
    hours_budgeted: Decimal
    hours_used: Decimal
    hours_awaiting_approval: Decimal

    @property
    def hours_left(self) -> Decimal:
        return self.hours_budgeted - self.hours_used


def _hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / 60).quantize(HUNDREDTH)


def _minutes_booked(condition: Q) -> Coalesce:
    """Minutes of the budget's institution and funding source matching ``condition``: a
    correlated subquery that uses the index on (institution, starts_at)."""
    minutes = (
        Booking.objects.filter(
            condition,
            institution_id=OuterRef("institution_id"),
            funding_source_id=OuterRef("funding_source_id"),
        )
        .order_by()
        .values("institution_id")
        .annotate(minutes=Sum("duration_minutes"))
        .values("minutes")
    )
    return Coalesce(Subquery(minutes, output_field=IntegerField()), 0)


def budget_use_for_pool(
    *, pool: Pool, year: int, institution: Institution | None = None
) -> list[BudgetUse]:
    """Every budget of the pool's institutions (or of one ``institution``) for ``year`` with
    its use, in one query."""
    start, end = year_bounds(year)
    awaiting = Q(status=Status.AWAITING_APPROVAL, starts_at__gte=start, starts_at__lt=end)
    budgets = Budget.objects.filter(institution__pool=pool, year=year)
    if institution is not None:
        budgets = budgets.filter(institution=institution)
    rows = (
        budgets.annotate(
            used_minutes=_minutes_booked(counted_in_year(year)),
            awaiting_minutes=_minutes_booked(awaiting),
        )
        .values(
            "id",
            "institution_id",
            "funding_source_id",
            "year",
            "hours",
            "used_minutes",
            "awaiting_minutes",
            institution_name=F("institution__name"),
            funding_source_name=F("funding_source__name"),
        )
        .order_by("institution_name", "funding_source_name")
    )
    return [
        BudgetUse(
            budget_id=row["id"],
            institution_id=row["institution_id"],
            institution=row["institution_name"],
            funding_source_id=row["funding_source_id"],
            funding_source=row["funding_source_name"],
            year=row["year"],
            hours_budgeted=row["hours"],
            hours_used=_hours(row["used_minutes"]),
            hours_awaiting_approval=_hours(row["awaiting_minutes"]),
        )
        for row in rows
    ]


def budget_use_visible_to(
    user: AbstractBaseUser | AnonymousUser | None, *, year: int
) -> list[BudgetUse]:
    """Budgets within reach: coordinators every budget of their pool, institution staff
    their own institution's; nobody else any."""
    if (coordinator := coordinator_of(user)) is not None:
        return budget_use_for_pool(pool=coordinator.pool, year=year)
    if (staff := staff_of(user)) is not None:
        institution = staff.institution
        return budget_use_for_pool(pool=institution.pool, year=year, institution=institution)
    return []
