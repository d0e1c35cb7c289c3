"""A conflict of interest is a hard protection. Declared, it releases the mediator from every
confirmed booking of that case still ahead - in the declaration's transaction, the way a
change of time that breaks a rule does: back to ``requested``, the mediator told with the
calendar cancellation, the institution told a new mediator is needed (for "the pool's
rules", never the conflict), matching again after the commit. Their standbys on the case go
too. Other cases, and appointments already past, stay as they are. Lifted, a conflict no
longer binds matching; the record stays as history."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from bookings.constants import OfferStatus, ReleaseReason, RescheduleOutcome, Status
from bookings.matching.facts import is_eligible
from bookings.models import AccessLog, Offer, Standby
from core.constants import ActorRole
from mediators.models import ConflictOfInterest
from mediators.services import conflict_declare, conflict_lift
from notifications.constants import MessageKind
from notifications.models import Message
from tests.bookings.factories import BookingFactory
from tests.bookings.lifecycle import berlin
from tests.bookings.test_reschedule_rechecks import (
    MONDAY,
    NOW,
    TUESDAY,
    confirmed,
    coordinator,
    mediator_with,
    text_of,
)
from tests.clock import frozen
from tests.institutions.factories import PoolFactory
from tests.notifications.icalcheck import calendar_parts

pytestmark = [pytest.mark.django_db, frozen(NOW)]

CASE = "AZ 1/27"


def declare(booking, mediator, *, by=None, case=CASE):
    return conflict_declare(
        mediator=mediator,
        institution=booking.institution,
        case_reference=case,
        recorded_by=(by or coordinator(booking.pool)).user,
        reason="kennt die Familie",
        now=NOW,
    )


def test_declaring_a_conflict_releases_the_mediator_from_a_confirmed_booking_of_the_case(
    django_capture_on_commit_callbacks,
):
    # Given a mediator confirmed for a booking of the case, and someone else who could go
    pool = PoolFactory()
    mediator = mediator_with(pool, language="en")
    booking = confirmed(mediator, case_reference=CASE)
    other = mediator_with(pool)
    before = Message.objects.count()
    user = coordinator(pool).user
    changes = AccessLog.objects.filter(booking=booking, action="change", user=user)
    assigned = changes.count()  # the assignment

    # When a coordinator declares the mediator's conflict of interest for that case
    with django_capture_on_commit_callbacks() as after_commit:
        declare(booking, mediator)

    # Then the mediator is released through the state machine, for "the pool's rules"
    booking.refresh_from_db()
    assert (booking.mediator_id, booking.confirmed_at) == (None, None)
    event = booking.events.get(from_status=Status.CONFIRMED, to_status=Status.REQUESTED)
    assert event.actor_role == ActorRole.COORDINATOR
    assert event.data["outcome"] == RescheduleOutcome.MEDIATOR_RELEASED
    assert event.data["broken_rules"] == ["conflict_of_interest"]
    assert event.data["release_reasons"] == [ReleaseReason.RULES]
    assert "rescheduled" not in event.data
    assert booking.sequence == 1  # confirmed 0, released 1: the calendars follow
    assert Message.objects.count() == before + 2
    # the mediator is told, with the calendar cancellation
    cancelled = Message.objects.get(kind=MessageKind.BOOKING_CANCELLED, booking=booking)
    assert cancelled.recipient_user == mediator.user
    assert "You are no longer booked for this appointment." in text_of(cancelled)
    assert calendar_parts(bytes(cancelled.rendered))["method_param"] == "CANCEL"
    # the institution hears that a new mediator is needed, and why only in general words
    reopened = Message.objects.get(kind=MessageKind.BOOKING_REOPENED, booking=booking)
    text = text_of(reopened)
    assert reopened.recipient_user == booking.institution.staff.first().user
    with translation.override(reopened.language):
        assert str(ReleaseReason.RULES.label) in text
    assert "Interessenkonflikt" not in text and "conflict" not in text.lower()
    assert "kennt die Familie" not in text
    # matching runs after the commit and asks the other mediator, not the released one
    assert booking.status == Status.REQUESTED
    for callback in after_commit:
        callback()
    booking.refresh_from_db()
    assert booking.status == Status.OFFERED
    assert list(
        Offer.objects.filter(booking=booking, status=OfferStatus.PENDING).values_list(
            "mediator_id", flat=True
        )
    ) == [other.pk]
    # and the access log names the release and the declaration
    assert changes.count() == assigned + 1
    assert AccessLog.objects.filter(
        action="change", what="conflict of interest declared", user_ids=f",{mediator.user_id},"
    ).exists()


def test_the_mediators_other_cases_and_past_appointments_stay_as_they_are():
    pool = PoolFactory()
    mediator = mediator_with(pool)
    booking = confirmed(mediator, case_reference=CASE)
    # the same reference at another institution is another case
    elsewhere = confirmed(mediator, starts_at=TUESDAY, case_reference=CASE)
    another_case = confirmed(mediator, starts_at=MONDAY + datetime.timedelta(days=2),
                             case_reference="AZ 2/27", pool=pool)  # fmt: skip
    past = BookingFactory(
        institution=booking.institution,
        location=booking.location,
        language=booking.language,
        case_reference=CASE,
        starts_at=berlin(2027, 2, 22, 9, 0),
        status=Status.CONFIRMED,
        mediator=mediator,
        confirmed_at=berlin(2027, 2, 1, 9, 0),
    )

    declare(booking, mediator)

    booking.refresh_from_db()
    assert (booking.status, booking.mediator_id) != (Status.CONFIRMED, mediator.pk)
    for kept in (elsewhere, another_case, past):
        kept.refresh_from_db()
        assert (kept.status, kept.mediator_id) == (Status.CONFIRMED, mediator.pk)
        assert not kept.events.filter(to_status=Status.REQUESTED).exists()


def test_declaring_a_conflict_releases_the_mediators_standby_on_that_case():
    pool = PoolFactory()
    holder = mediator_with(pool)
    booking = confirmed(holder, case_reference=CASE)
    standing_by = mediator_with(pool)
    Standby.objects.filter(booking=booking).delete()
    standby = Standby.objects.create(booking=booking, mediator=standing_by)

    declare(booking, standing_by)

    standby.refresh_from_db()
    assert standby.released_at == NOW
    booking.refresh_from_db()
    assert (booking.status, booking.mediator_id) == (Status.CONFIRMED, holder.pk)


def test_a_lifted_conflict_no_longer_binds_matching_and_the_case_can_be_declared_again():
    pool = PoolFactory()
    mediator = mediator_with(pool)
    booking = BookingFactory(
        institution=confirmed(mediator_with(pool), case_reference=CASE).institution,
        case_reference=CASE,
        starts_at=TUESDAY,
        status=Status.REQUESTED,
    )
    booking.language = booking.institution.bookings.first().language
    booking.location = booking.institution.bookings.first().location
    booking.save()
    conflict = declare(booking, mediator)
    assert not is_eligible(booking, mediator, now=NOW)

    conflict_lift(conflict=conflict, lifted_by=coordinator(pool).user, now=NOW)
    assert is_eligible(booking, mediator, now=NOW)

    again = declare(booking, mediator)
    assert again.pk != conflict.pk
    assert not is_eligible(booking, mediator, now=NOW)
    assert ConflictOfInterest.objects.filter(mediator=mediator).count() == 2
    assert list(ConflictOfInterest.objects.active().filter(mediator=mediator)) == [again]


@pytest.mark.postgres  # the constraint treats a missing institution as equal (NULLS NOT DISTINCT)
def test_the_database_refuses_two_active_conflicts_for_one_case():
    pool = PoolFactory()
    mediator = mediator_with(pool)
    booking = confirmed(mediator_with(pool), case_reference=CASE)
    first = declare(booking, mediator)

    with pytest.raises(IntegrityError), transaction.atomic():
        ConflictOfInterest.objects.create(
            mediator=mediator, institution=booking.institution, case_reference=" az 1/27 "
        )

    assert list(ConflictOfInterest.objects.filter(mediator=mediator)) == [first]
