"""Approval and budgets: pools that approve first, yearly budgets of hours per institution
and funding source (a request over what is left always waits for approval), approve and
refuse, and every budget's use for coordinators."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from bookings.constants import Field, Mode, Status
from bookings.exceptions import InvalidTransition
from bookings.models import Booking, BookingEvent
from bookings.selectors.budgets import budget_use_for_pool
from bookings.services import booking_approve, booking_create, booking_refuse
from core.exceptions import DomainError
from tests.bookings.factories import BookingFactory
from tests.bookings.lifecycle import berlin, coordinator_of, staff_of
from tests.clock import frozen
from tests.institutions.factories import BudgetFactory, FundingSourceFactory, InstitutionFactory
from tests.mediators.factories import LanguageFactory, MediatorFactory

NOW = berlin(2027, 3, 1, 9, 0)
STARTS = berlin(2027, 3, 15, 9, 0)

# Requests are made at NOW; approving and refusing read the clock themselves: it is NOW too.
pytestmark = [pytest.mark.django_db, frozen(NOW)]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def request(staff, *, minutes=60, funding_source=None, starts_at=STARTS, requester=None):
    return booking_create(
        requester=requester or staff.user,
        institution=staff.institution,
        language=LanguageFactory(),
        starts_at=starts_at,
        duration_minutes=minutes,
        mode=Mode.ON_SITE,
        location=staff.institution.locations.first(),
        field=Field.SCHOOL,
        funding_source=funding_source,
        now=NOW,
    )


def booked(budget, minutes, *, status=Status.REQUESTED, starts_at=STARTS, **fields):
    """Hours already booked on a budget (written directly)."""
    return BookingFactory(
        institution=budget.institution,
        funding_source=budget.funding_source,
        duration_minutes=minutes,
        starts_at=starts_at,
        status=status,
        **fields,
    )


# --- approval -----------------------------------------------------------------------------


def test_in_a_pool_that_approves_first_a_request_waits_for_approval():
    staff = staff_of(requires_approval=True)

    booking = request(staff)

    assert booking.status == Status.AWAITING_APPROVAL
    event = booking.events.get()
    assert event.to_status == Status.AWAITING_APPROVAL
    assert event.data == {"over_budget": False}


def test_a_coordinators_own_request_needs_no_approval():
    staff = staff_of(requires_approval=True)
    coordinator = coordinator_of(staff.institution.pool)

    assert request(staff, requester=coordinator.user).status == Status.REQUESTED


def test_approving_moves_the_request_on_to_requested():
    staff = staff_of(requires_approval=True)
    booking = request(staff)
    coordinator = coordinator_of(staff.institution.pool)

    approved = booking_approve(booking=booking, actor=coordinator.user, reason="Budget reicht")

    assert approved.status == Status.REQUESTED
    event = booking.events.last()
    assert (event.from_status, event.to_status, event.actor) == (
        Status.AWAITING_APPROVAL,
        Status.REQUESTED,
        coordinator.user,
    )


@pytest.mark.parametrize("status", [Status.REQUESTED, Status.UNFILLED, Status.CANCELLED])
def test_approving_a_booking_that_does_not_wait_answers_409_and_records_nothing(status):
    booking = BookingFactory(status=status)
    coordinator = coordinator_of(booking.pool)

    with pytest.raises(InvalidTransition):
        booking_approve(booking=booking, actor=coordinator.user)

    booking.refresh_from_db()
    assert booking.status == status
    assert not BookingEvent.objects.exists()


def test_refusing_cancels_the_request_with_the_reason():
    staff = staff_of(requires_approval=True)
    booking = request(staff)
    coordinator = coordinator_of(staff.institution.pool)

    refused = booking_refuse(booking=booking, actor=coordinator.user, reason=" Kein Budget mehr ")

    assert refused.status == Status.CANCELLED
    assert refused.cancellation_reason == "Kein Budget mehr"
    assert booking.events.last().reason == "Kein Budget mehr"


def test_refusing_without_a_reason_is_a_field_error_and_changes_nothing():
    staff = staff_of(requires_approval=True)
    booking = request(staff)
    coordinator = coordinator_of(staff.institution.pool)

    with pytest.raises(DomainError) as error:
        booking_refuse(booking=booking, actor=coordinator.user, reason="   ")

    assert error.value.field == "reason"
    booking.refresh_from_db()
    assert booking.status == Status.AWAITING_APPROVAL
    assert booking.events.count() == 1


@pytest.mark.parametrize("who", ["staff", "other_coordinator"])
def test_only_a_coordinator_of_the_pool_approves_or_refuses(who):
    staff = staff_of(requires_approval=True)
    booking = request(staff)
    actor = staff.user if who == "staff" else coordinator_of(staff_of().institution.pool).user

    with pytest.raises(PermissionDenied):
        booking_approve(booking=booking, actor=actor)
    with pytest.raises(PermissionDenied):
        booking_refuse(booking=booking, actor=actor, reason="Nein")

    booking.refresh_from_db()
    assert booking.status == Status.AWAITING_APPROVAL


# --- budgets ------------------------------------------------------------------------------


@pytest.fixture
def budget():
    """10 hours for 2027 from a state programme, 9 of them booked."""
    budget = BudgetFactory(year=2027, hours=Decimal("10"))
    booked(budget, 480)
    booked(budget, 60, status=Status.CLOSED, mediator=MediatorFactory(pool=budget.institution.pool))
    return budget


def test_a_request_that_fits_into_what_is_left_goes_ahead(budget):
    staff = staff_of(budget.institution)

    booking = request(staff, minutes=60, funding_source=budget.funding_source)

    assert booking.status == Status.REQUESTED


def test_a_request_over_what_is_left_waits_for_approval_even_where_the_pool_approves_nothing(
    budget,
):
    staff = staff_of(budget.institution)
    assert not budget.institution.pool.requires_approval

    booking = request(staff, minutes=90, funding_source=budget.funding_source)

    assert booking.status == Status.AWAITING_APPROVAL
    event = booking.events.get()
    assert event.data == {"over_budget": True}
    assert "budget" in event.reason


def test_a_request_over_budget_waits_even_when_a_coordinator_books_it(budget):
    staff = staff_of(budget.institution)
    coordinator = coordinator_of(budget.institution.pool)

    booking = request(
        staff, minutes=90, funding_source=budget.funding_source, requester=coordinator.user
    )

    assert booking.status == Status.AWAITING_APPROVAL


@pytest.mark.parametrize("status", [Status.CANCELLED, Status.NO_SHOW, Status.AWAITING_APPROVAL])
def test_cancelled_no_show_and_waiting_bookings_do_not_use_the_budget(budget, status):
    staff = staff_of(budget.institution)
    booked(budget, 300, status=status)

    assert request(staff, minutes=60, funding_source=budget.funding_source).status == (
        Status.REQUESTED
    )


def test_only_the_same_institution_source_and_local_year_count(budget):
    staff = staff_of(budget.institution)
    other_source = FundingSourceFactory(pool=budget.institution.pool)
    BookingFactory(
        institution=budget.institution,
        funding_source=other_source,
        duration_minutes=300,
        starts_at=STARTS,
    )
    BookingFactory(
        institution=InstitutionFactory(pool=budget.institution.pool),
        funding_source=budget.funding_source,
        duration_minutes=300,
        starts_at=STARTS,
    )
    # New Year's Eve 23:30 local time counts in 2027; 1 January 00:30 local time counts in
    # 2028 although it is still 2027 in UTC
    booked(budget, 30, starts_at=berlin(2027, 12, 31, 23, 30))
    booked(budget, 300, starts_at=berlin(2028, 1, 1, 0, 30))

    # 9.5 of 10 hours used: 30 minutes fit, then another 15 minutes do not
    assert request(staff, minutes=30, funding_source=budget.funding_source).status == (
        Status.REQUESTED
    )
    assert request(staff, minutes=15, funding_source=budget.funding_source).status == (
        Status.AWAITING_APPROVAL
    )


def test_without_a_budget_for_the_source_or_year_nothing_limits_a_request(budget):
    staff = staff_of(budget.institution)
    other_source = FundingSourceFactory(pool=budget.institution.pool)

    assert request(staff, minutes=480, funding_source=other_source).status == Status.REQUESTED
    assert (
        request(
            staff,
            minutes=480,
            funding_source=budget.funding_source,
            starts_at=berlin(2028, 3, 15, 9, 0),
        ).status
        == Status.REQUESTED
    )
    assert request(staff, minutes=480).status == Status.REQUESTED


def test_a_funding_source_of_another_pool_is_a_field_error():
    staff = staff_of()

    with pytest.raises(DomainError) as error:
        request(staff, funding_source=FundingSourceFactory())

    assert error.value.field == "funding_source"
    assert not Booking.objects.exists()


# --- every budget's use -------------------------------------------------------------------


def test_coordinators_see_every_budgets_use_in_one_query(budget, django_assert_num_queries):
    # Given the budget with 9 hours used, 1.5 hours waiting for approval, one cancelled hour,
    pool = budget.institution.pool
    booked(budget, 90, status=Status.AWAITING_APPROVAL)
    booked(budget, 60, status=Status.CANCELLED)
    # a second budget of another institution with nothing booked,
    empty = BudgetFactory(
        institution=InstitutionFactory(pool=pool, name="Zentrum"), year=2027, hours=Decimal("5")
    )
    # and budgets of another year and another pool
    BudgetFactory(institution=budget.institution, funding_source=budget.funding_source, year=2028)
    BudgetFactory(year=2027)

    with django_assert_num_queries(1):
        uses = budget_use_for_pool(pool=pool, year=2027)

    by_id = {use.budget_id: use for use in uses}
    assert set(by_id) == {budget.pk, empty.pk}
    use = by_id[budget.pk]
    assert (use.hours_budgeted, use.hours_used, use.hours_awaiting_approval, use.hours_left) == (
        Decimal("10"),
        Decimal("9.00"),
        Decimal("1.50"),
        Decimal("1.00"),
    )
    assert use.institution == budget.institution.name
    assert use.funding_source == budget.funding_source.name
    nothing = by_id[empty.pk]
    assert (nothing.hours_used, nothing.hours_awaiting_approval, nothing.hours_left) == (
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("5"),
    )


def test_an_approved_request_over_budget_shows_as_overdrawn(budget):
    staff = staff_of(budget.institution)
    booking = request(staff, minutes=120, funding_source=budget.funding_source)
    coordinator = coordinator_of(budget.institution.pool)

    booking_approve(booking=booking, actor=coordinator.user)

    (use,) = budget_use_for_pool(pool=budget.institution.pool, year=2027)
    assert use.hours_used == Decimal("11.00")
    assert use.hours_left == Decimal("-1.00")
    assert use.hours_awaiting_approval == Decimal("0.00")
    assert use.year == 2027


def test_a_budgets_use_counts_only_the_bookings_of_its_local_year(budget):
    pool = budget.institution.pool
    # Bookings and a request awaiting approval just outside 2027 (local time), both sides.
    for starts_at in (berlin(2026, 12, 31, 23, 30), berlin(2028, 1, 1, 0, 0)):
        booked(budget, 300, starts_at=starts_at)
        booked(budget, 120, starts_at=starts_at, status=Status.AWAITING_APPROVAL)
    booked(budget, 30, starts_at=berlin(2027, 1, 1, 0, 0))  # the first minute of 2027
    booked(budget, 45, starts_at=berlin(2027, 12, 31, 23, 15), status=Status.AWAITING_APPROVAL)

    (use,) = budget_use_for_pool(pool=pool, year=2027)

    assert (use.hours_used, use.hours_awaiting_approval) == (Decimal("9.50"), Decimal("0.75"))


@pytest.mark.postgres
def test_a_budgets_use_reads_only_its_years_range_of_the_bookings_index(budget):
    """The plan (sequential scans off, the tables being tiny here): every read of the bookings
    is an index range on ``starts_at`` within the year, not every year of the institution's
    bookings filtered afterwards."""
    with CaptureQueriesContext(connection) as queries:
        budget_use_for_pool(pool=budget.institution.pool, year=2027)
    (query,) = queries.captured_queries
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN (FORMAT JSON) " + query["sql"])
        (plan,) = cursor.fetchone()[0]

    def nodes(node):
        yield node
        for child in node.get("Plans", []):
            yield from nodes(child)

    bookings = [
        node
        for node in nodes(plan["Plan"])
        if node.get("Relation Name") == "bookings_booking"
        or node.get("Index Name", "").startswith("booking")
    ]
    assert len(bookings) >= 2  # hours used, hours awaiting approval
    for node in bookings:
        condition = node.get("Index Cond", "") + node.get("Recheck Cond", "")
        assert "starts_at >=" in condition and "starts_at <" in condition, node
