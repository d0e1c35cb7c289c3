"""The one state machine: allowed transitions only, each recorded as an event."""

import pytest

from bookings.constants import Status
from bookings.exceptions import InvalidTransition
from bookings.models import BookingEvent
from bookings.state_machine import TRANSITIONS, can_transition, transition
from core.constants import ActorRole
from tests.bookings.factories import BookingFactory
from tests.institutions.factories import CoordinatorFactory

pytestmark = pytest.mark.django_db


def test_every_status_has_a_row_in_the_transition_table():
    assert set(TRANSITIONS) == set(Status.values)


@pytest.mark.parametrize("final", [Status.CLOSED, Status.CANCELLED, Status.NO_SHOW])
def test_final_statuses_allow_no_transition(final):
    assert not TRANSITIONS[final]
    assert not any(can_transition(final, to) for to in Status.values)


def test_a_transition_is_recorded_with_actor_time_from_to_and_reason():
    booking = BookingFactory(status=Status.AWAITING_APPROVAL)
    coordinator = CoordinatorFactory(pool=booking.pool)

    transition(
        booking,
        to=Status.REQUESTED,
        actor=coordinator.user,
        actor_role=ActorRole.COORDINATOR,
        reason="Budget reicht",
    )

    booking.refresh_from_db()
    assert booking.status == Status.REQUESTED
    event = BookingEvent.objects.get(booking=booking)
    assert (event.from_status, event.to_status) == (Status.AWAITING_APPROVAL, Status.REQUESTED)
    assert event.actor == coordinator.user
    assert event.actor_role == ActorRole.COORDINATOR
    assert event.reason == "Budget reicht"
    assert event.created_at is not None


def test_a_forbidden_transition_is_refused_and_changes_nothing():
    booking = BookingFactory(status=Status.CANCELLED)

    with pytest.raises(InvalidTransition):
        transition(booking, to=Status.REQUESTED, actor_role=ActorRole.SYSTEM)

    booking.refresh_from_db()
    assert booking.status == Status.CANCELLED
    assert not BookingEvent.objects.filter(booking=booking).exists()


def test_allowed_from_narrows_the_table_for_one_operation():
    booking = BookingFactory(status=Status.UNFILLED)

    with pytest.raises(InvalidTransition):
        transition(
            booking,
            to=Status.REQUESTED,
            actor_role=ActorRole.COORDINATOR,
            allowed_from={Status.AWAITING_APPROVAL},
        )

    booking.refresh_from_db()
    assert booking.status == Status.UNFILLED
