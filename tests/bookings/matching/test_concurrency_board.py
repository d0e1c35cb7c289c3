"""Taking from the open requests board is safe under concurrency (PostgreSQL, real threads,
real row locks): fifty mediators take one unfilled request at the same moment through the
API; exactly one wins (200), the other 49 get 409, the booking is confirmed once, with one
event and one confirmation for each side."""

from __future__ import annotations

import datetime
from collections import Counter

import pytest
from django.db import connection

from bookings.constants import OfferStatus, Status
from bookings.models import Booking, BookingEvent, Offer
from notifications.constants import MessageKind
from notifications.models import Message
from tests.clock import frozen

from .scenario import DAY, NOW, at, bulk_mediators, make_booking, make_pool
from .test_concurrency import CROWD, ROUNDS, post_all_at_once, with_email

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    frozen(NOW),
]


def test_fifty_simultaneous_takes_confirm_the_request_exactly_once():
    assert connection.vendor == "postgresql"
    pool = make_pool()
    mediators = with_email(bulk_mediators(pool, CROWD, prefix="takers"))
    for round_ in range(ROUNDS):
        booking = make_booking(
            pool, starts_at=at(DAY + datetime.timedelta(days=round_)), status=Status.UNFILLED
        )
        booking.institution.email = "schule@example.org"
        booking.institution.save(update_fields=["email"])

        codes = post_all_at_once(
            [(m.user, f"/api/v1/open-requests/{booking.pk}/take/") for m in mediators]
        )

        assert Counter(codes) == {200: 1, 409: CROWD - 1}, f"round {round_}: {Counter(codes)}"
        booking = Booking.objects.get(pk=booking.pk)
        winner = Offer.objects.get(booking=booking)  # the taker's, and nobody else's
        assert winner.status == OfferStatus.ACCEPTED
        assert booking.status == Status.CONFIRMED and booking.mediator_id == winner.mediator_id
        assert codes[[m.pk for m in mediators].index(winner.mediator_id)] == 200
        assert BookingEvent.objects.filter(booking=booking, to_status=Status.CONFIRMED).count() == 1
        kinds = Counter(Message.objects.filter(booking=booking).values_list("kind", flat=True))
        assert kinds[MessageKind.BOOKING_CONFIRMED] == 2  # the institution and the winner
