"""Statistics: every figure from database aggregation, scoped to the coordinator's pool."""

import datetime
from decimal import Decimal

import pytest

from bookings.constants import AllowanceKind, Field, Status
from bookings.models import Allowance, BookingEvent, Report
from bookings.stats.selectors import StatsPeriod, stats_pools_visible_to, stats_summary
from core.constants import ActorRole
from institutions.constants import InstitutionKind
from institutions.models import Pool
from tests.bookings.factories import BookingFactory
from tests.institutions.factories import BudgetFactory, InstitutionFactory, TownFactory
from tests.mediators.factories import LanguageFactory, MediatorFactory

from .conftest import local

pytestmark = pytest.mark.django_db

MARCH = StatsPeriod(start=datetime.date(2026, 3, 1), end=datetime.date(2026, 3, 31))


def summary_for(pool, period=MARCH, language_code="en"):
    return stats_summary(
        pools=Pool.objects.filter(pk=pool.pk), period=period, language_code=language_code
    )


def booking(pool, status=Status.REQUESTED, starts_at=None, **kwargs):
    held = (Status.CONFIRMED, Status.COMPLETED, Status.CLOSED, Status.NO_SHOW)
    if status in held and "mediator" not in kwargs:
        kwargs["mediator"] = MediatorFactory(pool=pool)
    if "institution" not in kwargs:
        kwargs["institution"] = InstitutionFactory(pool=pool)
    return BookingFactory(
        pool=pool, status=status, starts_at=starts_at or local(2026, 3, 10, 9, 0), **kwargs
    )


def test_fill_rate_is_filled_over_requests_and_counts_every_outcome_with_a_mediator(pool):
    mediator = MediatorFactory(pool=pool)
    for status in (Status.CONFIRMED, Status.COMPLETED, Status.CLOSED, Status.NO_SHOW):
        booking(pool, status)
    booking(pool, Status.CANCELLED, mediator=mediator)  # cancelled after confirmation
    booking(pool, Status.CANCELLED)  # cancelled before anyone took it
    booking(pool, Status.UNFILLED)
    booking(pool, Status.REQUESTED)

    summary = summary_for(pool)

    assert summary["requests"] == 8
    assert summary["filled"] == 5
    assert summary["fill_rate"] == 0.625
    assert summary["cancelled"] == 2
    assert summary["no_shows"] == 1


def test_unmet_demand_per_language_counts_unfilled_and_cancelled_after_being_unfilled(pool):
    arabic = LanguageFactory(code="ara", name_de="Arabisch", name_en="Arabic")
    tigrinya = LanguageFactory(code="tir", name_de="Tigrinya", name_en="Tigrinya")
    booking(pool, Status.UNFILLED, language=tigrinya)
    booking(pool, Status.UNFILLED, language=tigrinya)
    gave_up = booking(pool, Status.CANCELLED, language=arabic)
    BookingEvent.objects.create(
        booking=gave_up,
        actor_role=ActorRole.SYSTEM,
        from_status=Status.REQUESTED,
        to_status=Status.UNFILLED,
    )
    booking(pool, Status.CANCELLED, language=arabic)  # withdrawn early: not unmet demand

    summary = summary_for(pool)

    assert summary["unmet_by_language"] == [
        {"language": "tir", "name": "Tigrinya", "count": 2},
        {"language": "ara", "name": "Arabic", "count": 1},
    ]
    assert summary["unmet"] == 3


def test_hours_use_the_reported_duration_where_there_is_one_and_only_held_bookings(pool):
    reported = booking(pool, Status.COMPLETED, duration_minutes=60)
    Report.objects.create(booking=reported, actual_minutes=90, travel_km=Decimal("3.0"))
    booking(pool, Status.CONFIRMED, duration_minutes=30)
    booking(pool, Status.CANCELLED, duration_minutes=120)
    booking(pool, Status.REQUESTED, duration_minutes=120)

    summary = summary_for(pool)

    assert summary["hours"] == 2.0
    (row,) = summary["hours_by_language"]
    assert (row["language"], row["requests"], row["filled"], row["hours"]) == ("ara", 4, 2, 2.0)


