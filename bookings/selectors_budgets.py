"""Coordinators see every budget's use: hours budgeted, used, awaiting approval and left."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce

from institutions.models import Budget, Pool

from .constants import Status
from .services.budgets import counted_in_year, year_bounds

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


def budget_use_for_pool(*, pool: Pool, year: int) -> list[BudgetUse]:
    """Every budget of the pool's institutions for ``year`` with its use, in one query."""
    start, end = year_bounds(year)
    same_source = Q(institution__bookings__funding_source_id=F("funding_source_id"))
    awaiting = Q(
        institution__bookings__status=Status.AWAITING_APPROVAL,
        institution__bookings__starts_at__gte=start,
        institution__bookings__starts_at__lt=end,
    )
    rows = (
        Budget.objects.filter(institution__pool=pool, year=year)
        .values(
            "id",
            "institution_id",
            "funding_source_id",
            "year",
            "hours",
            institution_name=F("institution__name"),
            funding_source_name=F("funding_source__name"),
        )
        .annotate(
            used_minutes=Coalesce(
                Sum(
                    "institution__bookings__duration_minutes",
                    filter=same_source & counted_in_year(year, "institution__bookings__"),
                ),
                0,
            ),
            awaiting_minutes=Coalesce(
                Sum("institution__bookings__duration_minutes", filter=same_source & awaiting),
                0,
            ),
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
