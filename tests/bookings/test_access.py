"""Who may do what to a booking (bookings.access): what the pages offer is what the services
let through."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from bookings import access
from bookings.constants import ReportStatus, Status
from bookings.exceptions import BookingConflict
from bookings.models import Report
from bookings.services import booking_cancel
from core.exceptions import DomainError
from tests.bookings.factories import BookingFactory
from tests.bookings.lifecycle import berlin, coordinator_of, held_booking, staff_of
from tests.institutions.factories import PoolFactory
from tests.mediators.factories import MediatorFactory

pytestmark = pytest.mark.django_db

STARTS = berlin(2027, 3, 15, 9, 0)
BEFORE = STARTS - datetime.timedelta(days=2)
AFTER = STARTS + datetime.timedelta(hours=2)


@pytest.fixture
def booking():
    return held_booking(starts_at=STARTS)


@pytest.fixture
def people(booking):
    """Everyone who might ask: the booking's own people and their counterparts elsewhere."""
    return {
        "staff": staff_of(booking.institution).user,
        "coordinator": coordinator_of(booking.pool).user,
        "mediator": booking.mediator.user,
        "other staff": staff_of().user,
        "other coordinator": coordinator_of(PoolFactory()).user,
        "other mediator": MediatorFactory(pool=booking.pool).user,
    }


def allowed(check, people, booking, **kwargs) -> set[str]:
    return {name for name, user in people.items() if check(user, booking, **kwargs)}


def with_status(booking, status):
    booking.status = status
    booking.save(update_fields=["status"])
    return booking


def with_report(booking, status=ReportStatus.SUBMITTED):
    with_status(booking, Status.COMPLETED)
    Report.objects.create(booking=booking, actual_minutes=60, travel_km=Decimal(3), status=status)
    booking.refresh_from_db()
    return booking


# --- cancel and give back -----------------------------------------------------------------


@pytest.mark.parametrize("status", list(Status))
def test_the_institution_and_the_pool_may_cancel_what_is_not_over(booking, people, status):
    with_status(booking, status)

    offered = allowed(access.can_cancel, people, booking)

    over = status in (Status.COMPLETED, Status.CLOSED, Status.CANCELLED, Status.NO_SHOW)
    assert offered == (set() if over else {"staff", "coordinator"})


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("who", ["staff", "coordinator", "other staff", "other coordinator"])
def test_what_a_page_offers_to_cancel_the_service_cancels(booking, people, status, who):
    with_status(booking, status)
    user = people[who]
    offered = access.can_cancel(user, booking)

    try:
        booking_cancel(booking=booking, actor=user, reason="Ausgefallen", now=BEFORE)
    except (PermissionDenied, BookingConflict, DomainError):
        done = False
    else:
        done = True

    assert done == offered


def test_only_the_assigned_mediator_may_give_back_and_only_before_the_start(booking, people):
    assert allowed(access.can_give_back, people, booking, now=BEFORE) == {"mediator"}
    assert allowed(access.can_give_back, people, booking, now=AFTER) == set()
    assert allowed(access.can_give_back, people, with_status(booking, Status.COMPLETED)) == set()


def test_a_give_back_by_anyone_else_answers_409(booking, people):
    with pytest.raises(BookingConflict):
        access.require_can_give_back(people["other mediator"], booking)

    assert access.require_can_give_back(people["mediator"], booking) == booking.mediator


def test_a_cancellation_without_a_role_is_the_systems(booking):
    access.require_can_cancel(None, booking)  # no error: the system cancels


# --- approve, assign, change --------------------------------------------------------------


def test_only_a_coordinator_of_the_pool_approves_or_refuses_a_waiting_request(people):
    booking = BookingFactory(status=Status.AWAITING_APPROVAL, starts_at=STARTS)
    people = {**people, "coordinator": coordinator_of(booking.pool).user}

    assert allowed(access.can_approve, people, booking) == {"coordinator"}
    assert allowed(access.can_refuse, people, booking) == {"coordinator"}
    assert allowed(access.can_approve, people, with_status(booking, Status.REQUESTED)) == set()


@pytest.mark.parametrize("status", list(Status))
def test_a_coordinator_assigns_while_the_booking_looks_for_a_mediator(booking, people, status):
    with_status(booking, status)

    looking = status in (Status.REQUESTED, Status.OFFERED, Status.UNFILLED)
    assert allowed(access.can_assign, people, booking) == ({"coordinator"} if looking else set())


@pytest.mark.parametrize("status", list(Status))
def test_the_institution_and_the_pool_change_a_booking_that_has_not_started(
    booking, people, status
):
    with_status(booking, status)

    changeable = status in (
        Status.AWAITING_APPROVAL,
        Status.REQUESTED,
        Status.UNFILLED,
        Status.CONFIRMED,
    )
    expected = {"staff", "coordinator"} if changeable else set()
    assert allowed(access.can_reschedule, people, booking, now=BEFORE) == expected
    assert allowed(access.can_reschedule, people, booking, now=AFTER) == set()


def test_only_the_institution_or_the_pool_may_change_a_booking(booking, people):
    assert access.require_can_reschedule(people["staff"], booking) == "institution"
    assert access.require_can_reschedule(people["coordinator"], booking) == "coordinator"
    for who in ("mediator", "other staff", "other coordinator"):
        with pytest.raises(PermissionDenied):
            access.require_can_reschedule(people[who], booking)


# --- after the appointment ----------------------------------------------------------------


def test_the_assigned_mediator_reports_once_the_appointment_has_started(booking, people):
    assert allowed(access.can_report, people, booking, now=AFTER) == {"mediator"}
    assert allowed(access.can_report, people, booking, now=BEFORE) == set()


def test_the_institution_confirms_or_disputes_a_report_that_waits(booking, people):
    assert allowed(access.can_confirm_report, people, booking) == set()  # no report yet

    with_report(booking)

    assert allowed(access.can_confirm_report, people, booking) == {"staff"}
    assert allowed(access.can_dispute_report, people, booking) == {"staff"}


def test_a_disputed_report_is_for_the_pool_to_resolve(booking, people):
    with_report(booking, status=ReportStatus.DISPUTED)

    assert allowed(access.can_confirm_report, people, booking) == set()
    assert allowed(access.can_resolve_report, people, booking) == {"coordinator"}


def test_a_coordinator_marks_a_no_show_once_the_appointment_has_started(booking, people):
    assert allowed(access.can_mark_no_show, people, booking, now=AFTER) == {"coordinator"}
    assert allowed(access.can_mark_no_show, people, booking, now=BEFORE) == set()
