"""Cancellation: by the institution, a coordinator or the mediator, always with a reason;
late within the pool's notice period (paid to the mediator when the institution cancels);
a mediator's cancellation re-opens matching at once."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from bookings.constants import AlertKind, AllowanceKind, Status
from bookings.exceptions import BookingConflict
from bookings.models import Alert, Allowance, Booking, BookingEvent
from bookings.services import (
    allowance_for_late_cancellation,
    booking_cancel,
    late_cancellation_travel_report,
)
from bookings.services.offers import booking_assign
from core.constants import ActorRole
from core.exceptions import DomainError
from notifications.constants import MessageKind, MessageStatus
from notifications.models import Message
from tests.bookings.factories import BookingFactory
from tests.bookings.lifecycle import berlin, coordinator_of, held_booking, staff_of
from tests.bookings.matching.scenario import make_mediator
from tests.institutions.factories import CompensationRuleFactory
from tests.mediators.factories import MediatorFactory

pytestmark = pytest.mark.django_db

STARTS = berlin(2027, 3, 15, 9, 0)
HOURS = datetime.timedelta(hours=1)


@pytest.fixture
def confirmed():
    """A confirmed 90-minute appointment in a pool with 24 hours' notice for cancellation and
    the usual rates (15 € per started half hour, two hours paid on a late cancellation)."""
    booking = held_booking(starts_at=STARTS, duration_minutes=90)
    CompensationRuleFactory(pool=booking.pool, valid_from=datetime.date(2027, 1, 1))
    return booking


def cancel_by_institution(booking, *, hours_before=48, reason="Elterngespräch verschoben"):
    staff = staff_of(booking.institution)
    return booking_cancel(
        booking=booking, actor=staff.user, reason=reason, now=STARTS - hours_before * HOURS
    )


# --- who cancels, with a reason ----------------------------------------------------------


def test_the_institution_cancels_a_request_with_a_reason():
    booking = BookingFactory(status=Status.REQUESTED, starts_at=STARTS)

    cancelled = cancel_by_institution(booking)

    assert cancelled.status == Status.CANCELLED
    assert (cancelled.cancelled_by_role, cancelled.cancellation_reason) == (
        ActorRole.INSTITUTION,
        "Elterngespräch verschoben",
    )
    assert cancelled.late_cancellation is False
    assert cancelled.sequence == 0  # no invitation was ever sent
    event = booking.events.get()
    assert (event.from_status, event.to_status, event.reason) == (
        Status.REQUESTED,
        Status.CANCELLED,
        "Elterngespräch verschoben",
    )
    assert not Allowance.objects.exists()


def test_a_coordinator_cancels_with_a_reason(confirmed):
    coordinator = coordinator_of(confirmed.pool)

    cancelled = booking_cancel(
        booking=confirmed,
        actor=coordinator.user,
        reason="Schule geschlossen",
        now=STARTS - 72 * HOURS,
    )

    assert cancelled.status == Status.CANCELLED
    assert cancelled.cancelled_by_role == ActorRole.COORDINATOR
    assert confirmed.events.get().actor == coordinator.user


def test_a_cancellation_without_a_reason_is_a_field_error_and_changes_nothing(confirmed):
    with pytest.raises(DomainError) as error:
        cancel_by_institution(confirmed, reason="   ")

    assert error.value.field == "reason"
    confirmed.refresh_from_db()
    assert confirmed.status == Status.CONFIRMED
    assert not BookingEvent.objects.exists()


def test_staff_of_another_institution_may_not_cancel(confirmed):
    stranger = staff_of()

    with pytest.raises(PermissionDenied):
        booking_cancel(
            booking=confirmed, actor=stranger.user, reason="Versehen", now=STARTS - 48 * HOURS
        )

    confirmed.refresh_from_db()
    assert confirmed.status == Status.CONFIRMED


@pytest.mark.parametrize(
    "status", [Status.CLOSED, Status.COMPLETED, Status.CANCELLED, Status.NO_SHOW]
)
def test_cancelling_a_booking_that_is_over_answers_409_and_changes_nothing(status):
    booking = held_booking(status=status, starts_at=STARTS)

    with pytest.raises(BookingConflict) as conflict:
        cancel_by_institution(booking)

    assert conflict.value.code == "not_cancellable"
    booking.refresh_from_db()
    assert booking.status == status
    assert not BookingEvent.objects.exists()


def test_cancelling_a_confirmed_booking_raises_the_calendar_sequence(confirmed):
    confirmed.sequence = 2
    confirmed.save(update_fields=["sequence"])

    cancelled = cancel_by_institution(confirmed)

    assert cancelled.sequence == 3


# --- late cancellation --------------------------------------------------------------------


def test_a_cancellation_outside_the_notice_period_is_not_late_and_pays_nothing(confirmed):
    cancelled = cancel_by_institution(confirmed, hours_before=25)

    assert cancelled.late_cancellation is False
    assert cancelled.events.get().data == {"late": False}
    assert not Allowance.objects.exists()


def test_a_late_cancellation_by_the_institution_pays_the_booked_time(confirmed):
    # When the institution cancels 23 hours before a confirmed 90-minute appointment
    cancelled = cancel_by_institution(confirmed, hours_before=23)

    # Then it is late, and 90 minutes (3 started half hours) = 22.50 € are paid
    assert cancelled.late_cancellation is True
    assert cancelled.mediator == confirmed.mediator
    allowance = Allowance.objects.get()
    assert (allowance.kind, allowance.mediator, allowance.day) == (
        AllowanceKind.LATE_CANCELLATION,
        confirmed.mediator,
        datetime.date(2027, 3, 15),
    )
    assert allowance.amount_cents == 2250
    assert allowance.breakdown["late_cancellation"] is True


def test_a_late_cancellation_pays_at_most_the_pools_two_hours():
    booking = held_booking(starts_at=STARTS, duration_minutes=240)
    CompensationRuleFactory(pool=booking.pool, valid_from=datetime.date(2027, 1, 1))

    cancel_by_institution(booking, hours_before=2)

    assert Allowance.objects.get().amount_cents == 3000  # 120 minutes at 15 €


def test_a_late_cancellation_of_an_unconfirmed_request_is_not_late_and_pays_nothing():
    booking = BookingFactory(status=Status.OFFERED, starts_at=STARTS)

    cancelled = cancel_by_institution(booking, hours_before=2)

    assert cancelled.late_cancellation is False
    assert not Allowance.objects.exists()


def test_a_late_cancellation_by_a_coordinator_is_marked_late_but_not_paid(confirmed):
    coordinator = coordinator_of(confirmed.pool)

    cancelled = booking_cancel(
        booking=confirmed, actor=coordinator.user, reason="Sturmwarnung", now=STARTS - 2 * HOURS
    )

    assert cancelled.late_cancellation is True
    assert not Allowance.objects.exists()


def test_the_late_cancellation_allowance_is_written_once(confirmed):
    cancelled = cancel_by_institution(confirmed, hours_before=3)

    again = allowance_for_late_cancellation(booking=cancelled)

    assert Allowance.objects.count() == 1
    assert again == Allowance.objects.get()


def test_without_a_rule_the_cancellation_goes_through_and_coordinators_are_alerted():
    # Given a pool whose rates start only in April
    booking = held_booking(starts_at=STARTS)
    CompensationRuleFactory(pool=booking.pool, valid_from=datetime.date(2027, 4, 1))

    # When the institution cancels late
    cancelled = cancel_by_institution(booking, hours_before=3)

    # Then the booking is cancelled, nothing is paid yet, and coordinators see why
    assert cancelled.status == Status.CANCELLED
    assert not Allowance.objects.exists()
    alert = Alert.objects.get()
    assert (alert.kind, alert.booking, alert.mediator) == (
        AlertKind.ALLOWANCE_MISSING,
        booking,
        booking.mediator,
    )
    # and once a rule for the day exists, asking again pays the mediator
    CompensationRuleFactory(pool=booking.pool, valid_from=datetime.date(2027, 3, 1))
    assert allowance_for_late_cancellation(booking=cancelled).amount_cents == 1500


# --- the travel already made --------------------------------------------------------------


def test_the_mediator_reports_the_travel_made_once_and_it_is_added(confirmed):
    # Given a late cancellation paid with 22.50 € for 90 minutes
    cancelled = cancel_by_institution(confirmed, hours_before=1)

    # When the mediator reports 20 minutes and 10 km already travelled
    allowance = late_cancellation_travel_report(
        booking=cancelled, actor=confirmed.mediator.user, travel_km=Decimal("10"), travel_minutes=20
    )

    # Then 110 minutes (4 started half hours) = 30 € plus 3 € for the kilometres are paid
    assert allowance.amount_cents == 3300
    assert allowance.breakdown["travel_reported"] is True
    assert Allowance.objects.get().amount_cents == 3300
    # and a second report answers 409 and changes nothing
    with pytest.raises(BookingConflict):
        late_cancellation_travel_report(
            booking=cancelled, actor=confirmed.mediator.user, travel_km=50
        )
    assert Allowance.objects.get().amount_cents == 3300


def test_travel_is_not_paid_for_a_cancellation_that_was_not_late(confirmed):
    cancelled = cancel_by_institution(confirmed, hours_before=48)

    with pytest.raises(BookingConflict):
        late_cancellation_travel_report(
            booking=cancelled, actor=confirmed.mediator.user, travel_km=10
        )

    assert not Allowance.objects.exists()


def test_only_the_assigned_mediator_reports_the_travel(confirmed):
    cancelled = cancel_by_institution(confirmed, hours_before=1)
    other = MediatorFactory(pool=confirmed.pool)

    with pytest.raises(PermissionDenied):
        late_cancellation_travel_report(booking=cancelled, actor=other.user, travel_km=10)

    assert Allowance.objects.get().amount_cents == 2250


# --- the mediator cancels -----------------------------------------------------------------


def test_a_mediators_cancellation_reopens_the_booking_at_once(confirmed):
    mediator, sequence = confirmed.mediator, confirmed.sequence

    # When the mediator gives the appointment back, even late
    cancelled = booking_cancel(
        booking=confirmed,
        actor=mediator.user,
        reason="Krank geworden",
        now=STARTS - 2 * HOURS,
    )

    # Then the booking is requested again, without a mediator, with a new calendar sequence
    assert cancelled.status == Status.REQUESTED
    assert cancelled.mediator is None
    assert cancelled.confirmed_at is None
    assert cancelled.sequence == sequence + 1
    event = confirmed.events.get()
    assert (event.from_status, event.to_status, event.actor_role, event.reason) == (
        Status.CONFIRMED,
        Status.REQUESTED,
        ActorRole.MEDIATOR,
        "Krank geworden",
    )
    assert event.data["mediator_cancelled"] is True
    assert event.data["mediator_id"] == mediator.pk
    # and nothing is paid for a cancellation by the mediator
    assert not Allowance.objects.exists()


def test_a_mediator_cannot_cancel_someone_elses_booking(confirmed):
    other = MediatorFactory(pool=confirmed.pool)

    with pytest.raises(BookingConflict):
        booking_cancel(
            booking=confirmed, actor=other.user, reason="Versehen", now=STARTS - 48 * HOURS
        )

    mediator_id = confirmed.mediator_id
    confirmed.refresh_from_db()
    assert (confirmed.status, confirmed.mediator_id) == (Status.CONFIRMED, mediator_id)
    assert not BookingEvent.objects.exists()


# --- a stale copy: the values come from the locked row ------------------------------------


@pytest.fixture
def with_address(confirmed):
    """The institution has an address, so it hears of the changes as well."""
    confirmed.institution.email = "sekretariat@example.org"
    confirmed.institution.save(update_fields=["email"])
    return confirmed


def give_back(booking, *, hours_before=48):
    return booking_cancel(
        booking=Booking.objects.get(pk=booking.pk),  # another copy, e.g. another request's
        actor=booking.mediator.user,
        reason="Krank geworden",
        now=STARTS - hours_before * HOURS,
    )


def test_a_cancellation_from_a_stale_copy_after_a_give_back_is_not_late_and_pays_nothing(
    confirmed, with_address
):
    # Given a page that loaded the confirmed booking, and the mediator gives it back meanwhile
    stale, sequence = Booking.objects.get(pk=confirmed.pk), confirmed.sequence
    give_back(confirmed)
    earlier = list(Message.objects.values_list("pk", flat=True))

    # When a coordinator cancels late from the copy they loaded before
    cancelled = booking_cancel(
        booking=stale,
        actor=coordinator_of(confirmed.pool).user,
        reason="Schule geschlossen",
        now=STARTS - 2 * HOURS,
    )

    # Then nobody held the booking: the cancellation is not late and pays nothing
    assert (cancelled.status, cancelled.mediator_id) == (Status.CANCELLED, None)
    assert cancelled.late_cancellation is False
    event = BookingEvent.objects.get(booking=confirmed, to_status=Status.CANCELLED)
    assert (event.from_status, event.data) == (Status.REQUESTED, {"late": False})
    assert not Allowance.objects.exists()
    # and the sequence is the give-back's (it rose once; no invitation went out since),
    # which the institution's message carries
    assert cancelled.sequence == sequence + 1
    assert stale.sequence == sequence + 1  # the caller's copy is in step again
    [message] = Message.objects.exclude(pk__in=earlier)
    assert (message.kind, message.context["side"]) == (MessageKind.BOOKING_CANCELLED, "institution")
    assert message.booking_sequence == sequence + 1


def test_a_cancellation_from_a_stale_copy_sends_the_cancel_with_a_new_sequence(
    confirmed, with_address
):
    # Given a page that loaded the booking while the first mediator held it; they gave it
    # back, a coordinator assigned a second mediator, and both sides got the invitation
    stale, sequence = Booking.objects.get(pk=confirmed.pk), confirmed.sequence
    give_back(confirmed)
    second = make_mediator(confirmed.pool, language=confirmed.language)
    booking_assign(
        booking=Booking.objects.get(pk=confirmed.pk),
        mediator=second,
        actor=coordinator_of(confirmed.pool).user,
        now=STARTS - 47 * HOURS,
    )
    invitations = Message.objects.filter(kind=MessageKind.BOOKING_CONFIRMED)
    assert {m.booking_sequence for m in invitations} == {sequence + 1}
    invitations.update(status=MessageStatus.SENT, sent_at=STARTS - 47 * HOURS)  # delivered
    earlier = list(Message.objects.values_list("pk", flat=True))

    # When the institution cancels late from the copy it loaded before
    cancelled = cancel_by_institution(stale, hours_before=2)

    # Then both sides get a CANCEL whose SEQUENCE is above that of the invitation they have
    assert cancelled.sequence == sequence + 2
    cancels = Message.objects.exclude(pk__in=earlier)
    assert {(m.kind, m.context["side"], m.context["calendar"]) for m in cancels} == {
        (MessageKind.BOOKING_CANCELLED, "institution", True),
        (MessageKind.BOOKING_CANCELLED, "mediator", True),
    }
    assert cancels.get(context__side="mediator").context["mediator_id"] == second.pk
    for message in cancels:
        assert message.status == MessageStatus.PENDING
        assert message.booking_sequence == sequence + 2
        assert f"SEQUENCE:{sequence + 2}".encode() in message.rendered
    # and the late fee goes to the mediator who held the booking
    assert cancelled.late_cancellation is True
    assert Allowance.objects.get().mediator == second


def test_a_give_back_from_a_stale_copy_leaves_the_next_mediators_booking_alone(confirmed):
    # Given the first mediator's page, loaded before they gave the booking back; a second
    # mediator now holds it
    stale = Booking.objects.get(pk=confirmed.pk)
    first = confirmed.mediator
    give_back(confirmed)
    second = MediatorFactory(pool=confirmed.pool)
    Booking.objects.filter(pk=confirmed.pk).update(status=Status.CONFIRMED, mediator=second)
    events = BookingEvent.objects.count()

    # When the first mediator gives it back again from that page
    with pytest.raises(BookingConflict):
        booking_cancel(booking=stale, actor=first.user, reason="Doppelt geklickt")

    # Then the second mediator keeps it, and nothing is recorded
    confirmed.refresh_from_db()
    assert (confirmed.status, confirmed.mediator) == (Status.CONFIRMED, second)
    assert BookingEvent.objects.count() == events
