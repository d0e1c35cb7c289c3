"""Unmet demand by field of action, town and kind of institution, and bookings, hours and
expenses per funding source: every figure here is counted by hand from the bookings made."""

import datetime
from decimal import Decimal

import pytest

from bookings.constants import AllowanceKind, Field, Status
from bookings.models import Allowance, BookingEvent, Report
from bookings.stats.selectors import StatsPeriod
from bookings.stats.tables import summary_tables
from core.constants import ActorRole
from institutions.constants import InstitutionKind
from tests.institutions.factories import FundingSourceFactory, InstitutionFactory, TownFactory
from tests.mediators.factories import MediatorFactory

from .test_selectors import booking, summary_for

pytestmark = pytest.mark.django_db


def gave_up(pool, **kwargs):
    """Cancelled by the coordinator after nobody was found: unmet demand too."""
    item = booking(pool, Status.CANCELLED, cancelled_by_role=ActorRole.COORDINATOR, **kwargs)
    BookingEvent.objects.create(
        booking=item, actor_role=ActorRole.SYSTEM, from_status="offered", to_status="unfilled"
    )
    return item


@pytest.fixture
def district(pool):
    """A school in Viersen and a youth office in Kempen; unmet demand:
    school/Viersen: 2 unfilled + 1 given up (field school), youth office/Kempen: 1 unfilled
    (field health); filled and withdrawn bookings are no unmet demand."""
    viersen, kempen = TownFactory(name="Viersen"), TownFactory(name="Kempen")
    school = InstitutionFactory(pool=pool, town=viersen, kind=InstitutionKind.SCHOOL)
    office = InstitutionFactory(pool=pool, town=kempen, kind=InstitutionKind.YOUTH_OFFICE)
    booking(pool, Status.UNFILLED, institution=school, field=Field.SCHOOL)
    booking(pool, Status.UNFILLED, institution=school, field=Field.SCHOOL)
    gave_up(pool, institution=school, field=Field.SCHOOL)
    booking(pool, Status.CONFIRMED, institution=school, field=Field.SCHOOL)
    booking(pool, Status.CANCELLED, institution=school, field=Field.HEALTH)  # withdrawn early
    booking(pool, Status.UNFILLED, institution=office, field=Field.HEALTH)
    booking(pool, Status.CLOSED, institution=office, field=Field.HEALTH)
    return pool


def unmet_of(rows, key="key"):
    return {row[key]: row["unmet"] for row in rows}


def test_unmet_demand_by_field_of_action_counts_unfilled_and_given_up(district):
    summary = summary_for(district)

    assert unmet_of(summary["by_field"]) == {"school": 3, "health": 1}
    assert summary["unmet"] == 4


def test_unmet_demand_by_town_of_the_institution(district):
    summary = summary_for(district)

    assert unmet_of(summary["by_town"]) == {"Viersen": 3, "Kempen": 1}


def test_unmet_demand_by_kind_of_institution(district):
    summary = summary_for(district)

    assert unmet_of(summary["by_institution_kind"]) == {"school": 3, "youth_office": 1}


def test_the_breakdown_tables_carry_the_unmet_demand_column(district):
    tables = {table.name: table for table in summary_tables(summary_for(district))}

    for name in ("by_field", "by_town", "by_institution_kind", "by_language"):
        assert "unmet" in [key for key, _heading in tables[name].columns]
    assert unmet_of(tables["by_town"].rows) == {"Viersen": 3, "Kempen": 1}


