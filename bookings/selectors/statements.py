"""Reading allowances: a mediator's monthly statement and where the year's total stands
against the tax-free yearly amount of that year (Ehrenamtspauschale, § 3 Nr. 26a EStG;
``institutions.TaxFreeLimit``: 840 € up to 2025, 960 € from 2026)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, F, Sum

from institutions.models import Pool
from institutions.selectors import tax_free_limit_cents
from mediators.models import Mediator

from ..constants import TaxFreeState
from ..models import Allowance

# The thresholds at which the mediator is told (once per year each).
TAX_FREE_WARNING = "warning"
TAX_FREE_LIMIT = "limit"


@dataclass(frozen=True)
class TaxFreeStatus:
    year: int
    total_cents: int
    limit_cents: int
    warning_cents: int
    state: str

    @property
    def left_cents(self) -> int:
        return max(self.limit_cents - self.total_cents, 0)

    @property
    def reached(self) -> str:
        """The highest threshold the total has reached: ``TAX_FREE_LIMIT`` (100 %),
        ``TAX_FREE_WARNING`` (the pool's warning share, 80 % unless set) or ""."""
        if self.total_cents >= self.limit_cents:
            return TAX_FREE_LIMIT
        if self.total_cents >= self.warning_cents:
            return TAX_FREE_WARNING
        return ""

    @property
    def percent(self) -> int:
        """The share of the tax-free amount used, in whole percent (rounded down)."""
        return self.total_cents * 100 // self.limit_cents if self.limit_cents else 100

    @property
    def share(self) -> str:
        """The share used as shown: "83 %"."""
        return f"{self.percent} %"


@dataclass(frozen=True)
class Statement:
    mediator_id: int
    year: int
    month: int
    rows: list[dict[str, Any]]
    total_cents: int
    tax_free: TaxFreeStatus
    # Reports sent but not yet confirmed (or disputed): what they would pay, broken down;
    # not in ``total_cents``.
    pending: list[dict[str, Any]] = field(default_factory=list)

    @property
    def pending_cents(self) -> int:
        return sum(row["amount_cents"] or 0 for row in self.pending)


def tax_free_state(*, total_cents: int, limit_cents: int, warning_cents: int) -> str:
    """ok below the warning threshold, warning from it up to the limit, exceeded above it."""
    if total_cents > limit_cents:
        return TaxFreeState.EXCEEDED
    if total_cents >= warning_cents:
        return TaxFreeState.WARNING
    return TaxFreeState.OK


def _year_range(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


def mediator_tax_free_status(*, mediator: Mediator, year: int) -> TaxFreeStatus:
    """The mediator's allowances in ``year`` against that year's tax-free yearly amount
    (the law's, ``TaxFreeLimit``), with the pool's warning share."""
    pool = mediator.pool
    total = (
        Allowance.objects.filter(mediator=mediator, day__range=_year_range(year)).aggregate(
            total=Sum("amount_cents")
        )["total"]
        or 0
    )
    limit = tax_free_limit_cents(year)
    warning = int(
        (Decimal(limit) * Decimal(pool.tax_free_warning_ratio)).quantize(
            Decimal(1), rounding=ROUND_HALF_UP
        )
    )
    return TaxFreeStatus(
        year=year,
        total_cents=total,
        limit_cents=limit,
        warning_cents=warning,
        state=tax_free_state(total_cents=total, limit_cents=limit, warning_cents=warning),
    )


def _month_range(year: int, month: int) -> tuple[datetime.date, datetime.date]:
    first = datetime.date(year, month, 1)
    following = datetime.date(year + month // 12, month % 12 + 1, 1)
    return first, following - datetime.timedelta(days=1)


def mediator_statement(*, mediator: Mediator, year: int, month: int) -> Statement:
    """The allowances of one month, day by day, their total, and the tax-free status of the
    year (the mediator sees the warning on the statement)."""
    allowances = Allowance.objects.filter(mediator=mediator, day__range=_month_range(year, month))
    rows: list[dict[str, Any]] = [
        dict(row)
        for row in allowances.order_by("day", "booking_id", "kind").values(
            "id",
            "day",
            "kind",
            "amount_cents",
            "breakdown",
            "booking_id",
            starts_at=F("booking__starts_at"),
            language=F("booking__language__code"),
            institution=F("booking__institution__name"),
        )
    ]
    total = allowances.aggregate(total=Sum("amount_cents"))["total"] or 0
    # Imported here: the compensation rules import this module (the tax-free status).
    from .pending import reports_pending

    return Statement(
        mediator_id=mediator.pk,
        year=year,
        month=month,
        rows=rows,
        total_cents=total,
        tax_free=mediator_tax_free_status(mediator=mediator, year=year),
        pending=reports_pending(mediator=mediator, year=year, month=month),
    )


def pool_statement_totals(*, pool: Pool, year: int, month: int) -> list[dict[str, Any]]:
    """Per mediator of the pool: the month's number of allowances and total (one query)."""
    return list(
        Allowance.objects.filter(mediator__pool=pool, day__range=_month_range(year, month))
        .values("mediator_id")
        .annotate(
            first_name=F("mediator__user__first_name"),
            last_name=F("mediator__user__last_name"),
            allowances=Count("id"),
            total_cents=Sum("amount_cents"),
        )
        .order_by("last_name", "first_name", "mediator_id")
    )
