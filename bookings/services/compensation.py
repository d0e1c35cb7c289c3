"""The pool's compensation rules: the expense allowance of a report or a late cancellation.

``allowance_compute`` is a pure function of a rule and the reported figures; the services
below look up the rule valid on the appointment's local day, write the allowance once
(idempotent: a unique constraint and get-or-create) and warn coordinators when a mediator's
year total crosses the warning threshold or the tax-free yearly amount.

Late cancellation by the institution: the allowance is written when the booking is cancelled
(time only: the booked duration up to ``late_cancellation_paid_minutes``). The mediator then
reports the travel already made with ``late_cancellation_travel_report`` — once — which adds
travel time (up to the cap, where paid) and the ticket or kilometres to that allowance.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from core.time import local_date
from institutions.models import CompensationRule, Pool
from mediators.models import Mediator

from ..constants import AlertKind, AllowanceKind, TaxFreeState
from ..exceptions import BookingConflict, CompensationRuleMissing
from ..locking import lock_mediator
from ..messages.hooks import alert_notify, tax_free_notice_notify
from ..models import Alert, Allowance, Booking, Report
from ..selectors.statements import (
    TAX_FREE_LIMIT,
    TAX_FREE_WARNING,
    mediator_tax_free_status,
    tax_free_state,
)


@dataclass(frozen=True)
class AllowanceAmount:
    amount_cents: int
    breakdown: dict[str, Any]


def _cents(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def compensation_rule_for(*, pool: Pool, day: datetime.date) -> CompensationRule:
    """The rule valid on ``day``: the latest one whose ``valid_from`` is not after it."""
    rule = (
        CompensationRule.objects.filter(pool=pool, valid_from__lte=day)
        .order_by("-valid_from")
        .first()
    )
    if rule is None:
        raise CompensationRuleMissing(
            _(
                "The pool has no compensation rule valid on %(day)s; a coordinator has to add "
                "one before the allowance can be computed."
            )
            % {"day": day.strftime("%d.%m.%Y")}
        )
    return rule


def allowance_compute(
    *,
    rule: CompensationRule,
    actual_minutes: int,
    travel_minutes: int = 0,
    travel_km: Decimal | int = 0,
    ticket_cents: int = 0,
) -> AllowanceAmount:
    """The allowance for ``actual_minutes`` of work and the travel, by ``rule``.

    Time: the minutes worked plus the travel time up to the cap (where travel time is paid),
    counted per started rounding unit at the hourly rate (47 minutes at 15 € per started half
    hour are 15 €, 61 minutes are 22.50 €). Travel: the public transport ticket when one is
    given, otherwise the kilometres at the rate per km.
    """
    travel_paid = min(travel_minutes, rule.travel_time_cap_minutes) if rule.travel_time_paid else 0
    paid_minutes = actual_minutes + travel_paid
    units = -(-paid_minutes // rule.rounding_minutes)  # per started unit
    time_cents = _cents(Decimal(units * rule.rounding_minutes * rule.hourly_rate_cents) / 60)
    km = Decimal(str(travel_km))
    if ticket_cents:
        travel_mode, travel_cents = "ticket", ticket_cents
    else:
        travel_mode, travel_cents = "km", _cents(km * rule.km_rate_cents)
    breakdown = {
        "rule_id": rule.pk,
        "rule_valid_from": rule.valid_from.isoformat(),
        "actual_minutes": actual_minutes,
        "travel_minutes": travel_minutes,
        "travel_minutes_paid": travel_paid,
        "paid_minutes": paid_minutes,
        "rounding_minutes": rule.rounding_minutes,
        "units": units,
        "hourly_rate_cents": rule.hourly_rate_cents,
        "time_cents": time_cents,
        "travel_mode": travel_mode,
        "travel_km": str(km),
        "km_rate_cents": rule.km_rate_cents,
        "ticket_cents": ticket_cents,
        "travel_cents": travel_cents,
    }
    return AllowanceAmount(amount_cents=time_cents + travel_cents, breakdown=breakdown)


# --- writing allowances -------------------------------------------------------------------


def _tax_free_alert(*, mediator: Mediator, booking: Booking, year: int, added_cents: int) -> None:
    """Record an alert when the mediator's year total just crossed the warning threshold or
    the tax-free amount (called with the mediator row locked), and tell the mediator when it
    reached the warning share (80 % unless the pool sets another) or 100 % of the year's
    tax-free amount: an e-mail in their language, once per threshold and year."""
    status = mediator_tax_free_status(mediator=mediator, year=year)
    before_total = status.total_cents - added_cents
    crossed = [
        threshold
        for threshold, cents in (
            (TAX_FREE_WARNING, status.warning_cents),
            (TAX_FREE_LIMIT, status.limit_cents),
        )
        if before_total < cents <= status.total_cents
    ]
    if crossed:  # both at once: the mediator hears of the higher one
        tax_free_notice_notify(mediator=mediator, year=year, threshold=crossed[-1])
    before = tax_free_state(
        total_cents=status.total_cents - added_cents,
        limit_cents=status.limit_cents,
        warning_cents=status.warning_cents,
    )
    if status.state == before or status.state == TaxFreeState.OK:
        return
    exceeded = status.state == TaxFreeState.EXCEEDED
    values = {
        "name": str(mediator),
        "year": year,
        "total": f"{status.total_cents / 100:.2f}",
        "limit": f"{status.limit_cents / 100:.2f}",
    }
    if exceeded:
        message = _(
            "%(name)s's allowances for %(year)s (%(total)s €) are above the tax-free yearly "
            "amount of %(limit)s €."
        )
    else:
        message = _(
            "%(name)s's allowances for %(year)s (%(total)s €) approach the tax-free yearly "
            "amount of %(limit)s €."
        )
    alert = Alert.objects.create(
        pool_id=mediator.pool_id,
        booking=booking,
        mediator=mediator,
        kind=AlertKind.TAX_FREE_EXCEEDED if exceeded else AlertKind.TAX_FREE_WARNING,
        message=message % values,
    )
    alert_notify(alert=alert)


def allowance_write(
    *, booking: Booking, kind: str, amount: AllowanceAmount
) -> tuple[Allowance, bool]:
    """Write the allowance once; a second call for the same booking and kind writes nothing."""
    if booking.mediator_id is None:
        raise BookingConflict(_("This booking has no mediator to pay."), code="no_mediator")
    with transaction.atomic():
        mediator = lock_mediator(booking.mediator_id)
        day = local_date(booking.starts_at)
        allowance, created = Allowance.objects.get_or_create(
            booking=booking,
            mediator=mediator,
            kind=kind,
            defaults={
                "day": day,
                "amount_cents": amount.amount_cents,
                "breakdown": amount.breakdown,
            },
        )
        if created:
            _tax_free_alert(
                mediator=mediator, booking=booking, year=day.year, added_cents=amount.amount_cents
            )
    return allowance, created


def allowance_rewrite(*, allowance: Allowance, amount: AllowanceAmount) -> Allowance:
    """Replace an allowance's amount (the travel made added to a late cancellation)."""
    with transaction.atomic():
        mediator = lock_mediator(allowance.mediator_id)
        added = amount.amount_cents - allowance.amount_cents
        allowance.amount_cents = amount.amount_cents
        allowance.breakdown = amount.breakdown
        allowance.save(update_fields=["amount_cents", "breakdown"])
        if added > 0:
            _tax_free_alert(
                mediator=mediator,
                booking=allowance.booking,
                year=allowance.day.year,
                added_cents=added,
            )
    return allowance