def test_bookings_hours_and_expenses_per_funding_source(pool):
    state = FundingSourceFactory(pool=pool, name="Landesprogramm")
    district_budget = FundingSourceFactory(pool=pool, name="Kreishaushalt")
    mediator = MediatorFactory(pool=pool)
    # Landesprogramm: 4 requests, 2 held (90 reported + 60 booked minutes), 1 unfilled, 1
    # cancelled late after confirmation (filled, paid, no hours held).
    reported = booking(
        pool, Status.COMPLETED, funding_source=state, mediator=mediator, duration_minutes=60
    )
    Report.objects.create(booking=reported, actual_minutes=90, travel_km=Decimal("4.0"))
    booking(pool, Status.CONFIRMED, funding_source=state, duration_minutes=60)
    booking(pool, Status.UNFILLED, funding_source=state)
    late = booking(
        pool,
        Status.CANCELLED,
        funding_source=state,
        mediator=MediatorFactory(pool=pool),
        late_cancellation=True,
        cancelled_by_role=ActorRole.INSTITUTION,
    )
    # Kreishaushalt: 1 request, held 30 minutes.
    kreis = booking(pool, Status.CLOSED, funding_source=district_budget, duration_minutes=30)
    # Without a funding source: 1 request, not filled.
    booking(pool, Status.REQUESTED)
    for item, cents, mediator_of in ((reported, 3000, mediator), (kreis, 1500, kreis.mediator)):
        Allowance.objects.create(
            mediator=mediator_of,
            booking=item,
            kind=AllowanceKind.APPOINTMENT,
            day=datetime.date(2026, 3, 10),
            amount_cents=cents,
        )
    Allowance.objects.create(
        mediator=late.mediator,
        booking=late,
        kind=AllowanceKind.LATE_CANCELLATION,
        day=datetime.date(2026, 3, 10),
        amount_cents=120,
    )

    rows = summary_for(pool)["by_funding_source"]

    assert [
        (
            r["label"],
            r["requests"],
            r["filled"],
            r["hours"],
            r["unmet"],
            r["allowances"],
            r["expenses_eur"],
        )
        for r in rows
    ] == [
        ("Landesprogramm", 4, 3, 2.5, 1, 2, 31.20),
        ("Kreishaushalt", 1, 1, 0.5, 0, 1, 15.00),
        ("No funding source", 1, 0, 0.0, 0, 0, 0.0),
    ]
    assert rows[-1]["key"] == 0


def test_the_expenses_by_month_still_add_up_over_every_funding_source(pool):
    source = FundingSourceFactory(pool=pool)
    for funding_source, cents in ((source, 1000), (None, 500)):
        item = booking(pool, Status.CLOSED, funding_source=funding_source)
        Allowance.objects.create(
            mediator=item.mediator,
            booking=item,
            kind=AllowanceKind.APPOINTMENT,
            day=datetime.date(2026, 3, 10),
            amount_cents=cents,
        )

    expenses = summary_for(pool)["expenses"]

    assert expenses == {
        "total_cents": 1500,
        "by_month": [{"month": "2026-03", "amount_cents": 1500, "count": 2}],
    }


def test_another_pools_funding_sources_and_bookings_stay_out(pool):
    from tests.institutions.factories import PoolFactory

    other = PoolFactory()
    booking(other, Status.CLOSED, funding_source=FundingSourceFactory(pool=other))
    booking(pool, Status.REQUESTED)

    rows = summary_for(pool)["by_funding_source"]

    assert [(r["label"], r["requests"]) for r in rows] == [("No funding source", 1)]


def test_a_budget_counts_the_bookings_of_its_local_year_at_new_years_night(pool):
    from tests.institutions.factories import BudgetFactory

    from .conftest import local

    first = BudgetFactory(institution__pool=pool, year=2025, hours=10)
    second = BudgetFactory(
        institution=first.institution, funding_source=first.funding_source, year=2026, hours=10
    )
    for starts_at, minutes in (
        (local(2025, 12, 31, 23, 0), 60),  # 22:00 UTC: 2025
        (local(2026, 1, 1, 0, 30), 90),  # 23:30 UTC of 31 December, but 2026 in Berlin
        (local(2026, 12, 31, 22, 0), 30),
    ):
        booking(
            pool,
            Status.CONFIRMED,
            starts_at=starts_at,
            institution=first.institution,
            funding_source=first.funding_source,
            duration_minutes=minutes,
        )
    period = StatsPeriod(start=datetime.date(2025, 1, 1), end=datetime.date(2026, 12, 31))

    rows = summary_for(pool, period=period)["budgets"]

    assert [(row["year"], row["used_hours"]) for row in rows] == [(2025, 1.0), (2026, 2.0)]
    assert second.year == 2026
