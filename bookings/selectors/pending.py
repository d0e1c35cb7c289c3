"""Reports a mediator has sent that wait for the institution's confirmation (or are
disputed): shown on the expense statement as "pending confirmation" with what they would pay,
apart from the confirmed allowances."""

from __future__ import annotations

import datetime
from typing import Any

from core.time import local_date, local_datetime
from institutions.models import CompensationRule
from mediators.models import Mediator

from ..constants import ReportStatus
from ..exceptions import CompensationRuleMissing
from ..models import Report
from ..services.compensation import allowance_compute, compensation_rule_for


def _month_range(year: int, month: int) -> tuple[datetime.datetime, datetime.datetime]:
    first = datetime.date(year, month, 1)
    following = datetime.date(year + month // 12, month % 12 + 1, 1)
    return local_datetime(first), local_datetime(following)


def reports_pending(*, mediator: Mediator, year: int, month: int) -> list[dict[str, Any]]:
    """The mediator's reports of the month's appointments that wait for confirmation (sent,
    or disputed by the institution), with what they would pay by the rule of the
    appointment's day: time (worked and travel time), travel (km or ticket) and the sum.
    The amounts are ``None`` where the pool has no rule for that day yet."""
    starts, ends = _month_range(year, month)
    reports = (
        Report.objects.filter(
            booking__mediator=mediator,
            status__in=[ReportStatus.SUBMITTED, ReportStatus.DISPUTED],
            booking__starts_at__gte=starts,
            booking__starts_at__lt=ends,
        )
        .select_related("booking__institution", "booking__language", "booking__pool")
        .order_by("booking__starts_at", "booking_id")
    )
    rules: dict[datetime.date, CompensationRule | None] = {}
    rows = []
    for report in reports:
        booking = report.booking
        day = local_date(booking.starts_at)
        if day not in rules:
            try:
                rules[day] = compensation_rule_for(pool=booking.pool, day=day)
            except CompensationRuleMissing:
                rules[day] = None
        rule = rules[day]
        amount = (
            allowance_compute(
                rule=rule,
                actual_minutes=report.actual_minutes,
                travel_minutes=report.travel_minutes,
                travel_km=report.travel_km,
                ticket_cents=report.ticket_cents,
            )
            if rule is not None
            else None
        )
        rows.append(
            {
                "booking_id": booking.pk,
                "day": day,
                "starts_at": booking.starts_at,
                "institution": booking.institution.name,
                "language": booking.language.code,
                "status": report.status,
                "actual_minutes": report.actual_minutes,
                "travel_minutes": report.travel_minutes,
                "travel_km": report.travel_km,
                "ticket_cents": report.ticket_cents,
                "time_cents": amount.breakdown["time_cents"] if amount else None,
                "travel_cents": amount.breakdown["travel_cents"] if amount else None,
                "amount_cents": amount.amount_cents if amount else None,
            }
        )
    return rows
