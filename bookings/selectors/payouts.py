"""The monthly payout list for the district's accounting office: per mediator of the pool
the month's allowances, their IBAN (if given) and the bookings they are for; and whether
the month has been marked as paid (``PayoutMonth``). The same allowances as the pool's
statement totals (``statements.pool_statement_totals``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import F

from institutions.models import Pool

from ..models import Allowance, PayoutMonth
from .statements import _month_range


@dataclass
class PayoutLine:
    mediator_id: int
    first_name: str
    last_name: str
    iban: str
    total_cents: int = 0
    booking_ids: list[int] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass(frozen=True)
class Payout:
    year: int
    month: int
    lines: list[PayoutLine]
    paid: PayoutMonth | None

    @property
    def total_cents(self) -> int:
        return sum(line.total_cents for line in self.lines)

    @property
    def changed_since_paid(self) -> bool:
        """Allowances were added after the month was marked as paid (a late report)."""
        return self.paid is not None and self.paid.total_cents != self.total_cents


def payout_for(*, pool: Pool, year: int, month: int) -> Payout:
    """One line per mediator of the pool with allowances in the month, by name (two
    queries, whatever the number of mediators)."""
    rows = (
        Allowance.objects.filter(mediator__pool=pool, day__range=_month_range(year, month))
        .order_by(
            "mediator__user__last_name", "mediator__user__first_name", "mediator_id", "booking_id"
        )
        .values(
            "mediator_id",
            "booking_id",
            "amount_cents",
            first_name=F("mediator__user__first_name"),
            last_name=F("mediator__user__last_name"),
            iban=F("mediator__iban"),
        )
    )
    lines: dict[int, PayoutLine] = {}
    for row in rows:
        line = lines.get(row["mediator_id"])
        if line is None:
            line = lines[row["mediator_id"]] = PayoutLine(
                mediator_id=row["mediator_id"],
                first_name=row["first_name"],
                last_name=row["last_name"],
                iban=row["iban"],
            )
        line.total_cents += row["amount_cents"]
        if row["booking_id"] not in line.booking_ids:
            line.booking_ids.append(row["booking_id"])
    paid = (
        PayoutMonth.objects.filter(pool=pool, year=year, month=month)
        .select_related("paid_by")
        .first()
    )
    return Payout(year=year, month=month, lines=list(lines.values()), paid=paid)


def paid_months_of(pool: Pool) -> list[PayoutMonth]:
    return list(PayoutMonth.objects.filter(pool=pool).select_related("paid_by")[:24])