def test_language_names_follow_the_readers_language(pool):
    booking(pool, Status.UNFILLED, language=LanguageFactory(code="ara"))

    assert summary_for(pool, language_code="de")["unmet_by_language"][0]["name"] == "Arabisch"
    assert summary_for(pool, language_code="en")["unmet_by_language"][0]["name"] == "Arabic"


def test_breakdowns_by_field_town_and_kind_of_institution(pool):
    viersen = TownFactory(name="Viersen")
    kempen = TownFactory(name="Kempen")
    school = InstitutionFactory(pool=pool, town=viersen, kind=InstitutionKind.SCHOOL)
    office = InstitutionFactory(pool=pool, town=kempen, kind=InstitutionKind.YOUTH_OFFICE)
    booking(pool, Status.CONFIRMED, institution=school, field=Field.SCHOOL)
    booking(pool, Status.REQUESTED, institution=school, field=Field.SCHOOL)
    booking(pool, Status.CONFIRMED, institution=office, field=Field.HEALTH)

    summary = summary_for(pool)

    by_field = {row["key"]: (row["requests"], row["filled"]) for row in summary["by_field"]}
    assert by_field == {"school": (2, 1), "health": (1, 1)}
    assert {row["label"]: row["requests"] for row in summary["by_town"]} == {
        "Viersen": 2,
        "Kempen": 1,
    }
    by_kind = {row["key"]: row["label"] for row in summary["by_institution_kind"]}
    assert by_kind == {"school": "School", "youth_office": "Youth office"}


def test_months_and_the_period_follow_local_berlin_days(pool):
    # 30 April 22:30 UTC is already 1 May in Berlin.
    booking(pool, starts_at=datetime.datetime(2026, 4, 30, 22, 30, tzinfo=datetime.UTC))
    booking(pool, starts_at=local(2026, 4, 30, 23, 59))
    booking(pool, starts_at=local(2026, 6, 1, 0, 0))  # outside the period

    summary = summary_for(
        pool, StatsPeriod(start=datetime.date(2026, 4, 1), end=datetime.date(2026, 5, 31))
    )

    assert [(m["month"], m["requests"]) for m in summary["by_month"]] == [
        ("2026-04", 1),
        ("2026-05", 1),
    ]
    assert summary["requests"] == 2


def test_months_follow_local_time_across_the_year_end(pool):
    booking(pool, starts_at=local(2025, 12, 31, 23, 30))
    booking(pool, starts_at=local(2026, 1, 1, 0, 10))  # still 31 December in UTC
    booking(pool, starts_at=local(2026, 1, 1, 0, 20))
    booking(pool, starts_at=local(2026, 3, 2, 9, 0))  # February has none

    summary = summary_for(
        pool, StatsPeriod(start=datetime.date(2025, 12, 20), end=datetime.date(2026, 3, 2))
    )

    assert [(m["month"], m["label"], m["requests"]) for m in summary["by_month"]] == [
        ("2025-12", "12/2025", 1),
        ("2026-01", "01/2026", 2),
        ("2026-03", "03/2026", 1),
    ]


def test_time_to_fill_is_the_mean_of_request_to_confirmation(pool):
    first = booking(pool, Status.CONFIRMED)
    second = booking(pool, Status.CONFIRMED)
    booking(pool, Status.REQUESTED)
    for item, hours in ((first, 2), (second, 6)):
        type(item).objects.filter(pk=item.pk).update(
            confirmed_at=item.created_at + datetime.timedelta(hours=hours)
        )

    summary = summary_for(pool)

    assert summary["time_to_fill_hours"] == 4.0
    assert summary["by_month"][0]["time_to_fill_hours"] == 4.0


def test_cancellations_by_role_with_late_ones(pool):
    booking(pool, Status.CANCELLED, cancelled_by_role=ActorRole.INSTITUTION, late_cancellation=True)
    booking(pool, Status.CANCELLED, cancelled_by_role=ActorRole.INSTITUTION)
    booking(pool, Status.CANCELLED, cancelled_by_role=ActorRole.COORDINATOR)

    summary = summary_for(pool)

    assert summary["cancellations"] == [
        {"role": "coordinator", "label": "coordinator", "count": 1, "late": 0},
        {"role": "institution", "label": "institution", "count": 2, "late": 1},
    ]
    assert summary["late_cancellations"] == 1


