"""Changes of time, duration or place: the request rules are checked again, a confirmed
booking keeps its mediator while they meet every hard rule (otherwise they are released:
tests/bookings/test_reschedule_rechecks.py has each rule), the calendar sequence rises by one
and an event with the old and new values is recorded."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from bookings.constants import Status
from bookings.exceptions import BookingConflict, IntakeRefused
from bookings.models import BookingEvent
from bookings.services import booking_reschedule
from core.constants import ActorRole
from core.exceptions import DomainError
from tests.bookings.factories import BookingFactory
from tests.bookings.lifecycle import berlin, coordinator_of, held_booking, spy_on, staff_of
from tests.institutions.factories import (
    BudgetFactory,
    InstitutionFactory,
    LocationFactory,
    PoolFactory,
)
from tests.mediators.factories import (
    AvailabilitySlotFactory,
    LanguageFactory,
    MediatorFactory,
    MediatorLanguageFactory,
)

pytestmark = pytest.mark.django_db

NOW = berlin(2027, 3, 1, 9, 0)
STARTS = berlin(2027, 3, 15, 9, 0)
LATER = berlin(2027, 3, 16, 14, 0)


def eligible_mediator(pool):
    """A mediator who speaks Arabic and is free every day 06-22 near the default place."""
    mediator = MediatorFactory(pool=pool)
    MediatorLanguageFactory(mediator=mediator, language=LanguageFactory(code="ara"))
    for weekday in range(7):
        AvailabilitySlotFactory(
            mediator=mediator,
            weekday=weekday,
            start_time=datetime.time(6),
            end_time=datetime.time(22),
        )
    return mediator


@pytest.fixture
def confirmed():
    institution = InstitutionFactory()
    mediator = eligible_mediator(institution.pool)
    return held_booking(
        institution=institution, mediator=mediator, starts_at=STARTS, duration_minutes=60,
        sequence=1,
    )  # fmt: skip


def with_notice(**fields):
    """A confirmed booking in a pool asking for five working days' notice."""
    institution = InstitutionFactory(pool=PoolFactory(min_notice_working_days=5))
    mediator = eligible_mediator(institution.pool)
    return held_booking(institution=institution, mediator=mediator, starts_at=STARTS, **fields)


def move(booking, *, actor=None, reason="Raum belegt", now=NOW, **changes):
    actor = actor or staff_of(booking.institution).user
    return booking_reschedule(booking=booking, actor=actor, reason=reason, now=now, **changes)


def test_a_confirmed_booking_moves_and_keeps_its_mediator_while_they_are_free(
    confirmed, monkeypatch
):
    notified = spy_on(monkeypatch, "bookings.state_machine.booking_event_notify")
    mediator = confirmed.mediator

    moved = move(confirmed, starts_at=LATER, duration_minutes=90)

    assert (moved.status, moved.mediator) == (Status.CONFIRMED, mediator)
    assert moved.starts_at == LATER
    assert moved.ends_at == LATER + datetime.timedelta(minutes=90)
    assert moved.sequence == 2
    event = confirmed.events.get()
    assert (event.from_status, event.to_status, event.actor_role, event.reason) == (
        Status.CONFIRMED,
        Status.CONFIRMED,
        ActorRole.INSTITUTION,
        "Raum belegt",
    )
    assert event.data["changes"] == {
        "starts_at": [STARTS.isoformat(), LATER.isoformat()],
        "duration_minutes": [60, 90],
    }
    assert notified == [{"booking": moved, "event": event}]


def test_a_move_onto_another_booking_of_the_mediator_releases_them(confirmed):
    mediator = confirmed.mediator
    held_booking(mediator=mediator, starts_at=LATER, duration_minutes=60)

    moved = move(confirmed, starts_at=LATER - datetime.timedelta(minutes=30))

    assert (moved.status, moved.mediator, moved.sequence) == (Status.REQUESTED, None, 2)
    assert moved.starts_at == LATER - datetime.timedelta(minutes=30)
    event = confirmed.events.get()
    assert (event.from_status, event.to_status) == (Status.CONFIRMED, Status.REQUESTED)
    assert (event.data["outcome"], event.data["mediator_id"]) == ("mediator_released", mediator.pk)
    assert event.data["broken_rules"] == ["overlap"]


def test_a_longer_duration_that_runs_into_the_next_booking_releases_the_mediator(confirmed):
    held_booking(mediator=confirmed.mediator, starts_at=STARTS + datetime.timedelta(hours=1))

    moved = move(confirmed, duration_minutes=61)

    assert (moved.status, moved.duration_minutes) == (Status.REQUESTED, 61)
    assert confirmed.events.get().data["broken_rules"] == ["overlap"]


def test_a_move_beside_the_mediators_other_booking_is_fine(confirmed):
    other = held_booking(mediator=confirmed.mediator, starts_at=LATER, duration_minutes=60)

    moved = move(confirmed, starts_at=other.ends_at)

    assert moved.starts_at == other.ends_at


