"""Withdrawing the offers a mediator's change made ineligible never waits for a booking while
holding the mediator (PostgreSQL, a real second transaction, real row locks).

The change holds the mediator's row (it just wrote it); in the lock order the booking comes
first. A booking another transaction holds is therefore skipped inside the change's
transaction, and its offer is withdrawn right after the commit, once that booking is free.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from bookings.constants import OfferStatus, Status
from bookings.locking import lock_booking
from bookings.models import Offer
from bookings.services.offers import booking_match
from mediators.services import absence_create
from tests.clock import frozen

from .scenario import DAY, KEMPEN, NETTETAL, NOW, VIERSEN, make_booking, make_mediator, make_pool

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    frozen(NOW),
]


def test_a_busy_booking_is_skipped_in_the_change_and_its_offer_withdrawn_after_the_commit():
    pool = make_pool()
    pool.weight_fairness = pool.weight_preferences = pool.weight_reliability = 0
    pool.save()
    first, second, _ = (make_mediator(pool, home=h) for h in (VIERSEN, NETTETAL, KEMPEN))
    booking = make_booking(pool)
    booking_match(booking_id=booking.pk, now=NOW)
    offer = Offer.objects.get(booking=booking, status=OfferStatus.PENDING)
    assert offer.mediator_id == first.pk

    locked, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def hold_the_booking() -> None:
        try:
            with transaction.atomic():
                lock_booking(booking.pk)
                locked.set()
                release.wait(timeout=30)
        except BaseException as exc:  # noqa: BLE001 - reported to the test below
            errors.append(exc)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_booking)
    holder.start()
    assert locked.wait(timeout=30)
    try:
        with transaction.atomic():
            absence_create(mediator=first, starts_on=DAY, ends_on=DAY)
            offer.refresh_from_db()
            assert offer.status == OfferStatus.PENDING  # skipped, not waited for
            # The commit runs the retry, which waits for the booking: free it meanwhile.
            threading.Timer(0.5, release.set).start()
    finally:
        release.set()
        holder.join(timeout=30)
    assert not errors, errors

    offer.refresh_from_db()
    booking.refresh_from_db()
    assert offer.status == OfferStatus.WITHDRAWN
    assert booking.status == Status.OFFERED
    assert list(
        Offer.objects.filter(booking=booking, status=OfferStatus.PENDING).values_list(
            "mediator_id", flat=True
        )
    ) == [second.pk]