def test_expenses_sum_allowances_by_month_and_mediator_activity_counts_held_hours(pool):
    mediator = MediatorFactory(pool=pool, user__first_name="Amal", user__last_name="Haddad")
    held = booking(pool, Status.COMPLETED, mediator=mediator, duration_minutes=90)
    Allowance.objects.create(
        mediator=mediator,
        booking=held,
        kind=AllowanceKind.APPOINTMENT,
        day=datetime.date(2026, 3, 10),
        amount_cents=2250,
    )
    MediatorFactory(pool=pool)  # active, without assignments

    summary = summary_for(pool)

    assert summary["expenses"] == {
        "total_cents": 2250,
        "by_month": [{"month": "2026-03", "amount_cents": 2250, "count": 1}],
    }
    activity = summary["mediator_activity"]
    assert activity["active_mediators"] == 2
    assert activity["with_assignments"] == 1
    assert activity["mediators"] == [
        {"id": mediator.pk, "name": "Amal Haddad", "bookings": 1, "hours": 1.5}
    ]


def test_budgets_show_the_hours_requested_from_them(pool):
    budget = BudgetFactory(institution__pool=pool, year=2026, hours=10)
    booking(
        pool,
        Status.CONFIRMED,
        institution=budget.institution,
        funding_source=budget.funding_source,
        duration_minutes=120,
    )

    (row,) = summary_for(pool)["budgets"]

    assert (row["year"], row["hours"], row["used_hours"], row["use_rate"]) == (2026, 10.0, 2.0, 0.2)


def test_another_pools_bookings_are_never_counted(pool):
    other = InstitutionFactory()
    booking(other.pool, Status.UNFILLED, institution=other)
    booking(pool, Status.REQUESTED)

    summary = summary_for(pool)

    assert summary["requests"] == 1
    assert summary["unmet_by_language"] == []


def reads(queries) -> int:
    return sum(q["sql"].lstrip().upper().startswith(("SELECT", "WITH")) for q in queries)


def test_the_number_of_queries_does_not_grow_with_the_bookings(pool):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    booking(pool, Status.CONFIRMED)
    with CaptureQueriesContext(connection) as few:
        summary_for(pool)
    for status in [Status.CONFIRMED, Status.UNFILLED, Status.CANCELLED, Status.COMPLETED] * 5:
        booking(pool, status)
    with CaptureQueriesContext(connection) as more:
        summary_for(pool)

    # Pools, the one-pass breakdowns (unmet after cancellation included), language, town,
    # funding source and mediator names, active mediators, expenses, budgets.
    assert reads(few.captured_queries) == reads(more.captured_queries) == 9


def test_the_summary_is_one_statistics_transaction_not_one_inside_another(pool):
    """The breakdowns run inside the summary's transaction: no savepoint of their own, and
    the planner settings (PostgreSQL) are set once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    booking(pool, Status.CONFIRMED)
    with CaptureQueriesContext(connection) as queries:
        summary_for(pool)

    statements = [q["sql"].lstrip().upper() for q in queries.captured_queries]
    # The test runs inside a transaction: the summary's own is its one savepoint.
    assert sum(sql.startswith("SAVEPOINT") for sql in statements) <= 1
    assert sum(sql.startswith("SET LOCAL") for sql in statements) <= 1


def test_only_coordinators_and_superusers_see_pools(pool, coordinator, staff, mediator):
    from tests.institutions.factories import UserFactory

    PoolFactory_other = InstitutionFactory().pool  # noqa: N806
    superuser = UserFactory(is_superuser=True)

    assert list(stats_pools_visible_to(coordinator.user)) == [pool]
    assert not stats_pools_visible_to(staff.user).exists()
    assert not stats_pools_visible_to(mediator.user).exists()
    assert set(stats_pools_visible_to(superuser)) == {pool, PoolFactory_other}