def test_a_new_place_alone_is_changed_even_within_the_notice_period():
    # Given a pool with five days' notice and a confirmed booking the day after tomorrow
    booking = with_notice(sequence=0)
    room = LocationFactory(institution=booking.institution, name="Turnhalle")
    old_place = booking.location_id

    moved = move(booking, location=room, now=STARTS - datetime.timedelta(days=2))

    assert moved.location == room
    assert moved.sequence == 1
    assert booking.events.get().data["changes"] == {"location": [old_place, room.pk]}


def test_a_new_start_within_the_notice_period_is_refused_for_the_institution():
    booking = with_notice()

    with pytest.raises(IntakeRefused) as refused:
        move(booking, starts_at=berlin(2027, 3, 3, 9, 0))

    assert refused.value.field == "starts_at"
    booking.refresh_from_db()
    assert booking.starts_at == STARTS
    assert not BookingEvent.objects.exists()


def test_a_coordinator_may_move_a_booking_at_shorter_notice():
    booking = with_notice()
    coordinator = coordinator_of(booking.pool)

    moved = move(booking, starts_at=berlin(2027, 3, 2, 9, 0), actor=coordinator.user)

    assert moved.starts_at == berlin(2027, 3, 2, 9, 0)
    assert booking.events.get().actor_role == ActorRole.COORDINATOR


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"starts_at": berlin(2027, 2, 28, 9, 0)}, "starts_at"),
        ({"starts_at": datetime.datetime(2027, 3, 20, 9, 0)}, "starts_at"),  # noqa: DTZ001
        ({"duration_minutes": 10}, "duration_minutes"),
        ({"duration_minutes": 481}, "duration_minutes"),
        ({}, "non_field_errors"),
        ({"starts_at": STARTS}, "non_field_errors"),
    ],
)
def test_invalid_or_no_changes_are_a_field_error_and_change_nothing(confirmed, changes, field):
    with pytest.raises(DomainError) as error:
        move(confirmed, **changes)

    assert error.value.field == field
    confirmed.refresh_from_db()
    assert (confirmed.starts_at, confirmed.duration_minutes, confirmed.sequence) == (STARTS, 60, 1)
    assert not BookingEvent.objects.exists()


def test_a_place_of_another_institution_is_a_field_error(confirmed):
    with pytest.raises(DomainError) as error:
        move(confirmed, location=LocationFactory())

    assert error.value.field == "location"


def test_a_change_needs_a_reason(confirmed):
    with pytest.raises(DomainError) as error:
        move(confirmed, starts_at=LATER, reason=" ")

    assert error.value.field == "reason"


@pytest.mark.parametrize("status", [Status.CLOSED, Status.CANCELLED, Status.COMPLETED])
def test_a_booking_that_is_over_cannot_be_changed(status):
    booking = held_booking(status=status, starts_at=STARTS)

    with pytest.raises(BookingConflict):
        move(booking, starts_at=LATER)

    assert not BookingEvent.objects.exists()


def test_a_booking_with_offers_out_cannot_be_changed_until_they_are_withdrawn():
    booking = BookingFactory(status=Status.OFFERED, starts_at=STARTS)

    with pytest.raises(BookingConflict) as conflict:
        move(booking, starts_at=LATER)

    assert conflict.value.code == "not_changeable"


def test_an_appointment_that_has_started_cannot_be_changed(confirmed):
    with pytest.raises(BookingConflict) as conflict:
        move(confirmed, starts_at=LATER, now=STARTS + datetime.timedelta(minutes=5))

    assert conflict.value.code == "started"


def test_a_request_not_yet_filled_moves_and_stays_requested():
    booking = BookingFactory(status=Status.REQUESTED, starts_at=STARTS)

    moved = move(booking, starts_at=LATER)

    assert (moved.status, moved.starts_at, moved.sequence) == (Status.REQUESTED, LATER, 1)


def test_the_mediator_may_not_change_the_booking(confirmed):
    with pytest.raises(PermissionDenied):
        move(confirmed, starts_at=LATER, actor=confirmed.mediator.user)

    confirmed.refresh_from_db()
    assert confirmed.starts_at == STARTS


def test_a_longer_appointment_over_what_is_left_of_the_budget_is_refused(confirmed):
    budget = BudgetFactory(institution=confirmed.institution, year=2027, hours=2)
    confirmed.funding_source = budget.funding_source
    confirmed.save(update_fields=["funding_source"])

    with pytest.raises(DomainError) as error:
        move(confirmed, duration_minutes=180)
    assert error.value.field == "duration_minutes"

    assert move(confirmed, duration_minutes=120).duration_minutes == 120


def test_moving_an_overdrawn_booking_without_more_hours_needs_no_budget(confirmed):
    # Given a booking approved over its budget (1 hour booked on half an hour)
    budget = BudgetFactory(institution=confirmed.institution, year=2027, hours=Decimal("0.5"))
    confirmed.funding_source = budget.funding_source
    confirmed.save(update_fields=["funding_source"])

    # When it only moves to another day of the same year, it is moved
    assert move(confirmed, starts_at=LATER).starts_at == LATER
