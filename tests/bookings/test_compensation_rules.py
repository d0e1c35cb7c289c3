"""The pool's compensation rules with the figures of worked examples: time per started
rounding unit, travel time up to the cap, the ticket or the kilometres, the rule valid on the
appointment's local day, the tax-free yearly amount and the monthly statement."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from bookings.constants import AlertKind, AllowanceKind, Status, TaxFreeState
from bookings.exceptions import CompensationRuleMissing
from bookings.models import Alert, Allowance, Report
from bookings.selectors.statements import (
    mediator_statement,
    mediator_tax_free_status,
    pool_statement_totals,
    tax_free_state,
)
from bookings.services import allowance_compute, compensation_rule_for
from bookings.services.compensation import allowance_for_report
from institutions.models import CompensationRule
from tests.bookings.lifecycle import berlin, held_booking, spy_on
from tests.institutions.factories import CompensationRuleFactory, PoolFactory
from tests.mediators.factories import MediatorFactory

JAN_1 = datetime.date(2027, 1, 1)


def rule(**rates) -> CompensationRule:
    """The pool's usual rates: 15 € per hour per started half hour, travel time up to one
    hour, 0.30 € per km, two hours on a late cancellation."""
    return CompensationRule(valid_from=JAN_1, **rates)


@pytest.mark.parametrize(
    ("minutes", "euros"),
    [(47, "15.00"), (61, "22.50"), (30, "7.50"), (31, "15.00"), (1, "7.50"), (90, "22.50")],
)
def test_time_is_paid_per_started_half_hour_at_15_euros_an_hour(minutes, euros):
    amount = allowance_compute(rule=rule(), actual_minutes=minutes, travel_km=0)

    assert amount.amount_cents == int(Decimal(euros) * 100)
    assert amount.breakdown["time_cents"] == amount.amount_cents
    assert amount.breakdown["travel_cents"] == 0


def test_travel_time_counts_up_to_the_cap():
    # 47 minutes + 75 minutes travel, capped at 60: 107 minutes = 4 started half hours = 30 €
    amount = allowance_compute(rule=rule(), actual_minutes=47, travel_minutes=75, travel_km=0)

    assert amount.breakdown["travel_minutes_paid"] == 60
    assert amount.breakdown["paid_minutes"] == 107
    assert amount.breakdown["units"] == 4
    assert amount.amount_cents == 3000


def test_travel_time_is_not_counted_where_the_pool_does_not_pay_it():
    amount = allowance_compute(
        rule=rule(travel_time_paid=False), actual_minutes=47, travel_minutes=40, travel_km=0
    )

    assert amount.breakdown["travel_minutes_paid"] == 0
    assert amount.amount_cents == 1500


@pytest.mark.parametrize(
    ("km", "km_rate", "cents"),
    [(Decimal("12.5"), 30, 375), (Decimal("0.1"), 30, 3), (Decimal("0.5"), 25, 13), (0, 30, 0)],
)
def test_travel_by_car_pays_the_kilometres_at_the_rate(km, km_rate, cents):
    amount = allowance_compute(rule=rule(km_rate_cents=km_rate), actual_minutes=60, travel_km=km)

    assert amount.breakdown["travel_mode"] == "km"
    assert amount.breakdown["travel_cents"] == cents
    assert amount.amount_cents == 1500 + cents


def test_a_public_transport_ticket_is_paid_instead_of_the_kilometres():
    amount = allowance_compute(
        rule=rule(), actual_minutes=47, travel_minutes=20, travel_km=Decimal("20"), ticket_cents=560
    )

    # 47 + 20 = 67 minutes: 3 started half hours = 22.50 €, plus the 5.60 € ticket
    assert amount.breakdown["travel_mode"] == "ticket"
    assert amount.breakdown["travel_cents"] == 560
    assert amount.amount_cents == 2250 + 560


def test_other_rates_and_rounding_units_round_to_the_cent():
    # 12.34 € per hour per started quarter hour: 50 minutes = 4 quarters = 12.34 €;
    # 20 minutes = 2 quarters = 6.17 €; 10 minutes = 1 quarter = 3.085 € → 3.09 €
    quarter = rule(hourly_rate_cents=1234, rounding_minutes=15)

    assert allowance_compute(rule=quarter, actual_minutes=50).amount_cents == 1234
    assert allowance_compute(rule=quarter, actual_minutes=20).amount_cents == 617
    assert allowance_compute(rule=quarter, actual_minutes=10).amount_cents == 309


# --- the rule valid on the day --------------------------------------------------------------


@pytest.mark.django_db
def test_the_rule_valid_on_a_day_is_the_latest_that_started_on_or_before_it():
    pool = PoolFactory()
    CompensationRuleFactory(pool=pool, valid_from=JAN_1, hourly_rate_cents=1500)
    march = CompensationRuleFactory(
        pool=pool, valid_from=datetime.date(2027, 3, 15), hourly_rate_cents=1800
    )
    CompensationRuleFactory(pool=PoolFactory(), valid_from=datetime.date(2027, 3, 20))

    assert (
        compensation_rule_for(pool=pool, day=datetime.date(2027, 3, 14)).hourly_rate_cents == 1500
    )
    assert compensation_rule_for(pool=pool, day=datetime.date(2027, 3, 15)) == march
    assert compensation_rule_for(pool=pool, day=datetime.date(2027, 12, 31)) == march


@pytest.mark.django_db
def test_without_a_rule_valid_on_the_day_the_error_says_so():
    pool = PoolFactory()
    CompensationRuleFactory(pool=pool, valid_from=datetime.date(2027, 3, 15))

    with translation.override("en"), pytest.raises(CompensationRuleMissing) as missing:
        compensation_rule_for(pool=pool, day=datetime.date(2027, 3, 14))

    assert "14.03.2027" in str(missing.value.message)
    assert missing.value.code == "no_compensation_rule"


def closed_with_report(*, mediator, starts_at, minutes=60, km=Decimal("0")):
    booking = held_booking(
        status=Status.CLOSED, mediator=mediator, starts_at=starts_at, duration_minutes=minutes
    )
    report = Report.objects.create(booking=booking, actual_minutes=minutes, travel_km=km)
    return booking, report


def allowance_of_an_hour(mediator, starts_at):
    booking, report = closed_with_report(mediator=mediator, starts_at=starts_at)
    return allowance_for_report(booking=booking, report=report)


@pytest.mark.django_db
def test_a_rate_change_in_the_middle_of_a_month_applies_by_day():
    # Given 15 € per hour until 14 March 2027 and 18 € from 15 March
    mediator = MediatorFactory()
    CompensationRuleFactory(pool=mediator.pool, valid_from=JAN_1, hourly_rate_cents=1500)
    CompensationRuleFactory(
        pool=mediator.pool, valid_from=datetime.date(2027, 3, 15), hourly_rate_cents=1800
    )
    # and one hour on each day, the second starting 00:30 local time (still the 14th in UTC)
    for starts_at in (berlin(2027, 3, 14, 10, 0), berlin(2027, 3, 15, 0, 30)):
        allowance_of_an_hour(mediator, starts_at)

    # Then the statement of March pays each day by its own rate
    statement = mediator_statement(mediator=mediator, year=2027, month=3)
    assert [(row["day"], row["amount_cents"]) for row in statement.rows] == [
        (datetime.date(2027, 3, 14), 1500),
        (datetime.date(2027, 3, 15), 1800),
    ]
    assert statement.total_cents == 3300


@pytest.mark.django_db
def test_an_allowance_is_written_once_however_often_it_is_asked_for():
    mediator = MediatorFactory()
    CompensationRuleFactory(pool=mediator.pool, valid_from=JAN_1)
    booking, report = closed_with_report(mediator=mediator, starts_at=berlin(2027, 3, 1, 9, 0))

    first = allowance_for_report(booking=booking, report=report)
    second = allowance_for_report(booking=booking, report=report)

    assert first == second
    assert Allowance.objects.count() == 1
    assert first.kind == AllowanceKind.APPOINTMENT


# --- the tax-free yearly amount -----------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "state"),
    [
        (0, TaxFreeState.OK),
        (76_799, TaxFreeState.OK),
        (76_800, TaxFreeState.WARNING),
        (96_000, TaxFreeState.WARNING),
        (96_001, TaxFreeState.EXCEEDED),
    ],
)
def test_the_year_total_is_ok_then_warning_from_80_percent_then_exceeded_above_960_euros(
    total, state
):
    assert tax_free_state(total_cents=total, limit_cents=96_000, warning_cents=76_800) == state


def past_allowances(mediator, cents: int, day=datetime.date(2027, 2, 1)):
    """Allowances the mediator already has this year (written directly: their history is not
    the subject here)."""
    booking = held_booking(
        status=Status.CLOSED,
        mediator=mediator,
        starts_at=berlin(day.year, day.month, day.day, 9, 0),
    )
    return Allowance.objects.create(
        mediator=mediator,
        booking=booking,
        kind=AllowanceKind.APPOINTMENT,
        day=day,
        amount_cents=cents,
    )


@pytest.mark.django_db
def test_the_status_counts_only_the_mediators_allowances_of_that_year():
    mediator = MediatorFactory()  # 2027: the tax-free amount is 960 €
    past_allowances(mediator, 50_000)
    past_allowances(mediator, 40_000, day=datetime.date(2026, 12, 31))
    past_allowances(MediatorFactory(pool=mediator.pool), 90_000)

    status = mediator_tax_free_status(mediator=mediator, year=2027)

    assert (status.total_cents, status.limit_cents, status.warning_cents) == (
        50_000,
        96_000,
        76_800,
    )
    assert status.state == TaxFreeState.OK
    assert status.left_cents == 46_000


@pytest.mark.django_db
def test_crossing_the_warning_threshold_alerts_coordinators_once(monkeypatch):
    # Given a mediator at 760 € of 960 € (warning from 768 €)
    notified = spy_on(monkeypatch, "bookings.services.compensation.alert_notify")
    mediator = MediatorFactory()
    CompensationRuleFactory(pool=mediator.pool, valid_from=JAN_1)
    past_allowances(mediator, 76_000)

    # When an hour (15 €) is added, and then another one
    allowance_of_an_hour(mediator, berlin(2027, 5, 3, 9, 0))
    allowance_of_an_hour(mediator, berlin(2027, 5, 4, 9, 0))

    # Then one warning alert for the mediator's pool, and the statement shows the warning
    alert = Alert.objects.get()
    assert (alert.kind, alert.mediator, alert.pool) == (
        AlertKind.TAX_FREE_WARNING,
        mediator,
        mediator.pool,
    )
    assert "2027" in alert.message
    assert notified == [{"alert": alert}]
    assert mediator_statement(mediator=mediator, year=2027, month=5).tax_free.state == (
        TaxFreeState.WARNING
    )


@pytest.mark.django_db
def test_crossing_the_tax_free_amount_alerts_that_it_is_exceeded(monkeypatch):
    notified = spy_on(monkeypatch, "bookings.services.compensation.alert_notify")
    mediator = MediatorFactory()
    CompensationRuleFactory(pool=mediator.pool, valid_from=JAN_1)
    past_allowances(mediator, 95_000)  # already in the warning band: no alert for that

    allowance_of_an_hour(mediator, berlin(2027, 6, 1, 9, 0))

    alert = Alert.objects.get()
    assert alert.kind == AlertKind.TAX_FREE_EXCEEDED
    assert len(notified) == 1
    assert mediator_tax_free_status(mediator=mediator, year=2027).state == TaxFreeState.EXCEEDED


# --- statements ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_monthly_statement_lists_only_that_month_of_that_mediator(django_assert_num_queries):
    mediator = MediatorFactory()
    other = MediatorFactory(pool=mediator.pool)
    march = past_allowances(mediator, 1500, day=datetime.date(2027, 3, 31))
    past_allowances(mediator, 2250, day=datetime.date(2027, 3, 1))
    past_allowances(mediator, 9999, day=datetime.date(2027, 4, 1))
    past_allowances(other, 7777, day=datetime.date(2027, 3, 10))

    with django_assert_num_queries(5):  # rows, month total, year total, the limit, pending reports
        statement = mediator_statement(mediator=mediator, year=2027, month=3)

    assert [row["amount_cents"] for row in statement.rows] == [2250, 1500]
    assert statement.rows[1]["booking_id"] == march.booking_id
    assert statement.rows[1]["institution"] == march.booking.institution.name
    assert statement.total_cents == 3750
    totals = pool_statement_totals(pool=mediator.pool, year=2027, month=3)
    assert {(t["mediator_id"], t["allowances"], t["total_cents"]) for t in totals} == {
        (mediator.pk, 2, 3750),
        (other.pk, 1, 7777),
    }


@pytest.mark.django_db
def test_a_december_statement_ends_with_the_year():
    mediator = MediatorFactory()
    past_allowances(mediator, 1500, day=datetime.date(2027, 12, 31))
    past_allowances(mediator, 2000, day=datetime.date(2028, 1, 1))

    assert mediator_statement(mediator=mediator, year=2027, month=12).total_cents == 1500
