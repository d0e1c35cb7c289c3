"""A mediator holds at most one booking at a time: the service-layer check on every database,
and on PostgreSQL the exclusion constraint (migration bookings/0002) even for direct writes."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from bookings.constants import Status
from bookings.exceptions import BookingConflict
from bookings.models import BookingEvent
from bookings.services.overlap import mediator_holds_overlap
from bookings.state_machine import transition
from core.constants import ActorRole
from tests.bookings.factories import BookingFactory
from tests.bookings.lifecycle import berlin, held_booking
from tests.mediators.factories import MediatorFactory

pytestmark = pytest.mark.django_db

NINE = berlin(2027, 3, 15, 9, 0)
TEN = berlin(2027, 3, 15, 10, 0)
ELEVEN = berlin(2027, 3, 15, 11, 0)
HOUR = datetime.timedelta(hours=1)


@pytest.mark.parametrize("status", [Status.CONFIRMED, Status.COMPLETED, Status.CLOSED])
def test_a_held_booking_overlapping_the_time_counts(status):
    booking = held_booking(status=status, starts_at=NINE, ends_at=TEN, duration_minutes=60)
    half_past_nine = NINE + HOUR / 2

    assert mediator_holds_overlap(
        mediator=booking.mediator, starts_at=half_past_nine, ends_at=half_past_nine + HOUR
    )
    assert mediator_holds_overlap(mediator=booking.mediator_id, starts_at=NINE, ends_at=ELEVEN)


@pytest.mark.parametrize("status", [Status.CANCELLED, Status.NO_SHOW, Status.REQUESTED])
def test_a_booking_the_mediator_does_not_hold_does_not_count(status):
    mediator = MediatorFactory()
    BookingFactory(
        institution__pool=mediator.pool,
        mediator=mediator,
        status=status,
        starts_at=NINE,
        ends_at=TEN,
        duration_minutes=60,
    )

    assert not mediator_holds_overlap(mediator=mediator, starts_at=NINE, ends_at=TEN)


def test_touching_bookings_do_not_overlap():
    booking = held_booking(starts_at=NINE, ends_at=TEN, duration_minutes=60)

    assert not mediator_holds_overlap(mediator=booking.mediator, starts_at=TEN, ends_at=ELEVEN)
    assert not mediator_holds_overlap(
        mediator=booking.mediator, starts_at=NINE - HOUR, ends_at=NINE
    )


def test_another_mediators_booking_and_the_excluded_booking_do_not_count():
    booking = held_booking(starts_at=NINE, ends_at=TEN, duration_minutes=60)
    other = MediatorFactory(pool=booking.pool)

    assert not mediator_holds_overlap(mediator=other, starts_at=NINE, ends_at=TEN)
    assert not mediator_holds_overlap(
        mediator=booking.mediator, starts_at=NINE, ends_at=TEN, exclude_booking_id=booking.pk
    )


def test_confirming_an_overlapping_booking_of_the_mediator_is_refused_on_every_database():
    # Given a mediator who holds 9–10 o'clock and a second request for 9:30–10:30
    held = held_booking(starts_at=NINE, ends_at=TEN, duration_minutes=60)
    second = BookingFactory(
        institution=held.institution,
        status=Status.OFFERED,
        starts_at=NINE + HOUR / 2,
        ends_at=TEN + HOUR / 2,
        duration_minutes=60,
    )

    # When the second booking is confirmed for the same mediator
    with pytest.raises(BookingConflict) as conflict:
        transition(
            second,
            to=Status.CONFIRMED,
            actor_role=ActorRole.COORDINATOR,
            changes={"mediator": held.mediator},
        )

    # Then it answers 409 and nothing changed
    assert conflict.value.code == "overlap"
    second.refresh_from_db()
    assert second.status == Status.OFFERED
    assert second.mediator_id is None
    assert not BookingEvent.objects.filter(booking=second).exists()


def test_confirming_a_touching_booking_of_the_mediator_is_allowed():
    held = held_booking(starts_at=NINE, ends_at=TEN, duration_minutes=60)
    second = BookingFactory(
        institution=held.institution,
        status=Status.OFFERED,
        starts_at=TEN,
        ends_at=ELEVEN,
        duration_minutes=60,
    )

    confirmed = transition(
        second,
        to=Status.CONFIRMED,
        actor_role=ActorRole.COORDINATOR,
        changes={"mediator": held.mediator},
    )

    assert confirmed.status == Status.CONFIRMED


@pytest.mark.postgres
def test_the_database_refuses_overlapping_held_bookings_written_directly_on_postgresql():
    # Given a mediator who holds 9–10 o'clock
    held = held_booking(starts_at=NINE, ends_at=TEN, duration_minutes=60)

    # When a second held booking for 9:30–10:30 is written directly, bypassing every service,
    # Then PostgreSQL's exclusion constraint makes it impossible (SQLite has no exclusion
    # constraints: there only the service-layer check above stands guard)
    with pytest.raises(IntegrityError, match="booking_mediator_no_overlap"):
        with transaction.atomic():
            BookingFactory(
                institution=held.institution,
                mediator=held.mediator,
                status=Status.CONFIRMED,
                starts_at=NINE + HOUR / 2,
                ends_at=TEN + HOUR / 2,
                duration_minutes=60,
            )
    assert held.mediator.bookings.count() == 1


def test_the_database_takes_touching_and_cancelled_bookings_of_the_mediator():
    held = held_booking(starts_at=NINE, ends_at=TEN, duration_minutes=60)

    touching = BookingFactory(
        institution=held.institution,
        mediator=held.mediator,
        status=Status.CONFIRMED,
        starts_at=TEN,
        ends_at=ELEVEN,
        duration_minutes=60,
    )
    cancelled = BookingFactory(
        institution=held.institution,
        mediator=held.mediator,
        status=Status.CANCELLED,
        starts_at=NINE,
        ends_at=TEN,
        duration_minutes=60,
    )

    assert held.mediator.bookings.count() == 3
    assert touching.pk and cancelled.pk


def test_the_longest_booking_reaching_one_minute_into_the_time_is_found_and_one_ending_at_it_not():
    """``overlapping`` bounds the start from below by the longest a booking may last (for
    the index): the longest booking that still reaches into the time is found."""
    from bookings.constants import MAX_DURATION_MINUTES
    from bookings.models import Booking, overlapping

    mediator = MediatorFactory()
    longest = datetime.timedelta(minutes=MAX_DURATION_MINUTES)
    reaching = held_booking(
        mediator=mediator,
        starts_at=TEN - longest + datetime.timedelta(minutes=1),
        ends_at=TEN + datetime.timedelta(minutes=1),
        duration_minutes=MAX_DURATION_MINUTES,
    )
    ending_at_ten = held_booking(  # touching is not overlapping
        starts_at=TEN - longest, ends_at=TEN, duration_minutes=MAX_DURATION_MINUTES
    )

    found = set(Booking.objects.filter(overlapping(TEN, ELEVEN)).values_list("pk", flat=True))

    assert reaching.pk in found
    assert ending_at_ten.pk not in found
    assert mediator_holds_overlap(mediator=mediator, starts_at=TEN, ends_at=ELEVEN)