def allowance_for_report(*, booking: Booking, report: Report) -> Allowance:
    """The allowance of a confirmed report, from the rule valid on the appointment's day."""
    rule = compensation_rule_for(pool=booking.pool, day=local_date(booking.starts_at))
    amount = allowance_compute(
        rule=rule,
        actual_minutes=report.actual_minutes,
        travel_minutes=report.travel_minutes,
        travel_km=report.travel_km,
        ticket_cents=report.ticket_cents,
    )
    allowance, _created = allowance_write(
        booking=booking, kind=AllowanceKind.APPOINTMENT, amount=amount
    )
    return allowance


def late_cancellation_compute(
    *,
    rule: CompensationRule,
    booking: Booking,
    travel_minutes: int = 0,
    travel_km: Decimal | int = 0,
    ticket_cents: int = 0,
) -> AllowanceAmount:
    """The booked time up to ``late_cancellation_paid_minutes``, plus the travel made."""
    paid = min(booking.duration_minutes, rule.late_cancellation_paid_minutes)
    amount = allowance_compute(
        rule=rule,
        actual_minutes=paid,
        travel_minutes=travel_minutes,
        travel_km=travel_km,
        ticket_cents=ticket_cents,
    )
    amount.breakdown.update({"late_cancellation": True, "booked_minutes": booking.duration_minutes})
    return amount


def allowance_for_late_cancellation(*, booking: Booking) -> Allowance | None:
    """Pay the mediator for a late cancellation by the institution (time only; the travel
    made follows with ``late_cancellation_travel_report``).

    Without a rule valid on the day the cancellation still goes through: coordinators get an
    alert, and calling this again once a rule exists writes the allowance.
    """
    day = local_date(booking.starts_at)
    try:
        rule = compensation_rule_for(pool=booking.pool, day=day)
    except CompensationRuleMissing as missing:
        with transaction.atomic():
            alert, created = Alert.objects.get_or_create(
                booking=booking,
                kind=AlertKind.ALLOWANCE_MISSING,
                resolved_at=None,
                defaults={
                    "pool_id": booking.pool_id,
                    "mediator_id": booking.mediator_id,
                    "message": str(missing.message),
                },
            )
            if created:
                alert_notify(alert=alert)
        return None
    allowance, _created = allowance_write(
        booking=booking,
        kind=AllowanceKind.LATE_CANCELLATION,
        amount=late_cancellation_compute(rule=rule, booking=booking),
    )
    return allowance
