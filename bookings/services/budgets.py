"""The budget check of a request: would it use more hours than are left?

What counts against a budget, and how much of it is used, is read in ``selectors.budgets``;
this check stays with the services that call it inside their transaction, because it locks
the budget row.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from core.time import BERLIN
from institutions.models import Budget, FundingSource, Institution

from ..selectors.budgets import budget_hours_used


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
